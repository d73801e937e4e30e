/* bench_prom.c - cost of the Prometheus exposition: render and serve.
 *
 * Backs the claims of src/exporters/prom_render.c and prometheus.c:
 *   - numbers: the hand-written formatter against snprintf("%.15g") on the
 *     same values (why the renderer does not use printf);
 *   - render: cs_prom_render of the snap fixture (tests/support) sized to
 *     ~10,000 series (1,664 workloads + system + idle, 6 series a row) and to
 *     10,000 rows (~60,000 series), into a reused buffer: mean/p99 per render,
 *     ns per series, allocations per render in steady state (counted by
 *     common.c's malloc/calloc/realloc interposer; off under ASan) and buffer
 *     growth after the warm-up (both must be 0); target < 5 ms for 10,000
 *     series;
 *   - render from a fresh buffer each time (the exporter frees it after each
 *     send), growing as it fills against reserved first (cs_prom_buf_reserve):
 *     the median of each;
 *   - serve: the real exporter on 127.0.0.1 (a free port), one publish of the
 *     10,000-series cycle, then a libcurl keep-alive client scraping it N
 *     times over loopback: mean and p99 per scrape; and publish() itself
 *     (render + response swap) while nobody scrapes.
 *
 * Usage: bench_prom [renders (default 200)] [scrapes (default 200)]
 * Output, stable key=value lines:
 *   bench=prom_fmt numbers=... fast_ns=... printf_ns=...
 *   bench=prom_render rows=... series=... bytes=... renders=... mean_ns=... p99_ns=...
 *     ns_per_series=... allocs_per_render=0.000 grows_after_warmup=0
 *   bench=prom_render_fresh rows=... bytes=... renders=... grow_median_ns=... reserve_median_ns=...
 *   bench=prom_serve series=... bytes=... scrapes=... mean_us=... p99_us=... MB_per_s=...
 *     publish_mean_us=... allocs_per_publish=... (libmicrohttpd's response object
 *     and header: the exposition itself is lent, not copied)
 * Exit status 1 if a steady-state render allocated or grew its buffer, or a
 * scrape failed.
 */
#include <arpa/inet.h>
#include <malloc.h>
#include <curl/curl.h>
#include <math.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "common.h"
#include "conf/conf.h"
#include "exporters/exporter.h"
#include "exporters/prom_render.h"

/* The snap fixture of the exporter tests. Benchmarks link only the library,
 * so its one source file is compiled in here. */
#include "../tests/support/snap_fixture.c"

/* ---- helpers --------------------------------------------------------------------- */

static size_t count_series(const cs_prom_buf *b)
{
	size_t n = 0;

	for (size_t i = 0; i < b->len; i++)
		if ((i == 0 || b->p[i - 1] == '\n') && b->p[i] != '#')
			n++;
	return n;
}

/* ---- numbers --------------------------------------------------------------------- */

static void bench_numbers(void)
{
	enum { N = 1000000 };
	double *v = malloc(N * sizeof(*v));
	char out[64];
	uint64_t t0, t1, t2, sink = 0;

	if (!v)
		exit(1);
	for (size_t i = 0; i < N; i++) /* grams, watts, seconds: the shapes we export */
		v[i] = (double)(i % 9973) * 0.001234567 + (double)(i % 13) * 1.5;
	t0 = bench_now_ns();
	for (size_t i = 0; i < N; i++)
		sink += cs_prom_fmt_double(out, v[i]);
	t1 = bench_now_ns();
	for (size_t i = 0; i < N; i++)
		sink += (uint64_t)snprintf(out, sizeof(out), "%.15g", v[i]);
	t2 = bench_now_ns();
	printf("bench=prom_fmt numbers=%d fast_ns=%.1f printf_ns=%.1f (chars %llu)\n", N, (double)(t1 - t0) / N,
	       (double)(t2 - t1) / N, (unsigned long long)sink);
	free(v);
}

/* ---- render ---------------------------------------------------------------------- */

/* Renders the fixture with nw workloads `renders` times; 0 or 1 (allocated). */
static int bench_render(size_t nw, int renders)
{
	cs_snapfix f = {0};
	cs_prom_buf b;
	uint64_t *ns = malloc((size_t)renders * sizeof(*ns)), p99, grows, allocs0, allocs;
	double mean;
	size_t series;
	int warm = 3, rc;

	if (!ns || cs_snapfix_build(&f, nw, 1) != 0)
		exit(1);
	cs_prom_buf_init(&b);
	for (int i = 0; i < warm; i++)
		if (cs_prom_render(&b, &f.snap) != 0)
			exit(1);
	grows = b.grows;
	series = count_series(&b);
	allocs0 = bench_allocs();
	for (int i = 0; i < renders; i++) {
		uint64_t t0;

		f.snap.seq = (uint64_t)i + 2; /* different numbers each time, same shape */
		f.snap.self.cycles_total = (uint64_t)i + 3;
		t0 = bench_now_ns();
		if (cs_prom_render(&b, &f.snap) != 0)
			exit(1);
		ns[i] = bench_now_ns() - t0;
	}
	allocs = bench_allocs() - allocs0;
	bench_stats(ns, (size_t)renders, &mean, &p99);
	printf("bench=prom_render rows=%zu series=%zu bytes=%zu renders=%d mean_ns=%.0f p99_ns=%llu "
	       "ns_per_series=%.1f allocs_per_render=%.3f grows_after_warmup=%llu%s\n",
	       f.snap.nrows, series, b.len, renders, mean, (unsigned long long)p99, mean / (double)series,
	       bench_counts_allocs() ? (double)allocs / renders : 0.0, (unsigned long long)(b.grows - grows),
	       bench_counts_allocs() ? "" : " (allocations not counted in this build)");
	rc = allocs != 0 || b.grows != grows;
	free(ns);
	cs_prom_buf_free(&b);
	cs_snapfix_free(&f);
	return rc;
}

/* The exporter gives its buffer back after each send (RssAnon stays low
 * between scrapes), and the agent fixes glibc's mmap threshold at 128 KiB
 * (agent.c), so every render starts from an empty buffer on fresh pages:
 * renders from a fresh buffer, growing it as it fills, against one reserved
 * first at the last exposition's size + 1/16 (cs_prom_buf_reserve, which
 * faults the pages in at once), alternately. Prints the median of each.
 * Runs last: the threshold stays set for the rest of the process. */
static void bench_render_fresh(size_t nw, int renders)
{
	cs_snapfix f = {0};
	uint64_t *ns[2] = {malloc((size_t)renders * sizeof(uint64_t)), malloc((size_t)renders * sizeof(uint64_t))};
	size_t last = 0;

	if (!ns[0] || !ns[1] || cs_snapfix_build(&f, nw, 1) != 0)
		exit(1);
	(void)mallopt(M_MMAP_THRESHOLD, 128 * 1024); /* as the agent does */
	for (int i = 0; i < 2 * renders; i++) {
		cs_prom_buf b;
		uint64_t t0;

		cs_prom_buf_init(&b);
		f.snap.seq = (uint64_t)i + 2;
		t0 = bench_now_ns();
		if ((i & 1) && cs_prom_buf_reserve(&b, last + last / 16) != 0)
			exit(1);
		if (cs_prom_render(&b, &f.snap) != 0)
			exit(1);
		ns[i & 1][i / 2] = bench_now_ns() - t0;
		last = b.len;
		cs_prom_buf_free(&b);
	}
	qsort(ns[0], (size_t)renders, sizeof(uint64_t), bench_cmp_u64);
	qsort(ns[1], (size_t)renders, sizeof(uint64_t), bench_cmp_u64);
	printf("bench=prom_render_fresh rows=%zu bytes=%zu renders=%d grow_median_ns=%llu reserve_median_ns=%llu\n",
	       f.snap.nrows, last, renders, (unsigned long long)ns[0][renders / 2],
	       (unsigned long long)ns[1][renders / 2]);
	free(ns[0]);
	free(ns[1]);
	cs_snapfix_free(&f);
}

/* ---- serve ----------------------------------------------------------------------- */

static unsigned free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		exit(1);
	close(fd);
	return ntohs(a.sin_port);
}

static size_t count_bytes(char *p, size_t size, size_t n, void *cls)
{
	(void)p;
	*(size_t *)cls += size * n;
	return size * n;
}

static int bench_serve(size_t nw, int scrapes)
{
	const cs_exporter_ops *ops = &cs_exporter_prometheus;
	cs_conf *cfg = NULL;
	cs_export_env env = {.node = "node-1", .interval_s = 5};
	cs_snapfix f = {0};
	void *st = NULL;
	char why[512], url[160], listen[64], ini[96];
	uint64_t *ns = malloc((size_t)scrapes * sizeof(*ns)), p99, pub_ns = 0, allocs0, pub_allocs;
	double mean;
	size_t body = 0, expect;
	CURL *c;
	int rc = 0, pubs = 50;
	cs_prom_buf b;

	snprintf(listen, sizeof(listen), "127.0.0.1:%u", free_port());
	snprintf(ini, sizeof(ini), "[prometheus]\nlisten = %s\n", listen);
	if (!ns ||
	    cs_conf_build(&ops->conf, 1, &(cs_conf_layers){.text = ini, .text_len = strlen(ini)}, &cfg, why,
	                  sizeof(why)) != 0 ||
	    !(env.conf = cs_conf_get(cfg, ops->conf)) || cs_snapfix_build(&f, nw, 1) != 0 ||
	    ops->open(&env, &st, why, sizeof(why)) != 0) {
		fprintf(stderr, "bench_prom: %s\n", why);
		return 1;
	}
	cs_prom_buf_init(&b);
	cs_prom_render(&b, &f.snap);
	expect = b.len;
	/* publish: render + one response per cycle, nobody scraping; the
	 * first two fill the buffer pool */
	for (int i = 0; i < 2; i++)
		ops->publish(st, &f.snap, why, sizeof(why));
	allocs0 = bench_allocs();
	for (int i = 0; i < pubs; i++) {
		uint64_t t0 = bench_now_ns();

		if (ops->publish(st, &f.snap, why, sizeof(why)) != 0) {
			fprintf(stderr, "bench_prom: %s\n", why);
			return 1;
		}
		pub_ns += bench_now_ns() - t0;
	}
	pub_allocs = bench_allocs() - allocs0;
	snprintf(url, sizeof(url), "http://%s/metrics", listen);
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, count_bytes);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	for (int i = 0; i < scrapes; i++) {
		uint64_t t0 = bench_now_ns();
		long code = 0;

		body = 0;
		if (curl_easy_perform(c) != CURLE_OK)
			rc = 1;
		ns[i] = bench_now_ns() - t0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (code != 200 || body != expect)
			rc = 1;
	}
	curl_easy_cleanup(c);
	bench_stats(ns, (size_t)scrapes, &mean, &p99);
	printf("bench=prom_serve series=%zu bytes=%zu scrapes=%d mean_us=%.1f p99_us=%.1f MB_per_s=%.0f "
	       "publish_mean_us=%.1f allocs_per_publish=%.1f%s\n",
	       count_series(&b), expect, scrapes, mean / 1e3, (double)p99 / 1e3, (double)expect / (mean / 1e9) / 1e6,
	       (double)pub_ns / pubs / 1e3, (double)pub_allocs / pubs, rc ? " FAILED" : "");
	ops->close(st);
	cs_prom_buf_free(&b);
	cs_snapfix_free(&f);
	cs_conf_free(cfg);
	free(ns);
	return rc;
}

int main(int argc, char **argv)
{
	int renders = argc > 1 ? atoi(argv[1]) : 200, scrapes = argc > 2 ? atoi(argv[2]) : 200, fail = 0;

	if (renders < 1 || scrapes < 1) {
		fprintf(stderr, "usage: bench_prom [renders] [scrapes]\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_ALL);
	bench_numbers();
	fail |= bench_render(1664, renders);          /* ~10,000 series */
	fail |= bench_render(10000, renders / 4 + 1); /* 10,000 rows, ~60,000 series */
	fail |= bench_serve(1664, scrapes);
	bench_render_fresh(1664, renders / 4 + 1); /* the exporter's case, last: a fresh buffer per render */
	curl_global_cleanup();
	return fail;
}
