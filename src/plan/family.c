/* plan/family.c - families, the catalog and the candidates (see family.h).
 *
 * The rules that leave families out are data, in the tables below, each
 * with the reason: a new provider series is a line here, not code.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <carbonstat/error.h>

#include "core/hash.h"
#include "core/index.h"
#include "core/str.h"
#include "core/why.h"
#include "data/lookup.h"
#include "plan/family.h"
#include "plan/perf.h"

/* Series (family names) with a flag, by provider. A trailing '*' matches
 * a tail that starts with a digit ("t*" is t1, t2, t3a, t4g but not trn1),
 * a trailing '+' any tail (Azure series have no digits: "B+" is BS, BMS). */
static const struct series_rule {
	cs_provider provider;
	const char *series;
	uint32_t flag;
	const char *why; /* for docs/plan.md and the reader */
} series_rules[] = {
    {CS_PROVIDER_AWS, "t*", PLAN_FAM_SHARED, "burstable: CPU credits, a baseline below one vCPU"},
    {CS_PROVIDER_AWS, "g*", PLAN_FAM_ACCEL, "NVIDIA/AMD GPUs (g2...g7e)"},
    {CS_PROVIDER_AWS, "gr*", PLAN_FAM_ACCEL, "NVIDIA GPUs (gr6)"},
    {CS_PROVIDER_AWS, "p*", PLAN_FAM_ACCEL, "NVIDIA GPUs (p2...p6)"},
    {CS_PROVIDER_AWS, "inf*", PLAN_FAM_ACCEL, "Inferentia"},
    {CS_PROVIDER_AWS, "trn*", PLAN_FAM_ACCEL, "Trainium"},
    {CS_PROVIDER_AWS, "dl*", PLAN_FAM_ACCEL, "Gaudi / Qualcomm AI 100"},
    {CS_PROVIDER_AWS, "f*", PLAN_FAM_ACCEL, "FPGAs"},
    {CS_PROVIDER_AWS, "vt*", PLAN_FAM_ACCEL, "video transcoding cards"},
    {CS_PROVIDER_AWS, "mac*", PLAN_FAM_MAC, "Apple hosts, a whole machine for 24 h at least"},
    {CS_PROVIDER_GCP, "a*", PLAN_FAM_ACCEL, "NVIDIA GPUs (a2, a3)"},
    {CS_PROVIDER_GCP, "g2", PLAN_FAM_ACCEL, "NVIDIA L4 GPUs"},
    {CS_PROVIDER_GCP, "f1", PLAN_FAM_SHARED, "shared-core (f1-micro)"},
    {CS_PROVIDER_GCP, "g1", PLAN_FAM_SHARED, "shared-core (g1-small)"},
    {CS_PROVIDER_AZURE, "B+", PLAN_FAM_SHARED, "burstable B-series"},
    {CS_PROVIDER_AZURE, "N+", PLAN_FAM_ACCEL, "GPUs and FPGAs (NC, ND, NV, NP)"},
};

static bool series_match(const char *pattern, const char *series)
{
	size_t n = strlen(pattern);

	if (n && pattern[n - 1] == '+')
		return !strncmp(pattern, series, n - 1);
	if (n && pattern[n - 1] == '*') {
		if (strncmp(pattern, series, n - 1))
			return false;
		/* the tail must start with a digit: "t*" is not "trn1" */
		return isdigit((unsigned char)series[n - 1]) != 0;
	}
	return !strcmp(pattern, series);
}

/* ---- names -------------------------------------------------------------- */

static bool aws_size(const char *s, size_t n)
{
	static const char *const sizes[] = {"nano", "micro", "small", "medium", "large", "xlarge", "metal"};
	size_t i = 0;

	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
		if (strlen(sizes[k]) == n && !strncmp(s, sizes[k], n))
			return true;
	if (n > 4 && !strncmp(s, "metal-", 6))
		return true;
	while (i < n && isdigit((unsigned char)s[i]))
		i++;
	return i > 0 && n - i == 6 && !strncmp(s + i, "xlarge", 6);
}

static void parse_aws(const char *name, char *family, size_t fcap, char *kind, size_t kcap, char *series, size_t scap)
{
	const char *tok[8];
	size_t len[8], nt = 0, size = 0;
	bool found = false;

	for (const char *p = name; *p && nt < 8;) {
		const char *e = strchr(p, '.');
		tok[nt] = p;
		len[nt] = e ? (size_t)(e - p) : strlen(p);
		nt++;
		p = e ? e + 1 : p + strlen(p);
	}
	for (size_t i = 1; i < nt; i++)
		if (aws_size(tok[i], len[i])) {
			size = i;
			found = true;
			break;
		}
	if (!found) {
		cs_strcpy_fit(family, fcap, name);
		cs_strcpy_fit(series, scap, name);
		return;
	}
	family[0] = '\0';
	for (size_t i = 0; i < nt; i++) {
		size_t fl = strlen(family);
		if (i == size)
			continue;
		snprintf(family + fl, fl < fcap ? fcap - fl : 0, "%s%.*s", fl ? "." : "", (int)len[i], tok[i]);
	}
	cs_memcpy_str(series, scap, tok[size - 1], len[size - 1]);
	if (size >= 2)
		cs_memcpy_str(kind, kcap, tok[0], len[0]); /* db., cache. */
	else if (size + 1 < nt)
		cs_memcpy_str(kind, kcap, tok[nt - 1], len[nt - 1]); /* .elasticsearch */
	else if (!strncmp(tok[size], "metal", 5))
		cs_strcpy_fit(kind, kcap, "metal");
}

static void parse_gcp(const char *name, char *family, size_t fcap, char *kind, size_t kcap)
{
	const char *dash = strchr(name, '-'), *last = strrchr(name, '-');

	cs_memcpy_str(family, fcap, name, dash ? (size_t)(dash - name) : strlen(name));
	if (!dash)
		return;
	if (!strcmp(last, "-lssd"))
		cs_strcpy_fit(kind, kcap, "lssd");
	else if (!strcmp(last, "-metal"))
		cs_strcpy_fit(kind, kcap, "metal");
	else if (!strcmp(dash, "-micro") || !strcmp(dash, "-small") || !strcmp(dash, "-medium"))
		cs_strcpy_fit(kind, kcap, "shared");
}

static void parse_azure(const char *name, char *family, size_t fcap, char *kind, size_t kcap)
{
	const char *p = name;
	size_t fl = 0;

	if (!strncasecmp(p, "standard_", 9))
		p += 9;
	else if (!strncasecmp(p, "basic_", 6))
		p += 6;
	/* letters, then the vCPU digits (dropped), then "-N" (constrained) */
	while (*p && isalpha((unsigned char)*p) && fl + 1 < fcap)
		family[fl++] = *p++;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '-' && isdigit((unsigned char)p[1])) {
		cs_strcpy_fit(kind, kcap, "constrained");
		p++;
		while (isdigit((unsigned char)*p))
			p++;
	}
	family[fl] = '\0';
	cs_strcpy_fit(family + fl, fcap - fl, p);
	fl = strlen(family);
	if (fl > 6 && !strcmp(family + fl - 6, "_Promo")) {
		family[fl - 6] = '\0';
		cs_strcpy_fit(kind, kcap, "promo");
	}
}

void plan_family_parse(cs_provider p, const char *name, char *family, size_t fcap, char *kind, size_t kcap,
                       uint32_t *flags)
{
	char series[48];

	kind[0] = '\0';
	*flags = 0;
	switch (p) {
	case CS_PROVIDER_AWS: parse_aws(name, family, fcap, kind, kcap, series, sizeof series); break;
	case CS_PROVIDER_GCP:
		parse_gcp(name, family, fcap, kind, kcap);
		cs_strcpy_fit(series, sizeof series, family);
		break;
	default:
		parse_azure(name, family, fcap, kind, kcap);
		cs_strcpy_fit(series, sizeof series, family);
		break;
	}
	if (!strcmp(kind, "shared"))
		*flags |= PLAN_FAM_SHARED;
	for (size_t i = 0; i < sizeof series_rules / sizeof series_rules[0]; i++)
		if (series_rules[i].provider == p && series_match(series_rules[i].series, series))
			*flags |= series_rules[i].flag;
}

/* ---- vendors ------------------------------------------------------------ */

static unsigned arch_vendor(const char *a, size_t n)
{
	static const char *const arm[] = {"Graviton",    "Axion", "Neoverse", "Ampere",
	                                  "Quicksilver", "Grace", "Apple",    "Cobalt"};

	if (n >= 4 && !strncmp(a, "EPYC", 4))
		return PLAN_VENDOR_AMD;
	for (size_t i = 0; i < sizeof arm / sizeof arm[0]; i++)
		if (n >= strlen(arm[i]) && !strncmp(a, arm[i], strlen(arm[i])))
			return PLAN_VENDOR_ARM;
	return n ? PLAN_VENDOR_INTEL : 0;
}

unsigned plan_vendor_of(const cs_instance *it)
{
	const char *a = cs_instance_arch(it);
	unsigned v = 0;

	while (*a) {
		const char *e = strchr(a, '/');
		size_t len = e ? (size_t)(e - a) : strlen(a);
		unsigned x = arch_vendor(a, len);
		if (v && x != v)
			return 0;
		v = x;
		a += len + (e ? 1 : 0);
	}
	return v;
}

/* ---- the catalog -------------------------------------------------------- */

static uint64_t ptr_hash(const void *p)
{
	return cs_mix64((uint64_t)(uintptr_t)p);
}

static bool row_is(const void *ctx, uint32_t item, const void *key)
{
	(void)ctx;
	return cs_instance_at(item) == key;
}

size_t plan_instance_number(const plan_catalog *c, const cs_instance *it)
{
	uint32_t i = cs_index_find(&c->index, ptr_hash(it), row_is, NULL, it);

	return i == CS_INDEX_NONE ? SIZE_MAX : i;
}

const plan_family *plan_family_of(const plan_catalog *c, const cs_instance *it)
{
	size_t i = plan_instance_number(c, it);

	return i == SIZE_MAX ? NULL : &c->f[c->fam_of[i]];
}

/* Types in a family: fewest vCPUs first, then least memory, then name. */
static int type_cmp(const void *pa, const void *pb)
{
	const cs_instance *a = *(const cs_instance *const *)pa, *b = *(const cs_instance *const *)pb;

	if (cs_instance_vcpu(a) != cs_instance_vcpu(b))
		return cs_instance_vcpu(a) < cs_instance_vcpu(b) ? -1 : 1;
	if (cs_instance_mem_gb(a) != cs_instance_mem_gb(b))
		return cs_instance_mem_gb(a) < cs_instance_mem_gb(b) ? -1 : 1;
	return strcmp(cs_instance_name(a), cs_instance_name(b));
}

int plan_catalog_build(plan_catalog *c)
{
	size_t n = cs_instance_count(), nf = 0;
	size_t *count = NULL, *at = NULL;
	int rc = CS_ENOMEM;

	memset(c, 0, sizeof *c);
	if (cs_index_reserve(&c->index, n) < 0)
		goto out;
	/* one block, in order of alignment: families, types, family numbers */
	c->f = calloc(n ? n : 1, sizeof *c->f + sizeof *c->all + sizeof *c->fam_of);
	count = calloc(n ? n : 1, sizeof *count);
	at = calloc(n ? n : 1, sizeof *at);
	if (!c->index.n || !c->f || !count || !at)
		goto out;
	c->all = (const cs_instance **)(c->f + (n ? n : 1));
	c->fam_of = (uint32_t *)(c->all + (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		const cs_instance *it = cs_instance_at(i);
		plan_family f = {.provider = cs_instance_provider(it)};
		size_t j;

		cs_index_add(&c->index, ptr_hash(it), (uint32_t)i);
		plan_family_parse(f.provider, cs_instance_name(it), f.name, sizeof f.name, f.kind, sizeof f.kind,
		                  &f.flags);
		if (cs_instance_gpus(it))
			f.flags |= PLAN_FAM_ACCEL;
		/* families are few (hundreds): a linear search at build time */
		for (j = 0; j < nf; j++)
			if (c->f[j].provider == f.provider && !strcmp(c->f[j].name, f.name) &&
			    !strcmp(c->f[j].kind, f.kind))
				break;
		if (j == nf)
			c->f[nf++] = f;
		c->f[j].flags |= f.flags;
		c->fam_of[i] = (uint32_t)j;
		count[j]++;
	}
	for (size_t j = 0, off = 0; j < nf; j++) {
		c->f[j].types = c->all + off;
		at[j] = off;
		off += count[j];
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t j = c->fam_of[i];
		c->all[at[j]++] = cs_instance_at(i);
		c->f[j].ntypes++;
	}
	for (size_t j = 0; j < nf; j++)
		qsort(c->f[j].types, c->f[j].ntypes, sizeof *c->f[j].types, type_cmp);
	c->n = nf;
	rc = 0;
out:
	free(count);
	free(at);
	if (rc)
		plan_catalog_free(c);
	return rc;
}

void plan_catalog_free(plan_catalog *c)
{
	if (!c)
		return;
	free(c->f); /* the block of f, all and fam_of */
	cs_index_free(&c->index);
	memset(c, 0, sizeof *c);
}

/* ---- --families --------------------------------------------------------- */

void plan_filter_free(plan_filter *f)
{
	if (!f)
		return;
	free(f->fam);
	memset(f, 0, sizeof *f);
}

static bool same_key(const char *a, const char *b)
{
	char ka[CS_KEY_CAP], kb[CS_KEY_CAP];

	return cs_name_key(a, ka, sizeof ka) > 0 && cs_name_key(b, kb, sizeof kb) > 0 && !strcmp(ka, kb);
}

/* One word of the list; false if it names nothing. */
static bool filter_word(const plan_catalog *c, plan_filter *f, const char *w)
{
	static const struct {
		const char *name;
		unsigned v;
	} vendors[] = {{"arm", PLAN_VENDOR_ARM}, {"amd", PLAN_VENDOR_AMD}, {"intel", PLAN_VENDOR_INTEL}};
	bool hit = false;
	size_t na;
	const char *const *archs = plan_arch_names(&na);

	for (size_t i = 0; i < sizeof vendors / sizeof vendors[0]; i++)
		if (!strcasecmp(w, vendors[i].name)) {
			f->vendors |= vendors[i].v;
			return true;
		}
	for (size_t i = 0; i < na; i++)
		if (same_key(w, archs[i])) {
			if (f->narch < sizeof f->arch / sizeof f->arch[0])
				cs_strcpy_fit(f->arch[f->narch++], sizeof f->arch[0], archs[i]);
			return true;
		}
	for (size_t j = 0; j < c->n; j++)
		if (same_key(w, c->f[j].name)) {
			f->fam[j] = 1;
			hit = true;
		}
	return hit;
}

static int unknown_word(const plan_catalog *c, const char *w, char *why, size_t cap)
{
	size_t na, nn = 0;
	const char *const *archs = plan_arch_names(&na);
	const char **names = malloc((c->n + na + 3) * sizeof *names);
	const char *s[4];
	size_t ns;

	if (!names)
		return CS_ENOMEM;
	names[nn++] = "arm";
	names[nn++] = "amd";
	names[nn++] = "intel";
	for (size_t i = 0; i < na; i++)
		names[nn++] = archs[i];
	for (size_t j = 0; j < c->n; j++)
		names[nn++] = c->f[j].name;
	ns = cs_names_suggest(w, names, nn, s, 3);
	cs_set_why(why, cap, "--families: '%s' is not a family, microarchitecture or vendor", w);
	for (size_t i = 0; i < ns; i++)
		cs_why_append(why, cap, "%s%s%s", i ? "" : "did you mean ", s[i], i + 1 < ns ? "," : "?");
	cs_why_append(why, cap, "families look like m7g, n2d, Das_v5; vendors are arm, amd, intel");
	free(names);
	return CS_EINVAL;
}

int plan_filter_parse(const plan_catalog *c, const char *list, plan_filter *out, char *why, size_t cap)
{
	plan_filter f = {.set = true};
	char word[96];
	const char *p = list;
	int rc = 0;

	f.fam = calloc(c->n ? c->n : 1, 1);
	if (!f.fam)
		return CS_ENOMEM;
	while (*p && !rc) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		while (len && isspace((unsigned char)*p)) {
			p++;
			len--;
		}
		while (len && isspace((unsigned char)p[len - 1]))
			len--;
		if (len && !cs_memcpy_str(word, sizeof word, p, len))
			rc = unknown_word(c, word, why, cap);
		else if (len && !filter_word(c, &f, word))
			rc = unknown_word(c, word, why, cap);
		p = e ? e + 1 : p + strlen(p);
	}
	if (!rc && !f.vendors && !f.narch) {
		bool any = false;
		for (size_t j = 0; j < c->n; j++)
			any = any || f.fam[j];
		if (!any) {
			cs_set_why(why, cap,
			           "--families is empty; give families, microarchitectures or vendors, e.g. "
			           "--families arm,m7i");
			rc = CS_EINVAL;
		}
	}
	if (rc) {
		plan_filter_free(&f);
		return rc;
	}
	*out = f;
	return 0;
}

static bool arch_named(const plan_filter *f, const cs_instance *it)
{
	const char *a = cs_instance_arch(it);

	if (!*a)
		return false;
	/* every microarchitecture of the type must be named */
	while (*a) {
		const char *e = strchr(a, '/');
		size_t len = e ? (size_t)(e - a) : strlen(a);
		bool hit = false;
		for (size_t i = 0; i < f->narch && !hit; i++)
			hit = strlen(f->arch[i]) == len && !strncmp(f->arch[i], a, len);
		if (!hit)
			return false;
		a += len + (e ? 1 : 0);
	}
	return true;
}

/* Whether family j (type it) may be a candidate for a group of family af. */
static bool family_allowed(const plan_catalog *c, const plan_filter *f, size_t j, const cs_instance *it,
                           const plan_family *af)
{
	const plan_family *fam = &c->f[j];
	bool named = f && f->set && f->fam[j];

	if (fam->provider == af->provider) {
		if (strcmp(fam->kind, af->kind))
			return false;
	} else if (fam->kind[0] || af->kind[0]) {
		return false;
	}
	if ((fam->flags & ~af->flags) && !named)
		return false;
	if (!f || !f->set)
		return true;
	return named || (f->vendors & plan_vendor_of(it)) || arch_named(f, it);
}

size_t plan_candidates(const plan_catalog *c, const plan_filter *f, const cs_instance *a, unsigned providers,
                       const cs_instance **out, size_t cap)
{
	const plan_family *af = plan_family_of(c, a);
	unsigned vcpu = cs_instance_vcpu(a);
	double mem = cs_instance_mem_gb(a);
	size_t n = 0;

	if (cap == 0 || !af)
		return 0;
	out[n++] = a;
	if (af->flags & PLAN_FAM_ACCEL)
		return n; /* GPU throughput is not in the table: region moves only */
	for (size_t j = 0; j < c->n && n < cap; j++) {
		const plan_family *fam = &c->f[j];

		if (!(providers & (1u << fam->provider)))
			continue;
		for (size_t t = 0; t < fam->ntypes; t++) {
			const cs_instance *it = fam->types[t];
			if (cs_instance_vcpu(it) < vcpu || cs_instance_mem_gb(it) < mem || cs_instance_gpus(it))
				continue;
			/* the family's smallest size that covers the group's shape */
			if (it != a && family_allowed(c, f, j, it, af))
				out[n++] = it;
			break;
		}
	}
	return n;
}
