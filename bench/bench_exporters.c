/* bench_exporters.c - publish cost of the DogStatsD and JSON-lines exporters.
 *
 * Backs the claims of src/exporters/statsd.c and jsonl.c: the real
 * exporters, driven as the agent drives them, publishing the snap fixture
 * (tests/support) with 1,000 and 10,000 rows:
 *   - statsd: to a UDP sink on 127.0.0.1 (a bound socket drained between
 *     cycles, outside the timing); mtu 1432;
 *   - jsonl: to a file in a temp directory, fsync none (the file is
 *     truncated between cycles, outside the timing, so it stays small);
 * mean and p99 per publish, ns per row, and allocations per publish in
 * steady state (malloc/calloc/realloc interposed as in bench_sensors.c;
 * off under ASan). statsd must allocate nothing per cycle (exit status 1
 * otherwise); jsonl allocates what jansson does for the strings that change
 * from row to row and for json_dumpb's loop check, reported per row.
 *
 * Usage: bench_exporters [cycles (default 40)]
 * Output, stable key=value lines:
 *   bench=statsd rows=... cycles=... sink_datagrams=... sink_bytes=... mean_us=... p99_us=...
 *     ns_per_row=... allocs_per_cycle=...
 * (sink_*: what the sink received of the last cycle; beyond its receive
 * buffer, capped by net.core.rmem_max, the kernel drops the rest, which the
 * sender never sees)
 *   bench=jsonl rows=... cycles=... bytes=... mean_us=... p99_us=... ns_per_row=... allocs_per_cycle=...
 *     allocs_per_row=...
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "conf/conf.h"
#include "exporters/exporter.h"

#include "common.h"

/* The snap fixture of the exporter tests. Benchmarks link only the library,
 * so its one source file is compiled in here. */
#include "../tests/support/snap_fixture.c"

static const char *alloc_note(void)
{
	return bench_counts_allocs() ? "" : " (allocations not counted in this build)";
}

/* ---- statsd ---------------------------------------------------------------------- */

/* Reads whatever the sink holds; datagrams and bytes received. */
static void drain(int fd, size_t *dgrams, size_t *bytes)
{
	static char d[65536];
	ssize_t n;

	while ((n = recv(fd, d, sizeof(d), MSG_DONTWAIT)) >= 0) {
		(*dgrams)++;
		*bytes += (size_t)n;
	}
}

static int bench_statsd(size_t nw, int cycles)
{
	const cs_exporter_ops *ops = &cs_exporter_statsd;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int sink = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), big = 8 << 20, rc = 0;
	cs_conf *cfg = NULL;
	cs_export_env env = {.node = "node-1", .interval_s = 5};
	cs_snapfix f = {0};
	void *st = NULL;
	char why[512] = "", ini[160];
	uint64_t *ns = malloc((size_t)cycles * sizeof(*ns)), p99;
	unsigned long long allocs0, allocs;
	size_t dgrams = 0, bytes = 0;
	double mean;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!ns || sink < 0 || bind(sink, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(sink, (struct sockaddr *)&a, &alen) != 0)
		exit(1);
	setsockopt(sink, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big)); /* capped by rmem_max */
	snprintf(ini, sizeof(ini),
	         "[statsd]\nenabled = true\naddress = 127.0.0.1:%u\ntags = env:prod,cluster:eu-west-1a\n",
	         ntohs(a.sin_port));
	if (cs_conf_build(&ops->conf, 1, &(cs_conf_layers){.text = ini, .text_len = strlen(ini)}, &cfg, why,
	                  sizeof(why)) != 0 ||
	    !(env.conf = cs_conf_get(cfg, ops->conf)) || cs_snapfix_build(&f, nw, 1) != 0 ||
	    ops->open(&env, &st, why, sizeof(why)) != 0) {
		fprintf(stderr, "bench_exporters: %s\n", why);
		return 1;
	}
	for (int i = 0; i < 2; i++) { /* warm-up */
		ops->publish(st, &f.snap, why, sizeof(why));
		drain(sink, &dgrams, &bytes);
	}
	allocs = 0;
	for (int i = 0; i < cycles; i++) {
		uint64_t t0;

		f.snap.seq = (uint64_t)i + 3;
		f.snap.self.cycles_total = (uint64_t)i + 4;
		dgrams = bytes = 0;
		allocs0 = bench_allocs();
		t0 = bench_now_ns();
		if (ops->publish(st, &f.snap, why, sizeof(why)) != 0) {
			fprintf(stderr, "bench_exporters: statsd: %s\n", why);
			rc = 1;
		}
		ns[i] = bench_now_ns() - t0;
		allocs += bench_allocs() - allocs0;
		drain(sink, &dgrams, &bytes);
	}
	bench_stats(ns, (size_t)cycles, &mean, &p99);
	printf("bench=statsd rows=%zu cycles=%d sink_datagrams=%zu sink_bytes=%zu mean_us=%.0f p99_us=%.0f "
	       "ns_per_row=%.0f "
	       "allocs_per_cycle=%.3f%s\n",
	       f.snap.nrows, cycles, dgrams, bytes, mean / 1e3, (double)p99 / 1e3, mean / (double)f.snap.nrows,
	       (double)allocs / cycles, alloc_note());
	if (allocs)
		rc = 1;
	ops->close(st);
	cs_conf_free(cfg);
	close(sink);
	cs_snapfix_free(&f);
	free(ns);
	return rc;
}

/* ---- jsonl ----------------------------------------------------------------------- */

static int bench_jsonl(size_t nw, int cycles)
{
	const cs_exporter_ops *ops = &cs_exporter_jsonl;
	char dir[] = "/tmp/cs_bench_jsonl.XXXXXX", why[512] = "", ini[160];
	cs_conf *cfg = NULL;
	cs_export_env env = {.node = "node-1", .interval_s = 5};
	char path[64];
	cs_snapfix f = {0};
	void *st = NULL;
	uint64_t *ns = malloc((size_t)cycles * sizeof(*ns)), p99;
	unsigned long long allocs0, allocs = 0;
	struct stat sb;
	size_t bytes = 0;
	double mean;
	int rc = 0;

	if (!ns || !mkdtemp(dir))
		exit(1);
	snprintf(path, sizeof(path), "%s/carbonstat.jsonl", dir);
	snprintf(ini, sizeof(ini), "[jsonl]\nenabled = true\nfsync = none\npath = %s\n", path);
	if (cs_conf_build(&ops->conf, 1, &(cs_conf_layers){.text = ini, .text_len = strlen(ini)}, &cfg, why,
	                  sizeof(why)) != 0 ||
	    !(env.conf = cs_conf_get(cfg, ops->conf)) || cs_snapfix_build(&f, nw, 1) != 0 ||
	    ops->open(&env, &st, why, sizeof(why)) != 0) {
		fprintf(stderr, "bench_exporters: %s\n", why);
		return 1;
	}
	for (int i = 0; i < 2; i++) /* warm-up: the buffer grows to a cycle */
		ops->publish(st, &f.snap, why, sizeof(why));
	for (int i = 0; i < cycles; i++) {
		uint64_t t0;

		if (truncate(path, 0) != 0)
			exit(1);
		f.snap.seq = (uint64_t)i + 3;
		allocs0 = bench_allocs();
		t0 = bench_now_ns();
		if (ops->publish(st, &f.snap, why, sizeof(why)) != 0) {
			fprintf(stderr, "bench_exporters: jsonl: %s\n", why);
			rc = 1;
		}
		ns[i] = bench_now_ns() - t0;
		allocs += bench_allocs() - allocs0;
	}
	if (stat(path, &sb) == 0)
		bytes = (size_t)sb.st_size;
	bench_stats(ns, (size_t)cycles, &mean, &p99);
	printf("bench=jsonl rows=%zu cycles=%d bytes=%zu mean_us=%.0f p99_us=%.0f ns_per_row=%.0f "
	       "allocs_per_cycle=%.1f allocs_per_row=%.2f%s\n",
	       f.snap.nrows, cycles, bytes, mean / 1e3, (double)p99 / 1e3, mean / (double)f.snap.nrows,
	       (double)allocs / cycles, (double)allocs / cycles / (double)f.snap.nrows, alloc_note());
	ops->close(st);
	cs_conf_free(cfg);
	unlink(path);
	rmdir(dir);
	cs_snapfix_free(&f);
	free(ns);
	return rc;
}

int main(int argc, char **argv)
{
	int cycles = argc > 1 ? atoi(argv[1]) : 40, fail = 0;

	if (cycles < 1) {
		fprintf(stderr, "usage: bench_exporters [cycles]\n");
		return 2;
	}
	/* 1,000 and 10,000 rows (workloads + system + idle) */
	fail |= bench_statsd(998, cycles);
	fail |= bench_statsd(9998, cycles / 4 + 1);
	fail |= bench_jsonl(998, cycles);
	fail |= bench_jsonl(9998, cycles / 4 + 1);
	return fail;
}
