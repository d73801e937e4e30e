/* bench_sensors.c - cost of one sampling cycle of the hardware sensors.
 *
 * Backs the hot-path claims of src/sensors/ and src/io/kfile.c: a cycle reads
 * every counter with one pread, opens nothing and allocates nothing. For each
 * fixture machine (tests/fixtures/<name>/sys, the 2-socket Xeon first) it
 * initialises every sensor of the registry that the fixture supports, with
 * the probe policy of sensors/registry.h (rapl before amd_energy, model only
 * without a CPU sensor), then times `cycles` read() rounds over all of them:
 *   io=kernel  real pread() on the fixture files (page cache, not sysfs:
 *              on real hardware each energy_uj read also costs the kernel
 *              an MSR read, sometimes an IPI to the other socket);
 *   io=fake    pread() answered from memory (contents captured at open), so
 *              what is left is carbonstat's own cost: parsing, wraparound,
 *              bookkeeping.
 * Fixtures have no proc/: where the model sensor runs (no CPU sensor, e.g.
 * amdgpu-hwmon) it reads this machine's /proc/stat.
 * Allocations are counted by the malloc/calloc/realloc interposer of
 * common.c (glibc only; off under ASan, which owns malloc), and opens/reads
 * come from the cs_io counters. Times include one clock_gettime pair per cycle
 * (~40 ns).
 *
 * Usage: bench_sensors [cycles (default 100000)] [fixtures dir]
 * Output, one line per fixture and I/O mode, stable key=value pairs:
 *   bench=sensors fixture=intel-2s io=kernel sensors=rapl channels=4
 *   cycles=100000 mean_ns=... median_ns=... p99_ns=... max_ns=...
 *   allocs_per_cycle=0.000 init_allocs=... opens_per_cycle=0.000 reads_per_cycle=4.000
 * (init_allocs: allocations of all sensors' init, proof the counter counts.)
 * Exit status 1 if a cycle allocated or opened a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "common.h"
#include "io/kfile.h"
#include "sensors/registry.h"
#include "sensors/sensor.h"

/* ---- in-memory pread ------------------------------------------------------------ */

#define FAKE_MAX_FD 1024
/* Bench-only state: the whole file each fd answers with, captured at open
 * (init time, so the copy is not counted in the cycles). */
static struct {
	char *data[FAKE_MAX_FD];
	size_t len[FAKE_MAX_FD];
} fake;

static int fake_open(const char *path, int flags)
{
	int fd = open(path, flags);
	size_t cap = 4096, len = 0;
	char *buf;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (fd >= FAKE_MAX_FD || !(buf = malloc(cap))) {
		close(fd);
		return -EMFILE;
	}
	while ((n = pread(fd, buf + len, cap - len, (off_t)len)) > 0) {
		char *grown;

		len += (size_t)n;
		if (len < cap)
			continue;
		grown = realloc(buf, cap * 2);
		if (!grown)
			break;
		buf = grown;
		cap *= 2;
	}
	fake.data[fd] = buf;
	fake.len[fd] = len;
	return fd;
}

static ssize_t fake_pread(int fd, void *buf, size_t n, off_t off)
{
	size_t len;

	if (fd < 0 || fd >= FAKE_MAX_FD || !fake.data[fd] || off < 0)
		return -EBADF;
	if ((size_t)off >= fake.len[fd])
		return 0;
	len = fake.len[fd] - (size_t)off;
	if (len > n)
		len = n;
	memcpy(buf, fake.data[fd] + off, len);
	return (ssize_t)len;
}

static int fake_close(int fd)
{
	if (fd >= 0 && fd < FAKE_MAX_FD) {
		free(fake.data[fd]);
		fake.data[fd] = NULL;
		fake.len[fd] = 0;
	}
	return close(fd) < 0 ? -errno : 0;
}

static const cs_io_ops fake_ops = {fake_open, fake_pread, fake_close, NULL, NULL};

static bool is_cpu_sensor(const char *name)
{
	return strcmp(name, "rapl") == 0 || strcmp(name, "amd_energy") == 0;
}

#define MAX_SENSORS 8

/* Runs one fixture in one I/O mode; prints its line. Returns 1 if a cycle
 * allocated or opened, -1 on setup failure, else 0. */
static int bench_one(const char *fixtures, const char *fixture, const cs_io_ops *ops, const char *mode, size_t cycles,
                     uint64_t *ns)
{
	char sys[512], why[512], names[128] = "";
	cs_sensor *active[MAX_SENSORS];
	size_t nactive = 0, nch = 0;
	bool have_cpu = false;
	cs_io io;
	unsigned long long allocs, init_allocs = bench_allocs();
	uint64_t opens, reads, sum = 0;
	int bad = 0;

	snprintf(sys, sizeof(sys), "%s/%s/sys", fixtures, fixture);
	if (cs_io_init(&io, ops, sys, NULL, NULL) != 0) {
		fprintf(stderr, "bench_sensors: %s: path too long\n", sys);
		return -1;
	}
	for (size_t i = 0; i < cs_sensor_registry_len && nactive < MAX_SENSORS; i++) {
		const cs_sensor_ops *so = cs_sensor_registry[i];
		cs_sensor_env env = {.io = &io, .model = NULL, .nvml_path = NULL};
		cs_sensor *s = NULL;

		if ((is_cpu_sensor(so->name) || strcmp(so->name, "model") == 0) && have_cpu)
			continue; /* registry.h: one CPU source; model only without one */
		why[0] = '\0';
		if (so->init(&env, &s, why, sizeof(why)) != 0)
			continue;
		active[nactive++] = s;
		nch += s->nchannels;
		have_cpu = have_cpu || is_cpu_sensor(so->name);
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", names[0] ? "," : "", so->name);
	}
	if (nactive == 0) {
		fprintf(stderr, "bench_sensors: no sensor initialises on %s\n", sys);
		return -1;
	}
	init_allocs = bench_allocs() - init_allocs;
	/* prime + warm caches */
	for (size_t c = 0; c < 1000; c++)
		for (size_t i = 0; i < nactive; i++)
			active[i]->ops->read(active[i], (double)c, c ? 1.0 : 0.0);

	allocs = bench_allocs();
	opens = io.opens;
	reads = io.reads;
	for (size_t c = 0; c < cycles; c++) {
		uint64_t t0 = bench_now_ns();

		for (size_t i = 0; i < nactive; i++)
			active[i]->ops->read(active[i], (double)c, 1.0);
		ns[c] = bench_now_ns() - t0;
	}
	allocs = bench_allocs() - allocs;
	opens = io.opens - opens;
	reads = io.reads - reads;

	for (size_t c = 0; c < cycles; c++)
		sum += ns[c];
	qsort(ns, cycles, sizeof(*ns), bench_cmp_u64);
	printf("bench=sensors fixture=%s io=%s sensors=%s channels=%zu cycles=%zu mean_ns=%.1f median_ns=%llu "
	       "p99_ns=%llu max_ns=%llu allocs_per_cycle=",
	       fixture, mode, names, nch, cycles, (double)sum / (double)cycles, (unsigned long long)ns[cycles / 2],
	       (unsigned long long)ns[(cycles * 99 + 99) / 100 - 1], (unsigned long long)ns[cycles - 1]);
	if (bench_counts_allocs()) {
		/* init_allocs > 0 shows the counter works; the cycle count must be 0 */
		printf("%.3f init_allocs=%llu", (double)allocs / (double)cycles, init_allocs);
		bad |= allocs != 0;
	} else {
		printf("n/a init_allocs=n/a");
	}
	printf(" opens_per_cycle=%.3f reads_per_cycle=%.3f\n", (double)opens / (double)cycles,
	       (double)reads / (double)cycles);
	bad |= opens != 0;
	for (size_t i = 0; i < nactive; i++)
		active[i]->ops->destroy(active[i]);
	return bad;
}

int main(int argc, char **argv)
{
	static const char *const fixtures[] = {"intel-2s", "intel-laptop", "amd-powercap", "amd-energy-hwmon",
	                                       "amdgpu-hwmon"};
	const char *dir = CS_FIXTURES_DIR;
	size_t cycles = 100000;
	uint64_t *ns;
	int rc = 0;

	if (argc > 1) {
		char *end;
		unsigned long long v = strtoull(argv[1], &end, 10);

		if (*argv[1] == '\0' || *end != '\0' || v == 0 || v > 100000000ULL) {
			fprintf(stderr, "bench_sensors: cycles must be 1..100000000, not \"%s\"\n", argv[1]);
			return 2;
		}
		cycles = (size_t)v;
	}
	if (argc > 2)
		dir = argv[2];
	ns = malloc(cycles * sizeof(*ns));
	if (!ns) {
		fprintf(stderr, "bench_sensors: out of memory for %zu samples\n", cycles);
		return 2;
	}
	for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		int r1 = bench_one(dir, fixtures[f], &cs_io_posix, "kernel", cycles, ns);
		int r2 = bench_one(dir, fixtures[f], &fake_ops, "fake", cycles, ns);

		if (r1 < 0 || r2 < 0)
			rc = 2;
		else if ((r1 | r2) && rc == 0)
			rc = 1;
	}
	free(ns);
	return rc;
}
