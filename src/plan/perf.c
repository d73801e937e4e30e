/* plan/perf.c - performance factors (see perf.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/parse.h"
#include "core/str.h"
#include "core/why.h"
#include "data/lookup.h"
#include "plan/buf.h"
#include "plan/csvin.h"
#include "plan/perf.h"

#define PER_VCPU_MAX 1e15
#define ARCH_MAX     128 /* distinct microarchitecture names in the tables */

enum { C_ARCH, C_VALUE, C_SOURCE, C_N };

static const plan_col perf_cols[C_N] = {
    [C_ARCH] = {"microarchitecture", true},
    [C_VALUE] = {"throughput_per_vcpu", true},
    [C_SOURCE] = {"source", true},
};

static const char perf_header[] = "microarchitecture,throughput_per_vcpu,source";

/* ---- the names the tables know ------------------------------------------ */

/* Built once (pthread_once): every microarchitecture named by an instance
 * row (split at '/') or by the perf table, in first-seen order. A static
 * table computed from static tables: immutable after the once. */
static struct {
	const char *name[ARCH_MAX];
	char buf[ARCH_MAX * 48];
	size_t n;
} arch_names;
static pthread_once_t arch_once = PTHREAD_ONCE_INIT;

static void arch_add(const char *s, size_t len, size_t *used)
{
	char key[CS_KEY_CAP], other[CS_KEY_CAP];
	char *dst;

	if (len == 0 || arch_names.n == ARCH_MAX || *used + len + 1 > sizeof arch_names.buf)
		return;
	dst = arch_names.buf + *used;
	memcpy(dst, s, len);
	dst[len] = '\0';
	if (cs_name_key(dst, key, sizeof key) <= 0)
		return;
	for (size_t i = 0; i < arch_names.n; i++) {
		if (cs_name_key(arch_names.name[i], other, sizeof other) > 0 && !strcmp(key, other))
			return;
	}
	arch_names.name[arch_names.n++] = dst;
	*used += len + 1;
}

static void arch_build(void)
{
	size_t used = 0;

	for (size_t i = 0; i < cs_instance_count(); i++) {
		const char *a = cs_instance_arch(cs_instance_at(i));
		while (*a) {
			const char *e = strchr(a, '/');
			size_t len = e ? (size_t)(e - a) : strlen(a);
			arch_add(a, len, &used);
			a += len + (e ? 1 : 0);
		}
	}
	for (size_t i = 0; i < cs_cpu_perf_count(); i++) {
		const char *a = cs_cpu_perf_arch(cs_cpu_perf_at(i));
		arch_add(a, strlen(a), &used);
	}
}

const char *const *plan_arch_names(size_t *n)
{
	pthread_once(&arch_once, arch_build);
	*n = arch_names.n;
	return arch_names.name;
}

/* The table's spelling of arch, or NULL. */
static const char *arch_known(const char *arch)
{
	char key[CS_KEY_CAP], other[CS_KEY_CAP];
	size_t n;
	const char *const *names = plan_arch_names(&n);

	if (cs_name_key(arch, key, sizeof key) <= 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (cs_name_key(names[i], other, sizeof other) > 0 && !strcmp(key, other))
			return names[i];
	}
	return NULL;
}

/* ---- the user file ------------------------------------------------------ */

void plan_perf_free(plan_perf *p)
{
	if (!p)
		return;
	free(p->v);
	*p = (plan_perf){0};
}

static int perf_row(const plan_csv *c, plan_perf *p, char *why, size_t cap)
{
	const char *arch = plan_csv_field(c, C_ARCH), *val = plan_csv_field(c, C_VALUE);
	const char *src = plan_csv_field(c, C_SOURCE), *known;
	plan_perf_row *r = &p->v[p->n];
	char key[CS_KEY_CAP], other[CS_KEY_CAP];

	known = arch_known(arch);
	if (!known) {
		const char *s[4];
		size_t nn, ns;
		const char *const *names = plan_arch_names(&nn);
		char msg[256];

		ns = cs_names_suggest(arch, names, nn, s, 3);
		msg[0] = '\0';
		for (size_t i = 0; i < ns; i++)
			plan_appendf(msg, sizeof msg, "%s%s", i ? ", " : " (did you mean ", s[i]);
		return plan_csv_error(
		    c, C_ARCH, why, cap,
		    "unknown microarchitecture '%s'%s%s; the names are those of 'carbonstat instances "
		    "--json' (arch)",
		    arch, msg, ns ? "?)" : "");
	}
	cs_name_key(known, key, sizeof key);
	for (size_t i = 0; i < p->n; i++) {
		if (cs_name_key(p->v[i].arch, other, sizeof other) > 0 && !strcmp(key, other))
			return plan_csv_error(c, C_ARCH, why, cap, "%s is given twice (line %u too); keep one", known,
			                      p->v[i].line);
	}
	if (cs_parse_double(val, &r->per_vcpu) || !(r->per_vcpu > 0 && r->per_vcpu < PER_VCPU_MAX))
		return plan_csv_error(c, C_VALUE, why, cap,
		                      "throughput_per_vcpu '%s' is not a number above 0 (any unit, the same in every "
		                      "row)",
		                      val);
	if (!*src)
		return plan_csv_error(c, C_SOURCE, why, cap,
		                      "no source: say where the figure comes from (it is printed with every ratio)");
	cs_strcpy_fit(r->arch, sizeof r->arch, known);
	cs_strcpy_fit(r->source, sizeof r->source, src);
	r->line = (unsigned)plan_csv_line(c);
	p->n++;
	return 0;
}

static int perf_read(const char *path, const char *buf, size_t len, plan_perf *out, char *why, size_t cap)
{
	plan_csv c;
	plan_perf p = {0};
	size_t vcap = 0;
	int rc;

	rc = plan_csv_open(&c, path, buf, len, perf_cols, C_N, perf_header, true, why, cap);
	while (rc == 0 && (rc = plan_csv_next(&c, why, cap)) == 1) {
		if (plan_grow((void **)&p.v, &vcap, p.n, sizeof *p.v)) {
			rc = CS_ENOMEM;
			cs_set_why(why, cap, "%s: out of memory", path);
			break;
		}
		rc = perf_row(&c, &p, why, cap);
	}
	if (rc == 0 && p.n == 0) {
		cs_set_why(why, cap, "%s: no rows after the header %s", path, perf_header);
		rc = CS_EINVAL;
	}
	plan_csv_close(&c);
	if (rc) {
		plan_perf_free(&p);
		return rc;
	}
	cs_strcpy_fit(p.name, sizeof p.name, path);
	*out = p;
	return 0;
}

int plan_perf_parse(const char *buf, size_t len, const char *name, plan_perf *out, char *why, size_t cap)
{
	return perf_read(name, buf, len, out, why, cap);
}

int plan_perf_load(const char *path, plan_perf *out, char *why, size_t cap)
{
	return perf_read(path, NULL, 0, out, why, cap);
}

/* ---- speeds and ratios -------------------------------------------------- */

static double user_value(const plan_perf *user, const char *arch, size_t len)
{
	char want[CS_KEY_CAP], key[CS_KEY_CAP], name[96];

	if (!user || len >= sizeof name)
		return -1;
	memcpy(name, arch, len);
	name[len] = '\0';
	if (cs_name_key(name, want, sizeof want) <= 0)
		return -1;
	for (size_t i = 0; i < user->n; i++) {
		if (cs_name_key(user->v[i].arch, key, sizeof key) > 0 && !strcmp(key, want))
			return user->v[i].per_vcpu;
	}
	return -1;
}

static double builtin_value(const char *arch, size_t len)
{
	char name[96];
	const cs_cpu_perf *p;

	if (len >= sizeof name)
		return -1;
	memcpy(name, arch, len);
	name[len] = '\0';
	p = cs_cpu_perf_find(name);
	return p ? cs_cpu_perf_ssj_ops_per_thread(p) : -1;
}

void plan_speed_of(const plan_perf *user, const cs_instance *it, plan_speed *out)
{
	const char *a = cs_instance_arch(it);
	double su = 0, sb = 0;
	unsigned n = 0;
	bool ok_u = true, ok_b = true;

	while (*a) {
		const char *e = strchr(a, '/');
		size_t len = e ? (size_t)(e - a) : strlen(a);
		double u = user_value(user, a, len), b = builtin_value(a, len);

		ok_u = ok_u && u > 0;
		ok_b = ok_b && b > 0;
		su += u;
		sb += b;
		n++;
		a += len + (e ? 1 : 0);
	}
	out->user = n && ok_u ? su / n : -1;
	out->builtin = n && ok_b ? sb / n : -1;
}

plan_speed_src plan_speed_ratio(const cs_instance *a, const plan_speed *sa, const cs_instance *b, const plan_speed *sb,
                                double *ratio)
{
	if (a == b || (cs_instance_arch(a)[0] && !strcmp(cs_instance_arch(a), cs_instance_arch(b)))) {
		*ratio = 1.0;
		return PLAN_SPEED_SAME;
	}
	if (sa->user > 0 && sb->user > 0) {
		*ratio = sb->user / sa->user;
		return PLAN_SPEED_USER;
	}
	if (sa->builtin > 0 && sb->builtin > 0) {
		*ratio = sb->builtin / sa->builtin;
		return PLAN_SPEED_BUILTIN;
	}
	return PLAN_SPEED_UNKNOWN;
}

const char *plan_speed_src_name(plan_speed_src s)
{
	return plan_word(PLAN_WORDS_SPEED, s);
}
