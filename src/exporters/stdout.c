/* exporters/stdout.c - human lines on stdout, for debugging the agent.
 *
 * Per cycle: one node line (time, node, total and per-component power with
 * their sources, grid intensity with source and zone, operational and
 * embodied grams of the interval and since start), then the [stdout] top
 * rows by power, highest first, ties in snapshot order:
 *
 *   2026-09-21T14:13:25.000Z node-1 #1  4.60 W [cpu 4.00 W rapl, ...]
 *     300 g/kWh (static-region, aws/eu-west-1)  carbon 0.00211 g op + ...
 *       1.15 W  ns-0/pod-0/c-0  team=team-a  0.0040 g
 *
 * The node is "cluster/node" when [agent] cluster is set; a pod's rows say
 * "owner=Kind/name" after the team; an owner's row ([agent] workloads =
 * owner) reads "namespace/Kind/name".
 *
 * The format is for people, not parsers (use jsonl for that) and may change.
 *
 * A cycle is formatted into one buffer kept in the state and written with
 * one fwrite + fflush, so lines appear as the cycle ends whatever the
 * stream's buffering (stdout is fully buffered under systemd or kubectl
 * logs). Write errors (EPIPE when the reader went away; the agent ignores
 * SIGPIPE) are counted and returned, never fatal. Top rows are picked with a
 * bounded heap sized at open: a cycle allocates nothing once the buffer has
 * grown to a cycle's size.
 */
#include "exporters/stdout.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carbonstat/error.h"
#include "core/sbuf.h"
#include "core/why.h"

typedef struct so_state {
	FILE *out;       /* stdout, or the caller's stream; never closed here */
	unsigned top;    /* rows per cycle */
	size_t *heap;    /* indices of the best rows so far; top entries */
	cs_sbuf text;    /* the cycle's text; oom: it could not grow this cycle */
	uint64_t errors; /* failed writes since open */
} so_state;

/* ---- top rows --------------------------------------------------------------------- */

static double pw(const cs_snapshot *s, size_t i)
{
	double w = s->rows[i].power_w;

	return isnan(w) ? -INFINITY : w;
}

/* Row a ranks above row b: more power, or as much and earlier. */
static bool above(const cs_snapshot *s, size_t a, size_t b)
{
	double wa = pw(s, a), wb = pw(s, b);

	return wa > wb || (wa == wb && a < b);
}

/* Min-heap on rank: the root is the lowest-ranked row kept. */
static void sift_down(const cs_snapshot *s, size_t *h, size_t n, size_t i)
{
	while (true) {
		size_t l = 2 * i + 1, r = l + 1, m = i, t;

		if (l < n && above(s, h[m], h[l]))
			m = l;
		if (r < n && above(s, h[m], h[r]))
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void sift_up(const cs_snapshot *s, size_t *h, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2, t;

		if (!above(s, h[p], h[i]))
			return;
		t = h[i];
		h[i] = h[p];
		h[p] = t;
		i = p;
	}
}

/* The best k rows into st->heap, best first; returns how many. */
static size_t pick_top(so_state *st, const cs_snapshot *s)
{
	size_t k = st->top < s->nrows ? st->top : s->nrows, n = 0;
	size_t *h = st->heap;

	if (!k)
		return 0;
	for (size_t i = 0; i < s->nrows; i++) {
		if (n < k) {
			h[n] = i;
			sift_up(s, h, n++);
		} else if (above(s, i, h[0])) {
			h[0] = i;
			sift_down(s, h, n, 0);
		}
	}
	/* heap sort: the lowest goes to the back each turn, so best ends first */
	for (size_t m = n; m > 1; m--) {
		size_t t = h[0];

		h[0] = h[m - 1];
		h[m - 1] = t;
		sift_down(s, h, m - 1, 0);
	}
	return n;
}

/* ---- the lines -------------------------------------------------------------------- */

static void node_line(so_state *st, const cs_snapshot *s)
{
	time_t t = (time_t)(s->time_ms / 1000);
	struct tm tm;
	char ts[64] = "?";
	bool first = true;

	if (gmtime_r(&t, &tm))
		snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(s->time_ms % 1000));
	cs_sbuf_printf(&st->text, "%s %s%s%s #%llu  %.2f W [", ts, cs_snap_cluster(s), cs_snap_cluster(s)[0] ? "/" : "",
	               s->node, (unsigned long long)s->seq, s->power_w);
	for (int c = 0; c < CS_PART_COUNT; c++) {
		const cs_snap_comp *k = &s->comp[c];

		if (!k->present)
			continue;
		cs_sbuf_printf(&st->text, "%s%s %.2f W %s", first ? "" : ", ", cs_part_name((cs_part)c), k->power_w,
		               k->source[0] ? k->source : "?");
		first = false;
	}
	cs_sbuf_printf(&st->text, "]  ");
	if (s->intensity_g_per_kwh >= 0)
		cs_sbuf_printf(&st->text, "%.0f g/kWh (%s%s%s)", s->intensity_g_per_kwh, s->intensity_source,
		               s->intensity_zone[0] ? ", " : "", s->intensity_zone);
	else
		cs_sbuf_printf(&st->text, "intensity unknown (%s)",
		               s->intensity_source[0] ? s->intensity_source : "none");
	cs_sbuf_printf(&st->text, "  carbon %.4g g operational + %.4g g embodied (since start %.4g g + %.4g g)\n",
	               s->carbon_g[CS_SCOPE_OPERATIONAL], s->carbon_g[CS_SCOPE_EMBODIED],
	               s->carbon_g_total[CS_SCOPE_OPERATIONAL], s->carbon_g_total[CS_SCOPE_EMBODIED]);
}

static void row_line(so_state *st, const cs_snap_row *r)
{
	double g = r->carbon_g[CS_SCOPE_OPERATIONAL] + r->carbon_g[CS_SCOPE_EMBODIED];

	/* an owner's row ([agent] workloads = owner) names no pod */
	bool owner_row = r->namespace_[0] && !r->pod[0] && r->owner[0];

	cs_sbuf_printf(&st->text, "  %8.2f W  ", r->power_w);
	if (r->kind != CS_ROW_WORKLOAD)
		cs_sbuf_printf(&st->text, "[%s]", r->name);
	else if (owner_row)
		cs_sbuf_printf(&st->text, "%s/%s/%s", r->namespace_, r->owner_kind, r->owner);
	else if (r->namespace_[0])
		cs_sbuf_printf(&st->text, "%s%s%s%s%s", r->namespace_, r->pod[0] ? "/" : "", r->pod,
		               r->container[0] ? "/" : "", r->container);
	else
		cs_sbuf_printf(&st->text, "%s", r->name);
	if (r->team[0])
		cs_sbuf_printf(&st->text, "  team=%s", r->team);
	if (r->owner[0] && !owner_row)
		cs_sbuf_printf(&st->text, "  owner=%s/%s", r->owner_kind, r->owner);
	cs_sbuf_printf(&st->text, "  %.4g g\n", g);
}

/* ---- ops -------------------------------------------------------------------------- */

/* [stdout] */
typedef struct so_conf {
	bool enabled;
	unsigned top; /* workload lines per cycle, highest power first */
} so_conf;

static const cs_conf_key so_keys[] = {
    {"enabled", CS_CONF_BOOL, CS_CONF_AT(so_conf, enabled), .def = "false", .help = "human lines on stdout"},
    {"top", CS_CONF_UINT, CS_CONF_AT(so_conf, top), .def = "10", .min = 0, .max = 10000, .expect = "a number of lines",
     .help = "workload lines per interval, highest power first"},
};

static const cs_conf_flag so_flags[] = {
    {"stdout", NULL, "enabled", "true", false, "human-readable lines on stdout"},
};

static const cs_conf_section so_section =
    CS_CONF_SECTION("stdout", so_conf, so_keys, .enabled = "enabled", CS_CONF_FLAGS(so_flags));

static void so_close(void *state)
{
	so_state *st = state;

	if (!st)
		return;
	if (st->out)
		fflush(st->out);
	free(st->heap);
	cs_sbuf_free(&st->text);
	free(st);
}

int cs_stdout_open_stream(const cs_export_env *env, FILE *out, void **state, char *why, size_t whycap)
{
	so_state *st = calloc(1, sizeof(*st));

	*state = NULL;
	if (!st)
		goto oom;
	st->out = out;
	st->top = ((const so_conf *)env->conf)->top;
	st->heap = malloc((st->top ? st->top : 1) * sizeof(*st->heap));
	if (cs_sbuf_init(&st->text, 4096) || !st->heap)
		goto oom;
	*state = st;
	return 0;
oom:
	so_close(st);
	cs_set_why(why, whycap, "stdout: out of memory");
	return CS_ENOMEM;
}

static int so_open(const cs_export_env *env, void **state, char *why, size_t whycap)
{
	return cs_stdout_open_stream(env, stdout, state, why, whycap);
}

static int so_publish(void *state, const cs_snapshot *s, char *why, size_t whycap)
{
	so_state *st = state;
	size_t n, w;
	int err = 0;

	cs_sbuf_reset(&st->text);
	node_line(st, s);
	n = pick_top(st, s);
	for (size_t i = 0; i < n; i++)
		row_line(st, &s->rows[st->heap[i]]);
	if (st->text.oom) {
		cs_set_why(why, whycap, "stdout: out of memory formatting the cycle");
		return CS_ENOMEM;
	}
	errno = 0;
	w = fwrite(st->text.p, 1, st->text.len, st->out);
	if (w != st->text.len)
		err = errno ? errno : EIO;
	if (fflush(st->out) != 0 && !err)
		err = errno ? errno : EIO;
	if (!err)
		return 0;
	st->errors++;
	clearerr(st->out);
	cs_set_why(why, whycap,
	           "stdout: write failed: %s (%llu so far); is the reader of stdout gone? the agent "
	           "goes on; set [stdout] enabled = false to stop these lines",
	           strerror(err), (unsigned long long)st->errors);
	return -err;
}

const cs_exporter_ops cs_exporter_stdout = {
    .conf = &so_section,
    .open = so_open,
    .publish = so_publish,
    .close = so_close,
};
