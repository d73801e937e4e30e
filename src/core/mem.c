/* core/mem.c - growing heap arrays (see mem.h). */
#include "core/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

size_t cs_grow_cap(size_t cap, size_t need, size_t first)
{
	size_t nc = cap ? cap : (first ? first : 1);

	while (nc < need) {
		if (nc > SIZE_MAX / 2)
			return 0;
		nc *= 2;
	}
	return nc;
}

int cs_resize(void *pp, size_t n, size_t elem)
{
	void *p;

	if (elem && n > SIZE_MAX / elem)
		return CS_ENOMEM;
	/* The pointer is copied in and out as bytes: pp may be any T **. */
	memcpy(&p, pp, sizeof p);
	p = realloc(p, n && elem ? n * elem : 1);
	if (!p)
		return CS_ENOMEM;
	memcpy(pp, &p, sizeof p);
	return 0;
}

int cs_grow(void *pp, size_t *cap, size_t need, size_t elem, size_t first)
{
	size_t nc;

	if (need <= *cap)
		return 0;
	nc = cs_grow_cap(*cap, need, first);
	if (!nc || cs_resize(pp, nc, elem) < 0)
		return CS_ENOMEM;
	*cap = nc;
	return 0;
}
