/* plan/json_out.h - a jansson tree written as text, fast, byte for byte as
 * json_dumps would write it.
 *
 * `carbonstat plan --json` on 10,000 groups writes ~90,000 estimate
 * objects (90 MB). Each is estimate's own json_t (cli_estimate_json, so
 * plan and estimate share one definition of the object); jansson's dumper
 * then hands its text over a token at a time through a callback and spent
 * about as long as the whole plan (issue 14's 2 s target). This walker
 * writes the same tree straight into one growing buffer: the same
 * separators (", " and ": ", no indent, no JSON_COMPACT), keys in the
 * object's order, strings with the same escapes (\" \\ \b \f \n \r \t,
 * other bytes below 0x20 as \u00XX; UTF-8 kept, as jansson keeps it
 * without JSON_ENSURE_ASCII), integers as %lld and reals as jansson's
 * jsonp_dtostr does: "%.*g" with the precision, ".0" added when neither a
 * '.' nor an 'e' is there, the exponent without '+' or leading zeros.
 * tests/unit/test_plan_json.c compares it with json_dumps on trees of
 * every kind of value.
 *
 * The plan's only, so it lives here; it moves down (cli and exporters use
 * jansson too) when a second user needs it.
 */
#ifndef CS_PLAN_JSON_OUT_H
#define CS_PLAN_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/mem.h"

/* Reals already formatted, by their bits: most figures of a plan repeat
 * (PUEs, intensities, memory sizes, hours, zero watts), and glibc's exact
 * %g costs ~1 us each. Direct-mapped, PLAN_JSON_REAL_CACHE entries. */
#define PLAN_JSON_REAL_CACHE 4096
typedef struct plan_json_real_text {
	uint64_t bits;
	uint8_t precision; /* 0 = empty entry */
	uint8_t len;
	char text[30];
} plan_json_real_text;

typedef struct plan_json_buf {
	char *p; /* owned; not NUL-terminated */
	size_t n, cap;
	plan_json_real_text *reals; /* owned, allocated on first use; NULL = no cache (out of memory) */
	cs_pool mem;                /* owns p and reals */
} plan_json_buf;

/* Appends v as json_dumps(v, JSON_REAL_PRECISION(precision)) writes it
 * (precision 1..31; 0 means jansson's default, 17). 0, or CS_ENOMEM (the
 * buffer then holds a prefix) or CS_EINVAL (a value jansson cannot dump:
 * NULL, a non-finite real). */
int plan_json_append(plan_json_buf *b, const json_t *v, int precision);

/* Appends raw text (separators between values the caller writes). */
int plan_json_raw(plan_json_buf *b, const char *s, size_t n);

/* Values written straight, as jansson writes them, for a caller that
 * streams an object without building it: key writes `"key": ` after ", "
 * unless first; str NULL, and num with known false (or a non-finite v),
 * write null. Each returns 0 or CS_ENOMEM. */
int plan_json_key(plan_json_buf *b, const char *key, bool first);
int plan_json_str(plan_json_buf *b, const char *s);
int plan_json_int(plan_json_buf *b, long long v);
int plan_json_num(plan_json_buf *b, double v, bool known, int precision);
int plan_json_bool(plan_json_buf *b, bool v);

void plan_json_buf_free(plan_json_buf *b); /* NULL is a no-op */

#endif
