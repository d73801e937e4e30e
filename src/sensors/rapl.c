/* sensors/rapl.c - CPU and DRAM energy from RAPL through Linux powercap.
 *
 * Owns the "rapl" sensor: every zone under <sysfs>/class/powercap becomes a
 * channel with its energy_uj counter kept open and its max_energy_range_uj
 * for wraparound. The same tree serves Intel (intel_rapl_msr, and
 * intel-rapl-mmio from processor_thermal on newer laptops) and AMD (kernels
 * >= 5.8 register AMD's RAPL MSRs under intel-rapl too, with zone names
 * "package-N" and no dram).
 *
 * Layout (class/ entries are symlinks into devices/virtual/powercap/...):
 *   intel-rapl:N       name "package-N" (or "package-N-die-M"), or "psys"
 *   intel-rapl:N:M     subzones of a package: "core", "uncore", "dram"
 *   intel-rapl-mmio:N  "package-N" again, through MMIO
 *
 * Double counting, decided here because only this file knows the topology:
 *   - core and uncore are parts of their package: reported, in_total false;
 *   - dram is a sibling of the package (not inside it): in_total true;
 *   - psys (platform, laptops) covers package and dram: when a psys zone
 *     exists it is the total and package/dram are in_total false;
 *   - intel-rapl-mmio:N reads the same package energy as the MSR zone of the
 *     same name. We keep the MSR zone (it has the subzones, and it is what
 *     every other tool reads) and use an MMIO zone only when no MSR zone of
 *     that name exists (intel_rapl_msr not loaded). Source "rapl-mmio".
 *
 * energy_uj has been readable by root only since Linux 5.10 and in stable
 * kernels (CVE-2020-8694, Platypus): init fails with a message that says how
 * to grant access, so the caller can fall back to the model sensor.
 *
 * init opens every counter once; read() does one pread per counter and
 * allocates nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/parse.h"
#include "sensors/registry.h"

#define POWERCAP_DIR "class/powercap"

/* A zone found while scanning, before the channel array is built. */
typedef struct rapl_zone {
	char entry[64]; /* "intel-rapl:0:1" */
	char name[40];  /* contents of its name file */
	bool mmio;      /* intel-rapl-mmio:N */
	unsigned top;   /* N */
	int sub;        /* M, or -1 for a top-level zone */
	cs_component comp;
	uint64_t max_uj; /* max_energy_range_uj, 0 if unreadable */
	bool drop;       /* duplicate or unusable: no channel */
} rapl_zone;

typedef cs_counter_sensor rapl_sensor; /* one counter per channel */

/* ---- helpers ---------------------------------------------------------------- */

/* Parses "intel-rapl:N", "intel-rapl:N:M", "intel-rapl-mmio:N[:M]". */
static bool parse_entry(const char *e, rapl_zone *z)
{
	const char *p;
	char num[16];
	unsigned top, sub;
	size_t n;

	if (strncmp(e, "intel-rapl:", 11) == 0) {
		z->mmio = false;
		p = e + 11;
	} else if (strncmp(e, "intel-rapl-mmio:", 16) == 0) {
		z->mmio = true;
		p = e + 16;
	} else {
		return false;
	}
	n = strcspn(p, ":");
	if (n == 0 || n >= sizeof(num))
		return false;
	memcpy(num, p, n);
	num[n] = '\0';
	if (cs_parse_uint_range(num, 0, 65535, &top) != 0)
		return false;
	z->top = top;
	z->sub = -1;
	p += n;
	if (*p == ':') {
		if (cs_parse_uint_range(p + 1, 0, 65535, &sub) != 0)
			return false;
		z->sub = (int)sub;
	} else if (*p != '\0') {
		return false;
	}
	return true;
}

/* What a zone measures, by its name: top-level zones (package-N, psys, dram
 * on some servers) and subzones (core, uncore, dram). */
static const struct rapl_kind {
	bool sub;    /* a subzone name */
	bool prefix; /* name is a prefix ("package-" + N) */
	const char *name;
	cs_component comp;
} rapl_kinds[] = {
    {false, true, "package-", CS_COMP_PACKAGE}, {false, false, "psys", CS_COMP_PSYS},
    {false, false, "dram", CS_COMP_DRAM},       {true, false, "core", CS_COMP_CORE},
    {true, false, "uncore", CS_COMP_UNCORE},    {true, false, "dram", CS_COMP_DRAM},
};

static cs_component classify(const rapl_zone *z)
{
	for (size_t i = 0; i < sizeof(rapl_kinds) / sizeof(rapl_kinds[0]); i++) {
		const struct rapl_kind *k = &rapl_kinds[i];

		if (k->sub == (z->sub >= 0) &&
		    (k->prefix ? strncmp(z->name, k->name, strlen(k->name)) : strcmp(z->name, k->name)) == 0)
			return k->comp;
	}
	return CS_COMP_OTHER;
}

static int zone_cmp(const void *a, const void *b)
{
	const rapl_zone *x = a, *y = b;

	if (x->mmio != y->mmio)
		return x->mmio ? 1 : -1;
	if (x->top != y->top)
		return x->top < y->top ? -1 : 1;
	if (x->sub != y->sub)
		return x->sub < y->sub ? -1 : 1;
	return 0;
}

/* The top-level zone a subzone belongs to, or NULL. */
static const rapl_zone *parent_of(const rapl_zone *zones, size_t n, const rapl_zone *z)
{
	for (size_t i = 0; i < n; i++)
		if (zones[i].sub < 0 && zones[i].mmio == z->mmio && zones[i].top == z->top)
			return &zones[i];
	return NULL;
}

/* Channel name: the zone's own name at top level ("package-0", "psys");
 * for a subzone its name plus its package's suffix ("dram-1",
 * "core-0-die-1"), so names stay unique across sockets. */
static void channel_name(char *out, size_t cap, const rapl_zone *z, const rapl_zone *parent)
{
	/* Precisions keep every form within cs_channel.name (40): real names
	 * are short ("uncore-0-die-1"); a pathological one is cut, and the
	 * caller's uniqueness check applies to the cut name. */
	if (z->sub < 0)
		snprintf(out, cap, "%.39s", z->name);
	else if (parent && strncmp(parent->name, "package", 7) == 0)
		snprintf(out, cap, "%.12s%.27s", z->name, parent->name + 7);
	else
		snprintf(out, cap, "%.28s-%u", z->name, z->top);
}

static bool name_taken(const cs_channel *ch, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ch[i].name, name) == 0)
			return true;
	return false;
}

/* Lists the powercap zones into *out (heap, caller frees). */
static int scan_zones(cs_io *io, const char *dirpath, rapl_zone **out, size_t *nout)
{
	DIR *d = opendir(dirpath);
	struct dirent *de;
	rapl_zone *zones = NULL, *grown;
	size_t n = 0, cap = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		rapl_zone z;
		char rel[160];

		memset(&z, 0, sizeof(z));
		if (strlen(de->d_name) >= sizeof(z.entry) || !parse_entry(de->d_name, &z))
			continue;
		memcpy(z.entry, de->d_name, strlen(de->d_name) + 1);
		snprintf(rel, sizeof(rel), POWERCAP_DIR "/%s/name", z.entry);
		if (cs_io_read_line(io, CS_ROOT_SYSFS, rel, z.name, sizeof(z.name)) != 0 || z.name[0] == '\0')
			continue; /* not a zone we can name: skip it */
		snprintf(rel, sizeof(rel), POWERCAP_DIR "/%s/max_energy_range_uj", z.entry);
		if (cs_io_read_u64(io, CS_ROOT_SYSFS, rel, &z.max_uj) != 0)
			z.max_uj = 0; /* unknown range: a drop is a reset */
		z.comp = classify(&z);
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(zones, cap * sizeof(*zones));
			if (!grown) {
				free(zones);
				closedir(d);
				return CS_ENOMEM;
			}
			zones = grown;
		}
		zones[n++] = z;
	}
	closedir(d);
	if (n > 0)
		qsort(zones, n, sizeof(*zones), zone_cmp);
	*out = zones;
	*nout = n;
	return 0;
}

/* Drops MMIO zones that duplicate an MSR zone of the same name (and their
 * subzones). Returns the number of zones kept. */
static size_t plan_zones(rapl_zone *zones, size_t n)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		rapl_zone *z = &zones[i];
		const rapl_zone *top = z->sub < 0 ? z : parent_of(zones, n, z);

		if (z->mmio && top) {
			for (size_t j = 0; j < n; j++)
				if (!zones[j].mmio && zones[j].sub < 0 && strcmp(zones[j].name, top->name) == 0)
					z->drop = true;
		}
	}
	for (size_t i = 0; i < n; i++)
		kept += !zones[i].drop;
	return kept;
}

static bool in_total(cs_component c, bool has_psys)
{
	switch (c) {
	case CS_COMP_PSYS: return true;
	case CS_COMP_PACKAGE:
	case CS_COMP_DRAM: return !has_psys;
	default: return false; /* core, uncore: inside package; unknown: not counted */
	}
}

/* ---- ops ------------------------------------------------------------------ */

static int rapl_init(const cs_sensor_env *env, cs_sensor **out, char *why, size_t whycap)
{
	char dirpath[320], first_path[320] = "";
	rapl_zone *zones = NULL;
	rapl_sensor *s = NULL;
	size_t nz = 0, kept, nch = 0;
	bool has_psys = false;
	int rc, first_err = 0;

	rc = cs_io_path(env->io, CS_ROOT_SYSFS, POWERCAP_DIR, dirpath, sizeof(dirpath));
	if (rc) {
		cs_set_why(why, whycap, "sysfs root too long for %s", POWERCAP_DIR);
		return rc;
	}
	rc = scan_zones(env->io, dirpath, &zones, &nz);
	if (rc == -ENOENT || rc == -ENOTDIR || (rc == 0 && nz == 0)) {
		cs_set_why(why, whycap,
		           "no RAPL zones under %s (not an Intel/AMD host, intel_rapl_msr not loaded, or a VM)",
		           dirpath);
		free(zones);
		return CS_EUNAVAIL;
	}
	if (rc) {
		cs_set_why(why, whycap, "cannot list %s: %s", dirpath, cs_strerror(rc));
		return rc;
	}
	kept = plan_zones(zones, nz);

	if (cs_counter_sensor_new(&cs_rapl_ops, kept, &s) < 0) {
		cs_set_why(why, whycap, "out of memory opening %s", dirpath);
		rc = CS_ENOMEM;
		goto err;
	}
	for (size_t i = 0; i < nz; i++) {
		const rapl_zone *z = &zones[i];
		cs_channel *ch = &s->base.channels[nch];
		cs_counter *c = &s->ctr[nch];
		char rel[160];

		if (z->drop)
			continue;
		snprintf(rel, sizeof(rel), POWERCAP_DIR "/%s/energy_uj", z->entry);
		rc = cs_counter_open(c, env->io, rel, why, whycap);
		if (rc == -EACCES || rc == -EPERM)
			goto err;
		if (rc) {
			/* A zone without a counter (or gone since the scan): skip. */
			if (!first_err) {
				first_err = rc;
				snprintf(first_path, sizeof(first_path), "%s", c->file.path);
			}
			continue;
		}
		c->max_uj = z->max_uj;
		channel_name(ch->name, sizeof(ch->name), z, z->sub < 0 ? NULL : parent_of(zones, nz, z));
		if (name_taken(s->base.channels, nch, ch->name))
			snprintf(ch->name, sizeof(ch->name), "%.39s", z->entry); /* "intel-rapl:1" */
		ch->comp = z->comp;
		ch->source = z->mmio ? "rapl-mmio" : "rapl";
		ch->measured = true;
		nch++;
		s->base.nchannels = nch;
	}
	/* Decided on the channels we could open: a psys zone without a readable
	 * counter must not take packages and dram out of the total. */
	for (size_t i = 0; i < nch; i++)
		has_psys = has_psys || s->base.channels[i].comp == CS_COMP_PSYS;
	for (size_t i = 0; i < nch; i++)
		s->base.channels[i].in_total = in_total(s->base.channels[i].comp, has_psys);
	if (nch == 0) {
		rc = first_err ? first_err : CS_EUNAVAIL;
		if (first_err)
			cs_set_why(why, whycap, "%s: %s", first_path, cs_strerror(first_err));
		else
			cs_set_why(why, whycap, "no RAPL energy counters under %s", dirpath);
		goto err;
	}
	rc = 0; /* a zone skipped above may have left its error here */
err:
	free(zones);
	return cs_sensor_init_end(s ? &s->base : NULL, rc, out);
}

const cs_sensor_ops cs_rapl_ops = CS_COUNTER_SENSOR_OPS("rapl", rapl_init);
