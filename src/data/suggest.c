/* data/suggest.c - "did you mean": names close to one that was not found.
 *
 * Two ways, tried in this order:
 *  1. Family: a name that is the start of other names, cut where a new part
 *     begins (a separator, or a digit after a letter), is taken as a family:
 *     "m5" -> m5.large, m5.xlarge...; "us-east" -> us-east-1, us-east-2;
 *     "europe-west" -> europe-west1...; but "m5" is not the start of the m5a
 *     family (a letter after a digit continues the family name), and a
 *     variant of a member (m5.large.elasticsearch) is not a member. The members
 *     come from one key range of the (provider, key)-sorted table (two binary
 *     searches), smallest first: instances by vCPU, then memory, then name;
 *     regions by name, numbers compared as numbers.
 *  2. Edit distance (Levenshtein) between keys, a typed prefix of the key
 *     counting as distance 2 at most; the closest max names, ties in table
 *     order, none further than half the key's length plus 2.
 *
 * Suggestions run on the error path, but the fuzzer runs them on every input
 * over every table, so 2. is bounded: a row cannot enter the list once its
 * distance reaches the list's worst (when full) or the limit, so the length
 * difference alone rules most rows out and the distance table stops at the
 * first row of cells that all reach the bound (cell minima never decrease
 * from one row to the next). The result is the one the unbounded search
 * gives.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carbonstat/dataset.h>

#include "data/lookup.h"
#include "data/tables.h"

#define SUGGEST_MAX 8
/* Shorter typed keys ("m", "c") are the start of too much to be a family. */
#define FAMILY_MIN_KEY 2

static bool ascii_alnum(unsigned char c)
{
	return c < 0x80 && isalnum(c);
}

/* The providers a search covers, in table order: p, or all of them for
 * CS_PROVIDER_UNKNOWN. Each one's rows are one slice of the sorted tables. */
static int first_provider(cs_provider p)
{
	return p == CS_PROVIDER_UNKNOWN ? CS_PROVIDER_AWS : (int)p;
}

static int last_provider(cs_provider p)
{
	return p == CS_PROVIDER_UNKNOWN ? CS_PROVIDER_AZURE : (int)p;
}

/* ---- 1. families -------------------------------------------------------- */

/* Where name's family part ends: after its first n key characters (what
 * cs_name_key keeps), if a new part begins there (a separator, or a digit
 * after a letter); NULL otherwise. The caller knows the key is longer than
 * n, so a new part follows. */
static const char *family_cut(const char *name, size_t n)
{
	const unsigned char *p = (const unsigned char *)cs_name_untiered(name);
	unsigned char last = 0;

	for (; *p && n; p++) {
		if (ascii_alnum(*p)) {
			last = *p;
			n--;
		}
	}
	if (n || !*p)
		return NULL;
	if (!ascii_alnum(*p) || (isalpha(last) && isdigit(*p)))
		return (const char *)p;
	return NULL;
}

/* Whether an instance is another row's variant rather than a size of its
 * own: "m5.large.elasticsearch" is m5.large for OpenSearch. That is, cut at
 * a separator past the family part (cut), its name is a row of q. */
static bool instance_variant(cs_provider q, const char *name, const char *cut)
{
	char head[CS_KEY_CAP];

	for (const char *p = cut + 1; *p; p++) {
		size_t len = (size_t)(p - name);
		if (ascii_alnum((unsigned char)*p) || !ascii_alnum((unsigned char)p[-1]) || len >= sizeof head)
			continue;
		memcpy(head, name, len);
		head[len] = '\0';
		if (cs_instance_find(q, head))
			return true;
	}
	return false;
}

/* strcmp with runs of digits compared as numbers: europe-west2 < europe-west10. */
static int natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			const char *ea, *eb;

			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			for (ea = a; isdigit((unsigned char)*ea); ea++)
				;
			for (eb = b; isdigit((unsigned char)*eb); eb++)
				;
			if (ea - a != eb - b)
				return ea - a < eb - b ? -1 : 1;
			int c = strncmp(a, b, (size_t)(ea - a));
			if (c)
				return c;
			a = ea;
			b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : (*b ? -1 : 0);
}

/* Family order of two instance rows (indices): provider, vCPU, memory, name. */
static int instance_order(size_t a, size_t b)
{
	const struct cs_instance *x = &cs_instance_table[a], *y = &cs_instance_table[b];

	if (x->provider != y->provider)
		return x->provider < y->provider ? -1 : 1;
	if (x->vcpu != y->vcpu)
		return x->vcpu < y->vcpu ? -1 : 1;
	if (x->mem_gb != y->mem_gb)
		return x->mem_gb < y->mem_gb ? -1 : 1;
	return natural_cmp(cs_instance_str(x->name), cs_instance_str(y->name));
}

/* Family order of two region rows: provider, name. */
static int region_order(size_t a, size_t b)
{
	const struct cs_region *x = &cs_region_table[a], *y = &cs_region_table[b];

	if (x->provider != y->provider)
		return x->provider < y->provider ? -1 : 1;
	return natural_cmp(cs_grid_str(x->name), cs_grid_str(y->name));
}

/* What the suggestions need of a table beyond its keys: the family order,
 * and for instances the variant test. */
typedef struct names {
	cs_keyed_table t;
	int (*order)(size_t a, size_t b);
	bool (*variant)(cs_provider q, const char *name, const char *cut); /* NULL: none */
} names;

/* The `max` first family members (row indices) seen so far, in order. */
typedef struct family {
	size_t row[SUGGEST_MAX];
	size_t n, max;
} family;

static void family_offer(family *f, const names *tb, size_t row)
{
	size_t pos = f->n;

	while (pos > 0 && tb->order(row, f->row[pos - 1]) < 0)
		pos--;
	if (pos >= f->max)
		return;
	if (f->n == f->max)
		f->n--;
	memmove(&f->row[pos + 1], &f->row[pos], (f->n - pos) * sizeof f->row[0]);
	f->row[pos] = row;
	f->n++;
}

static size_t family_suggest(const names *tb, cs_provider provider, const char *key, const char **out, size_t max)
{
	family f = {.max = max};
	size_t klen = strlen(key);

	if (klen < FAMILY_MIN_KEY)
		return 0;
	for (int q = first_provider(provider); q <= last_provider(provider); q++) {
		size_t lo, hi;

		cs_keyed_range(&tb->t, (cs_provider)q, key, &lo, &hi);
		for (size_t i = lo; i < hi; i++) {
			const char *name = tb->t.name(i), *cut;

			if (!tb->t.key(i)[klen])
				continue; /* the name itself, under another provider */
			cut = family_cut(name, klen);
			if (cut && !(tb->variant && tb->variant((cs_provider)q, name, cut)))
				family_offer(&f, tb, i);
		}
	}
	for (size_t i = 0; i < f.n; i++)
		out[i] = tb->t.name(f.row[i]);
	return f.n;
}

/* ---- 2. edit distance --------------------------------------------------- */

/* Levenshtein distance of a and b if it is below bound, else bound: the
 * textbook table, one row at a time. The fallback for keys longer than a
 * machine word. */
static unsigned distance_below(const char *a, size_t la, const char *b, size_t lb, unsigned bound)
{
	unsigned row[CS_KEY_CAP + 1];

	if (lb > CS_KEY_CAP)
		return bound;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0], least;

		row[0] = (unsigned)i;
		least = row[0];
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
			if (best < least)
				least = best;
		}
		/* cell minima never decrease from one row to the next */
		if (least >= bound)
			return bound;
	}
	return row[lb] < bound ? row[lb] : bound;
}

/* Keys are lower-case ASCII letters and digits: 7 bits index a table. */
#define PEQ_SIZE  128
#define WORD_BITS 64

/* Myers' bit-parallel edit distance (G. Myers, "A fast bit-vector algorithm
 * for approximate string matching based on dynamic programming", JACM 1999;
 * the global-distance form of H. Hyyro, 2001): the table's column of the
 * pattern (m <= 64 characters, peq[c] = positions of c in it) is one word of
 * +1/-1 vertical steps, advanced one text character per ten word operations.
 * The distance if below bound, else bound; stops once even the remaining
 * characters could not bring it below. */
static unsigned distance_bits(const uint64_t peq[PEQ_SIZE], size_t m, const char *t, size_t n, unsigned bound)
{
	uint64_t pv = ~UINT64_C(0), mv = 0, top = UINT64_C(1) << (m - 1);
	size_t score = m;

	for (size_t j = 0; j < n; j++) {
		uint64_t eq = peq[(unsigned char)t[j] & (PEQ_SIZE - 1)];
		uint64_t xv = eq | mv;
		uint64_t xh = (((eq & pv) + pv) ^ pv) | eq;
		uint64_t ph = mv | ~(xh | pv);
		uint64_t mh = pv & xh;

		if (ph & top)
			score++;
		else if (mh & top)
			score--;
		/* each character left lowers the distance by 1 at most */
		if (score >= bound + (n - j - 1))
			return bound;
		ph = (ph << 1) | 1; /* row 0 of the table counts up: global distance */
		mh <<= 1;
		pv = mh | ~(xv | ph);
		mv = ph & xv;
	}
	return score < bound ? (unsigned)score : bound;
}

typedef struct suggestion {
	const char *name;
	unsigned dist;
} suggestion;

/* The closest names so far: sorted by distance, ties in offer order. */
typedef struct nearest {
	const char *key; /* what was typed, as a key */
	size_t klen;
	unsigned limit; /* beyond about half the key length a suggestion is noise */
	suggestion best[SUGGEST_MAX];
	size_t n, max;
	uint64_t key_peq[PEQ_SIZE]; /* the key as a bit pattern, if it fits a word */
} nearest;

static void nearest_init(nearest *s, const char *key, size_t max)
{
	s->key = key;
	s->klen = strlen(key);
	s->limit = (unsigned)(s->klen / 2 + 2);
	s->n = 0;
	s->max = max;
	memset(s->key_peq, 0, sizeof s->key_peq);
	for (size_t i = 0; i < s->klen && i < WORD_BITS; i++)
		s->key_peq[(unsigned char)key[i] & (PEQ_SIZE - 1)] |= UINT64_C(1) << i;
}

/* Distance of the key to a row key if below bound, else bound. The length
 * difference is a lower bound and rules most rows out; a key longer than a
 * word (only typed ones, which then are far from every row) takes the table. */
static unsigned nearest_distance(const nearest *s, const char *row_key, size_t rl, unsigned bound)
{
	if ((rl > s->klen ? rl - s->klen : s->klen - rl) >= bound)
		return bound;
	if (s->klen <= WORD_BITS)
		return distance_bits(s->key_peq, s->klen, row_key, rl, bound);
	return distance_below(s->key, s->klen, row_key, rl, bound);
}

/* Distance a row needs to be kept: below the limit, and below the worst
 * kept one once the list is full (ties keep the earlier row). */
static unsigned nearest_bound(const nearest *s)
{
	unsigned b = s->limit + 1;

	if (s->n == s->max && s->best[s->n - 1].dist < b)
		b = s->best[s->n - 1].dist;
	return b;
}

static void nearest_offer(nearest *s, const char *name, const char *row_key)
{
	unsigned bound = nearest_bound(s), d;
	size_t rl = strlen(row_key), pos;

	if (rl == 0)
		return;
	/* A typed prefix ("m5" for "m5.large") is a strong hint: at most 2. */
	if (rl >= s->klen && !memcmp(row_key, s->key, s->klen))
		d = rl - s->klen < 2 ? (unsigned)(rl - s->klen) : 2;
	else
		d = nearest_distance(s, row_key, rl, bound);
	if (d >= bound)
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (s->best[i].name == name || !strcmp(s->best[i].name, name))
			return;
	}
	pos = s->n;
	while (pos > 0 && s->best[pos - 1].dist > d)
		pos--;
	if (s->n == s->max)
		s->n--;
	memmove(&s->best[pos + 1], &s->best[pos], (s->n - pos) * sizeof s->best[0]);
	s->best[pos] = (suggestion){name, d};
	s->n++;
}

static size_t nearest_finish(const nearest *s, const char **out)
{
	for (size_t i = 0; i < s->n; i++)
		out[i] = s->best[i].name;
	return s->n;
}

/* ---- the three tables --------------------------------------------------- */

/* Typed name -> key, and max clamped; false if there is nothing to suggest. */
static bool suggest_start(const char *name, const char **out, size_t *max, char key[CS_KEY_CAP])
{
	if (*max > SUGGEST_MAX)
		*max = SUGGEST_MAX;
	return name && out && *max > 0 && cs_name_key(name, key, CS_KEY_CAP) > 0;
}

/* Family members if the key starts a family, else the nearest names. */
static size_t names_suggest(const names *tb, cs_provider provider, const char *name, const char **out, size_t max)
{
	char key[CS_KEY_CAP];
	nearest s;
	size_t n;

	if (!suggest_start(name, out, &max, key))
		return 0;
	n = family_suggest(tb, provider, key, out, max);
	if (n)
		return n;
	nearest_init(&s, key, max);
	for (int q = first_provider(provider); q <= last_provider(provider); q++) {
		size_t lo, hi;

		cs_keyed_range(&tb->t, (cs_provider)q, "", &lo, &hi);
		for (size_t i = lo; i < hi; i++)
			nearest_offer(&s, tb->t.name(i), tb->t.key(i));
	}
	return nearest_finish(&s, out);
}

size_t cs_instance_suggest(cs_provider provider, const char *name, const char **out, size_t max)
{
	names tb = {cs_instance_keys(), instance_order, instance_variant};

	return names_suggest(&tb, provider, name, out, max);
}

size_t cs_region_suggest(cs_provider provider, const char *name, const char **out, size_t max)
{
	names tb = {cs_region_keys(), region_order, NULL};

	return names_suggest(&tb, provider, name, out, max);
}

size_t cs_country_suggest(const char *name, const char **out, size_t max)
{
	char key[CS_KEY_CAP];
	nearest s;

	if (!suggest_start(name, out, &max, key))
		return 0;
	nearest_init(&s, key, max);
	for (size_t i = 0; i < cs_country_table_len; i++) {
		const struct cs_country *c = &cs_country_table[i];
		nearest_offer(&s, cs_grid_str(c->name), cs_grid_str(c->key));
	}
	return nearest_finish(&s, out);
}

/* ---- any list of names -------------------------------------------------- */

size_t cs_names_suggest(const char *name, const char *const *list, size_t n, const char **out, size_t max)
{
	char key[CS_KEY_CAP], row_key[CS_KEY_CAP];
	nearest s;

	if (!suggest_start(name, out, &max, key))
		return 0;
	nearest_init(&s, key, max);
	for (size_t i = 0; i < n; i++) {
		if (cs_name_key(list[i], row_key, sizeof row_key) > 0)
			nearest_offer(&s, list[i], row_key);
	}
	return nearest_finish(&s, out);
}
