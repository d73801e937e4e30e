/* core/parse.h - strict parsers for everything a user or a file hands us.
 *
 * Every parser takes a NUL-terminated string, accepts the whole string or
 * nothing (no trailing garbage, no silent truncation, no locale), and writes
 * its output only on success. They never allocate, so they are safe on hot
 * paths and under fuzzing. Returns 0, CS_EINVAL (malformed) or CS_ERANGE
 * (well-formed but out of range / overflow).
 */
#ifndef CS_CORE_PARSE_H
#define CS_CORE_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Finite decimal number: "12", "-3.5", "1e3", "0.25". No hex, inf or nan;
 * surrounding blanks are rejected. */
int cs_parse_double(const char *s, double *out);

/* Unsigned decimal integer that fits in uint64_t: "0", "42". No sign. */
int cs_parse_u64(const char *s, uint64_t *out);

/* Same, limited to [min, max]. */
int cs_parse_uint_range(const char *s, unsigned min, unsigned max, unsigned *out);

/* Percentage in [0, 100] with an optional '%' suffix: "50", "12.5%".
 * Output is the fraction 0..1. */
int cs_parse_percent(const char *s, double *out_fraction);

/* Duration in seconds, > 0: a sequence of <number><unit> with units
 * ms, s, m (minutes), h, d, w, mo (730 h), y (8760 h): "730h", "30d", "1h30m",
 * "1.5h", "90s", "1y". A bare number means hours ("730"). At most 100 years. */
int cs_parse_duration(const char *s, double *out_s);

/* Parse a number from a fixed-size, not NUL-terminated buffer (sysfs and
 * procfs reads): leading blanks skipped, digits, optional trailing '\n'.
 * Used on hot paths: no allocation, no locale. */
int cs_parse_u64_buf(const char *buf, size_t len, uint64_t *out);

/* Network endpoint "host:port", "[v6addr]:port" or ":port" (any address).
 * host gets the name or address without brackets ("" for ":port"); port is
 * 1..65535. The host is checked for shape only (letters, digits, '.', '-',
 * '_', ':' inside brackets), not resolved. hostcap must hold it, else
 * CS_ERANGE. */
int cs_parse_hostport(const char *s, char *host, size_t hostcap, unsigned *port);

#endif
