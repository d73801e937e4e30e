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

/* A (provider, key)-sorted table seen by row index through readers, so one
 * binary search serves the instance and the region table. A value built by
 * cs_instance_keys() / cs_region_keys() in code: no pointer stored in .data,
 * so nothing needs a relocation. */
typedef struct cs_keyed_table {
	size_t len;
	cs_provider (*provider)(size_t i);
	const char *(*key)(size_t i);
	const char *(*name)(size_t i);
} cs_keyed_table;

cs_keyed_table cs_instance_keys(void);
cs_keyed_table cs_region_keys(void);

/* Rows [*lo, *hi) of provider p (not CS_PROVIDER_UNKNOWN) whose key starts
 * with prefix ("" gives all of p's rows). */
void cs_keyed_range(const cs_keyed_table *t, cs_provider p, const char *prefix, size_t *lo, size_t *hi);

/* "Did you mean" over any list of names (the planner's families and
 * microarchitectures): the closest by edit distance on their keys, as
 * cs_country_suggest ranks them. At most max (8) pointers into list. */
size_t cs_names_suggest(const char *name, const char *const *list, size_t n, const char **out, size_t max);

/* name past a leading Azure "standard_"/"basic_" tier, which keys drop. */
const char *cs_name_untiered(const char *name);

#endif
