/* core/mem.h - growing heap arrays.
 *
 * Tables, scanners, bill stores and render buffers all keep their records in
 * flat arrays that double when full. These three functions are that step,
 * written once: how far to grow (doubling from a first capacity, with the
 * size overflow checked), and a realloc that keeps the old array when it
 * fails, so a caller never loses what it held and only returns CS_ENOMEM.
 * Arrays kept side by side (records and their hashes) grow to one capacity:
 * cs_grow_cap once, then cs_resize each.
 */
#ifndef CS_CORE_MEM_H
#define CS_CORE_MEM_H

#include <stddef.h>

/* The capacity to hold need items: cap (or first when cap is 0) doubled until
 * it does; cap itself when it already does; 0 when doubling overflows. */
size_t cs_grow_cap(size_t cap, size_t need, size_t first);

/* Resizes the array whose address is pp (a T **, passed as void *) to n items
 * of elem bytes: 0, or CS_ENOMEM with *pp untouched (also when n * elem
 * overflows). */
int cs_resize(void *pp, size_t n, size_t elem);

/* Makes the array at pp hold need items of elem bytes: grows *cap as
 * cs_grow_cap does and resizes to it. 0, or CS_ENOMEM with *pp and *cap
 * untouched. */
int cs_grow(void *pp, size_t *cap, size_t need, size_t elem, size_t first);

#endif
