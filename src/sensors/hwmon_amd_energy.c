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
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/parse.h"
#include "sensors/registry.h"

#define HWMON_DIR "class/hwmon"

typedef struct amd_energy_sensor {
	cs_sensor base;  /* must be first */
	cs_counter *ctr; /* one per channel */
} amd_energy_sensor;

static void set_why(char *why, size_t whycap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_why(char *why, size_t whycap, const char *fmt, ...)
{
	va_list ap;

	if (!why || whycap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whycap, fmt, ap);
	va_end(ap);
}

static int uint_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* Appends v to a growing array. */
static int push_uint(unsigned **arr, size_t *n, size_t *cap, unsigned v)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		unsigned *grown = realloc(*arr, ncap * sizeof(**arr));

		if (!grown)
			return CS_ENOMEM;
		*arr = grown;
		*cap = ncap;
	}
	(*arr)[(*n)++] = v;
	return 0;
}

/* Numbers K of the entries "<prefix>K<suffix>" in dir, sorted. */
static int list_numbered(const char *dir, const char *prefix, const char *suffix, unsigned **out, size_t *nout)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned *arr = NULL;
	size_t n = 0, cap = 0, np = strlen(prefix), ns = strlen(suffix);

	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char num[16];
		unsigned v;

		if (len <= np + ns || len - np - ns >= sizeof(num) || strncmp(de->d_name, prefix, np) != 0 ||
		    strcmp(de->d_name + len - ns, suffix) != 0)
			continue;
		memcpy(num, de->d_name + np, len - np - ns);
		num[len - np - ns] = '\0';
		if (cs_parse_uint_range(num, 0, 1000000, &v) != 0)
			continue;
		if (push_uint(&arr, &n, &cap, v) != 0) {
			free(arr);
			closedir(d);
			return CS_ENOMEM;
		}
	}
	closedir(d);
	if (n > 0)
		qsort(arr, n, sizeof(*arr), uint_cmp);
	*out = arr;
	*nout = n;
	return 0;
}

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

static void amd_energy_destroy(cs_sensor *base)
{
	amd_energy_sensor *s = (amd_energy_sensor *)base;

	if (!s)
		return;
	for (size_t i = 0; s->ctr && i < s->base.nchannels; i++)
		cs_kfile_close(&s->ctr[i].file);
	free(s->ctr);
	free(s->base.channels);
	free(s);
}

/* Grows the channel and counter arrays of s to hold at least want. */
static int reserve(amd_energy_sensor *s, size_t *cap, size_t want)
{
	cs_channel *ch;
	cs_counter *ctr;
	size_t ncap;

	if (want <= *cap)
		return 0;
	ncap = want > *cap * 2 ? want : *cap * 2;
	ch = realloc(s->base.channels, ncap * sizeof(*ch));
	if (!ch)
		return CS_ENOMEM;
	s->base.channels = ch;
	ctr = realloc(s->ctr, ncap * sizeof(*ctr));
	if (!ctr)
		return CS_ENOMEM;
	s->ctr = ctr;
	memset(ch + *cap, 0, (ncap - *cap) * sizeof(*ch));
	memset(ctr + *cap, 0, (ncap - *cap) * sizeof(*ctr));
	*cap = ncap;
	return 0;
}

/* Adds the energy inputs of one amd_energy device. */
static int add_device(amd_energy_sensor *s, size_t *cap, cs_io *io, unsigned hwmon, char *why, size_t whycap)
{
	char rel[128], dir[320], label[32];
	unsigned *inputs = NULL;
	size_t n = 0;
	int rc;

	snprintf(rel, sizeof(rel), HWMON_DIR "/hwmon%u", hwmon);
	rc = cs_io_path(io, CS_ROOT_SYSFS, rel, dir, sizeof(dir));
	if (rc == 0)
		rc = list_numbered(dir, "energy", "_input", &inputs, &n);
	if (rc) {
		set_why(why, whycap, "cannot list %s: %s", dir, cs_strerror(rc));
		return rc;
	}
	rc = reserve(s, cap, s->base.nchannels + n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		size_t k = s->base.nchannels;
		cs_channel *ch = &s->base.channels[k];
		cs_counter *c = &s->ctr[k];
		cs_component comp = CS_COMP_OTHER;
		unsigned idx = 0;
		uint64_t probe;

		snprintf(rel, sizeof(rel), HWMON_DIR "/hwmon%u/energy%u_label", hwmon, inputs[i]);
		if (cs_io_read_line(io, CS_ROOT_SYSFS, rel, label, sizeof(label)) != 0 ||
		    parse_label(label, &comp, &idx) != 0)
			comp = CS_COMP_OTHER;
		snprintf(rel, sizeof(rel), HWMON_DIR "/hwmon%u/energy%u_input", hwmon, inputs[i]);
		rc = cs_kfile_open(&c->file, io, CS_ROOT_SYSFS, rel);
		if (rc == 0)
			rc = cs_kfile_read_u64(&c->file, &probe);
		if (rc == -EACCES || rc == -EPERM) {
			set_why(why, whycap,
			        "%s is readable by root only: run carbonstat as root or grant it "
			        "CAP_DAC_READ_SEARCH (setcap cap_dac_read_search+ep $(command -v carbonstat))",
			        c->file.path);
			cs_kfile_close(&c->file);
			break;
		}
		rc = 0;
		if (c->file.fd < 0)
			continue; /* vanished since the listing: skip */
		c->max_uj = 0;    /* 64-bit accumulated by the driver: never wraps */
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
	char dir[320], rel[128], name[64];
	unsigned *hw = NULL;
	size_t nhw = 0, cap = 0, ndev = 0;
	amd_energy_sensor *s;
	int rc;

	rc = cs_io_path(env->io, CS_ROOT_SYSFS, HWMON_DIR, dir, sizeof(dir));
	if (rc == 0)
		rc = list_numbered(dir, "hwmon", "", &hw, &nhw);
	if (rc == -ENOENT || rc == -ENOTDIR) {
		set_why(why, whycap, "no %s: no hwmon devices here", dir);
		return CS_EUNAVAIL;
	}
	if (rc) {
		set_why(why, whycap, "cannot list %s: %s", dir, cs_strerror(rc));
		return rc;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		free(hw);
		set_why(why, whycap, "out of memory reading %s", dir);
		return CS_ENOMEM;
	}
	s->base.ops = &cs_amd_energy_ops;
	for (size_t i = 0; i < nhw; i++) {
		snprintf(rel, sizeof(rel), HWMON_DIR "/hwmon%u/name", hw[i]);
		if (cs_io_read_line(env->io, CS_ROOT_SYSFS, rel, name, sizeof(name)) != 0 ||
		    strcmp(name, "amd_energy") != 0)
			continue;
		ndev++;
		rc = add_device(s, &cap, env->io, hw[i], why, whycap);
		if (rc)
			goto err;
	}
	if (s->base.nchannels == 0) {
		if (ndev == 0)
			set_why(why, whycap,
			        "no hwmon device named amd_energy under %s (module not loaded; on Linux >= 5.8 "
			        "the rapl sensor reads AMD energy from powercap)",
			        dir);
		else
			set_why(why, whycap, "the amd_energy device under %s has no energy inputs", dir);
		rc = CS_EUNAVAIL;
		goto err;
	}
	free(hw);
	*out = &s->base;
	return 0;
err:
	free(hw);
	amd_energy_destroy(&s->base);
	return rc;
}

static int amd_energy_read(cs_sensor *base, double now_s, double dt_s)
{
	amd_energy_sensor *s = (amd_energy_sensor *)base;
	int first_err = 0;
	bool any_ok = false;

	(void)now_s;
	for (size_t i = 0; i < s->base.nchannels; i++) {
		int rc = cs_counter_read(&s->ctr[i], &s->base.channels[i], dt_s);

		if (rc == 0)
			any_ok = true;
		else if (!first_err)
			first_err = rc;
	}
	return any_ok ? 0 : first_err;
}

const cs_sensor_ops cs_amd_energy_ops = {
    .name = "amd_energy",
    .init = amd_energy_init,
    .read = amd_energy_read,
    .destroy = amd_energy_destroy,
};
