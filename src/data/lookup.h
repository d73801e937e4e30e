/* data/lookup.h - the name index of the instance and region tables, shared
 * by the exact lookups (lookup.c) and the suggestions (suggest.c).
 *
 * Both tables are sorted by (provider, key), key = cs_name_key(name), so
 * every key range is two binary searches away.
 */
#ifndef CS_DATA_LOOKUP_H
#define CS_DATA_LOOKUP_H

#include <stddef.h>

#include <carbonstat/dataset.h>

/* Room for any key cs_name_key() is asked to produce here, NUL included. */
#define CS_KEY_CAP 128

/* Rows [*lo, *hi) of provider p (not CS_PROVIDER_UNKNOWN) whose key starts
 * with prefix ("" gives all of p's rows). */
void cs_instance_key_range(cs_provider p, const char *prefix, size_t *lo, size_t *hi);
void cs_region_key_range(cs_provider p, const char *prefix, size_t *lo, size_t *hi);

/* name past a leading Azure "standard_"/"basic_" tier, which keys drop. */
const char *cs_name_untiered(const char *name);

#endif
