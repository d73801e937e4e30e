/* attribution/cgroup_stat.c - pure parsers for cgroup counter files:
 * v2 cpu.stat, v1 cpuacct.usage and (v1 and v2) memory.stat.
 *
 * Kept apart from the scanner so they can be fuzzed on their own and reused by
 * `carbonstat run` on a single cgroup. They take (buf, len) exactly as one
 * pread returned it, need no NUL, never read past len and never allocate.
 * cpu.stat is validated whole (it is short and every line is ours to trust);
 * memory.stat only at the requested key: it has ~40-90 lines, grows with
 * every kernel release, and only one of them matters on the hot path.
 */
#include <string.h>

#include "attribution/cgroup_scan.h"
#include "carbonstat/error.h"

/* Decimal digits at [*i, len) into *out; stops at the first non-digit.
 * CS_EINVAL if no digit, CS_ERANGE on overflow. */
static int take_u64(const char *b, size_t len, size_t *i, uint64_t *out)
{
	uint64_t v = 0;
	size_t j = *i;

	if (j >= len || b[j] < '0' || b[j] > '9')
		return CS_EINVAL;
	for (; j < len && b[j] >= '0' && b[j] <= '9'; j++) {
		unsigned d = (unsigned)(b[j] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return CS_ERANGE;
		v = v * 10 + d;
	}
	*i = j;
	*out = v;
	return 0;
}

static int key_is(const char *k, size_t n, const char *lit)
{
	size_t m = strlen(lit);

	return n == m && memcmp(k, lit, m) == 0;
}

int cs_cgstat_parse_cpu(const char *buf, size_t len, cs_cgstat_cpu *out)
{
	cs_cgstat_cpu r = {0, 0, 0};
	int have_usage = 0;
	size_t i = 0;

	if (!buf || !out)
		return CS_EINVAL;
	while (i < len) {
		size_t k = i, kn;
		uint64_t v;
		int rc;

		while (i < len && buf[i] != ' ' && buf[i] != '\n')
			i++;
		kn = i - k;
		if (kn == 0 || i >= len || buf[i] != ' ')
			return CS_EINVAL;
		i++;
		rc = take_u64(buf, len, &i, &v);
		if (rc)
			return rc;
		if (i < len && buf[i] != '\n')
			return CS_EINVAL;
		i++; /* the newline (or one past the end: the last line may lack it) */
		if (key_is(buf + k, kn, "usage_usec")) {
			r.usage_usec = v;
			have_usage = 1;
		} else if (key_is(buf + k, kn, "user_usec")) {
			r.user_usec = v;
		} else if (key_is(buf + k, kn, "system_usec")) {
			r.system_usec = v;
		}
	}
	if (!have_usage)
		return CS_EINVAL;
	*out = r;
	return 0;
}

int cs_cgstat_parse_cpuacct(const char *buf, size_t len, uint64_t *out_usec)
{
	size_t i = 0;
	uint64_t ns;

	if (!buf || !out_usec)
		return CS_EINVAL;
	if (take_u64(buf, len, &i, &ns) != 0)
		return CS_EINVAL;
	if (i < len && buf[i] == '\n')
		i++;
	if (i != len)
		return CS_EINVAL;
	*out_usec = ns / 1000;
	return 0;
}

int cs_cgstat_parse_memstat(const char *buf, size_t len, const char *key, uint64_t *out)
{
	size_t kn, i = 0;

	if (!buf || !key || !out || (kn = strlen(key)) == 0)
		return CS_EINVAL;
	while (i < len) {
		/* At a line start: does the line begin with "key "? */
		if (len - i > kn && buf[i + kn] == ' ' && memcmp(buf + i, key, kn) == 0) {
			size_t j = i + kn + 1;
			uint64_t v;

			if (take_u64(buf, len, &j, &v) != 0)
				return CS_EINVAL;
			if (j < len && buf[j] != '\n')
				return CS_EINVAL;
			*out = v;
			return 0;
		}
		{
			const char *nl = memchr(buf + i, '\n', len - i);

			if (!nl)
				break;
			i = (size_t)(nl - buf) + 1;
		}
	}
	return CS_ENODATA;
}
