/* core/mem.h - growing heap arrays.
 *
 * Tables, scanners, bill stores and render buffers all keep their records in
 * flat arrays that double when full. These three functions are that step,
 * written once: how far to grow (doubling from a first capacity, with the
 * size overflow checked), and a realloc that keeps the old array when it
 * fails, so a caller never loses what it held and only returns CS_ENOMEM.
 * Arrays kept side by side (records and their hashes) grow to one capacity:
 * cs_grow_cap once, then cs_resize each. The readers of records and lines
 * (billing's CSV and JSON lines, the ledger's import) keep their input in a
 * cs_win, whose one growth step is cs_win_room.
 *
 * An object with several heap members (a report's arrays, a pod list's
 * records and string pool, a plan's groups and options) owns them through
 * one cs_pool: they are allocated and grown through it, and its destructor
 * releases them all with one cs_pool_free, on its error paths too, so no
 * member can be forgotten or freed twice. A pool tracks its blocks in a
 * list searched on growth: it is for an object's few members, not for one
 * allocation per record.
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

/* A read window: buf[pos, len) is read and not yet consumed; cap bytes are
 * usable and slack more are allocated past them (for scanners that load
 * whole blocks; the reader zeroes them after each read). */
typedef struct cs_win {
	char *buf;
	size_t cap, len, pos, slack;
} cs_win;

/* Room to read into buf[len, cap): the unconsumed bytes move to the front,
 * and a buffer they fill doubles. A window with no buf yet gets one of cap
 * bytes (its first size, set by its owner) here, so a reader's constructor
 * allocates none. 0; CS_ERANGE when a full buffer is
 * already max bytes (the caller says why: it knows what a record is); or
 * CS_ENOMEM with the unconsumed bytes kept and cap as it was. */
int cs_win_room(cs_win *w, size_t max);

/* The heap blocks one object owns. A zeroed pool is empty. */
typedef struct cs_pool {
	void **blk;
	size_t n, cap;
} cs_pool;

/* n zeroed items of size bytes owned by p, or NULL when out of memory or
 * when n * size overflows (calloc's check). */
void *cs_pool_calloc(cs_pool *p, size_t n, size_t size);

/* A copy of the n bytes at s plus a NUL, owned by p, or NULL. */
char *cs_pool_strndup(cs_pool *p, const char *s, size_t n);

/* cs_grow for an array owned by p (*pp NULL or allocated from p): 0, or
 * CS_ENOMEM with *pp and *cap untouched (CS_EINVAL when *pp is not p's).
 * The grown part is not zeroed. */
int cs_pool_grow(cs_pool *p, void *pp, size_t *cap, size_t need, size_t elem, size_t first);

/* Frees every block p owns and empties it. NULL is a no-op. */
void cs_pool_free(cs_pool *p);

#endif
