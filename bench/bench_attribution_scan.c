/* bench_attribution_scan.c - cost of cgroup workload discovery and of one
 * sampling cycle, at 100, 1,000 and 10,000 containers.
 *
 * Backs the claims of src/attribution/cgroup_scan.c: a sample does one pread
 * per counter file, opens nothing and allocates nothing in steady state, in
 * <= 5 us of carbonstat's own time per container and <= 1 KiB per container.
 * For each size it generates a systemd/containerd cgroup v2 node with
 * tests/fixtures/gen_node.py into a temp dir (pods x (1 sandbox + 4
 * containers), plus 8 services/sessions), then:
 *   refresh   the first (cold: opens every counter file) and a steady one;
 *   sample    `cycles` samples, timed each:
 *     io=kernel real pread() on the generated files (tmpfs/ext4 page cache;
 *               real cgroupfs costs the kernel more per read: memory.stat in
 *               particular flushes rstat, see the issue note);
 *     io=fake   pread() answered from memory (contents captured at open), so
 *               what is left is carbonstat's own cost (parsing, deltas);
 *   mode=cpu+mem (3 files per container) and mode=cpu (1 file: cpu.stat).
 * Allocations are counted by the malloc/calloc/realloc interposer of
 * common.c (off under ASan), opens/reads come from the cs_io counters, RSS
 * from VmRSS before the scanner opens and after its first refresh (kernel I/O
 * only: the fake's capture buffer would count; -1 there).
 * RLIMIT_NOFILE: the scanner raises the soft limit to the hard one; where
 * 3 x containers does not fit (hard limit 20,000 here at 10,000 containers)
 * the overflow is read open-read-close, reported as transient= and in
 * opens_per_cycle.
 *
 * Usage: bench_attribution_scan [sizes, e.g. 100,1000,10000] [cycles at 100 (default 2000)]
 * Output: one line per size, I/O and mode, stable key=value pairs.
 * Exit status 1 if a steady-state cycle allocated.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "attribution/cgroup_scan.h"
#include "carbonstat/error.h"
#include "common.h"
#include "io/kfile.h"

/* ---- in-memory pread ------------------------------------------------------------- */

#define FAKE_MAX_FD 65536
#define FAKE_CAP    2048 /* a v2 memory.stat from gen_node.py is ~1 KiB */

/* Contents captured at open, per fd (file scope: the ops have no context). */
static struct {
	char *data; /* FAKE_MAX_FD x FAKE_CAP */
	unsigned short len[FAKE_MAX_FD];
} fake;

static int fake_open(const char *path, int flags)
{
	int fd = cs_io_posix.open(path, flags);
	ssize_t r;

	if (fd < 0 || (flags & O_DIRECTORY) || fd >= FAKE_MAX_FD)
		return fd;
	r = cs_io_posix.pread(fd, fake.data + (size_t)fd * FAKE_CAP, FAKE_CAP, 0);
	fake.len[fd] = r > 0 ? (unsigned short)r : 0;
	return fd;
}

static ssize_t fake_pread(int fd, void *buf, size_t n, off_t off)
{
	size_t len;

	if (fd < 0 || fd >= FAKE_MAX_FD || off != 0)
		return cs_io_posix.pread(fd, buf, n, off);
	len = fake.len[fd] < n ? fake.len[fd] : n;
	memcpy(buf, fake.data + (size_t)fd * FAKE_CAP, len);
	return (ssize_t)len;
}

static int fake_close(int fd)
{
	if (fd >= 0 && fd < FAKE_MAX_FD)
		fake.len[fd] = 0;
	return cs_io_posix.close(fd);
}

static const cs_io_ops fake_ops = {fake_open, fake_pread, fake_close, NULL, NULL};

/* ---- helpers --------------------------------------------------------------------- */

static long vmrss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	return kb;
}

static int run(const char *dir, int containers, int fake_io, int cpu_only, int cycles)
{
	char cg[512];
	cs_cgscan_opts o = {.no_memory = cpu_only != 0};
	cs_cgscan_stats st;
	cs_cgscan *s;
	cs_io io;
	uint64_t t0, t_refresh_cold, t_refresh, *ns;
	unsigned long long a0, allocs_open, allocs_refresh, allocs_cycles;
	uint64_t opens0, reads0;
	long rss0, rss1;
	size_t n;
	int rc, bad = 0;

	snprintf(cg, sizeof(cg), "%s/cgroup", dir);
	if (cs_io_init(&io, fake_io ? &fake_ops : NULL, NULL, NULL, cg) != 0)
		return 1;
	ns = calloc((size_t)cycles, sizeof(*ns));
	if (!ns)
		return 1;
	rss0 = vmrss_kb();
	a0 = bench_allocs();
	rc = cs_cgscan_open(&io, &o, &s);
	if (rc) {
		fprintf(stderr, "bench_attribution_scan: %s: %s\n", cg, cs_strerror(rc));
		free(ns);
		return 1;
	}
	allocs_open = bench_allocs() - a0;
	a0 = bench_allocs();
	t0 = bench_now_ns();
	rc = cs_cgscan_refresh(s);
	t_refresh_cold = bench_now_ns() - t0;
	allocs_refresh = bench_allocs() - a0;
	rss1 = vmrss_kb();
	if (rc == 0)
		rc = cs_cgscan_sample(s); /* primes the counters */
	t0 = bench_now_ns();
	if (rc == 0)
		rc = cs_cgscan_refresh(s); /* steady: nothing new */
	t_refresh = bench_now_ns() - t0;
	if (rc) {
		fprintf(stderr, "bench_attribution_scan: refresh: %s\n", cs_strerror(rc));
		cs_cgscan_close(s);
		free(ns);
		return 1;
	}
	cs_cgscan_workloads(s, &n);
	opens0 = io.opens;
	reads0 = io.reads;
	a0 = bench_allocs();
	for (int c = 0; c < cycles; c++) {
		uint64_t t = bench_now_ns();

		cs_cgscan_sample(s);
		ns[c] = bench_now_ns() - t;
	}
	allocs_cycles = bench_allocs() - a0;
	cs_cgscan_stats_get(s, &st);
	qsort(ns, (size_t)cycles, sizeof(*ns), bench_cmp_u64);
	{
		double med = (double)ns[cycles / 2];
		size_t mem = cs_cgscan_mem_bytes(s);

		printf("bench=attribution_scan containers=%d workloads=%zu io=%s mode=%s cycles=%d "
		       "refresh_cold_ms=%.2f refresh_steady_ms=%.2f sample_median_us=%.1f sample_p99_us=%.1f "
		       "ns_per_workload=%.0f opens_per_workload_cycle=%.3f reads_per_workload_cycle=%.3f "
		       "allocs_per_cycle=%.3f open_allocs=%llu refresh_allocs=%llu kept_fds=%zu transient=%zu "
		       "scanner_bytes_per_workload=%.0f rss_kb_per_workload=%.2f sizeof_workload=%zu\n",
		       containers, n, fake_io ? "fake" : "kernel", cpu_only ? "cpu" : "cpu+mem", cycles,
		       (double)t_refresh_cold / 1e6, (double)t_refresh / 1e6, med / 1e3,
		       (double)ns[(size_t)cycles * 99 / 100] / 1e3, med / (double)n,
		       (double)(io.opens - opens0) / (double)n / cycles,
		       (double)(io.reads - reads0) / (double)n / cycles, (double)allocs_cycles / cycles, allocs_open,
		       allocs_refresh, st.kept_fds, st.transient_workloads, (double)mem / (double)n,
		       !fake_io && rss0 >= 0 && rss1 >= 0 ? (double)(rss1 - rss0) / (double)n : -1.0,
		       sizeof(cs_workload));
		if (bench_counts_allocs() && allocs_cycles)
			bad = 1;
	}
	fflush(stdout);
	cs_cgscan_close(s);
	free(ns);
	return bad;
}

int main(int argc, char **argv)
{
	const char *sizes = argc > 1 ? argv[1] : "100,1000,10000";
	int base_cycles = argc > 2 ? atoi(argv[2]) : 2000;
	/* tmpfs when there is one: like cgroupfs, no disk under the files, and
	 * generating 100,000 files on a disk is slow. */
	char tmpl[64];
	char *tmp, *list, *tok, *save = NULL;
	int bad = 0;

	if (base_cycles <= 0)
		base_cycles = 2000;
	snprintf(tmpl, sizeof(tmpl), "%s/cs_bench_cgscan.XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	fake.data = calloc(FAKE_MAX_FD, FAKE_CAP);
	tmp = mkdtemp(tmpl);
	list = strdup(sizes);
	if (!fake.data || !tmp || !list) {
		fprintf(stderr, "bench_attribution_scan: out of memory or no /tmp\n");
		return 1;
	}
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int containers = atoi(tok), pods = containers / 5, cycles;
		char dir[600], cmd[1400];

		if (containers < 5)
			continue;
		cycles = (int)((long)base_cycles * 100 / containers);
		if (cycles < 20)
			cycles = 20;
		snprintf(dir, sizeof(dir), "%s/n%d", tmp, containers);
		snprintf(cmd, sizeof(cmd),
		         "python3 '%s/gen_node.py' '%s' --pods %d --containers 4 --driver systemd "
		         "--runtime containerd --cgroup v2 --seed 1",
		         CS_FIXTURES_DIR, dir, pods);
		if (system(cmd) != 0) {
			fprintf(stderr, "bench_attribution_scan: generating %d containers failed: %s\n", containers,
			        cmd);
			bad = 1;
			break;
		}
		bad |= run(dir, containers, 0, 0, cycles);
		bad |= run(dir, containers, 1, 0, cycles);
		bad |= run(dir, containers, 0, 1, cycles);
		bad |= run(dir, containers, 1, 1, cycles);
	}
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			bad = 1;
	}
	free(list);
	free(fake.data);
	return bad;
}
