/* exporters/prom_render.h - one agent snapshot as Prometheus text exposition.
 *
 * Pure: cs_snapshot in, bytes out (text format 0.0.4), no I/O, no clock, no
 * locale. The HTTP server (prometheus.c) renders once per cycle and serves
 * the same bytes to every scrape until the next cycle; a scrape never
 * renders. The metric names, types and labels are the contract documented in
 * docs/metrics.md (dashboards and tests depend on them).
 *
 * Output invariants:
 *   - each family appears once: "# HELP", "# TYPE", then all its samples;
 *     a family without samples is left out entirely;
 *   - families in a fixed order, samples in snapshot order (rows, then
 *     components/scopes in enum order), so equal snapshots render equal bytes;
 *   - label values escaped (\\, \", \n) and invalid UTF-8 replaced with
 *     U+FFFD, so any cgroup path or process name yields a valid exposition;
 *   - no timestamps; a NaN or infinite value drops that one sample;
 *   - energy counters are printed exactly from the integer microjoules
 *     ("12.000345"), other numbers with 15 significant digits by a formatter
 *     that is monotonic: a counter that grows never renders smaller.
 *
 * Memory: a cs_prom_buf grows geometrically and never shrinks, so after the
 * first few cycles of a stable node a render allocates nothing.
 *
 * Also here, because it is as pure: the /healthz verdict of the server.
 */
#ifndef CS_EXPORTERS_PROM_RENDER_H
#define CS_EXPORTERS_PROM_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "exporters/exporter.h"

/* What /metrics is served as. */
#define CS_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Longest number cs_prom_fmt_double / cs_prom_fmt_uj write, with margin. */
#define CS_PROM_NUM_MAX 32

/* A byte buffer reused across cycles. */
typedef struct cs_prom_buf {
	char *p;        /* rendered bytes (not NUL-terminated); owned */
	size_t len;     /* bytes of the last render */
	size_t cap;     /* allocated */
	uint64_t grows; /* reallocations since init: stays put in steady state */
	size_t *rowlab; /* per row: offset and length of its escaped labels in p
	                 * (scratch of one render, reused: 2 x rowlab_cap) */
	size_t rowlab_cap;
} cs_prom_buf;

/* An empty buffer (allocates nothing). */
void cs_prom_buf_init(cs_prom_buf *b);

/* Room for n bytes (a render of about the previous one's size), its pages
 * faulted in at once. 0 or CS_ENOMEM. */
int cs_prom_buf_reserve(cs_prom_buf *b, size_t n);

/* Frees the bytes; b is left as after init. NULL is a no-op. */
void cs_prom_buf_free(cs_prom_buf *b);

/* Renders the whole exposition of s into b (replacing what it held).
 * 0, or CS_ENOMEM (b->len is then 0; b itself stays usable). */
int cs_prom_render(cs_prom_buf *b, const cs_snapshot *s);

/* The number formatters, exposed for tests and the benchmark. Both write at
 * most CS_PROM_NUM_MAX bytes to out (no NUL) and return the length.
 * cs_prom_fmt_double returns 0 for NaN and infinities (not renderable). */
size_t cs_prom_fmt_double(char *out, double v);
size_t cs_prom_fmt_uj(char *out, uint64_t uj); /* microjoules as joules: "12.000345" */

/* The /healthz verdict, pure so it is testable without waiting: healthy
 * while the last publish (or, before the first, the start) is younger than
 * cs_prom_stale_after_s(interval) = max(3 x interval, 30 s). Returns 200 or
 * 503 and writes a one-line body ("ok\n" or "stale: ...\n") to body. */
double cs_prom_stale_after_s(double interval_s);
int cs_prom_health(int published, double age_s, double stale_s, char *body, size_t cap);

#endif
