/* exporters/prom_render.c - see prom_render.h.
 *
 * Speed: a node with 10,000 series is rendered every interval, so the render
 * is one pass that appends into a buffer it reserves ahead, with hand-written
 * number formatting (glibc's printf costs ~10x more per number, see
 * bench/bench_prom.c) and label sets escaped once per row and family: the
 * next sample of the same row copies the already-escaped prefix from the
 * output itself. A row's labels (kind .. workload) are escaped once per
 * render, in the first family that has the row, and copied from there into
 * the other two families. The node label, in every sample, is escaped once
 * per render the same way.
 */
#include "exporters/prom_render.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "core/mem.h"

void cs_prom_buf_init(cs_prom_buf *b)
{
	memset(b, 0, sizeof(*b));
}

int cs_prom_buf_reserve(cs_prom_buf *b, size_t n)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t mask = (uintptr_t)(pg > 0 ? pg : 4096) - 1, lo, hi;

	if (n <= b->cap)
		return 0;
	if (cs_grow(&b->p, &b->cap, n, 1, 16384) < 0)
		return CS_ENOMEM;
	b->grows++;
	/* the whole pages inside, faulted in at once: one call instead of a
	 * page fault per 4 KiB as the render first writes them (~250 for a
	 * 1 MB exposition, each a trap into the kernel; fewer on old kernels,
	 * where this fails and the render faults them as before) */
	lo = ((uintptr_t)b->p + mask) & ~mask;
	hi = ((uintptr_t)b->p + n) & ~mask;
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
	return 0;
}

void cs_prom_buf_free(cs_prom_buf *b)
{
	if (!b)
		return;
	free(b->p);
	free(b->rowlab);
	memset(b, 0, sizeof(*b));
}

/* ---- numbers -------------------------------------------------------------------- */

static const char digit_pairs[201] = "00010203040506070809"
                                     "10111213141516171819"
                                     "20212223242526272829"
                                     "30313233343536373839"
                                     "40414243444546474849"
                                     "50515253545556575859"
                                     "60616263646566676869"
                                     "70717273747576777879"
                                     "80818283848586878889"
                                     "90919293949596979899";

/* Decimal digits of v into out, no padding; returns the length (1..20). */
static size_t fmt_u64(char *out, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp), n;

	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;
		v /= 100;
		tmp[--i] = digit_pairs[d + 1];
		tmp[--i] = digit_pairs[d];
	}
	if (v >= 10) {
		tmp[--i] = digit_pairs[v * 2 + 1];
		tmp[--i] = digit_pairs[v * 2];
	} else {
		tmp[--i] = (char)('0' + v);
	}
	n = sizeof(tmp) - i;
	memcpy(out, tmp + i, n);
	return n;
}

/* v with exactly `width` digits, zero-padded (v < 10^width). */
static void fmt_u64_fixed(char *out, uint64_t v, size_t width)
{
	while (width > 0) {
		out[--width] = (char)('0' + v % 10);
		v /= 10;
	}
}

size_t cs_prom_fmt_uj(char *out, uint64_t uj)
{
	size_t n = fmt_u64(out, uj / 1000000u);

	out[n++] = '.';
	fmt_u64_fixed(out + n, uj % 1000000u, 6);
	return n + 6;
}

/* Exact powers of ten (every 10^k with k <= 22 is a double exactly). */
static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Lower bounds of the decades of the fast path: 1e-6 .. 1e14 (the nearest
 * doubles; see below why inexact ones are fine). */
static const double decade_floor[] = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1e0,  1e1,  1e2,  1e3, 1e4,
                                      1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14};

/* 15 significant digits. Fast path for 1e-6 <= |v| < 1e15, which is every
 * watt, gram and second we export; printf's %.15g elsewhere.
 *
 * Monotonic (v1 <= v2 never prints a larger number for v1): the decade k is
 * chosen by comparing with exact powers of ten, and within it the digits are
 * trunc(v * 10^(14-k) + 0.5), a composition of correctly rounded (hence
 * non-decreasing) operations with an exact multiplier (14-k <= 20). A value
 * just below 10^(k+1) prints at most 10^(k+1), one at or above it at least
 * 10^(k+1); the same holds at the printf boundaries 1e-6 and 1e15, where
 * printf rounds correctly. (Below 1 the decade bounds are only the nearest
 * doubles to 10^k; scaled by the exact 10^(14-k) they still round to exactly
 * 1e14, so a value at a bound prints the bound.) Negative values mirror
 * positive ones. */
size_t cs_prom_fmt_double(char *out, double v)
{
	char digits[16];
	size_t n = 0, nd, point;
	uint64_t m;
	int k;

	if (!isfinite(v))
		return 0;
	if (v == 0) { /* also -0 */
		out[0] = '0';
		return 1;
	}
	if (v < 0) {
		out[n++] = '-';
		v = -v;
	}
	if (v < 1e-6 || v >= 1e15) {
		int w = snprintf(out + n, CS_PROM_NUM_MAX - n, "%.15g", v);
		return w > 0 ? n + (size_t)w : 0;
	}
	for (k = 14; k > -6 && v < decade_floor[k + 6]; k--)
		;
	m = (uint64_t)(v * pow10_exact[14 - k] + 0.5);
	if (m >= 1000000000000000ull) { /* rounded up into the next decade */
		m /= 10;
		if (++k == 15) { /* to 1e15 itself: say it as printf does above */
			memcpy(out + n, "1e+15", 5);
			return n + 5;
		}
	}
	fmt_u64_fixed(digits, m, 15);
	/* drop trailing zeros of the fraction */
	nd = 15;
	point = k >= 0 ? (size_t)k + 1 : 0; /* digits before the point */
	while (nd > point && nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (k >= 0) {
		memcpy(out + n, digits, point);
		n += point;
		if (nd > point) {
			out[n++] = '.';
			memcpy(out + n, digits + point, nd - point);
			n += nd - point;
		}
	} else {
		out[n++] = '0';
		out[n++] = '.';
		for (int z = -1; z > k; z--)
			out[n++] = '0';
		memcpy(out + n, digits, nd);
		n += nd;
	}
	return n;
}

/* ---- the output buffer ------------------------------------------------------------ */

/* Labels written once in a render and copied for their next samples. */
typedef struct memo {
	size_t off, len; /* in the output; len 0 = not written yet */
} memo;

/* One render: the buffer and whether an allocation failed (then the rest of
 * the render writes nothing and the result is discarded). */
typedef struct render_ctx {
	cs_prom_buf *b;
	bool oom;
	const char *cluster;      /* [agent] cluster; "" = no cluster label */
	memo node;                /* `[cluster="<escaped>",]node="<escaped>"` */
	memo comp[CS_PART_COUNT]; /* `,component="<k>",source="<escaped>"` */
	memo scope[CS_SCOPE_N];   /* `,scope="<k>"` */
	size_t *lab;              /* b->rowlab for this render's rows, NULL = none */
} render_ctx;

/* Slow path of room(): grow geometrically to hold n more bytes. */
static char *grow(render_ctx *c, size_t n)
{
	cs_prom_buf *b = c->b;

	if (c->oom || n > SIZE_MAX / 2 - b->len || cs_grow(&b->p, &b->cap, b->len + n, 1, 16384) < 0) {
		c->oom = true;
		return NULL;
	}
	b->grows++;
	return b->p + b->len;
}

/* Space for n more bytes at the end, or NULL (c->oom set). */
static inline char *room(render_ctx *c, size_t n)
{
	cs_prom_buf *b = c->b;

	if (b->cap - b->len >= n && !c->oom)
		return b->p + b->len;
	return grow(c, n);
}

static void put(render_ctx *c, const char *s, size_t n)
{
	char *o = room(c, n);

	if (!o)
		return;
	memcpy(o, s, n);
	c->b->len += n;
}

#define PUT_LIT(c, lit) put((c), (lit), sizeof(lit) - 1)

static void put_str(render_ctx *c, const char *s)
{
	put(c, s, strlen(s));
}

/* Copies [off, off+n) of the output to its end (a prefix rendered before). */
static void put_again(render_ctx *c, size_t off, size_t n)
{
	char *o = room(c, n);

	if (!o)
		return;
	memcpy(o, c->b->p + off, n);
	c->b->len += n;
}

/* true when m was written before in this render and is now copied again;
 * false when the caller writes it now and ends with memo_end. */
static bool memo_again(render_ctx *c, memo *m)
{
	if (m->len) {
		put_again(c, m->off, m->len);
		return true;
	}
	m->off = c->b->len;
	return false;
}

static void memo_end(render_ctx *c, memo *m)
{
	if (!c->oom)
		m->len = c->b->len - m->off;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if the
 * bytes there are not one (overlong, surrogate, > U+10FFFF, truncated). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c0 = s[0], lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (c0 >= 0xC2 && c0 <= 0xDF)
		len = 2;
	else if (c0 >= 0xE0 && c0 <= 0xEF) {
		len = 3;
		if (c0 == 0xE0)
			lo = 0xA0;
		else if (c0 == 0xED)
			hi = 0x9F;
	} else if (c0 >= 0xF0 && c0 <= 0xF4) {
		len = 4;
		if (c0 == 0xF0)
			lo = 0x90;
		else if (c0 == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

/* A label value, escaped: \ " and newline as \\ \" \n; invalid UTF-8 bytes
 * become U+FFFD (each expands to at most 3 bytes, hence the reservation). */
static void put_value(render_ctx *c, const char *v)
{
	const unsigned char *s = (const unsigned char *)(v ? v : "");
	size_t n = strlen((const char *)s), i;
	char *o = room(c, 3 * n), *o0 = o;

	if (!o)
		return;
	for (i = 0; i < n; i++) {
		unsigned char ch = s[i];
		size_t len;

		if (ch < 0x80) {
			if (ch == '\\' || ch == '"') {
				*o++ = '\\';
				*o++ = (char)ch;
			} else if (ch == '\n') {
				*o++ = '\\';
				*o++ = 'n';
			} else {
				*o++ = (char)ch;
			}
		} else if ((len = utf8_seq(s + i, n - i)) != 0) {
			memcpy(o, s + i, len);
			o += len;
			i += len - 1;
		} else {
			memcpy(o, "\xEF\xBF\xBD", 3);
			o += 3;
		}
	}
	c->b->len += (size_t)(o - o0);
}

/* name="value" (name is a literal of ours, never escaped). */
static void put_label(render_ctx *c, const char *name, const char *value)
{
	put_str(c, name);
	PUT_LIT(c, "=\"");
	put_value(c, value);
	PUT_LIT(c, "\"");
}

/* [cluster="...",]node="..." : the labels of every sample, escaped at their
 * first use in a render, copied afterwards. The cluster label is left out
 * when none is configured (an empty label is no label to Prometheus). */
static void put_node(render_ctx *c, const char *node)
{
	if (memo_again(c, &c->node))
		return;
	if (c->cluster[0]) {
		put_label(c, "cluster", c->cluster);
		put(c, ",", 1);
	}
	put_label(c, "node", node);
	memo_end(c, &c->node);
}

/* "} <value>\n", the end of every sample: end_open reserves room for it and
 * writes "} ", the caller formats the value at o + 2 (n bytes), end_close
 * adds the newline. */
static char *end_open(render_ctx *c)
{
	char *o = room(c, CS_PROM_NUM_MAX + 3);

	if (o) {
		o[0] = '}';
		o[1] = ' ';
	}
	return o;
}

static void end_close(render_ctx *c, char *o, size_t n)
{
	o[2 + n] = '\n';
	c->b->len += n + 3;
}

static void end_double(render_ctx *c, double v)
{
	char *o = end_open(c);

	if (o)
		end_close(c, o, cs_prom_fmt_double(o + 2, v));
}

static void end_u64(render_ctx *c, uint64_t v)
{
	char *o = end_open(c);

	if (o)
		end_close(c, o, fmt_u64(o + 2, v));
}

static void end_uj(render_ctx *c, uint64_t uj)
{
	char *o = end_open(c);

	if (o)
		end_close(c, o, cs_prom_fmt_uj(o + 2, uj));
}

/* ---- families --------------------------------------------------------------------- */

/* Every family, in output order. The HELP texts are the short form of
 * docs/metrics.md. */
enum fam {
	F_INFO,
	F_NODE_ENERGY,
	F_NODE_POWER,
	F_NODE_CARBON,
	F_NODE_CPU,
	F_INTENSITY,
	F_PUE,
	F_EMBODIED,
	F_ENERGY,
	F_CARBON,
	F_POWER,
	F_CYCLES,
	F_OVERRUNS,
	F_CYCLE_DURATION,
	F_CPU,
	F_RSS,
	F_OPEN_FILES,
	F_KERNEL_MEMORY,
	F_SERIES,
	F_ROWS_FOLDED,
	F_READ_BYTES,
	F_GRID_ERRORS,
	F_KUBELET_ERRORS,
	F_SENSOR_DURATION,
	F_SENSOR_ERRORS,
	F_EXPORTER_DURATION,
	F_EXPORTER_ERRORS,
	F_LAST_CYCLE,
	F_N
};

typedef struct family {
	const char *name;
	const char *type; /* "counter" | "gauge" */
	const char *help;
} family;

static const family families[F_N] = {
    [F_INFO] = {"carbonstat_info", "gauge",
                "Always 1: the agent's version, power mode and model, location and intensity dataset."},
    [F_NODE_ENERGY] = {"carbonstat_node_energy_joules_total", "counter",
                       "Energy used by the node since the agent started, by component; source says where it "
                       "came from (a hardware counter or a model)."},
    [F_NODE_POWER] = {"carbonstat_node_power_watts", "gauge",
                      "Average power of the node over the last interval, by component."},
    [F_NODE_CARBON] = {"carbonstat_node_carbon_grams_total", "counter",
                       "CO2e of the node since the agent started, in grams: operational (energy x PUE x grid "
                       "intensity) and embodied (hardware manufacturing, amortised)."},
    [F_NODE_CPU] = {"carbonstat_node_cpu_seconds_total", "counter",
                    "CPU time of the node since the agent started, all CPUs: busy, and idle (busy / (busy + "
                    "idle) over any range is the node's average CPU utilisation)."},
    [F_INTENSITY] = {"carbonstat_grid_intensity_grams_per_kwh", "gauge",
                     "Grid carbon intensity applied in the last interval, in gCO2e per kWh."},
    [F_PUE] = {"carbonstat_pue", "gauge", "Power usage effectiveness applied to operational carbon."},
    [F_EMBODIED] = {"carbonstat_embodied_grams_per_hour", "gauge",
                    "Embodied emissions of the node's hardware, amortised, in gCO2e per hour."},
    [F_ENERGY] = {"carbonstat_energy_joules_total", "counter",
                  "Energy attributed to a workload (or the system, idle and overflow rows) since the agent "
                  "started, by component; the rows add up to carbonstat_node_energy_joules_total."},
    [F_CARBON] = {"carbonstat_carbon_grams_total", "counter",
                  "CO2e attributed to a workload (or the system, idle and overflow rows) since the agent "
                  "started, in grams, by scope."},
    [F_POWER] = {"carbonstat_power_watts", "gauge",
                 "Average power attributed to a workload over the last interval, all components."},
    [F_CYCLES] = {"carbonstat_agent_cycles_total", "counter", "Sampling cycles the agent ran."},
    [F_OVERRUNS] = {"carbonstat_agent_cycle_overruns_total", "counter",
                    "Sampling cycles that took longer than the interval."},
    [F_CYCLE_DURATION] = {"carbonstat_agent_cycle_duration_seconds", "gauge",
                          "Wall time of the last sampling cycle, from sample to publish."},
    [F_CPU] = {"carbonstat_agent_cpu_seconds_total", "counter", "CPU time used by the agent (user + system)."},
    [F_RSS] = {"carbonstat_agent_resident_memory_bytes", "gauge", "Resident memory of the agent."},
    [F_OPEN_FILES] = {"carbonstat_agent_open_files", "gauge",
                      "Files the agent keeps open (sensors, cgroup statistics, procfs)."},
    [F_KERNEL_MEMORY] = {"carbonstat_agent_kernel_memory_bytes", "gauge",
                         "Kernel memory the cgroup files and directories the agent keeps open pin, estimated: a "
                         "page plus 336 bytes per file, 256 bytes per directory (measured on Linux 6.x); "
                         "[agent] kernel_memory bounds it. Charged to the agent's cgroup, not in its RSS."},
    [F_SERIES] = {"carbonstat_agent_series", "gauge", "Rows exported in the last cycle."},
    [F_ROWS_FOLDED] = {"carbonstat_agent_rows_folded", "gauge",
                       "Workload rows folded into the overflow row by the max_series guard in the last cycle."},
    [F_READ_BYTES] = {"carbonstat_agent_read_bytes_total", "counter",
                      "Bytes the agent read from sysfs, procfs and cgroupfs."},
    [F_GRID_ERRORS] = {"carbonstat_agent_grid_errors_total", "counter", "Live grid intensity requests that failed."},
    [F_KUBELET_ERRORS] = {"carbonstat_agent_kubelet_errors_total", "counter",
                          "Kubelet pod list refreshes that failed."},
    [F_SENSOR_DURATION] = {"carbonstat_agent_sensor_duration_seconds", "gauge",
                           "Time the sensor took to read in the last cycle."},
    [F_SENSOR_ERRORS] = {"carbonstat_agent_sensor_errors_total", "counter", "Failed reads of the sensor."},
    [F_EXPORTER_DURATION] = {"carbonstat_agent_exporter_duration_seconds", "gauge",
                             "Time the exporter took to publish the previous cycle."},
    [F_EXPORTER_ERRORS] = {"carbonstat_agent_exporter_errors_total", "counter", "Failed publishes of the exporter."},
    [F_LAST_CYCLE] = {"carbonstat_agent_last_cycle_timestamp_seconds", "gauge",
                      "Unix time at the end of the last exported interval."},
};

static void put_header(render_ctx *c, enum fam f)
{
	const family *m = &families[f];

	PUT_LIT(c, "# HELP ");
	put_str(c, m->name);
	put(c, " ", 1);
	put_str(c, m->help);
	PUT_LIT(c, "\n# TYPE ");
	put_str(c, m->name);
	put(c, " ", 1);
	put_str(c, m->type);
	put(c, "\n", 1);
}

/* "name{node=\"...\"" : the start of every sample. */
static void put_start(render_ctx *c, enum fam f, const char *node)
{
	put_str(c, families[f].name);
	put(c, "{", 1);
	put_node(c, node);
}

/* A family with one sample labelled with the node only. */
static void put_node_u64(render_ctx *c, enum fam f, const char *node, uint64_t v)
{
	put_header(c, f);
	put_start(c, f, node);
	end_u64(c, v);
}

static void put_node_double(render_ctx *c, enum fam f, const char *node, double v)
{
	if (!isfinite(v))
		return;
	put_header(c, f);
	put_start(c, f, node);
	end_double(c, v);
}

/* ",component=...,source=..." of component k's sample. */
static void put_comp_labels(render_ctx *c, const cs_snapshot *s, int k)
{
	if (memo_again(c, &c->comp[k]))
		return;
	put_label(c, ",component", cs_part_name((cs_part)k));
	put_label(c, ",source", s->comp[k].source);
	memo_end(c, &c->comp[k]);
}

/* ",scope=..." of scope k's sample. */
static void put_scope_label(render_ctx *c, int k)
{
	if (memo_again(c, &c->scope[k]))
		return;
	put_label(c, ",scope", cs_scope_name((cs_scope)k));
	memo_end(c, &c->scope[k]);
}

/* ---- rows ------------------------------------------------------------------------- */

/* "name{[cluster=...,]node=...,kind=...,...,owner=...,workload=..." of a row: written in full for the
 * row's first sample of a family (p), copied for the next ones.
 * lab: the row's ",kind=...,workload=..." already in the output (lab[1] > 0,
 * copied) or not yet (escaped here and noted); NULL = no scratch (escaped). */
static void put_row_start(render_ctx *c, enum fam f, const char *node, const cs_snap_row *r, memo *p, size_t *lab)
{
	if (memo_again(c, p))
		return;
	put_start(c, f, node);
	if (lab && lab[1]) {
		put_again(c, lab[0], lab[1]);
	} else {
		size_t off = c->b->len;

		put_label(c, ",kind", r->wl_kind);
		put_label(c, ",namespace", r->namespace_);
		put_label(c, ",pod", r->pod);
		put_label(c, ",container", r->container);
		put_label(c, ",team", r->team);
		put_label(c, ",owner_kind", r->owner_kind);
		put_label(c, ",owner", r->owner);
		put_label(c, ",workload", r->name);
		if (lab && !c->oom) {
			lab[0] = off;
			lab[1] = c->b->len - off;
		}
	}
	memo_end(c, p);
}

/* The row's label scratch (2 words), or NULL when it could not be had. */
static size_t *row_lab(render_ctx *c, size_t i)
{
	return c->lab ? &c->lab[2 * i] : NULL;
}

/* Which carbon scopes are exported: those whose rate is known, and any that
 * already counted something (a counter must not vanish because the
 * location became unknown later). */
static void scopes_on(const cs_snapshot *s, bool on[CS_SCOPE_N])
{
	on[CS_SCOPE_OPERATIONAL] = s->intensity_g_per_kwh >= 0 || s->carbon_g_total[CS_SCOPE_OPERATIONAL] > 0;
	on[CS_SCOPE_EMBODIED] = s->embodied_g_per_h >= 0 || s->carbon_g_total[CS_SCOPE_EMBODIED] > 0;
}

static void render_rows(render_ctx *c, const cs_snapshot *s, const bool scope[CS_SCOPE_N], size_t ncomp)
{
	size_t i;
	int k;
	bool any_scope = scope[CS_SCOPE_OPERATIONAL] || scope[CS_SCOPE_EMBODIED];

	if (s->nrows == 0)
		return;
	/* the labels' scratch (reused across renders); without it every
	 * family escapes them again */
	if (s->nrows > c->b->rowlab_cap) {
		size_t *q = realloc(c->b->rowlab, s->nrows * 2 * sizeof(*q));

		if (q) {
			c->b->rowlab = q;
			c->b->rowlab_cap = s->nrows;
		}
	}
	c->lab = c->b->rowlab_cap >= s->nrows ? c->b->rowlab : NULL;
	if (c->lab)
		memset(c->lab, 0, s->nrows * 2 * sizeof(*c->lab));
	if (ncomp) {
		put_header(c, F_ENERGY);
		for (i = 0; i < s->nrows; i++) {
			const cs_snap_row *r = &s->rows[i];
			memo p = {0, 0};

			for (k = 0; k < CS_PART_COUNT; k++) {
				if (!s->comp[k].present)
					continue;
				put_row_start(c, F_ENERGY, s->node, r, &p, row_lab(c, i));
				put_comp_labels(c, s, k);
				end_uj(c, r->energy_uj_total[k]);
			}
		}
	}
	if (any_scope) {
		put_header(c, F_CARBON);
		for (i = 0; i < s->nrows; i++) {
			const cs_snap_row *r = &s->rows[i];
			memo p = {0, 0};

			for (k = 0; k < CS_SCOPE_N; k++) {
				if (!scope[k] || !isfinite(r->carbon_g_total[k]))
					continue;
				put_row_start(c, F_CARBON, s->node, r, &p, row_lab(c, i));
				put_scope_label(c, k);
				end_double(c, r->carbon_g_total[k]);
			}
		}
	}
	put_header(c, F_POWER);
	for (i = 0; i < s->nrows; i++) {
		const cs_snap_row *r = &s->rows[i];
		memo p = {0, 0};

		if (!isfinite(r->power_w))
			continue;
		put_row_start(c, F_POWER, s->node, r, &p, row_lab(c, i));
		end_double(c, r->power_w);
	}
}

/* ---- the agent's own metrics ------------------------------------------------------ */

/* "name{node=...,<label>=\"<stage>\"" of a sensor or exporter sample. */
static void put_stage_start(render_ctx *c, enum fam f, const char *node, const char *label, const char *stage)
{
	put_start(c, f, node);
	put(c, ",", 1);
	put_label(c, label, stage);
}

static void render_stages(render_ctx *c, const cs_snapshot *s, const cs_snap_stage *st, size_t n, enum fam fdur,
                          enum fam ferr, const char *label)
{
	size_t i;

	if (n > CS_SNAP_MAX_STAGES)
		n = CS_SNAP_MAX_STAGES;
	if (n == 0)
		return;
	put_header(c, fdur);
	for (i = 0; i < n; i++) {
		if (!isfinite(st[i].duration_s))
			continue;
		put_stage_start(c, fdur, s->node, label, st[i].name);
		end_double(c, st[i].duration_s);
	}
	put_header(c, ferr);
	for (i = 0; i < n; i++) {
		put_stage_start(c, ferr, s->node, label, st[i].name);
		end_u64(c, st[i].errors_total);
	}
}

/* Unix milliseconds as seconds with 3 decimals, exactly. */
static void put_node_time(render_ctx *c, const cs_snapshot *s)
{
	int64_t ms = s->time_ms;
	uint64_t a = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
	char *o, *v;
	size_t n = 0;

	put_header(c, F_LAST_CYCLE);
	put_start(c, F_LAST_CYCLE, s->node);
	o = end_open(c);
	if (!o)
		return;
	v = o + 2;
	if (ms < 0)
		v[n++] = '-';
	n += fmt_u64(v + n, a / 1000);
	v[n++] = '.';
	fmt_u64_fixed(v + n, a % 1000, 3);
	n += 3;
	end_close(c, o, n);
}

static void render_self(render_ctx *c, const cs_snapshot *s)
{
	const cs_snap_self *m = &s->self;
	const char *node = s->node;

	put_node_u64(c, F_CYCLES, node, m->cycles_total);
	put_node_u64(c, F_OVERRUNS, node, m->overruns_total);
	put_node_double(c, F_CYCLE_DURATION, node, m->cycle_duration_s);
	put_node_double(c, F_CPU, node, m->cpu_seconds_total);
	put_node_u64(c, F_RSS, node, m->resident_bytes);
	put_node_u64(c, F_OPEN_FILES, node, m->open_files);
	put_node_u64(c, F_KERNEL_MEMORY, node, m->kernel_memory_bytes);
	put_node_u64(c, F_SERIES, node, m->series);
	put_node_u64(c, F_ROWS_FOLDED, node, m->rows_folded);
	put_node_u64(c, F_READ_BYTES, node, m->read_bytes_total);
	put_node_u64(c, F_GRID_ERRORS, node, m->grid_errors_total);
	put_node_u64(c, F_KUBELET_ERRORS, node, m->kubelet_errors_total);
	render_stages(c, s, m->sensor, m->nsensor, F_SENSOR_DURATION, F_SENSOR_ERRORS, "sensor");
	render_stages(c, s, m->exporter, m->nexporter, F_EXPORTER_DURATION, F_EXPORTER_ERRORS, "exporter");
	put_node_time(c, s);
}

/* ---- the whole exposition --------------------------------------------------------- */

int cs_prom_render(cs_prom_buf *b, const cs_snapshot *s)
{
	render_ctx c = {.b = b, .cluster = cs_snap_cluster(s)};
	bool scope[CS_SCOPE_N];
	size_t ncomp = 0;
	int k;

	b->len = 0;
	/* one reservation for the usual size (~190 bytes a sample, 6 samples a
	 * row), so the loops below rarely take the growth path */
	if (!room(&c, 4096 + s->nrows * 6 * 200)) {
		b->len = 0;
		return CS_ENOMEM;
	}
	scopes_on(s, scope);
	for (k = 0; k < CS_PART_COUNT; k++)
		ncomp += s->comp[k].present;

	put_header(&c, F_INFO);
	put_start(&c, F_INFO, s->node);
	put_label(&c, ",version", s->version);
	put_label(&c, ",mode", s->mode);
	put_label(&c, ",power_model", s->power_model);
	put_label(&c, ",provider", s->provider);
	put_label(&c, ",region", s->region);
	put_label(&c, ",instance", s->instance);
	put_label(&c, ",instance_id", s->instance_id ? s->instance_id : "");
	put_label(&c, ",instance_name", s->instance_name ? s->instance_name : "");
	put_label(&c, ",intensity_dataset", s->intensity_dataset);
	end_u64(&c, 1);

	if (ncomp) {
		put_header(&c, F_NODE_ENERGY);
		for (k = 0; k < CS_PART_COUNT; k++) {
			if (!s->comp[k].present)
				continue;
			put_start(&c, F_NODE_ENERGY, s->node);
			put_comp_labels(&c, s, k);
			end_uj(&c, s->comp[k].energy_uj_total);
		}
		put_header(&c, F_NODE_POWER);
		for (k = 0; k < CS_PART_COUNT; k++) {
			if (!s->comp[k].present || !isfinite(s->comp[k].power_w))
				continue;
			put_start(&c, F_NODE_POWER, s->node);
			put_comp_labels(&c, s, k);
			end_double(&c, s->comp[k].power_w);
		}
	}
	if (scope[CS_SCOPE_OPERATIONAL] || scope[CS_SCOPE_EMBODIED]) {
		put_header(&c, F_NODE_CARBON);
		for (k = 0; k < CS_SCOPE_N; k++) {
			if (!scope[k] || !isfinite(s->carbon_g_total[k]))
				continue;
			put_start(&c, F_NODE_CARBON, s->node);
			put_scope_label(&c, k);
			end_double(&c, s->carbon_g_total[k]);
		}
	}
	if (s->cpu_total_us_total) {
		/* counters of integer microseconds, printed exactly as the energy's */
		uint64_t busy =
		    s->cpu_busy_us_total < s->cpu_total_us_total ? s->cpu_busy_us_total : s->cpu_total_us_total;

		put_header(&c, F_NODE_CPU);
		put_start(&c, F_NODE_CPU, s->node);
		put_label(&c, ",mode", "busy");
		end_uj(&c, busy);
		put_start(&c, F_NODE_CPU, s->node);
		put_label(&c, ",mode", "idle");
		end_uj(&c, s->cpu_total_us_total - busy);
	}
	if (s->intensity_g_per_kwh >= 0 && isfinite(s->intensity_g_per_kwh)) {
		put_header(&c, F_INTENSITY);
		put_start(&c, F_INTENSITY, s->node);
		put_label(&c, ",zone", s->intensity_zone);
		put_label(&c, ",source", s->intensity_source);
		end_double(&c, s->intensity_g_per_kwh);
	}
	put_node_double(&c, F_PUE, s->node, s->pue);
	if (s->embodied_g_per_h >= 0)
		put_node_double(&c, F_EMBODIED, s->node, s->embodied_g_per_h);

	render_rows(&c, s, scope, ncomp);
	render_self(&c, s);

	if (c.oom) {
		b->len = 0;
		return CS_ENOMEM;
	}
	return 0;
}

/* ---- /healthz ---------------------------------------------------------------------- */

double cs_prom_stale_after_s(double interval_s)
{
	double s = 3.0 * interval_s;

	return s > 30.0 ? s : 30.0;
}

int cs_prom_health(int published, double age_s, double stale_s, char *body, size_t cap)
{
	if (age_s < stale_s) {
		snprintf(body, cap, "ok\n");
		return 200;
	}
	if (published)
		snprintf(body, cap, "stale: last publish %.1f s ago (limit %.0f s)\n", age_s, stale_s);
	else
		snprintf(body, cap, "stale: no publish in the %.1f s since start (limit %.0f s)\n", age_s, stale_s);
	return 503;
}
