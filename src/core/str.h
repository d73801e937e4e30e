/* core/str.h - bounded string copies for fixed-size fields, and one CSV
 * field written out.
 *
 * Workloads, rows and table entries hold strings in fixed arrays so that a
 * sampling cycle allocates nothing. Copying into them must never overflow
 * and must say when it truncated, because a truncated pod name or cgroup
 * path would silently merge two series.
 */
#ifndef CS_CORE_STR_H
#define CS_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Copies src (NULL = "") into dst[cap], always NUL-terminated when cap > 0.
 * Returns true if all of it fit. */
bool cs_strcpy_fit(char *dst, size_t cap, const char *src);

/* Copies n bytes of src (need not be NUL-terminated) the same way. */
bool cs_memcpy_str(char *dst, size_t cap, const char *src, size_t n);

/* Writes s (NULL = "") as one RFC 4180 field: as is, or in double quotes
 * with its quotes doubled when it holds a comma, quote, CR or LF (the CLI's
 * tables and the ledger's reports). */
void cs_csv_field(FILE *f, const char *s);

/* True if s is 1..cap-1 bytes (it fits a char[cap] with its NUL), each
 * accepted by ok: names from the outside (zones, instance types) checked
 * before they become a label or a file name. */
bool cs_str_valid(const char *s, size_t cap, bool (*ok)(char c));

/* The index of s among names[0..n) (an enum's spellings), or -1 (s NULL too). */
int cs_name_index(const char *const *names, size_t n, const char *s);

/* The spelling of enum value i: names[i], or other when i is past names[0..n)
 * or has no entry (a value that is not one of the enum's). */
const char *cs_name_at(const char *const *names, size_t n, size_t i, const char *other);

/* Defines the word functions of an enum spelt by names[0..n), the one shape
 * every such pair has: `const char *name_fn(type v)`, v's word or "?", and
 * `int parse_fn(const char *s, type *out)`, 0 with *out set, or CS_EINVAL
 * (carbonstat/error.h) for a word not in names or a NULL out. One line per
 * enum in its .c file; the header declares both functions as usual. */
#define CS_DEFINE_NAME_PARSE(type, name_fn, parse_fn, names, n)                                                        \
	const char *name_fn(type v)                                                                                    \
	{                                                                                                              \
		return cs_name_at(names, n, (unsigned)v, "?");                                                         \
	}                                                                                                              \
	int parse_fn(const char *s, type *out)                                                                         \
	{                                                                                                              \
		int i = cs_name_index(names, n, s);                                                                    \
		if (i < 0 || !out)                                                                                     \
			return CS_EINVAL;                                                                              \
		*out = (type)i;                                                                                        \
		return 0;                                                                                              \
	}

/* True if s starts with prefix. */
static inline bool cs_starts_with(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return false;
	return true;
}

#endif
