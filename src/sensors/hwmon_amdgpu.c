/* sensors/hwmon_amdgpu.c - AMD GPU board power from the amdgpu hwmon device.
 *
 * Owns the "amdgpu" sensor: one channel "gpu-N" per hwmon device whose
 * `name` is "amdgpu", N counting those devices in hwmon order. amdgpu has no
 * energy counter in hwmon, only power in uW:
 *   - power1_average: the SMU's averaged socket power (all kernels that have
 *     it; older GPUs and kernels have only this one);
 *   - power1_input: instantaneous socket power (newer kernels and GPUs).
 * We prefer power1_average when both exist, since energy is integrated as
 * power x dt over the sampling interval and an average is the better
 * estimate of it than one instant.
 *
 * A runtime-suspended GPU answers EPERM (newer kernels do not wake it up to
 * read power): the channel then reports status -EPERM and 0 J for that
 * interval. On older kernels, reading the file resumes the GPU, which costs
 * power: callers sampling often on laptops with a dGPU should know.
 *
 * init opens one file per GPU; read() does one pread per GPU and allocates
 * nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/parse.h"
#include "sensors/hwmon.h"
#include "sensors/registry.h"

typedef struct amdgpu_sensor {
	cs_sensor base;  /* must be first */
	cs_kfile *power; /* one per channel: power1_average or power1_input */
} amdgpu_sensor;

static void amdgpu_destroy(cs_sensor *base)
{
	amdgpu_sensor *s = (amdgpu_sensor *)base;

	if (!s)
		return;
	for (size_t i = 0; s->power && i < s->base.nchannels; i++)
		cs_kfile_close(&s->power[i]);
	free(s->power);
	free(s->base.channels);
	free(s);
}

static int amdgpu_init(const cs_sensor_env *env, cs_sensor **out, char *why, size_t whycap)
{
	static const char *const power_files[] = {"power1_average", "power1_input"};
	char dir[320], rel[128], denied[320] = "";
	unsigned *hw = NULL;
	size_t nhw = 0, ncards = 0, nopen = 0;
	amdgpu_sensor *s = NULL;
	int rc;

	rc = cs_hwmon_find(env->io, "amdgpu", dir, sizeof(dir), &hw, &nhw, why, whycap);
	if (rc)
		return rc;
	s = calloc(1, sizeof(*s));
	if (s) {
		s->base.ops = &cs_amdgpu_ops;
		s->base.channels = calloc(nhw ? nhw : 1, sizeof(*s->base.channels));
		s->power = calloc(nhw ? nhw : 1, sizeof(*s->power));
	}
	if (!s || !s->base.channels || !s->power) {
		cs_set_why(why, whycap, "out of memory reading %s", dir);
		rc = CS_ENOMEM;
		goto err;
	}
	for (size_t i = 0; i < nhw; i++) {
		cs_kfile *f = &s->power[nopen];
		cs_channel *ch = &s->base.channels[nopen];

		ncards++;
		rc = -ENOENT;
		for (size_t p = 0; p < 2 && rc == -ENOENT; p++) {
			snprintf(rel, sizeof(rel), CS_HWMON_DIR "/hwmon%u/%s", hw[i], power_files[p]);
			rc = cs_kfile_open(f, env->io, CS_ROOT_SYSFS, rel);
		}
		if (rc == -EACCES || rc == -EPERM) {
			/* Unusual (these files are 0444): say so if no card works. */
			snprintf(denied, sizeof(denied), "%s", f->path);
			continue;
		}
		if (rc) /* no power file (some APUs) or gone: not this card */
			continue;
		/* No probe read: a suspended GPU answers EPERM, which is not a
		 * reason to give up on it. Numbered in hwmon order among amdgpus. */
		snprintf(ch->name, sizeof(ch->name), "gpu-%zu", ncards - 1);
		ch->comp = CS_COMP_GPU;
		ch->source = "amdgpu";
		ch->in_total = true;
		ch->measured = true;
		nopen++;
		s->base.nchannels = nopen;
	}
	if (nopen == 0) {
		if (denied[0]) {
			cs_set_why(why, whycap,
			           "%s is not readable: run carbonstat as root or grant it CAP_DAC_READ_SEARCH "
			           "(setcap cap_dac_read_search+ep $(command -v carbonstat))",
			           denied);
			rc = -EACCES;
		} else if (ncards) {
			cs_set_why(why, whycap, "amdgpu devices under %s have no power1_average or power1_input", dir);
			rc = CS_EUNAVAIL;
		} else {
			cs_set_why(why, whycap, "no hwmon device named amdgpu under %s", dir);
			rc = CS_EUNAVAIL;
		}
		goto err;
	}
	rc = 0; /* a card skipped above may have left its error here */
err:
	free(hw);
	return cs_sensor_init_end(s ? &s->base : NULL, rc, out);
}

static int amdgpu_read(cs_sensor *base, double now_s, double dt_s)
{
	amdgpu_sensor *s = (amdgpu_sensor *)base;
	int first_err = 0;
	bool any_ok = false;

	(void)now_s;
	for (size_t i = 0; i < s->base.nchannels; i++) {
		cs_channel *ch = &s->base.channels[i];
		uint64_t uw;
		int rc = cs_kfile_read_u64(&s->power[i], &uw);

		ch->status = rc;
		ch->energy_j = 0.0;
		ch->power_w = 0.0;
		if (rc) {
			if (!first_err)
				first_err = rc;
			continue;
		}
		any_ok = true;
		ch->power_w = (double)uw / 1e6;
		if (dt_s > 0.0)
			ch->energy_j = ch->power_w * dt_s;
	}
	return any_ok ? 0 : first_err;
}

const cs_sensor_ops cs_amdgpu_ops = {
    .name = "amdgpu",
    .init = amdgpu_init,
    .read = amdgpu_read,
    .destroy = amdgpu_destroy,
};
