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

int cs_win_room(cs_win *w, size_t max)
{
	if (!w->buf) /* the first read: cap is the first size */
		return cs_resize(&w->buf, w->cap + w->slack, 1);
	if (w->pos) {
		memmove(w->buf, w->buf + w->pos, w->len - w->pos);
		w->len -= w->pos;
		w->pos = 0;
	}
	if (w->len < w->cap)
		return 0;
	if (w->cap >= max)
		return CS_ERANGE;
	if (w->cap > (SIZE_MAX - w->slack) / 2 || cs_resize(&w->buf, w->cap * 2 + w->slack, 1))
		return CS_ENOMEM;
	w->cap *= 2;
	return 0;
}

/* Room in the block list for one more, before the block is allocated, so
 * a block is never allocated without a place to record it. */
static int pool_room(cs_pool *p)
{
	return cs_grow(&p->blk, &p->cap, p->n + 1, sizeof *p->blk, 8);
}

void *cs_pool_calloc(cs_pool *p, size_t n, size_t size)
{
	void *b;

	if (pool_room(p) || !(b = calloc(n ? n : 1, size ? size : 1)))
		return NULL;
	p->blk[p->n++] = b;
	return b;
}

char *cs_pool_strndup(cs_pool *p, const char *s, size_t n)
{
	char *d = n < SIZE_MAX ? cs_pool_calloc(p, n + 1, 1) : NULL;

	if (d)
		memcpy(d, s, n);
	return d;
}

int cs_pool_grow(cs_pool *p, void *pp, size_t *cap, size_t need, size_t elem, size_t first)
{
	void *old;
	size_t i = 0;

	if (need <= *cap)
		return 0;
	memcpy(&old, pp, sizeof old);
	if (old) { /* the most recently grown block is the likeliest */
		for (i = p->n; i > 0 && p->blk[i - 1] != old; i--)
			;
		if (!i)
			return CS_EINVAL; /* not p's: a caller's bug, nothing touched */
		i--;
	} else if (pool_room(p)) {
		return CS_ENOMEM;
	} else {
		i = p->n;
	}
	if (cs_grow(pp, cap, need, elem, first))
		return CS_ENOMEM;
	memcpy(&p->blk[i], pp, sizeof old);
	if (!old)
		p->n++;
	return 0;
}

void cs_pool_free(cs_pool *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->blk[i]);
	free(p->blk);
	*p = (cs_pool){0};
}
