/* billing/csv.c - the streaming CSV scanner (see csv.h).
 *
 * A record is scanned in two steps. First its structure: walking 64-byte
 * blocks, a bitmask marks every ',', '"' and '\n', and only those bytes are
 * looked at, with the quote state carried across them; field boundaries go
 * into the offset arrays. If the record runs past the data in the buffer the
 * scan stops, the partial record moves to the front, more input is read and
 * the record is scanned again from its start (nothing was changed yet).
 * Only once the record is complete are its delimiters overwritten with NULs
 * and its "" pairs collapsed, so a rescan never sees modified bytes.
 *
 * The buffer keeps 64 zeroed bytes past the data so the last block can be
 * loaded whole; bits past the data are masked off.
 */
#include "billing/csv.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <carbonstat/error.h>

#include "core/mem.h"
#include "core/why.h"

#define BUF_INIT   (1u << 20)
#define BUF_MAX    (64u << 20)
#define SLACK      64
#define FIELDS_MAX 65536

struct cs_csv {
	cs_bill_src *src;
	char *buf; /* w.buf or a block of the source (cs_bill_src_block) */
	cs_win w;  /* our own buffer, w.cap usable (SLACK more); w.len: bytes of data in buf, w.pos: start of the next
	              record */
	bool borrowed;  /* buf is the source's block */
	bool no_blocks; /* the source has none: always copy */
	bool eof;
	bool started; /* BOM checked */
	uint64_t line;
	uint64_t bytes;
	cs_pool mem; /* fs, fe, fq, fptr, flen, wl, nextw (w.buf is cs_win_room's) */
	/* per-field offsets of the record being scanned */
	size_t fcap;
	uint32_t *fs, *fe; /* start, end (exclusive) relative to pos */
	uint8_t *fq;       /* quoted; bit 1: has "" escapes */
	char **fptr;
	uint32_t *flen;
	/* cs_csv_want: the fields a caller reads. Others are only counted. */
	bool want_on;
	uint32_t *wl; /* wanted field indices, ascending */
	size_t nwl;
	uint32_t *nextw; /* nextw[i]: first wanted index >= i (UINT32_MAX: none) */
	size_t nnextw;
	size_t wlcap, nextwcap; /* room in wl, nextw */
	char empty[1];          /* what a field not wanted reads as */
};

/* Bitmasks of the commas, quotes and newlines among 64 bytes at p. */
static inline void masks64(const char *p, uint64_t *mc, uint64_t *mq, uint64_t *mn)
{
#if defined(__SSE2__)
	const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"'), nl = _mm_set1_epi8('\n');
	uint64_t c = 0, q = 0, n = 0;

	for (int k = 0; k < 4; k++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
		c |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma)) << (16 * k);
		q |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) << (16 * k);
		n |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)) << (16 * k);
	}
	*mc = c;
	*mq = q;
	*mn = n;
#else
	uint64_t c = 0, q = 0, n = 0;

	for (int k = 0; k < 64; k++) {
		c |= (uint64_t)(p[k] == ',') << k;
		q |= (uint64_t)(p[k] == '"') << k;
		n |= (uint64_t)(p[k] == '\n') << k;
	}
	*mc = c;
	*mq = q;
	*mn = n;
#endif
}

/* The five per-field arrays side by side, grown to n fields (one capacity);
 * the new fields read as "". */
static int fields_resize(cs_csv *c, size_t n)
{
	struct {
		void *pp;
		size_t elem;
	} const arr[] = {{&c->fs, sizeof *c->fs},
	                 {&c->fe, sizeof *c->fe},
	                 {&c->fq, sizeof *c->fq},
	                 {&c->fptr, sizeof *c->fptr},
	                 {&c->flen, sizeof *c->flen}};

	for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++) {
		size_t cap = c->fcap;

		if (cs_pool_grow(&c->mem, arr[i].pp, &cap, n, arr[i].elem, n))
			return CS_ENOMEM;
	}
	for (size_t i = c->fcap; i < n; i++) {
		c->fptr[i] = c->empty;
		c->flen[i] = 0;
	}
	c->fcap = n;
	return 0;
}

int cs_csv_new(cs_bill_src *src, cs_csv **out)
{
	cs_csv *c = calloc(1, sizeof *c);

	if (!c)
		return CS_ENOMEM;
	c->src = src;
	c->w.cap = BUF_INIT;
	c->w.slack = SLACK;
	c->w.buf = c->buf = malloc(c->w.cap + SLACK);
	if (!c->buf || fields_resize(c, 256)) {
		cs_csv_free(c);
		return CS_ENOMEM;
	}
	memset(c->buf, 0, SLACK);
	c->line = 1;
	*out = c;
	return 0;
}

void cs_csv_free(cs_csv *c)
{
	if (!c)
		return;
	free(c->w.buf);
	cs_pool_free(&c->mem);
	free(c);
}

uint64_t cs_csv_bytes(const cs_csv *c)
{
	return c->bytes;
}

static int grow_fields(cs_csv *c)
{
	if (c->fcap >= FIELDS_MAX)
		return CS_ERANGE;
	return fields_resize(c, c->fcap * 2);
}

int cs_csv_want(cs_csv *c, const int *cols, size_t n)
{
	size_t top = 1, k = 0;
	uint32_t *wl, *nextw;

	for (size_t i = 0; i < n; i++)
		if (cols[i] >= 0 && (size_t)cols[i] + 1 > top)
			top = (size_t)cols[i] + 1;
	if (top > FIELDS_MAX)
		return CS_ERANGE;
	if (cs_pool_grow(&c->mem, &c->wl, &c->wlcap, top, sizeof *c->wl, top) ||
	    cs_pool_grow(&c->mem, &c->nextw, &c->nextwcap, top, sizeof *c->nextw, top))
		return CS_ENOMEM;
	wl = c->wl;
	nextw = c->nextw;
	/* field 0 always: a blank line is told from a one-field record by it */
	for (size_t i = 0; i < top; i++)
		nextw[i] = i == 0 ? 1 : 0;
	for (size_t i = 0; i < n; i++)
		if (cols[i] >= 0)
			nextw[cols[i]] = 1;
	for (size_t i = 0; i < top; i++)
		if (nextw[i])
			wl[k++] = (uint32_t)i;
	/* nextw[i] = the first wanted index >= i, built from the end */
	for (size_t i = top, next = UINT32_MAX; i-- > 0;) {
		if (nextw[i])
			next = i;
		nextw[i] = (uint32_t)next;
	}
	c->nwl = k;
	c->nnextw = top;
	c->want_on = true;
	/* fields not wanted read as "" from now on (the header's pointers
	 * would otherwise stay behind in them) */
	for (size_t i = 0; i < c->fcap; i++) {
		c->fptr[i] = c->empty;
		c->flen[i] = 0;
	}
	return 0;
}

/* Moves the unscanned tail to the front, grows the buffer if the record
 * fills it, reads more. */
static int refill(cs_csv *c, char *why, size_t cap)
{
	size_t got = 0;
	int rc;

	if (!c->no_blocks) {
		/* an inflating source hands its blocks over in place, with the
		 * unfinished record put in front: no copy of the text */
		char *p;
		size_t n;

		rc = cs_bill_src_block(c->src, c->buf + c->w.pos, c->w.len - c->w.pos, &p, &n, why, cap);
		if (rc == CS_EUNAVAIL)
			c->no_blocks = true;
		else if (rc && rc != CS_ERANGE)
			return rc;
		if (!rc && !n) {
			c->eof = true;
			return 0;
		}
		if (!rc) {
			c->bytes += n - (c->w.len - c->w.pos);
			c->buf = p;
			c->w.len = n;
			c->w.pos = 0;
			c->borrowed = true;
			memset(c->buf + c->w.len, 0, SLACK);
			goto bom;
		}
		/* CS_ERANGE: a record longer than the room in front of a block
		 * (or bytes the source peeked at): copy, as for a plain file */
	}
	if (c->borrowed) {
		size_t tail = c->w.len - c->w.pos;

		while (tail > c->w.cap) {
			/* the record so far (up to a block and its room in front)
			 * does not fit in our buffer: grow it */
			char *nb;

			if (!(nb = realloc(c->w.buf, c->w.cap * 2 + SLACK)))
				return CS_ENOMEM;
			c->w.buf = nb;
			c->w.cap *= 2;
		}
		memcpy(c->w.buf, c->buf + c->w.pos, tail);
		c->buf = c->w.buf;
		c->w.len = tail;
		c->w.pos = 0;
		c->borrowed = false;
	}
	rc = cs_bill_win_fill(c->src, &c->w, BUF_MAX, &got, why, cap);
	c->buf = c->w.buf;
	if (rc == CS_ERANGE)
		cs_set_why(why, cap, "%s:%llu: a record longer than %u MiB (an unclosed quote?); check the file",
		           cs_bill_src_name(c->src), (unsigned long long)c->line, BUF_MAX >> 20);
	if (rc)
		return rc;
	if (got == 0)
		c->eof = true;
	c->bytes += got;
bom:
	if (!c->started && (c->w.len >= 3 || c->eof)) {
		c->started = true;
		if (c->w.len >= 3 && (unsigned char)c->buf[0] == 0xEF && (unsigned char)c->buf[1] == 0xBB &&
		    (unsigned char)c->buf[2] == 0xBF)
			c->w.pos = 3;
	}
	return 0;
}

enum scan_result { SCAN_DONE, SCAN_MORE, SCAN_BAD_QUOTE, SCAN_FIELDS };

/* Set bits of m. The build targets baseline x86-64, where
 * __builtin_popcountll is a libgcc call (5 % of the ingest when it was). */
static inline size_t popcount64(uint64_t m)
{
#if defined(__POPCNT__)
	return (size_t)__builtin_popcountll(m);
#else
	m = m - ((m >> 1) & 0x5555555555555555ull);
	m = (m & 0x3333333333333333ull) + ((m >> 2) & 0x3333333333333333ull);
	m = (m + (m >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (size_t)((m * 0x0101010101010101ull) >> 56);
#endif
}

/* The first field at or after nf that the caller reads (nf itself when
 * every field is wanted, SIZE_MAX when none is left). */
static inline size_t next_wanted(const uint32_t *nextw, size_t nnextw, size_t nf)
{
	if (!nextw)
		return nf;
	if (nf >= nnextw || nextw[nf] == UINT32_MAX)
		return SIZE_MAX;
	return nextw[nf];
}

/* Grows the field arrays until field nf fits and hands back their new
 * addresses and size; false when a record has more than FIELDS_MAX fields
 * (or no memory). */
static bool more_fields(cs_csv *c, size_t nf, size_t *fcap, uint32_t **fs, uint32_t **fe, uint8_t **fq)
{
	while (nf >= c->fcap)
		if (grow_fields(c))
			return false;
	*fcap = c->fcap;
	*fs = c->fs;
	*fe = c->fe;
	*fq = c->fq;
	return true;
}

/* Records field i ending at fend: a quoted one is its text between the
 * quotes, and anything between the closing quote and fend is malformed. */
static inline void put_field(uint32_t *fs, uint32_t *fe, uint8_t *fq, size_t i, size_t fstart, size_t fend, bool quoted,
                             size_t qend, bool esc, bool *bad)
{
	if (quoted) {
		if (qend + 1 != fend)
			*bad = true; /* text after the closing quote */
		fs[i] = (uint32_t)(fstart + 1);
		fe[i] = (uint32_t)qend;
		fq[i] = (uint8_t)(1 | (esc ? 2 : 0));
	} else {
		fs[i] = (uint32_t)fstart;
		fe[i] = (uint32_t)fend;
		fq[i] = 0;
	}
}

/* Scans the structure of the record at c->w.pos. Sets *nf, *end (offset of the
 * byte after the record, relative to pos) and *newlines (quoted newlines). */
static enum scan_result scan_record(cs_csv *c, size_t *nf_out, size_t *end_out, uint64_t *newlines, bool *bad)
{
	const char *base = c->buf + c->w.pos;
	size_t avail = c->w.len - c->w.pos;
	size_t nf = 0, fstart = 0, qend = 0, fcap = c->fcap;
	uint32_t *fs = c->fs, *fe = c->fe;
	uint8_t *fq = c->fq;
	bool inq = false, quoted = false, esc = false, skip_first = false;
	uint64_t nl = 0;
	const uint32_t *nextw = c->want_on ? c->nextw : NULL;
	const size_t nnextw = c->nnextw;

	*bad = false;
	for (size_t b = 0; b < avail; b += 64) {
		uint64_t mc, mq, mn, m;

		masks64(base + b, &mc, &mq, &mn);
		if (avail - b < 64) {
			uint64_t valid = ((uint64_t)1 << (avail - b)) - 1;
			mc &= valid;
			mq &= valid;
			mn &= valid;
		}
		if (skip_first) {
			mq &= ~(uint64_t)1;
			skip_first = false;
		}
		if (!inq && !quoted && !mq) {
			/* no quote in these 64 bytes (most blocks of a bill): every
			 * comma before the first newline ends a plain field */
			uint64_t cm = mc & (mn ? (mn & (0 - mn)) - 1 : ~(uint64_t)0);

			while (cm) {
				size_t w = next_wanted(nextw, nnextw, nf), k;

				if (w != nf) {
					/* fields nobody reads: count them, store nothing */
					size_t cnt = popcount64(cm);

					if (w >= nf + cnt) {
						nf += cnt;
						fstart = b + 64 - (size_t)__builtin_clzll(cm);
						break;
					}
					for (; nf < w; nf++) {
						fstart = b + (size_t)__builtin_ctzll(cm) + 1;
						cm &= cm - 1;
					}
				}
				k = b + (size_t)__builtin_ctzll(cm);
				cm &= cm - 1;
				if (nf >= fcap && !more_fields(c, nf, &fcap, &fs, &fe, &fq))
					return SCAN_FIELDS;
				fs[nf] = (uint32_t)fstart;
				fe[nf] = (uint32_t)k;
				fq[nf] = 0;
				nf++;
				fstart = k + 1;
			}
			if (!mn)
				continue;
			m = mn & (0 - mn); /* the newline: the general path ends the record */
		} else {
			m = mc | mq | mn;
		}
		while (m) {
			size_t k = b + (size_t)__builtin_ctzll(m);
			char ch = base[k];

			m &= m - 1;
			if (inq) {
				if (ch == '\n') {
					nl++;
				} else if (ch == '"') {
					if (k + 1 >= avail && !c->eof)
						return SCAN_MORE; /* "" or a closing quote? */
					if (k + 1 < avail && base[k + 1] == '"') {
						/* "" inside quotes: skip the second one */
						esc = true;
						if (k + 1 - b < 64)
							m &= ~((uint64_t)1 << (k + 1 - b));
						else
							skip_first = true;
					} else {
						inq = false;
						qend = k;
					}
				}
				continue;
			}
			if (ch == '"') {
				if (k == fstart && !quoted) {
					inq = true;
					quoted = true;
				}
				/* else: a stray quote in an unquoted field: text */
				continue;
			}
			/* ',' or '\n': the field ends at k */
			if (nf >= fcap && !more_fields(c, nf, &fcap, &fs, &fe, &fq))
				return SCAN_FIELDS;
			size_t fend = k;
			if (ch == '\n' && fend > fstart && base[fend - 1] == '\r')
				fend--;
			put_field(fs, fe, fq, nf++, fstart, fend, quoted, qend, esc, bad);
			fstart = k + 1;
			quoted = esc = false;
			if (ch == '\n') {
				*nf_out = nf;
				*end_out = k + 1;
				*newlines = nl;
				return SCAN_DONE;
			}
		}
	}
	if (!c->eof)
		return SCAN_MORE;
	/* end of input: the last record has no newline */
	if (inq) {
		*newlines = nl;
		return SCAN_BAD_QUOTE;
	}
	if (nf >= fcap && !more_fields(c, nf, &fcap, &fs, &fe, &fq))
		return SCAN_FIELDS;
	size_t fend = avail;
	if (fend > fstart && base[fend - 1] == '\r')
		fend--;
	put_field(fs, fe, fq, nf++, fstart, fend, quoted, qend, esc, bad);
	*nf_out = nf;
	*end_out = avail;
	*newlines = nl;
	return SCAN_DONE;
}

/* NUL-terminates and unescapes the fields of a scanned record. The arrays
 * are read through locals: stores through char * would otherwise make the
 * compiler reload every c-> pointer per field (a fifth of the scan time). */
static void finish_record(cs_csv *c, size_t nf, cs_csv_rec *rec)
{
	char *base = c->buf + c->w.pos;
	const uint32_t *fs = c->fs, *fe = c->fe;
	uint8_t *fq = c->fq;
	char **fptr = c->fptr;
	uint32_t *flen = c->flen;
	/* with cs_csv_want, only the wanted fields (the rest read as "") */
	const bool want = c->want_on;
	const uint32_t *wl = c->wl;
	const size_t nw = want ? c->nwl : nf;

	for (size_t j = 0; j < nw; j++) {
		size_t i = want ? wl[j] : j;

		if (i >= nf)
			break;
		char *s = base + fs[i];
		uint32_t n = fe[i] - fs[i];

		if (fq[i] & 2) {
			/* collapse "" -> " in place */
			uint32_t r = 0, w = 0;

			while (r < n) {
				s[w++] = s[r];
				r += (s[r] == '"' && r + 1 < n && s[r + 1] == '"') ? 2 : 1;
			}
			n = w;
			fq[i] = 1;
		}
		s[n] = '\0';
		fptr[i] = s;
		flen[i] = n;
	}
	rec->nf = nf;
	rec->f = fptr;
	rec->n = flen;
	rec->quoted = fq;
	rec->line = c->line;
}

int cs_csv_next(cs_csv *c, cs_csv_rec *rec, char *why, size_t cap)
{
	int rc;

	for (;;) {
		size_t nf = 0, end = 0;
		uint64_t nl = 0;
		bool bad = false;
		enum scan_result r;

		if (c->w.pos >= c->w.len) {
			if (c->eof)
				return 0;
			rc = refill(c, why, cap);
			if (rc)
				return rc;
			continue;
		}
		r = scan_record(c, &nf, &end, &nl, &bad);
		if (r == SCAN_MORE) {
			rc = refill(c, why, cap);
			if (rc)
				return rc;
			continue;
		}
		if (r == SCAN_FIELDS) {
			cs_set_why(why, cap, "%s:%llu: more than %u fields in one record; check the file",
			           cs_bill_src_name(c->src), (unsigned long long)c->line, FIELDS_MAX);
			return CS_ERANGE;
		}
		if (r == SCAN_BAD_QUOTE) {
			cs_set_why(why, cap,
			           "%s:%llu: a quoted field is never closed (the file ends inside it); the file is "
			           "truncated or damaged",
			           cs_bill_src_name(c->src), (unsigned long long)c->line);
			c->w.pos = c->w.len;
			return CS_ERANGE;
		}
		if (bad) {
			cs_set_why(why, cap, "%s:%llu: text after a closing quote (\"ab\"c): not valid CSV",
			           cs_bill_src_name(c->src), (unsigned long long)c->line);
			c->w.pos += end;
			c->line += 1 + nl;
			return CS_EINVAL;
		}
		finish_record(c, nf, rec);
		c->w.pos += end;
		c->line += 1 + nl;
		return 1;
	}
}
