/* ledger/grow.h - the one growth rule of the ledger's arrays.
 *
 * Every table the ledger builds (node-hours, cells, pending rows, report
 * groups, price entries, string arenas and text buffers) grows the same way: doubled from 64 until it holds
 * what is needed, so a long import reallocates O(log n) times. On failure
 * the old array is untouched (the caller still frees it).
 */
#ifndef CS_LEDGER_GROW_H
#define CS_LEDGER_GROW_H

#include <stdint.h>
#include <stdlib.h>

/* p grown to hold need elements of sz bytes (*cap updated), or NULL when
 * out of memory (p is then unchanged). */
static inline void *cs_lg_grown(void *p, size_t *cap, size_t need, size_t sz)
{
	size_t nc;
	void *np;

	if (need <= *cap)
		return p;
	nc = *cap ? *cap : 64;
	while (nc < need) {
		if (nc > SIZE_MAX / 2)
			return NULL;
		nc *= 2;
	}
	if (nc > SIZE_MAX / sz)
		return NULL;
	np = realloc(p, nc * sz);
	if (np)
		*cap = nc;
	return np;
}

#endif
