/* sensors/hwmon_amd_energy.c - AMD Zen energy from the amd_energy hwmon driver.
 *
 * Owns the "amd_energy" sensor. The driver (out of tree on recent kernels;
 * powercap RAPL covers AMD since 5.8, see registry.h for which to use) is a
 * hwmon device <sysfs>/class/hwmon/hwmonN whose `name` is "amd_energy", with
 * one energyK_input (uJ) per core and per socket and an energyK_label
 * telling which: "Ecore000", "Ecore001", ... then "Esocket0", "Esocket1".
 *
 * The driver accumulates the 32-bit MSRs into 64-bit counters, so the inputs
 * never wrap in practice: a drop is a reset (max_uj 0 in cs_counter).
 * Sockets are in the host total; cores are inside their socket and are
 * reported only. Like RAPL, the inputs are readable by root only on patched
 * kernels (CVE-2020-12912): init then fails with the way to grant access.
 *
 * init opens every input once; read() does one pread per input and
 * allocates nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/parse.h"
#include "sensors/hwmon.h"
#include "sensors/registry.h"

typedef cs_counter_sensor amd_energy_sensor; /* one counter per channel */

/* Parses an amd_energy label: "Esocket<N>" -> package N (in total),
 * "Ecore<NNN>" -> core NNN (inside its socket). Anything else is CS_EINVAL:
 * the input is then reported as "energy<K>" and not counted. */
static int parse_label(const char *label, cs_component *comp, unsigned *idx)
{
	const char *digits;

	if (strncmp(label, "Esocket", 7) == 0) {
		*comp = CS_COMP_PACKAGE;
		digits = label + 7;
	} else if (strncmp(label, "Ecore", 5) == 0) {
		*comp = CS_COMP_CORE;
		digits = label + 5;
	} else {
		return CS_EINVAL;
	}
	/* Digits only (no sign, no blank), at most 6 of them. */
	if (*digits < '0' || *digits > '9' || strlen(digits) > 6)
		return CS_EINVAL;
	return cs_parse_uint_range(digits, 0, 999999, idx);
}

/* Adds the energy inputs of one amd_energy device. */
static int add_device(amd_energy_sensor *s, size_t *cap, cs_io *io, unsigned hwmon, char *why, size_t whycap)
{
	char rel[128], dir[320], label[32];
	unsigned *inputs = NULL;
	size_t n = 0;
	int rc;

	snprintf(rel, sizeof(rel), CS_HWMON_DIR "/hwmon%u", hwmon);
	rc = cs_io_path(io, CS_ROOT_SYSFS, rel, dir, sizeof(dir));
	if (rc == 0)
		rc = cs_hwmon_list_numbered(dir, "energy", "_input", &inputs, &n);
	if (rc) {
		cs_set_why(why, whycap, "cannot list %s: %s", dir, cs_strerror(rc));
		return rc;
	}
	rc = cs_counter_sensor_reserve(s, cap, s->base.nchannels + n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		size_t k = s->base.nchannels;
		cs_channel *ch = &s->base.channels[k];
		cs_counter *c = &s->ctr[k];
		cs_component comp = CS_COMP_OTHER;
		unsigned idx = 0;

		snprintf(rel, sizeof(rel), CS_HWMON_DIR "/hwmon%u/energy%u_label", hwmon, inputs[i]);
		if (cs_io_read_line(io, CS_ROOT_SYSFS, rel, label, sizeof(label)) != 0 ||
		    parse_label(label, &comp, &idx) != 0)
			comp = CS_COMP_OTHER;
		snprintf(rel, sizeof(rel), CS_HWMON_DIR "/hwmon%u/energy%u_input", hwmon, inputs[i]);
		rc = cs_counter_open(c, io, rel, why, whycap);
		if (rc == -EACCES || rc == -EPERM)
			break;
		if (rc) {
			rc = 0;
			continue; /* vanished since the listing: skip */
		}
		c->max_uj = 0; /* 64-bit accumulated by the driver: never wraps */
		if (comp == CS_COMP_PACKAGE)
			snprintf(ch->name, sizeof(ch->name), "package-%u", idx);
		else if (comp == CS_COMP_CORE)
			snprintf(ch->name, sizeof(ch->name), "core-%03u", idx);
		else
			snprintf(ch->name, sizeof(ch->name), "energy%u", inputs[i]);
		ch->comp = comp;
		ch->source = "amd_energy";
		ch->in_total = comp == CS_COMP_PACKAGE;
		ch->measured = true;
		s->base.nchannels = k + 1;
	}
	free(inputs);
	return rc;
}

static int amd_energy_init(const cs_sensor_env *env, cs_sensor **out, char *why, size_t whycap)
{
	char dir[320];
	unsigned *hw = NULL;
	size_t nhw = 0, cap = 0, ndev = 0;
	amd_energy_sensor *s;
	int rc;

	rc = cs_hwmon_find(env->io, "amd_energy", dir, sizeof(dir), &hw, &nhw, why, whycap);
	if (rc)
		return rc;
	if (cs_counter_sensor_new(&cs_amd_energy_ops, nhw, &s) < 0) {
		free(hw);
		cs_set_why(why, whycap, "out of memory reading %s", dir);
		return CS_ENOMEM;
	}
	cap = nhw ? nhw : 1;
	for (size_t i = 0; i < nhw; i++) {
		ndev++;
		rc = add_device(s, &cap, env->io, hw[i], why, whycap);
		if (rc)
			goto err;
	}
	if (s->base.nchannels == 0) {
		if (ndev == 0)
			cs_set_why(why, whycap,
			           "no hwmon device named amd_energy under %s (module not loaded; on Linux >= 5.8 "
			           "the rapl sensor reads AMD energy from powercap)",
			           dir);
		else
			cs_set_why(why, whycap, "the amd_energy device under %s has no energy inputs", dir);
		rc = CS_EUNAVAIL;
	}
err:
	free(hw);
	return cs_sensor_init_end(&s->base, rc, out);
}

const cs_sensor_ops cs_amd_energy_ops = CS_COUNTER_SENSOR_OPS("amd_energy", amd_energy_init);
