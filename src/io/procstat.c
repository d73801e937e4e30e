/* io/procstat.c - /proc/stat, /proc/meminfo and /proc/cpuinfo readers.
 *
 * See io/procstat.h. The parsers walk the buffer line by line with explicit
 * bounds (the buffer need not be NUL terminated and may contain NULs), and
 * hand each number to cs_parse_u64_buf, so a field is either a whole decimal
 * number or an error: "12a", "-1" and "" are rejected, never half-read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/parse.h"
#include "io/procstat.h"

/* Largest /proc/stat and /proc/cpuinfo we are willing to buffer. */
#define PROCSTAT_MAX_BUF (16u << 20)
#define PROCSTAT_MIN_BUF 8192u

/* ---- line walking -------------------------------------------------------- */

typedef struct line {
	const char *p;   /* first byte */
	const char *end; /* one past the last byte, '\n' excluded */
} line;

/* Next line starting at *pos; false at the end of the buffer. */
static bool next_line(const char *buf, size_t len, size_t *pos, line *out)
{
	const char *p, *nl;

	if (*pos >= len)
		return false;
	p = buf + *pos;
	nl = memchr(p, '\n', len - *pos);
	out->p = p;
	out->end = nl ? nl : buf + len;
	*pos = nl ? (size_t)(nl - buf) + 1 : len;
	return true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

/* ---- /proc/stat ---------------------------------------------------------- */

uint64_t cs_cpu_total_ticks(const cs_cpu_times *t)
{
	/* guest and guest_nice are already inside user and nice. Unsigned sums
	 * wrap only after 2^64 ticks, centuries of uptime. */
	return t->user + t->nice + t->system + t->idle + t->iowait + t->irq + t->softirq + t->steal;
}

uint64_t cs_cpu_busy_ticks(const cs_cpu_times *t)
{
	return t->user + t->nice + t->system + t->irq + t->softirq + t->steal;
}

typedef enum cpu_label { LABEL_NONE, LABEL_TOTAL, LABEL_CPU, LABEL_BAD } cpu_label;

/* Classify a line: "cpu " (aggregate), "cpuN " (per CPU), another "cpu..."
 * (malformed), or not a cpu line. *rest points after the label. */
static cpu_label classify(const line *l, int *cpu, const char **rest)
{
	const char *p = l->p;
	uint64_t n = 0;

	if (l->end - p < 3 || memcmp(p, "cpu", 3) != 0)
		return LABEL_NONE;
	p += 3;
	if (p < l->end && is_blank(*p)) {
		*rest = p;
		*cpu = -1;
		return LABEL_TOTAL;
	}
	if (p == l->end || !is_digit(*p))
		return LABEL_BAD;
	while (p < l->end && is_digit(*p)) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > 1u << 30) /* far beyond any NR_CPUS */
			return LABEL_BAD;
		p++;
	}
	if (p == l->end || !is_blank(*p))
		return LABEL_BAD;
	*rest = p;
	*cpu = (int)n;
	return LABEL_CPU;
}

/* The numbers after a cpu label. At least 4 (2.4 kernels), at most 10 kept;
 * more are validated and ignored (a future kernel may add some). */
static int parse_cpu_fields(const char *p, const char *end, int cpu, cs_cpu_times *out)
{
	uint64_t v[10] = {0};
	size_t nf = 0;

	for (;;) {
		const char *tok;
		uint64_t x;
		int rc;

		p = skip_blanks(p, end);
		if (p == end)
			break;
		tok = p;
		while (p < end && !is_blank(*p))
			p++;
		rc = cs_parse_u64_buf(tok, (size_t)(p - tok), &x);
		if (rc)
			return rc;
		if (nf < 10)
			v[nf] = x;
		nf++;
	}
	if (nf < 4)
		return CS_EINVAL;
	out->cpu = cpu;
	out->user = v[0];
	out->nice = v[1];
	out->system = v[2];
	out->idle = v[3];
	out->iowait = v[4];
	out->irq = v[5];
	out->softirq = v[6];
	out->steal = v[7];
	out->guest = v[8];
	out->guest_nice = v[9];
	return 0;
}

int cs_procstat_parse(const char *buf, size_t len, cs_cpu_times *out)
{
	size_t pos = 0;
	bool seen_cpu = false;
	line l;

	if (!buf || !out)
		return CS_EINVAL;
	while (next_line(buf, len, &pos, &l)) {
		const char *rest = NULL;
		int cpu = 0;
		cpu_label lab = classify(&l, &cpu, &rest);

		if (lab == LABEL_TOTAL) {
			cs_cpu_times t;
			int rc = parse_cpu_fields(rest, l.end, -1, &t);

			if (rc)
				return rc;
			*out = t;
			return 0;
		}
		if (lab == LABEL_NONE && seen_cpu)
			break; /* past the cpu section: "intr" can be huge */
		if (lab != LABEL_NONE)
			seen_cpu = true;
	}
	return CS_EINVAL;
}

int cs_procstat_parse_cpus(const char *buf, size_t len, cs_cpu_times *out, size_t cap, size_t *n)
{
	size_t pos = 0, k = 0;
	bool seen_cpu = false;
	line l;

	if (!buf || !n || (cap && !out))
		return CS_EINVAL;
	while (next_line(buf, len, &pos, &l)) {
		const char *rest = NULL;
		int cpu = 0, rc;
		cpu_label lab = classify(&l, &cpu, &rest);

		if (lab == LABEL_NONE) {
			if (seen_cpu)
				break;
			continue;
		}
		seen_cpu = true;
		if (lab == LABEL_BAD)
			return CS_EINVAL;
		if (lab == LABEL_TOTAL)
			continue;
		if (k == cap)
			return CS_ENOMEM;
		rc = parse_cpu_fields(rest, l.end, cpu, &out[k]);
		if (rc)
			return rc;
		k++;
	}
	*n = k;
	return 0;
}

static uint64_t tick_delta(uint64_t prev, uint64_t cur)
{
	return cur >= prev ? cur - prev : 0;
}

int cs_cpu_util(const cs_cpu_times *prev, const cs_cpu_times *cur, double *out)
{
	double idle, busy;

	if (!prev || !cur || !out)
		return CS_EINVAL;
	/* Per field, so one counter going backwards cannot turn into 2^64; summed
	 * in double so absurd counters cannot wrap the sum and push the ratio
	 * past 1 (exact for any real tick count, < 2^53). */
	idle = (double)tick_delta(prev->idle, cur->idle) + (double)tick_delta(prev->iowait, cur->iowait);
	busy = (double)tick_delta(prev->user, cur->user) + (double)tick_delta(prev->nice, cur->nice) +
	       (double)tick_delta(prev->system, cur->system) + (double)tick_delta(prev->irq, cur->irq) +
	       (double)tick_delta(prev->softirq, cur->softirq) + (double)tick_delta(prev->steal, cur->steal);
	if (!(idle + busy > 0))
		return CS_ENODATA;
	*out = busy / (idle + busy);
	return 0;
}

/* End offset of the last complete cpu line in a buffer that may have been cut
 * off; *complete says whether a line after the cpu section was seen (so no
 * cpu line can be missing). */
static size_t cpu_section_end(const char *buf, size_t len, bool *complete)
{
	size_t pos = 0, end = 0;
	line l;

	*complete = false;
	while (next_line(buf, len, &pos, &l)) {
		bool whole = l.end < buf + len; /* ended by '\n' */

		if (l.end - l.p >= 3 && memcmp(l.p, "cpu", 3) == 0) {
			if (!whole)
				return end;
			end = pos;
			continue;
		}
		if (l.end - l.p >= 3 || whole)
			*complete = true;
		return end;
	}
	return end;
}

int cs_procstat_open(cs_procstat_reader *r, cs_io *io)
{
	size_t cap = PROCSTAT_MIN_BUF, len = 0, end;
	bool complete = false;
	char *buf = NULL, *nb;
	int rc;

	if (!r || !io)
		return CS_EINVAL;
	memset(r, 0, sizeof *r);
	r->f.fd = -1;
	rc = cs_kfile_open(&r->f, io, CS_ROOT_PROCFS, "stat");
	if (rc)
		return rc;
	/* Grow until every cpu line fits; the hot path never grows. */
	for (;;) {
		nb = realloc(buf, cap);
		if (!nb) {
			rc = CS_ENOMEM;
			goto err;
		}
		buf = nb;
		rc = cs_kfile_read(&r->f, buf, cap, &len);
		if (rc)
			goto err;
		end = cpu_section_end(buf, len, &complete);
		if (len < cap - 1 || complete)
			break;
		if (cap >= PROCSTAT_MAX_BUF) {
			rc = CS_ERANGE;
			goto err;
		}
		cap *= 2;
	}
	/* Room for every counter to gain digits and for a few hot-added CPUs. */
	if (len < cap - 1)
		end = len;
	cap = end * 2 + 4096;
	if (cap < PROCSTAT_MIN_BUF)
		cap = PROCSTAT_MIN_BUF;
	nb = realloc(buf, cap);
	if (!nb) {
		rc = CS_ENOMEM;
		goto err;
	}
	r->buf = nb;
	r->cap = cap;
	return 0;
err:
	free(buf);
	cs_kfile_close(&r->f);
	return rc;
}

int cs_procstat_read(cs_procstat_reader *r, cs_cpu_times *total, cs_cpu_times *percpu, size_t cap, size_t *n)
{
	cs_cpu_times t;
	size_t len = 0, k = 0;
	int rc;

	if (!r || !r->buf)
		return CS_EINVAL;
	rc = cs_kfile_read(&r->f, r->buf, r->cap, &len);
	if (rc)
		return rc;
	if (len >= r->cap - 1) {
		bool complete;

		len = cpu_section_end(r->buf, len, &complete);
		if (!complete)
			return CS_ERANGE;
	}
	r->len = len;
	if (total) {
		rc = cs_procstat_parse(r->buf, len, &t);
		if (rc)
			return rc;
	}
	if (n) {
		rc = cs_procstat_parse_cpus(r->buf, len, percpu, cap, &k);
		if (rc)
			return rc;
		*n = k;
	}
	if (total)
		*total = t;
	return 0;
}

void cs_procstat_close(cs_procstat_reader *r)
{
	if (!r)
		return;
	if (r->buf)
		cs_kfile_close(&r->f);
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
	r->len = 0;
}

/* ---- /proc/meminfo ------------------------------------------------------- */

/* "<digits>[ kB]" to the end of the line. */
static int parse_kb(const char *p, const char *end, uint64_t *out)
{
	const char *tok;

	p = skip_blanks(p, end);
	tok = p;
	while (p < end && !is_blank(*p))
		p++;
	if (p == tok)
		return CS_EINVAL;
	{
		const char *q = skip_blanks(p, end);

		if (q < end) {
			if (end - q < 2 || memcmp(q, "kB", 2) != 0 || skip_blanks(q + 2, end) != end)
				return CS_EINVAL;
		}
	}
	return cs_parse_u64_buf(tok, (size_t)(p - tok), out);
}

/* Key of "Key:   value", or false when the line has no ':'. */
static bool split_key(const line *l, const char **key, size_t *klen, const char **val)
{
	const char *colon = memchr(l->p, ':', (size_t)(l->end - l->p));
	const char *k_end;

	if (!colon)
		return false;
	k_end = colon;
	while (k_end > l->p && is_blank(k_end[-1]))
		k_end--;
	*key = l->p;
	*klen = (size_t)(k_end - l->p);
	*val = colon + 1;
	return true;
}

static bool key_is(const char *key, size_t klen, const char *want)
{
	size_t n = strlen(want);

	return klen == n && memcmp(key, want, n) == 0;
}

int cs_meminfo_parse(const char *buf, size_t len, cs_meminfo *out)
{
	enum { TOTAL, AVAIL, FREE, BUFFERS, CACHED, NKEYS };
	static const char *const keys[NKEYS] = {"MemTotal", "MemAvailable", "MemFree", "Buffers", "Cached"};
	uint64_t v[NKEYS] = {0};
	bool have[NKEYS] = {false};
	size_t pos = 0;
	line l;
	cs_meminfo m;

	if (!buf || !out)
		return CS_EINVAL;
	while (next_line(buf, len, &pos, &l)) {
		const char *key, *val;
		size_t klen;

		if (!split_key(&l, &key, &klen, &val))
			continue;
		for (int i = 0; i < NKEYS; i++) {
			if (!have[i] && key_is(key, klen, keys[i])) {
				int rc = parse_kb(val, l.end, &v[i]);

				if (rc)
					return rc;
				have[i] = true;
				break;
			}
		}
	}
	if (!have[TOTAL] || v[TOTAL] == 0)
		return CS_EINVAL;
	m.total_kb = v[TOTAL];
	m.available_estimated = !have[AVAIL];
	if (have[AVAIL]) {
		m.available_kb = v[AVAIL];
	} else {
		/* Pre-3.14 kernels: what free(1) used to call "free + buffers/cache". */
		uint64_t a = v[FREE];

		a = (a + v[BUFFERS] < a) ? UINT64_MAX : a + v[BUFFERS];
		a = (a + v[CACHED] < a) ? UINT64_MAX : a + v[CACHED];
		m.available_kb = a;
	}
	*out = m;
	return 0;
}

double cs_meminfo_used_fraction(const cs_meminfo *m)
{
	if (!m || m->total_kb == 0 || m->available_kb >= m->total_kb)
		return 0.0;
	return (double)(m->total_kb - m->available_kb) / (double)m->total_kb;
}

int cs_meminfo_open(cs_meminfo_reader *r, cs_io *io)
{
	int rc;

	if (!r || !io)
		return CS_EINVAL;
	r->opened = false;
	r->f.fd = -1;
	rc = cs_kfile_open(&r->f, io, CS_ROOT_PROCFS, "meminfo");
	if (rc == 0)
		r->opened = true;
	return rc;
}

int cs_meminfo_read(cs_meminfo_reader *r, cs_meminfo *out)
{
	size_t len = 0;
	int rc;

	if (!r || !out || !r->opened)
		return CS_EINVAL;
	rc = cs_kfile_read(&r->f, r->buf, sizeof r->buf, &len);
	if (rc)
		return rc;
	return cs_meminfo_parse(r->buf, len, out);
}

void cs_meminfo_close(cs_meminfo_reader *r)
{
	if (r && r->opened) {
		cs_kfile_close(&r->f);
		r->opened = false;
	}
}

int cs_meminfo_read_once(cs_io *io, cs_meminfo *out)
{
	char buf[CS_MEMINFO_BUF];
	size_t len = 0;
	int rc;

	if (!io || !out)
		return CS_EINVAL;
	rc = cs_io_read_file(io, CS_ROOT_PROCFS, "meminfo", buf, sizeof buf, &len);
	if (rc)
		return rc;
	return cs_meminfo_parse(buf, len, out);
}

/* ---- /proc/cpuinfo ------------------------------------------------------- */

/* "0x41" or "41": hexadecimal, at most 8 digits. */
static int parse_hex(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;
	int nd = 0;

	p = skip_blanks(p, end);
	while (end > p && is_blank(end[-1]))
		end--;
	if (end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (p == end || end - p > 8)
		return CS_EINVAL;
	for (; p < end; p++, nd++) {
		char c = *p;
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return CS_EINVAL;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* "25": a decimal CPUID field as the kernel prints it. CPUID caps a family
 * at 0x0f + 0xff = 270 and a model at 0xff; a value past 511 is malformed. */
static int parse_small(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;

	p = skip_blanks(p, end);
	while (end > p && is_blank(end[-1]))
		end--;
	if (p == end || end - p > 3)
		return CS_EINVAL;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return CS_EINVAL;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v > 511)
		return CS_EINVAL;
	*out = v;
	return 0;
}

/* The x86 CPUID fields the kernel prints in decimal. */
enum { X86_FAMILY, X86_MODEL, X86_STEPPING, X86_ID_N };

static int x86_id_key(const char *key, size_t klen)
{
	static const char *const keys[X86_ID_N] = {"cpu family", "model", "stepping"};

	for (int i = 0; i < X86_ID_N; i++)
		if (key_is(key, klen, keys[i]))
			return i;
	return -1;
}

/* Copy a value, control bytes as spaces, blanks trimmed, truncated to fit. */
static void copy_value(const char *p, const char *end, char *out, size_t cap)
{
	size_t n = 0;

	p = skip_blanks(p, end);
	for (; p < end && n + 1 < cap; p++) {
		unsigned char c = (unsigned char)*p;

		out[n++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* arm64 has no "model name": name the core from its MIDR fields, as lscpu
 * does. Only cores seen in servers and cloud instances are listed (AWS
 * Graviton2 = Neoverse-N1, Graviton3 = Neoverse-V1, Graviton4 = Neoverse-V2,
 * Ampere Altra = Neoverse-N1). */
static const struct arm_part {
	unsigned impl, part;
	const char *name;
} arm_parts[] = {
    {0x41, 0xd03, "Cortex-A53"},   {0x41, 0xd05, "Cortex-A55"},  {0x41, 0xd07, "Cortex-A57"},
    {0x41, 0xd08, "Cortex-A72"},   {0x41, 0xd09, "Cortex-A73"},  {0x41, 0xd0a, "Cortex-A75"},
    {0x41, 0xd0b, "Cortex-A76"},   {0x41, 0xd0c, "Neoverse-N1"}, {0x41, 0xd0d, "Cortex-A77"},
    {0x41, 0xd40, "Neoverse-V1"},  {0x41, 0xd41, "Cortex-A78"},  {0x41, 0xd49, "Neoverse-N2"},
    {0x41, 0xd4f, "Neoverse-V2"},  {0x41, 0xd84, "Neoverse-V3"}, {0x41, 0xd8e, "Neoverse-N3"},
    {0x48, 0xd01, "TaiShan-v110"}, {0xc0, 0xac3, "Ampere-1"},    {0xc0, 0xac4, "Ampere-1a"},
};

static const struct arm_impl {
	unsigned impl;
	const char *name;
} arm_impls[] = {
    {0x41, "ARM"},    {0x42, "Broadcom"}, {0x43, "Cavium"},   {0x46, "Fujitsu"}, {0x48, "HiSilicon"},
    {0x4e, "NVIDIA"}, {0x50, "APM"},      {0x51, "Qualcomm"}, {0x61, "Apple"},   {0xc0, "Ampere"},
};

static void arm_model(unsigned impl, unsigned part, bool have_part, char *out, size_t cap)
{
	const char *iname = NULL, *pname = NULL;

	for (size_t i = 0; i < sizeof arm_impls / sizeof arm_impls[0]; i++)
		if (arm_impls[i].impl == impl)
			iname = arm_impls[i].name;
	for (size_t i = 0; have_part && i < sizeof arm_parts / sizeof arm_parts[0]; i++)
		if (arm_parts[i].impl == impl && arm_parts[i].part == part)
			pname = arm_parts[i].name;
	if (iname && pname)
		snprintf(out, cap, "%s %s", iname, pname);
	else if (iname && have_part)
		snprintf(out, cap, "%s part 0x%03x", iname, part);
	else if (have_part)
		snprintf(out, cap, "ARM implementer 0x%02x part 0x%03x", impl, part);
	else
		snprintf(out, cap, "ARM implementer 0x%02x", impl);
}

/* Whether the blank-separated list [p, end) holds word. */
static bool has_word(const char *p, const char *end, const char *word)
{
	size_t wn = strlen(word);

	while (p < end) {
		const char *w;

		p = skip_blanks(p, end);
		w = p;
		while (p < end && !is_blank(*p))
			p++;
		if ((size_t)(p - w) == wn && memcmp(w, word, wn) == 0)
			return true;
	}
	return false;
}

/* Distinct "physical id" values without allocating: a bitmap for the usual
 * small ids and a short list for odd large ones. */
typedef struct id_set {
	uint64_t bits[1024 / 64];
	uint64_t big[16];
	unsigned nbig;
	unsigned count;
} id_set;

static void id_set_add(id_set *s, uint64_t id)
{
	if (id < 1024) {
		uint64_t m = UINT64_C(1) << (id % 64);

		if (!(s->bits[id / 64] & m)) {
			s->bits[id / 64] |= m;
			s->count++;
		}
		return;
	}
	for (unsigned i = 0; i < s->nbig; i++)
		if (s->big[i] == id)
			return;
	if (s->nbig < sizeof s->big / sizeof s->big[0]) {
		s->big[s->nbig++] = id;
		s->count++;
	}
}

int cs_cpuinfo_model(const char *buf, size_t len, cs_cpuinfo *out)
{
	cs_cpuinfo ci;
	char fallback[sizeof ci.model] = "";
	bool have_impl = false, have_part = false, have_id[X86_ID_N] = {false};
	unsigned idv[X86_ID_N] = {0};
	id_set ids;
	int f;
	size_t pos = 0;
	line l;

	if (!buf || !out)
		return CS_EINVAL;
	memset(&ci, 0, sizeof ci);
	memset(&ids, 0, sizeof ids);
	ci.x86_stepping = -1;
	while (next_line(buf, len, &pos, &l)) {
		const char *key, *val;
		size_t klen;

		if (!split_key(&l, &key, &klen, &val))
			continue;
		if (key_is(key, klen, "processor")) {
			ci.ncpu++;
		} else if (key_is(key, klen, "model name")) {
			if (!ci.model[0])
				copy_value(val, l.end, ci.model, sizeof ci.model);
		} else if (key_is(key, klen, "physical id")) {
			const char *v = skip_blanks(val, l.end), *e = l.end;
			uint64_t id;

			while (e > v && is_blank(e[-1]))
				e--;
			if (cs_parse_u64_buf(v, (size_t)(e - v), &id) == 0)
				id_set_add(&ids, id);
		} else if (key_is(key, klen, "vendor_id")) {
			/* the identification is the first CPU's, whole */
			if (ci.ncpu <= 1 && !ci.vendor_id[0])
				copy_value(val, l.end, ci.vendor_id, sizeof ci.vendor_id);
		} else if ((f = x86_id_key(key, klen)) >= 0) {
			if (ci.ncpu <= 1 && !have_id[f] && parse_small(val, l.end, &idv[f]) == 0)
				have_id[f] = true;
		} else if (key_is(key, klen, "CPU implementer")) {
			if (!have_impl && parse_hex(val, l.end, &ci.arm_implementer) == 0)
				have_impl = true;
		} else if (key_is(key, klen, "CPU part")) {
			if (!have_part && parse_hex(val, l.end, &ci.arm_part) == 0)
				have_part = true;
		} else if (key_is(key, klen, "flags")) {
			if (!ci.hypervisor && has_word(val, l.end, "hypervisor"))
				ci.hypervisor = true;
		} else if (key_is(key, klen, "cpu") || key_is(key, klen, "Processor")) {
			/* ppc64 "cpu : POWER9 (architected)"; arm32 "Processor : ARMv7 ..." */
			if (!fallback[0])
				copy_value(val, l.end, fallback, sizeof fallback);
		}
	}
	if (!ci.model[0] && have_impl)
		arm_model(ci.arm_implementer, ci.arm_part, have_part, ci.model, sizeof ci.model);
	if (!ci.model[0] && fallback[0])
		memcpy(ci.model, fallback, sizeof ci.model);
	if (ci.ncpu == 0 && !ci.model[0])
		return CS_EINVAL;
	ci.packages = ids.count ? ids.count : 1;
	ci.x86_fms = have_id[X86_FAMILY] && have_id[X86_MODEL];
	if (ci.x86_fms) {
		ci.x86_family = idv[X86_FAMILY];
		ci.x86_model = idv[X86_MODEL];
	}
	if (have_id[X86_STEPPING])
		ci.x86_stepping = (int)idv[X86_STEPPING];
	*out = ci;
	return 0;
}

int cs_cpuinfo_read(cs_io *io, cs_cpuinfo *out)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (!io || !out)
		return CS_EINVAL;
	/* ~1.5 kB per logical CPU on x86: the whole file, since the "physical
	 * id" of the last socket is near its end (best effort past the cap). */
	rc = cs_io_read_alloc(io, CS_ROOT_PROCFS, "cpuinfo", PROCSTAT_MAX_BUF, &buf, &len);
	if (rc == 0)
		rc = cs_cpuinfo_model(buf, len, out);
	free(buf);
	return rc;
}

/* ---- /proc/<pid>/stat ------------------------------------------------------- */

/* Next blank-separated field starting at *p (< end); false if none. */
static bool next_field(const char **p, const char *end, const char **f, size_t *n)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\n'))
		s++;
	if (s >= end)
		return false;
	*f = s;
	while (s < end && *s != ' ' && *s != '\n')
		s++;
	*n = (size_t)(s - *f);
	*p = s;
	return true;
}

/* Signed decimal field; negative values (cutime can be, in theory) give 0. */
static bool field_u64(const char *f, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	bool neg = false;
	size_t i = 0;

	if (n > 0 && f[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i >= n)
		return false;
	for (; i < n; i++) {
		if (f[i] < '0' || f[i] > '9')
			return false;
		if (v > (UINT64_MAX - (uint64_t)(f[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(f[i] - '0');
	}
	*out = neg ? 0 : v;
	return true;
}

int cs_pid_stat_parse(const char *buf, size_t len, cs_pid_stat *out)
{
	const char *open_paren, *close_paren = NULL, *p, *end = buf + len, *f;
	cs_pid_stat st;
	uint64_t v;
	size_t n, cl;
	int idx;

	if (!buf || !out)
		return CS_EINVAL;
	memset(&st, 0, sizeof st);
	open_paren = memchr(buf, '(', len);
	if (!open_paren)
		return CS_EINVAL;
	for (const char *q = end; q > open_paren; q--)
		if (q[-1] == ')') {
			close_paren = q - 1;
			break;
		}
	if (!close_paren)
		return CS_EINVAL;
	p = buf;
	if (!next_field(&p, open_paren, &f, &n) || !field_u64(f, n, &v) || v == 0 || v > INT32_MAX || f[0] == '-')
		return CS_EINVAL;
	st.pid = (int)v;
	cl = (size_t)(close_paren - open_paren - 1);
	if (cl >= sizeof st.comm)
		cl = sizeof st.comm - 1;
	for (size_t i = 0; i < cl; i++) {
		unsigned char c = (unsigned char)open_paren[1 + i];

		st.comm[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	p = close_paren + 1;
	/* Field 3 (state) onwards; we need up to 22 (starttime). */
	for (idx = 3; idx <= 22; idx++) {
		if (!next_field(&p, end, &f, &n))
			return CS_EINVAL;
		if (idx == 3) {
			if (n != 1)
				return CS_EINVAL;
			st.state = f[0];
			continue;
		}
		if (idx != 4 && (idx < 14 || idx > 17) && idx != 22)
			continue;
		if (!field_u64(f, n, &v))
			return CS_EINVAL;
		switch (idx) {
		case 4:
			if (v > INT32_MAX)
				return CS_EINVAL;
			st.ppid = (int)v;
			break;
		case 14: st.utime = v; break;
		case 15: st.stime = v; break;
		case 16: st.cutime = v; break;
		case 17: st.cstime = v; break;
		case 22: st.starttime = v; break;
		}
	}
	*out = st;
	return 0;
}
