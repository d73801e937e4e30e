/* io/mountinfo.c - mountinfo parsing and the cgroup mount look-up (see
 * mountinfo.h). Fields are walked in place over (buf, len); nothing is
 * allocated except the reader's one buffer for the whole file. */
#include "io/mountinfo.h"

#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"

#define MOUNTINFO_MAX (16u << 20) /* a host with ~100,000 mounts; more is cut */

/* Next blank-separated field of [*p, end): its start and length. */
static bool next_field(const char **p, const char *end, const char **f, size_t *n)
{
	const char *s = *p, *e;

	while (s < end && *s == ' ')
		s++;
	if (s >= end)
		return false;
	for (e = s; e < end && *e != ' '; e++)
		;
	*f = s;
	*n = (size_t)(e - s);
	*p = e;
	return true;
}

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* Copies field f[0..n) into dst[cap] decoding \ooo escapes. CS_ERANGE if it
 * does not fit. */
static int unescape(char *dst, size_t cap, const char *f, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++) {
		char c = f[i];

		if (c == '\\' && n - i >= 4 && is_octal(f[i + 1]) && is_octal(f[i + 2]) && is_octal(f[i + 3])) {
			c = (char)((((f[i + 1] - '0') << 6) | ((f[i + 2] - '0') << 3) | (f[i + 3] - '0')) & 0xff);
			i += 3;
		}
		if (w + 1 >= cap)
			return CS_ERANGE;
		dst[w++] = c;
	}
	dst[w] = '\0';
	return 0;
}

bool cs_opts_has(const char *opts, size_t len, const char *want)
{
	size_t wn = strlen(want), i = 0;

	while (i <= len) {
		size_t j = i;

		while (j < len && opts[j] != ',')
			j++;
		if (j - i == wn && memcmp(opts + i, want, wn) == 0)
			return true;
		i = j + 1;
	}
	return false;
}

int cs_mountinfo_parse_line(const char *line, size_t len, cs_mount *out)
{
	const char *p = line, *end = line + len, *f[11] = {0};
	size_t n[11] = {0}, k = 0;
	cs_mount m;

	if (!line || !out)
		return CS_EINVAL;
	/* (1)..(6), then optional fields up to "-", then (9)..(11) */
	while (k < 6 && next_field(&p, end, &f[k], &n[k]))
		k++;
	if (k < 6)
		return CS_EINVAL;
	for (;;) {
		const char *o;
		size_t on;

		if (!next_field(&p, end, &o, &on))
			return CS_EINVAL;
		if (on == 1 && o[0] == '-')
			break;
	}
	for (k = 8; k < 11 && next_field(&p, end, &f[k], &n[k]); k++)
		;
	if (k < 9 || n[3] == 0 || f[3][0] != '/' || f[4][0] != '/')
		return CS_EINVAL;
	if (unescape(m.root, sizeof m.root, f[3], n[3]) || unescape(m.point, sizeof m.point, f[4], n[4]) ||
	    n[8] >= sizeof m.fstype || n[10] >= sizeof m.super_opts)
		return CS_ERANGE;
	memcpy(m.fstype, f[8], n[8]);
	m.fstype[n[8]] = '\0';
	if (n[10])
		memcpy(m.super_opts, f[10], n[10]);
	m.super_opts[n[10]] = '\0';
	*out = m;
	return 0;
}

int cs_mountinfo_find_cgroup(const char *buf, size_t len, const char *ctrl, cs_mount *out)
{
	size_t i = 0;

	if (!buf || !out)
		return CS_EINVAL;
	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - (buf + i)) : len - i;
		cs_mount m;

		if (cs_mountinfo_parse_line(buf + i, ll, &m) == 0) {
			if (!ctrl ? strcmp(m.fstype, "cgroup2") == 0
			          : strcmp(m.fstype, "cgroup") == 0 &&
			                cs_opts_has(m.super_opts, strlen(m.super_opts), ctrl)) {
				*out = m;
				return 0;
			}
		}
		i += ll + 1;
	}
	return CS_ENOTFOUND;
}

int cs_mountinfo_read_cgroup(cs_io *io, const char *ctrl, cs_mount *out)
{
	char *buf = NULL;
	size_t len = 0;
	int rc =
	    io && out ? cs_io_read_alloc(io, CS_ROOT_PROCFS, "self/mountinfo", MOUNTINFO_MAX, &buf, &len) : CS_EINVAL;

	rc = rc ? rc : cs_mountinfo_find_cgroup(buf, len, ctrl, out);
	free(buf);
	return rc;
}
