/* billing/ingest.c - the bill engine (see ingest.h).
 *
 * Per line, the hot path is: map the record (field picks, two or three
 * number parses), look the classification key up in the usage cache
 * (classify on a miss: once per distinct key), intern the few strings of
 * the daily key (a repeat of the previous row's string costs one memcmp),
 * and add into the daily row found by hashing the eight ids. Nothing is
 * allocated per line once the tables have grown to the bill's distinct
 * keys. Grid intensity is applied per daily row at the end (the region is
 * part of the key), and so is the estimate for unclassified usage, which
 * needs every service's kWh per cost first.
 */
#include "billing/ingest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "billing/csv.h"
#include "billing/format.h"
#include "billing/jsonl.h"
#include "billing/parquet.h"
#include "core/mem.h"
#include "core/str.h"
#include "core/why.h"

/* ---- hashing ------------------------------------------------------------- */

/* Word-at-a-time multiply-xorshift hash for the per-line keys. FNV-1a
 * (core/hash.h) mixes one byte per multiply: over the ~100-byte
 * classification key and the 32-byte row key of every line it cost a fifth
 * of the ingest time; this takes 8 bytes per multiply. Keys are built by
 * carbonstat from a bill and the tables are bounded by its distinct keys,
 * so no attacker-chosen collisions matter here (as for core/hash.h). */
static inline uint64_t hash_words(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xff51afd7ed558ccdull), w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	if (n) {
		w = 0;
		memcpy(&w, s, n);
		h = (h ^ w) * 0x94d049bb133111ebull;
		h ^= h >> 29;
	}
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

/* ---- generic open-addressing index over an array ---------------------- */

typedef struct index {
	uint32_t *slot; /* element + 1 */
	uint32_t mask;
} index_t;

/* Doubles the index's slots (from 1024; a block of mem) and files the n
 * elements again. */
static int index_grow(cs_pool *mem, index_t *x, uint32_t n, const uint64_t *hashes)
{
	size_t ncap = x->mask ? (size_t)x->mask + 1 : 0;
	uint32_t *slot;

	if (cs_pool_grow(mem, &x->slot, &ncap, ncap + 1, sizeof *x->slot, 1024))
		return CS_ENOMEM;
	slot = x->slot;
	memset(slot, 0, ncap * sizeof *slot);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = (uint32_t)hashes[i] & (ncap - 1);
		while (slot[k])
			k = (k + 1) & (ncap - 1);
		slot[k] = i + 1;
	}
	x->mask = (uint32_t)ncap - 1;
	return 0;
}

/* The lookup's step, for every index here: the next element past probe
 * position *k (start: h & mask) whose stored hash (hashes[i]) is h, with *k
 * moved past it; UINT32_MAX at the end of the probe (or with no index yet).
 * The caller compares the key itself. */
static inline uint32_t index_next(const index_t *x, const uint64_t *hashes, uint64_t h, uint32_t *k)
{
	for (; x->mask && x->slot[*k]; *k = (*k + 1) & x->mask) {
		uint32_t i = x->slot[*k] - 1;

		if (hashes[i] == h) {
			*k = (*k + 1) & x->mask;
			return i;
		}
	}
	return UINT32_MAX;
}

/* Files element i under hash h (the index has room: room_for). */
static inline void index_put(index_t *x, uint64_t h, uint32_t i)
{
	uint32_t k = (uint32_t)h & x->mask;

	while (x->slot[k])
		k = (k + 1) & x->mask;
	x->slot[k] = i + 1;
}

/* Room for element n of an array (arr: its T **, as cs_resize takes it) and
 * of its hash array beside it (both doubled, from first; blocks of mem),
 * then in the index over them (kept at most half full). On failure *cap is
 * as it was (an array that did grow is still valid). */
static int room_for(cs_pool *mem, void *arr, size_t elem, uint64_t **hash, uint32_t n, uint32_t *cap, uint32_t first,
                    index_t *x)
{
	if (n == *cap) {
		size_t ca = *cap, ch = *cap;

		if (cs_pool_grow(mem, arr, &ca, (size_t)n + 1, elem, first) ||
		    cs_pool_grow(mem, hash, &ch, (size_t)n + 1, sizeof **hash, first))
			return CS_ENOMEM;
		*cap = (uint32_t)ca;
	}
	if (x && (!x->mask || n + 1 > (x->mask + 1) / 2))
		return index_grow(mem, x, n, *hash);
	return 0;
}

/* ---- string interning ---------------------------------------------------- */

typedef struct str_ent {
	uint32_t off, len;
} str_ent;

typedef struct interner {
	cs_pool *mem; /* the owner of the arrays below: the bill's */
	char *arena;
	size_t alen, acap;
	str_ent *s;      /* string id -> its place in arena */
	uint64_t *hash;  /* string id -> its hash */
	uint32_t n, cap; /* strings / room in s and hash */
	index_t ix;      /* hash -> string id */
} interner;

static int arena_put(interner *t, const char *p, size_t n, uint32_t *off)
{
	if (cs_pool_grow(t->mem, &t->arena, &t->acap, t->alen + n + 1, 1, 1u << 16))
		return CS_ENOMEM;
	memcpy(t->arena + t->alen, p, n);
	t->arena[t->alen + n] = '\0';
	*off = (uint32_t)t->alen;
	t->alen += n + 1;
	return 0;
}

static int intern(interner *t, const char *p, size_t n, uint32_t *id)
{
	uint64_t h = hash_words(p, n);
	uint32_t k = (uint32_t)h & t->ix.mask, i;
	int rc;

	while ((i = index_next(&t->ix, t->hash, h, &k)) != UINT32_MAX)
		if (t->s[i].len == n && !memcmp(t->arena + t->s[i].off, p, n)) {
			*id = i;
			return 0;
		}
	/* id 0 is the empty string: it is stored before the first other one */
	if (!t->n && n && (rc = intern(t, "", 0, id)))
		return rc;
	if ((rc = room_for(t->mem, &t->s, sizeof *t->s, &t->hash, t->n, &t->cap, 1024, &t->ix)) ||
	    (rc = arena_put(t, p, n, &t->s[t->n].off)))
		return rc;
	t->s[t->n].len = (uint32_t)n;
	t->hash[t->n] = h;
	index_put(&t->ix, h, t->n);
	*id = t->n++;
	return 0;
}

static const char *istr(const interner *t, uint32_t id)
{
	return id < t->n ? t->arena + t->s[id].off : "";
}

/* A dimension with a one-entry memo: bills repeat the previous row's value. */
typedef struct memo {
	uint32_t id;
	bool set;
} memo;

static int intern_memo(interner *t, memo *m, cs_sv s, uint32_t *id)
{
	if (m->set && t->s[m->id].len == s.n && !memcmp(t->arena + t->s[m->id].off, s.p, s.n)) {
		*id = m->id;
		return 0;
	}
	int rc = intern(t, s.p, s.n, id);
	if (!rc) {
		m->id = *id;
		m->set = true;
	}
	return rc;
}

/* ---- the bill ------------------------------------------------------------ */

typedef struct usage_ent {
	cs_bill_usage u;
	uint32_t key_off, key_len;
	uint32_t provider, service, usage, currency;
	cs_money eff; /* of unclassified lines, for the causes */
	uint64_t lines;
} usage_ent;

typedef struct row_key {
	uint32_t v[8]; /* provider account service region currency tag day cls */
} row_key;

/* A daily row's key without the day: a bill has ~30 rows per one of these
 * (1,371 of them against 31,461 rows in the bench's 1M-row CUR). Finding a
 * line's row reads this small table and a 124-byte day array (170 KB in
 * all there) instead of a 1 MB hash index and then the 144-byte row itself
 * for the key compare (4.5 MB of rows); the row is only written, and that
 * is prefetched one line ahead (pend in cs_bill). */
typedef struct dims_ent {
	uint32_t v[7];  /* provider account service region currency tag cls */
	uint32_t month; /* yyyymm of the days in dpool, 0: none yet */
	uint32_t days;  /* offset of its 31 row numbers in dpool */
} dims_ent;

struct cs_bill {
	cs_bill_opts o;
	cs_bill_model model;
	cs_pool mem; /* every array below, the interners' too */
	interner str;
	interner keys; /* classification key bytes */
	memo m_prov, m_acct, m_svc, m_region, m_cur, m_tag;
	/* usage cache */
	usage_ent *ue;
	uint64_t *ue_hash;
	uint32_t nue, ue_cap;
	index_t ue_idx;
	/* daily rows */
	cs_bill_row *rows;
	uint64_t *rhash; /* each row's hash, to regrow the index; 0: not in it */
	uint32_t nrows, rcap;
	uint64_t *r_slot; /* hash high half | row + 1 */
	uint32_t r_mask, r_used;
	/* the rows' dimensions but the day, each with its month's days */
	dims_ent *dims;
	uint64_t *dhash;
	uint32_t ndims, dcap;
	index_t d_idx;
	uint32_t *dpool; /* 31 row numbers (+1, 0 none) per dims_ent month */
	size_t ndpool, dpcap;
	/* the previous line's row update, applied one line late so that the
	 * row's cache lines are fetched while the next line is scanned */
	bool pend;
	uint32_t pend_row;
	cs_money pend_eff, pend_billed;
	double pend_kwh, pend_emb;
	/* the pending line's energy follows the CPU utilisation (pend_cpu);
	 * pend_util >= 0: the ledger's measured one, with the kWh at the
	 * default and the hours it covers */
	bool pend_cpu;
	double pend_util, pend_kwh_default, pend_hours;
	/* unit prices */
	cs_bill_price *prices;
	uint64_t *phash;
	uint32_t *pue; /* usage entry of each price */
	uint32_t nprices, pcap;
	index_t p_idx;
	/* totals per currency */
	cs_bill_total *tot;
	uint32_t ntot;
	size_t totcap;
	cs_bill_cause *causes;
	size_t ncauses;
	cs_bill_stats st;
	bool finished;
	char keybuf[4096];
};

void cs_bill_opts_init(cs_bill_opts *o)
{
	memset(o, 0, sizeof *o);
	o->cpu_util = -1;
	o->max_reports = 20;
}

int cs_bill_new(const cs_bill_opts *o, cs_bill **out)
{
	cs_bill *b = calloc(1, sizeof *b);

	if (!b)
		return CS_ENOMEM;
	if (o)
		b->o = *o;
	else
		cs_bill_opts_init(&b->o);
	if (!b->o.max_reports)
		b->o.max_reports = 20;
	cs_bill_model_init(&b->model);
	b->str.mem = b->keys.mem = &b->mem;
	if (b->o.cpu_util >= 0)
		b->model.cpu_util = b->o.cpu_util;
	if (b->o.pue > 0)
		b->model.pue = b->o.pue;
	*out = b;
	return 0;
}

void cs_bill_free(cs_bill *b)
{
	if (!b)
		return;
	cs_pool_free(&b->mem);
	free(b);
}

static void report(cs_bill *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(cs_bill *b, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!b->o.report)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	b->o.report(b->o.report_ctx, line);
}

/* Serialises the classification key: scheme, provider, then each field
 * with its length, so ("ab","c") and ("a","bc") differ. */
static size_t key_bytes(cs_bill *b, const cs_bill_line *l)
{
	char *k = b->keybuf;
	size_t n = 0;

	k[n++] = (char)l->scheme;
	k[n++] = (char)l->prov;
	k[n++] = (char)l->nonusage;
	for (int i = 0; i < CS_BILL_KEY_FIELDS; i++) {
		uint32_t len = l->cls[i].n;
		if (len > 600)
			len = 600; /* longer text adds nothing to a classification */
		memcpy(k + n, &len, sizeof len);
		n += sizeof len;
		memcpy(k + n, l->cls[i].p, len);
		n += len;
	}
	if (l->scheme == CS_SCHEME_FOCUS && l->provider.n < 64) {
		/* the provider name decides FOCUS rules for unknown providers */
		memcpy(k + n, l->provider.p, l->provider.n);
		n += l->provider.n;
	}
	return n;
}

static int usage_of(cs_bill *b, const cs_bill_line *l, usage_ent **out)
{
	size_t kn = key_bytes(b, l);
	uint64_t h = hash_words(b->keybuf, kn);
	uint32_t k = (uint32_t)h & b->ue_idx.mask, i;
	int rc;

	while ((i = index_next(&b->ue_idx, b->ue_hash, h, &k)) != UINT32_MAX)
		if (b->ue[i].key_len == kn && !memcmp(b->keys.arena + b->ue[i].key_off, b->keybuf, kn)) {
			*out = &b->ue[i];
			return 0;
		}
	/* a new key: classify it */
	if ((rc = room_for(&b->mem, &b->ue, sizeof *b->ue, &b->ue_hash, b->nue, &b->ue_cap, 256, &b->ue_idx)))
		return rc;
	usage_ent *e = &b->ue[b->nue];
	memset(e, 0, sizeof *e);
	if ((rc = arena_put(&b->keys, b->keybuf, kn, &e->key_off)))
		return rc;
	e->key_len = (uint32_t)kn;
	cs_bill_classify(&b->model, l, &e->u);
	if ((rc = intern(&b->str, l->provider.p, l->provider.n, &e->provider)) ||
	    (rc = intern(&b->str, l->service.p, l->service.n, &e->service)) ||
	    (rc = intern(&b->str, l->usage.p, l->usage.n > 200 ? 200 : l->usage.n, &e->usage)))
		return rc;
	e->currency = UINT32_MAX;
	b->ue_hash[b->nue] = h;
	index_put(&b->ue_idx, h, b->nue);
	b->nue++;
	b->st.keys = b->nue;
	*out = e;
	return 0;
}

static cs_bill_total *total_of(cs_bill *b, uint32_t currency)
{
	for (uint32_t i = 0; i < b->ntot; i++)
		if (b->tot[i].currency == currency)
			return &b->tot[i];
	if (cs_pool_grow(&b->mem, &b->tot, &b->totcap, (size_t)b->ntot + 1, sizeof *b->tot, 4))
		return NULL;
	memset(&b->tot[b->ntot], 0, sizeof b->tot[0]);
	b->tot[b->ntot].currency = currency;
	return &b->tot[b->ntot++];
}

static inline bool row_is(const cs_bill_row *r, const row_key *rk)
{
	return r->provider == rk->v[0] && r->account == rk->v[1] && r->service == rk->v[2] && r->region == rk->v[3] &&
	       r->currency == rk->v[4] && r->tag == rk->v[5] && (uint32_t)r->day == rk->v[6] && r->cls == rk->v[7];
}

/* The row index's slots hold the hash's high half beside the row number,
 * so a probe reads the row itself only when the tags agree: at the tens of
 * thousands of daily rows of a large bill, each extra cache line touched
 * per line was a visible share of the run. */
static int rows_grow(cs_bill *b)
{
	size_t ncap = b->r_mask ? (size_t)b->r_mask + 1 : 0;
	uint64_t *slot;

	if (cs_pool_grow(&b->mem, &b->r_slot, &ncap, ncap + 1, sizeof *b->r_slot, 4096))
		return CS_ENOMEM;
	slot = b->r_slot;
	memset(slot, 0, ncap * sizeof *slot);
	for (uint32_t i = 0; i < b->nrows; i++) {
		uint32_t k = (uint32_t)b->rhash[i] & (ncap - 1);
		if (!b->rhash[i])
			continue; /* found through its day array instead */
		while (slot[k])
			k = (k + 1) & (ncap - 1);
		slot[k] = (b->rhash[i] & 0xffffffff00000000ull) | (i + 1);
	}
	b->r_mask = (uint32_t)ncap - 1;
	return 0;
}

/* Appends a zeroed row with rk's dimensions; h is its index hash (0: not
 * indexed, found through its day array). */
static int row_new(cs_bill *b, const row_key *rk, uint64_t h, uint32_t *out)
{
	int rc = room_for(&b->mem, &b->rows, sizeof *b->rows, &b->rhash, b->nrows, &b->rcap, 1024, NULL);

	if (rc)
		return rc;
	cs_bill_row *r = &b->rows[b->nrows];
	memset(r, 0, sizeof *r);
	r->provider = rk->v[0];
	r->account = rk->v[1];
	r->service = rk->v[2];
	r->region = rk->v[3];
	r->currency = rk->v[4];
	r->tag = rk->v[5];
	r->day = (int)rk->v[6];
	r->cls = (uint8_t)rk->v[7];
	b->rhash[b->nrows] = h;
	*out = b->nrows++;
	return 0;
}

/* The row of a key the day arrays do not hold (no day, or not the month
 * its dimensions were first seen in): the full-key hash index. */
static int row_of(cs_bill *b, const row_key *rk, uint32_t *out)
{
	uint64_t h = hash_words(rk, sizeof *rk), tag;
	uint32_t k;
	int rc;

	if (!h)
		h = 1; /* 0 marks a row outside this index */
	tag = h & 0xffffffff00000000ull;
	if (b->r_mask)
		for (k = (uint32_t)h & b->r_mask; b->r_slot[k]; k = (k + 1) & b->r_mask) {
			uint64_t sl = b->r_slot[k];
			if ((sl & 0xffffffff00000000ull) == tag && row_is(&b->rows[(uint32_t)sl - 1], rk)) {
				*out = (uint32_t)sl - 1;
				return 0;
			}
		}
	if (!b->r_mask || b->r_used + 1 > (b->r_mask + 1) / 2)
		if ((rc = rows_grow(b)))
			return rc;
	if ((rc = row_new(b, rk, h, out)))
		return rc;
	for (k = (uint32_t)h & b->r_mask; b->r_slot[k]; k = (k + 1) & b->r_mask)
		;
	b->r_slot[k] = tag | (*out + 1);
	b->r_used++;
	return 0;
}

/* The dims entry of rk (all of it but the day), added if new. */
static int dims_of(cs_bill *b, const row_key *rk, dims_ent **out)
{
	uint32_t key[7] = {rk->v[0], rk->v[1], rk->v[2], rk->v[3], rk->v[4], rk->v[5], rk->v[7]};
	uint64_t h = hash_words(key, sizeof key);
	uint32_t k = (uint32_t)h & b->d_idx.mask, i;
	int rc;

	while ((i = index_next(&b->d_idx, b->dhash, h, &k)) != UINT32_MAX)
		if (!memcmp(b->dims[i].v, key, sizeof key)) {
			*out = &b->dims[i];
			return 0;
		}
	if ((rc = room_for(&b->mem, &b->dims, sizeof *b->dims, &b->dhash, b->ndims, &b->dcap, 256, &b->d_idx)))
		return rc;
	dims_ent *d = &b->dims[b->ndims];
	memcpy(d->v, key, sizeof key);
	d->month = 0;
	d->days = 0;
	b->dhash[b->ndims] = h;
	index_put(&b->d_idx, h, b->ndims);
	b->ndims++;
	*out = d;
	return 0;
}

/* The daily row of rk, added if new (rows keep the order they were first
 * seen in, whichever way they are found). */
static int row_find(cs_bill *b, const row_key *rk, uint32_t *out)
{
	uint32_t day = rk->v[6], month = day / 100, dd = day % 100;
	dims_ent *d;
	int rc;

	if (!day || dd < 1 || dd > 31)
		return row_of(b, rk, out);
	if ((rc = dims_of(b, rk, &d)))
		return rc;
	if (!d->month) {
		if (cs_pool_grow(&b->mem, &b->dpool, &b->dpcap, b->ndpool + 31, sizeof *b->dpool, 31 * 256))
			return CS_ENOMEM;
		memset(b->dpool + b->ndpool, 0, 31 * sizeof *b->dpool);
		d->days = (uint32_t)b->ndpool;
		d->month = month;
		b->ndpool += 31;
	}
	if (d->month != month)
		return row_of(b, rk, out);
	uint32_t *slot = &b->dpool[d->days + dd - 1];
	if (*slot) {
		*out = *slot - 1;
		return 0;
	}
	if ((rc = row_new(b, rk, 0, out)))
		return rc;
	*slot = *out + 1;
	return 0;
}

/* Adds the pending line into its row. */
static inline void row_apply(cs_bill *b)
{
	cs_bill_row *r;

	if (!b->pend)
		return;
	r = &b->rows[b->pend_row];
	r->lines++;
	r->sum.eff += b->pend_eff;
	r->sum.billed += b->pend_billed;
	r->sum.kwh += b->pend_kwh;
	r->sum.emb_g += b->pend_emb;
	b->pend = false;
	if (!b->pend_cpu)
		return;
	b->pend_cpu = false;
	r->sum.cpu.eff += b->pend_eff;
	r->sum.cpu.v[CS_CPU_KWH] += b->pend_kwh;
	if (b->pend_util < 0)
		return;
	r->sum.cpu.meas_eff += b->pend_eff;
	r->sum.cpu.v[CS_CPU_MEAS_KWH] += b->pend_kwh;
	r->sum.cpu.v[CS_CPU_MEAS_KWH_DEFAULT] += b->pend_kwh_default;
	r->sum.cpu.v[CS_CPU_MEAS_HOURS] += b->pend_hours;
	r->sum.cpu.v[CS_CPU_MEAS_BUSY_HOURS] += b->pend_hours * b->pend_util;
}

/* The pending line's energy priced by the CPU utilisation: the ledger's
 * measured one where it knows the line's machine on its day (one hash
 * probe), else the model's stated default. */
static void cpu_priced(cs_bill *b, const cs_bill_line *l, const usage_ent *e)
{
	bool ask = b->o.util && l->resource.n && e->u.util_model != CS_BILL_UTIL_SERVERLESS;
	double u = ask ? cs_bill_util_find(b->o.util, l->day, l->resource) : -1;

	b->pend_cpu = true;
	b->pend_util = u;
	if (u < 0) {
		b->st.util_missed += ask;
		return;
	}
	b->st.util_lines++;
	b->pend_kwh_default = b->pend_kwh;
	b->pend_kwh = l->qty * cs_bill_kwh_per_qty_at(&e->u, u);
	b->pend_hours = l->qty * e->u.util_hours;
}

static int price_add(cs_bill *b, uint32_t ue, const usage_ent *e, uint32_t region, uint32_t currency, double hours,
                     cs_money eff)
{
	uint32_t key[3] = {ue, region, currency};
	uint64_t h = hash_words(key, sizeof key);
	uint32_t k = (uint32_t)h & b->p_idx.mask, i;
	int rc;

	while ((i = index_next(&b->p_idx, b->phash, h, &k)) != UINT32_MAX)
		if (b->pue[i] == ue && b->prices[i].region == region && b->prices[i].currency == currency) {
			b->prices[i].hours += hours;
			b->prices[i].eff += eff;
			return 0;
		}
	if (b->nprices == b->pcap) {
		/* pue first: room_for doubles pcap */
		size_t cap = b->pcap;

		if (cs_pool_grow(&b->mem, &b->pue, &cap, (size_t)b->nprices + 1, sizeof *b->pue, 256))
			return CS_ENOMEM;
	}
	rc = room_for(&b->mem, &b->prices, sizeof *b->prices, &b->phash, b->nprices, &b->pcap, 256, &b->p_idx);
	if (rc)
		return rc;
	b->prices[b->nprices] = (cs_bill_price){e->u.inst, e->provider, region, currency, hours, eff};
	b->phash[b->nprices] = h;
	b->pue[b->nprices] = ue;
	index_put(&b->p_idx, h, b->nprices);
	b->nprices++;
	return 0;
}

/* One line in. With defer, its row is only looked up and prefetched: the
 * sums go in at the next line (or row_apply at the end of the file). */
static int add_line(cs_bill *b, const cs_bill_line *l, bool defer)
{
	usage_ent *e;
	cs_bill_total *t;
	row_key rk;
	uint32_t ri;
	int rc;

	if ((rc = usage_of(b, l, &e)))
		return rc;
	if ((rc = intern_memo(&b->str, &b->m_prov, l->provider, &rk.v[0])) ||
	    (rc = intern_memo(&b->str, &b->m_acct, l->account, &rk.v[1])) ||
	    (rc = intern_memo(&b->str, &b->m_svc, l->service, &rk.v[2])) ||
	    (rc = intern_memo(&b->str, &b->m_region, l->region, &rk.v[3])) ||
	    (rc = intern_memo(&b->str, &b->m_cur, l->currency, &rk.v[4])) ||
	    (rc = intern_memo(&b->str, &b->m_tag, l->tag, &rk.v[5])))
		return rc;
	rk.v[6] = (uint32_t)l->day;
	rk.v[7] = (uint32_t)e->u.cls;
	if ((rc = row_find(b, &rk, &ri)))
		return rc;
	if (!(t = total_of(b, rk.v[4])))
		return CS_ENOMEM;
	t->in_eff += l->eff;
	t->in_billed += l->billed;
	/* the sums a line adds span the row's bytes 32..111 */
	__builtin_prefetch((const char *)&b->rows[ri].lines, 1);
	__builtin_prefetch((const char *)&b->rows[ri].sum.emb_g, 1);
	if (e->u.util_model && b->o.util) {
		__builtin_prefetch((const char *)&b->rows[ri].sum.cpu.eff, 1);
		__builtin_prefetch((const char *)&b->rows[ri].sum.cpu.v[CS_CPU_KWH], 1);
	}
	row_apply(b);
	b->pend = true;
	b->pend_row = ri;
	b->pend_eff = l->eff;
	b->pend_billed = l->billed;
	b->pend_kwh = l->qty * e->u.kwh_per_qty;
	b->pend_emb = l->qty * e->u.emb_g_per_qty;
	if (e->u.util_model && b->o.util) /* without a ledger: nothing to tell apart */
		cpu_priced(b, l, e);
	if (!defer)
		row_apply(b);
	if (e->u.cls == CS_BC_UNKNOWN) {
		e->eff += l->eff;
		e->lines++;
		e->currency = e->currency == UINT32_MAX || e->currency == rk.v[4] ? rk.v[4] : UINT32_MAX - 1;
	}
	if (e->u.inst && e->u.hours_per_qty > 0)
		if ((rc =
		         price_add(b, (uint32_t)(e - b->ue), e, rk.v[3], rk.v[4], l->qty * e->u.hours_per_qty, l->eff)))
			return rc;
	if (l->money_rounded)
		b->st.money_rounded++;
	if (!l->day)
		b->st.no_day++;
	b->st.lines++;
	return 0;
}

int cs_bill_add_line(cs_bill *b, const cs_bill_line *l)
{
	return add_line(b, l, false);
}

/* ---- reading files ------------------------------------------------------- */

typedef struct reader {
	cs_csv *csv;
	cs_jsonl *jsonl;
	cs_parquet *pq;
} reader;

static int reader_next(reader *rd, cs_csv_rec *rec, char *why, size_t cap)
{
	if (rd->csv)
		return cs_csv_next(rd->csv, rec, why, cap);
	if (rd->jsonl)
		return cs_jsonl_next(rd->jsonl, rec, why, cap);
	return cs_parquet_next(rd->pq, rec, why, cap);
}

static bool blank(const cs_csv_rec *r)
{
	return r->nf == 1 && r->n[0] == 0 && !r->quoted[0];
}

static void note_format(cs_bill *b, cs_bill_format f)
{
	for (unsigned i = 0; i < b->st.nformats; i++)
		if (b->st.formats_seen[i] == f)
			return;
	if (b->st.nformats < 8)
		b->st.formats_seen[b->st.nformats++] = f;
}

/* A malformed row: reported and skipped, or fatal under --strict. */
static int malformed(cs_bill *b, unsigned *reported, char *why, size_t cap, const char *msg)
{
	b->st.malformed++;
	if (b->o.strict) {
		cs_set_why(why, cap, "%s (--strict: stopping at the first malformed row)", msg);
		return CS_EINVAL;
	}
	if (*reported < b->o.max_reports) {
		report(b, "%s: row skipped", msg);
		(*reported)++;
	} else {
		b->st.unreported++;
	}
	return 0;
}

static int read_all(cs_bill *b, reader *rd, const char *name, char *why, size_t cap)
{
	cs_csv_rec rec;
	cs_bill_map map;
	cs_bill_line line;
	cs_bill_format fmt;
	char msg[400];
	unsigned reported = 0;
	int rc;

	/* header: the first non-blank record */
	do {
		rc = reader_next(rd, &rec, why, cap);
		if (rc == CS_EINVAL) {
			cs_set_why(why, cap, "%s: the header line is not valid CSV", name);
			return rc;
		}
		if (rc < 0)
			return rc;
		if (rc == 0) {
			if (b->o.strict) {
				cs_set_why(why, cap, "%s: empty file, no header line (--strict)", name);
				return CS_EINVAL;
			}
			report(b, "%s: empty file, no header line: nothing read", name);
			return 0;
		}
	} while (blank(&rec));
	fmt = b->o.format != CS_BILL_AUTO ? b->o.format : cs_bill_detect(&rec);
	if (fmt == CS_BILL_AUTO) {
		cs_set_why(why, cap,
		           "%s: not a bill format carbonstat knows (header starts '%.40s%s%.40s'); give --format "
		           "focus|aws-cur|aws-cur2|gcp|azure if it is one of them",
		           name, rec.f[0], rec.nf > 1 ? "," : "", rec.nf > 1 ? rec.f[1] : "");
		return CS_EINVAL;
	}
	if ((rc = cs_bill_map_bind(&map, fmt, &rec, b->o.tag_key, msg, sizeof msg))) {
		cs_set_why(why, cap, "%s: %s", name, msg);
		return rc;
	}
	if (rd->csv) {
		/* the mapper reads only its bound columns: the scanner skips the
		 * rest (a CUR has ~90, the mapper reads ~20) */
		int want[R_ROLE_COUNT + 1];

		memcpy(want, map.col, sizeof map.col);
		want[R_ROLE_COUNT] = map.tag_col;
		if ((rc = cs_csv_want(rd->csv, want, R_ROLE_COUNT + 1)))
			return rc;
	}
	note_format(b, fmt);
	if (fmt == CS_BILL_FOCUS && map.focus_minor > b->st.focus_minor)
		b->st.focus_minor = map.focus_minor;
	if ((fmt == CS_BILL_AWS_CUR || fmt == CS_BILL_AWS_CUR2) && !map.amortisation) {
		b->st.no_amortisation = true;
		report(b, "%s: no reservation/savings plan columns: effective cost = unblended cost", name);
	}
	for (;;) {
		rc = reader_next(rd, &rec, why, cap);
		if (rc == 0)
			break;
		if (rc == CS_EINVAL) {
			/* the scanner already skipped the record; why has file:line */
			cs_strcpy_fit(msg, sizeof msg, why);
			if ((rc = malformed(b, &reported, why, cap, msg)))
				return rc;
			continue;
		}
		if (rc < 0)
			return rc;
		b->st.records++;
		if (blank(&rec)) {
			b->st.blank++;
			continue;
		}
		if (rec.nf != map.ncols) {
			snprintf(msg, sizeof msg, "%s:%llu: %zu fields, the header has %zu", name,
			         (unsigned long long)rec.line, rec.nf, map.ncols);
			if ((rc = malformed(b, &reported, why, cap, msg)))
				return rc;
			continue;
		}
		char err[200];
		if (cs_bill_map_row(&map, &rec, &line, err, sizeof err)) {
			snprintf(msg, sizeof msg, "%s:%llu: %s", name, (unsigned long long)rec.line, err);
			if ((rc = malformed(b, &reported, why, cap, msg)))
				return rc;
			continue;
		}
		if ((rc = add_line(b, &line, true))) {
			cs_set_why(why, cap, "%s:%llu: %s", name, (unsigned long long)rec.line, cs_strerror(rc));
			return rc;
		}
	}
	if (b->st.unreported && reported >= b->o.max_reports)
		report(b, "%s: %llu more malformed rows not shown", name, (unsigned long long)b->st.unreported);
	return 0;
}

/* First byte of text that is not a BOM or blank. */
static char first_char(const char *p, size_t n)
{
	size_t i = 0;

	if (n >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i < n ? p[i] : 0;
}

static int add_src(cs_bill *b, cs_bill_src *src, const char *path, char *why, size_t cap)
{
	reader rd = {0};
	const char *p;
	size_t n;
	int rc;

	if ((rc = cs_bill_src_peek(src, &p, &n, why, cap)))
		return rc;
	if (cs_parquet_magic(p, n)) {
		if (!path) {
			cs_set_why(why, cap, "%s: Parquet is read from a file, not a stream", cs_bill_src_name(src));
			return CS_EINVAL;
		}
		if ((rc = cs_parquet_open(path, b->o.duckdb_lib, &rd.pq, why, cap))) {
			char m[400];
			cs_strcpy_fit(m, sizeof m, why);
			cs_set_why(why, cap, "%s: %s", path, m);
			return rc;
		}
	} else if (first_char(p, n) == '{') {
		if (b->o.format != CS_BILL_AUTO && b->o.format != CS_BILL_GCP) {
			cs_set_why(why, cap, "%s: JSON lines are read as the GCP billing export only",
			           cs_bill_src_name(src));
			return CS_EINVAL;
		}
		rc = cs_jsonl_new(src, &rd.jsonl);
	} else {
		rc = cs_csv_new(src, &rd.csv);
	}
	if (rc)
		return rc;
	b->st.files++;
	rc = read_all(b, &rd, path ? path : cs_bill_src_name(src), why, cap);
	row_apply(b); /* the last line read, whatever ended the file */
	cs_csv_free(rd.csv);
	cs_jsonl_free(rd.jsonl);
	cs_parquet_free(rd.pq);
	return rc;
}

int cs_bill_add_src(cs_bill *b, cs_bill_src *src, char *why, size_t cap)
{
	return add_src(b, src, NULL, why, cap);
}

int cs_bill_add_file(cs_bill *b, const char *path, char *why, size_t cap)
{
	cs_bill_src *src;
	int rc;

	if ((rc = cs_bill_src_open(path, &src, why, cap)))
		return rc;
	rc = add_src(b, src, strcmp(path, "-") ? path : NULL, why, cap);
	cs_bill_src_free(src);
	return rc;
}

/* ---- finishing ----------------------------------------------------------- */

/* kWh and embodied per unit of cost, by (provider, service, currency),
 * then (provider, currency), then currency: the estimate for unclassified
 * usage (CCF does the same with its CO2e per cost). */
typedef struct ratio {
	uint32_t provider, service, currency;
	double cost, kwh, emb;
} ratio;

static ratio *ratio_find(ratio *v, size_t n, uint32_t p, uint32_t s, uint32_t c)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].provider == p && v[i].service == s && v[i].currency == c)
			return &v[i];
	return NULL;
}

static bool modelled(uint8_t cls)
{
	return cls <= CS_BC_NETWORK;
}

static int cmp_cause(const void *a, const void *b)
{
	const cs_bill_cause *x = a, *y = b;
	return (x->eff < y->eff) - (x->eff > y->eff);
}

int cs_bill_finish(cs_bill *b)
{
	ratio *v = NULL;
	size_t nv = 0, cap = 0;
	double pmean[CS_PROVIDER_COUNT] = {0};
	uint32_t any = UINT32_MAX;

	if (b->finished)
		return 0;
	b->finished = true;
	row_apply(b);
	/* 1. ratios from classified usage with a positive cost */
	for (uint32_t i = 0; i < b->nrows; i++) {
		cs_bill_row *r = &b->rows[i];
		uint32_t keys[3][2] = {{r->provider, r->service}, {r->provider, any}, {any, any}};

		if (!modelled(r->cls) || r->sum.eff <= 0)
			continue;
		for (int k = 0; k < 3; k++) {
			ratio *x = ratio_find(v, nv, keys[k][0], keys[k][1], r->currency);
			if (!x) {
				if (nv == cap) {
					size_t nc = cap ? cap * 2 : 64;
					ratio *nvv = realloc(v, nc * sizeof *nvv);
					if (!nvv) {
						free(v);
						return CS_ENOMEM;
					}
					v = nvv;
					cap = nc;
				}
				x = &v[nv++];
				*x = (ratio){keys[k][0], keys[k][1], r->currency, 0, 0, 0};
			}
			x->cost += cs_money_to_double(r->sum.eff);
			x->kwh += r->sum.kwh;
			x->emb += r->sum.emb_g;
		}
	}
	/* 2. provider mean grid intensity, for regions the tables lack */
	for (int p = 1; p < CS_PROVIDER_COUNT; p++) {
		size_t n = cs_region_count(), k = 0;
		double sum = 0;

		for (size_t i = 0; i < n; i++) {
			const cs_region *t = cs_region_at(i);
			if ((int)cs_region_provider(t) == p && cs_region_intensity_g_per_kwh(t) >= 0) {
				sum += cs_region_intensity_g_per_kwh(t);
				k++;
			}
		}
		pmean[p] = k ? sum / (double)k : 0;
	}
	/* 3. per row: estimate, intensity, operational carbon, totals */
	uint32_t last_region = UINT32_MAX, last_prov = UINT32_MAX;
	double last_int = 0;
	uint8_t last_src = 0;
	for (uint32_t i = 0; i < b->nrows; i++) {
		cs_bill_row *r = &b->rows[i];
		cs_bill_total *t = total_of(b, r->currency);

		if (!t) {
			free(v);
			return CS_ENOMEM;
		}
		if (r->cls == CS_BC_UNKNOWN && r->sum.eff > 0) {
			ratio *x = ratio_find(v, nv, r->provider, r->service, r->currency);
			if (!x || x->cost <= 0)
				x = ratio_find(v, nv, r->provider, any, r->currency);
			if (!x || x->cost <= 0)
				x = ratio_find(v, nv, any, any, r->currency);
			if (x && x->cost > 0) {
				double c = cs_money_to_double(r->sum.eff);
				r->sum.est_kwh = c * x->kwh / x->cost;
				r->sum.est_emb_g = c * x->emb / x->cost;
			}
		}
		if (r->region != last_region || r->provider != last_prov) {
			/* the provider's model id comes from the row's usage: look
			 * the region up in every provider, AWS/GCP/Azure order */
			const char *rn = istr(&b->str, r->region);
			const char *pn = istr(&b->str, r->provider);
			cs_provider p = !strcmp(pn, "AWS") || !strncmp(pn, "Amazon", 6)        ? CS_PROVIDER_AWS
			                : !strncmp(pn, "Google", 6) || !strcmp(pn, "GCP")      ? CS_PROVIDER_GCP
			                : !strncmp(pn, "Micro", 5) || !strncmp(pn, "Azure", 5) ? CS_PROVIDER_AZURE
			                                                                       : CS_PROVIDER_UNKNOWN;
			const cs_region *reg = *rn ? cs_region_find(p, rn) : NULL;

			if (reg && cs_region_intensity_g_per_kwh(reg) >= 0) {
				last_int = cs_region_intensity_g_per_kwh(reg);
				last_src = 0;
			} else {
				last_int = p != CS_PROVIDER_UNKNOWN ? pmean[p] : (pmean[1] + pmean[2] + pmean[3]) / 3.0;
				last_src = 1;
			}
			last_region = r->region;
			last_prov = r->provider;
		}
		r->sum.unknown_eff = r->cls == CS_BC_UNKNOWN ? r->sum.eff : 0;
		r->intensity_g_per_kwh = last_int;
		r->intensity_src = last_src;
		r->sum.op_g = (r->sum.kwh + r->sum.est_kwh) * r->intensity_g_per_kwh;
		if (last_src && r->cls != CS_BC_NONUSAGE)
			b->st.no_region += r->lines;
		if (r->cls == CS_BC_NONUSAGE)
			t->nonusage_eff += r->sum.eff;
		cs_bill_measures_add(&t->out, &r->sum);
	}
	free(v);
	/* 4. the causes of unclassified cost */
	size_t nc = 0;
	for (uint32_t i = 0; i < b->nue; i++)
		nc += b->ue[i].u.cls == CS_BC_UNKNOWN && b->ue[i].lines;
	b->causes = cs_pool_calloc(&b->mem, (nc ? nc : 1), sizeof *b->causes);
	if (!b->causes)
		return CS_ENOMEM;
	for (uint32_t i = 0; i < b->nue; i++) {
		usage_ent *e = &b->ue[i];
		if (e->u.cls != CS_BC_UNKNOWN || !e->lines)
			continue;
		b->causes[b->ncauses++] =
		    (cs_bill_cause){e->provider, e->service, e->usage, e->currency >= UINT32_MAX - 1 ? 0 : e->currency,
		                    e->u.note,   e->eff,     e->lines};
	}
	qsort(b->causes, b->ncauses, sizeof *b->causes, cmp_cause);
	return 0;
}

const char *cs_bill_str(const cs_bill *b, uint32_t id)
{
	return istr(&b->str, id);
}

/* The one definition of the bill's array getters (ingest.h): fn returns the
 * bill's array arr of T, and its length (member count) in *n. */
#define BILL_ARRAY_GETTER(fn, T, arr, count)                                                                           \
	const T *fn(const cs_bill *b, size_t *n)                                                                       \
	{                                                                                                              \
		*n = b->count;                                                                                         \
		return b->arr;                                                                                         \
	}

BILL_ARRAY_GETTER(cs_bill_rows, cs_bill_row, rows, nrows)
BILL_ARRAY_GETTER(cs_bill_prices, cs_bill_price, prices, nprices)
BILL_ARRAY_GETTER(cs_bill_causes, cs_bill_cause, causes, ncauses)
BILL_ARRAY_GETTER(cs_bill_totals, cs_bill_total, tot, ntot)

const cs_bill_stats *cs_bill_get_stats(const cs_bill *b)
{
	return &b->st;
}

const cs_bill_model *cs_bill_get_model(const cs_bill *b)
{
	return &b->model;
}

bool cs_bill_conserved(const cs_bill *b)
{
	for (uint32_t i = 0; i < b->ntot; i++)
		if (b->tot[i].in_eff != b->tot[i].out.eff || b->tot[i].in_billed != b->tot[i].out.billed)
			return false;
	return b->finished;
}
