/* k8s/quantity.h - Kubernetes resource quantities ("500m", "1.5Gi", "1e9").
 *
 * The grammar is the API server's (k8s.io/apimachinery resource.Quantity):
 *
 *   quantity ::= [+] number [suffix]
 *   number   ::= digits | digits "." [digits] | "." digits
 *   suffix   ::= n | u | m | k | M | G | T | P | E          (decimal SI)
 *              | Ki | Mi | Gi | Ti | Pi | Ei                  (binary SI)
 *              | (e|E) [+|-] digits                            (decimal exponent)
 *
 * A "1E" is exa, "1E3" is an exponent. Both CPU and memory accept every
 * suffix, as the API server does: CPU "1500u" is 0.0015 cores, memory
 * "1288490188800m" (what a division sometimes leaves) is 1288490188.8 bytes.
 *
 * Strict: the whole string or nothing, no blanks, no locale, no hex/inf/nan.
 * Negative values are refused (a request is never negative; "-0" too), as is
 * anything that does not fit a finite double below CS_QTY_MAX. Values are
 * correctly rounded when the mantissa has at most 15 significant digits and
 * the decimal exponent is within +-22 (every real-world quantity). Nothing
 * allocates. Fuzzed by tests/fuzz/fuzz_quantity.c.
 */
#ifndef CS_K8S_QUANTITY_H
#define CS_K8S_QUANTITY_H

#include <stddef.h>

/* Largest value accepted (well above 2^63, the API server's own limit). */
#define CS_QTY_MAX 1e30

/* s[0..len) (need not be NUL-terminated) -> value in base units. Returns 0,
 * CS_EINVAL (malformed, negative sign) or CS_ERANGE (over CS_QTY_MAX). */
int cs_qty_parse(const char *s, size_t len, double *out);

/* NUL-terminated CPU quantity -> cores ("500m" -> 0.5, "2" -> 2). */
int cs_qty_cpu_cores(const char *s, double *out_cores);

/* NUL-terminated memory quantity -> bytes ("128Mi" -> 134217728). */
int cs_qty_mem_bytes(const char *s, double *out_bytes);

#endif
