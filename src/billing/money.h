/* billing/money.h - exact decimal amounts for bill costs.
 *
 * A cloud bill is a sum of millions of small decimal amounts ("0.0000004000",
 * "5.64902E-05"). Summed as doubles they drift, and "the cost out equals the
 * cost in" could only be claimed to within a rounding error. carbonstat keeps
 * every amount as a signed 128-bit integer count of 10^-18 currency units
 * ("atto-units"): every input with at most 18 decimal places (all exports we
 * know write 6 to 18) is held exactly, sums are exact and associative, and
 * the range is +-1.7e20 currency units, beyond any bill in any currency.
 * An input with more than 18 decimal places is rounded half-even at 1e-18
 * and counted (cs_money_parse reports it), so a claim of exactness can say
 * when it did not hold.
 */
#ifndef CS_BILLING_MONEY_H
#define CS_BILLING_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef __int128 cs_money; /* 10^-18 currency units */

#define CS_MONEY_SCALE_DIGITS 18
#define CS_MONEY_ONE          ((cs_money)1000000000000000000LL)

/* Parses a decimal number ("12", "-0.25", "5.64902E-05", "+3.", ".5") of
 * n bytes (not NUL-terminated). Empty and "NULL" parse as 0 with *is_null
 * set (is_null may be NULL). Sets *rounded when digits below 1e-18 were
 * dropped (rounded may be NULL). Returns 0, CS_EINVAL (malformed) or
 * CS_ERANGE (beyond +-1.7e20). Never allocates: safe on the hot path. */
int cs_money_parse(const char *s, size_t n, cs_money *out, bool *is_null, bool *rounded);

/* Writes the exact decimal ("-12.5", "0", "0.000000000000000001") into buf;
 * at most 42 bytes with the NUL. Returns the length. */
size_t cs_money_format(cs_money v, char *buf, size_t cap);

/* Nearest double, for ratios and display (not for sums). */
double cs_money_to_double(cs_money v);

#endif
