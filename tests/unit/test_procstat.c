/* tests/unit/test_procstat.c - /proc/stat, /proc/meminfo, /proc/cpuinfo.
 *
 * Pure parsers against literal text and the real-shaped fixture trees under
 * tests/fixtures/proc-*; readers against copies in a mkdtemp() tree that the
 * test rewrites between reads, and against an injected syscall table for
 * errors and cut-off reads.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <carbonstat/error.h>

#include "io/kfile.h"
#include "io/procstat.h"

#include "fixture.h"
#include "text.h"

#ifndef CS_FIXTURES_DIR
#define CS_FIXTURES_DIR "tests/fixtures"
#endif

/* ---- helpers --------------------------------------------------------------- */

static char *fixture(const char *tree, const char *file, size_t *len)
{
	char path[512];

	snprintf(path, sizeof path, "%s/%s/%s", CS_FIXTURES_DIR, tree, file);
	return tf_slurp(path, len);
}

/* ---- /proc/stat parsing ----------------------------------------------------- */

static void test_stat_fixture_total(void **state)
{
	size_t len;
	char *buf = fixture("proc-vm", "stat", &len);
	cs_cpu_times t;

	(void)state;
	assert_int_equal(cs_procstat_parse(buf, len, &t), 0);
	assert_int_equal(t.cpu, -1);
	assert_int_equal(t.user, 123456);
	assert_int_equal(t.nice, 789);
	assert_int_equal(t.system, 45678);
	assert_int_equal(t.idle, 9876543);
	assert_int_equal(t.iowait, 1234);
	assert_int_equal(t.irq, 0);
	assert_int_equal(t.softirq, 567);
	assert_int_equal(t.steal, 890);
	assert_int_equal(t.guest, 0);
	assert_int_equal(t.guest_nice, 0);
	assert_int_equal(cs_cpu_total_ticks(&t), 123456 + 789 + 45678 + 9876543 + 1234 + 567 + 890);
	assert_int_equal(cs_cpu_busy_ticks(&t), 123456 + 789 + 45678 + 567 + 890);
	free(buf);
}

static void test_stat_fixture_percpu(void **state)
{
	size_t len, n = 0;
	char *buf = fixture("proc-vm", "stat", &len);
	cs_cpu_times c[4];

	(void)state;
	assert_int_equal(cs_procstat_parse_cpus(buf, len, c, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].cpu, 0);
	assert_int_equal(c[1].cpu, 1);
	assert_int_equal(c[0].user + c[1].user, 123456);
	assert_int_equal(c[1].idle, 4938272);
	/* too small an array is an error, not a silent truncation */
	assert_int_equal(cs_procstat_parse_cpus(buf, len, c, 1, &n), CS_ENOMEM);
	free(buf);
}

static void test_stat_guest_not_double_counted(void **state)
{
	/* 100 guest ticks are already inside user's 300. */
	const char *s = "cpu  300 20 50 600 30 0 0 0 100 10\n";
	cs_cpu_times t;

	(void)state;
	assert_int_equal(cs_procstat_parse(s, strlen(s), &t), 0);
	assert_int_equal(cs_cpu_total_ticks(&t), 1000);
	assert_int_equal(cs_cpu_busy_ticks(&t), 370);
}

static void test_stat_old_kernel_and_extra_fields(void **state)
{
	const char *old = "cpu 10 20 30 40\ncpu0 10 20 30 40\nintr 1\n";
	const char *future = "cpu  1 2 3 4 5 6 7 8 9 10 11 12\n";
	cs_cpu_times t;

	(void)state;
	assert_int_equal(cs_procstat_parse(old, strlen(old), &t), 0);
	assert_int_equal(t.idle, 40);
	assert_int_equal(t.iowait, 0);
	assert_int_equal(t.steal, 0);
	assert_int_equal(cs_procstat_parse(future, strlen(future), &t), 0);
	assert_int_equal(t.guest_nice, 10);
	/* no trailing newline */
	assert_int_equal(cs_procstat_parse("cpu 1 2 3 4", 11, &t), 0);
	assert_int_equal(t.idle, 4);
}

#define LIT(x)                                                                                                         \
	{                                                                                                              \
		x, sizeof(x) - 1                                                                                       \
	}

static void test_stat_rejects_garbage(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
	    LIT(""),
	    LIT("intr 1 2 3\n"),
	    LIT("cpu  1 2 3\n"),       /* < 4 fields */
	    LIT("cpu  1 2 x 4\n"),     /* not a number */
	    LIT("cpu  1 2 -3 4\n"),    /* sign */
	    LIT("cpu  1 2 3 4a\n"),    /* trailing junk */
	    LIT("cpu\t1 2 3 4\0 5\n"), /* NUL inside */
	    LIT("cpu0 1 2 3 4\n"),     /* per-CPU lines only */
	};
	const char *big = "cpu 1 2 3 99999999999999999999\n";
	cs_cpu_times t = {.user = 4242};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(cs_procstat_parse(bad[i].s, bad[i].len, &t), CS_EINVAL);
	assert_int_equal(cs_procstat_parse(big, strlen(big), &t), CS_ERANGE);
	assert_int_equal(t.user, 4242); /* untouched on failure */
}

static void test_stat_percpu_garbage(void **state)
{
	const char *bad_label = "cpu  1 2 3 4\ncpuX 1 2 3 4\n";
	const char *bad_field = "cpu  1 2 3 4\ncpu0 1 2 3\n";
	cs_cpu_times c[2];
	size_t n = 77;

	(void)state;
	assert_int_equal(cs_procstat_parse_cpus(bad_label, strlen(bad_label), c, 2, &n), CS_EINVAL);
	assert_int_equal(cs_procstat_parse_cpus(bad_field, strlen(bad_field), c, 2, &n), CS_EINVAL);
	assert_int_equal(n, 77);
	/* only the cpu section is read: junk after it does not matter */
	{
		const char *s = "cpu0 1 2 3 4\nintr x y\ncpu9 z\n";

		assert_int_equal(cs_procstat_parse_cpus(s, strlen(s), c, 2, &n), 0);
	}
	assert_int_equal(n, 1);
}

static void test_util_between_snapshots(void **state)
{
	cs_cpu_times a = {.cpu = -1, .user = 100, .system = 50, .idle = 800, .iowait = 50};
	cs_cpu_times b = a;
	double u = -1;

	(void)state;
	/* 30 user + 10 system + 10 steal busy, 45 idle + 5 iowait: 50 % */
	b.user += 30;
	b.system += 10;
	b.steal += 10;
	b.idle += 45;
	b.iowait += 5;
	assert_int_equal(cs_cpu_util(&a, &b, &u), 0);
	assert_true(u == 0.5);

	/* guest ticks move with user; they must not count twice */
	b = a;
	b.user += 25;
	b.guest += 25;
	b.idle += 75;
	assert_int_equal(cs_cpu_util(&a, &b, &u), 0);
	assert_true(u == 0.25);
}

static void test_util_backwards_and_zero(void **state)
{
	cs_cpu_times a = {.cpu = -1, .user = 1000, .system = 500, .idle = 8000, .iowait = 70};
	cs_cpu_times b = a;
	double u = 0.75;

	(void)state;
	/* no tick elapsed: no answer, output untouched */
	assert_int_equal(cs_cpu_util(&a, &b, &u), CS_ENODATA);
	assert_true(u == 0.75);

	/* iowait went backwards (it can, per proc(5)): that field counts 0 */
	b.iowait = 10;
	b.user += 10;
	b.idle += 30;
	assert_int_equal(cs_cpu_util(&a, &b, &u), 0);
	assert_true(u == 0.25);

	/* everything went backwards: no elapsed time, not 2^64 */
	b = (cs_cpu_times){.cpu = -1, .user = 1, .idle = 1};
	assert_int_equal(cs_cpu_util(&a, &b, &u), CS_ENODATA);
	assert_true(u == 0.25);
}

/* ---- /proc/meminfo ---------------------------------------------------------- */

static void test_meminfo_fixture(void **state)
{
	size_t len;
	char *buf = fixture("proc-vm", "meminfo", &len);
	cs_meminfo m;

	(void)state;
	assert_int_equal(cs_meminfo_parse(buf, len, &m), 0);
	assert_int_equal(m.total_kb, 7949588);
	assert_int_equal(m.available_kb, 6600000);
	assert_false(m.available_estimated);
	assert_true(cs_meminfo_used_fraction(&m) == (7949588.0 - 6600000.0) / 7949588.0);
	free(buf);
}

static void test_meminfo_old_kernel_and_errors(void **state)
{
	const char *old = "MemTotal:  1000 kB\nMemFree:  100 kB\nBuffers:  50 kB\nCached:  250 kB\n";
	const char *no_total = "MemFree: 100 kB\nMemAvailable: 200 kB\n";
	const char *bad = "MemTotal: 1000 kB\nMemAvailable: 12x kB\n";
	const char *bad_unit = "MemTotal: 1000 MB\n";
	const char *zero = "MemTotal: 0 kB\n";
	cs_meminfo m = {.total_kb = 5};

	(void)state;
	assert_int_equal(cs_meminfo_parse(old, strlen(old), &m), 0);
	assert_true(m.available_estimated);
	assert_int_equal(m.available_kb, 400);
	assert_true(cs_meminfo_used_fraction(&m) == 0.6);
	m.total_kb = 5;
	assert_int_equal(cs_meminfo_parse(no_total, strlen(no_total), &m), CS_EINVAL);
	assert_int_equal(cs_meminfo_parse(bad, strlen(bad), &m), CS_EINVAL);
	assert_int_equal(cs_meminfo_parse(bad_unit, strlen(bad_unit), &m), CS_EINVAL);
	assert_int_equal(cs_meminfo_parse(zero, strlen(zero), &m), CS_EINVAL);
	assert_int_equal(m.total_kb, 5);
	/* available above total (ballooning races) clamps to 0 used */
	m = (cs_meminfo){.total_kb = 100, .available_kb = 150};
	assert_true(cs_meminfo_used_fraction(&m) == 0.0);
}

/* ---- /proc/cpuinfo ---------------------------------------------------------- */

static void check_cpuinfo(const char *tree, const char *model, unsigned ncpu, unsigned packages, bool vm)
{
	size_t len;
	char *buf = fixture(tree, "cpuinfo", &len);
	cs_cpuinfo ci;

	assert_int_equal(cs_cpuinfo_model(buf, len, &ci), 0);
	assert_string_equal(ci.model, model);
	assert_int_equal(ci.ncpu, ncpu);
	assert_int_equal(ci.packages, packages);
	assert_int_equal(ci.hypervisor, vm);
	free(buf);
}

static void test_cpuinfo_fixtures(void **state)
{
	(void)state;
	check_cpuinfo("proc-vm", "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", 2, 1, true);
	check_cpuinfo("proc-amd", "AMD EPYC 7B13 64-Core Processor", 4, 1, true);
	check_cpuinfo("proc-arm64", "ARM Neoverse-N1", 2, 1, false);
	check_cpuinfo("proc-unknown", "QEMU Virtual CPU version 2.5+", 2, 2, true);
	check_cpuinfo("proc-epyc-zen4", "AMD EPYC", 2, 1, true);
}

/* The x86 identification of the first CPU, as the kernel prints it. */
static void test_cpuinfo_x86_fields(void **state)
{
	size_t len;
	char *buf = fixture("proc-epyc-zen4", "cpuinfo", &len);
	cs_cpuinfo ci;
	const char *second_differs = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 106\n"
	                             "model name\t: X\nprocessor\t: 1\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n"
	                             "model\t\t: 17\nstepping\t: 1\n";
	const char *big = "processor\t: 0\ncpu family\t: 512\nmodel\t\t: 1\n";

	(void)state;
	assert_int_equal(cs_cpuinfo_model(buf, len, &ci), 0);
	assert_string_equal(ci.model, "AMD EPYC");
	assert_string_equal(ci.vendor_id, "AuthenticAMD");
	assert_true(ci.x86_fms);
	assert_int_equal(ci.x86_family, 25);
	assert_int_equal(ci.x86_model, 17);
	assert_int_equal(ci.x86_stepping, 1);
	assert_int_equal(ci.ncpu, 2);
	assert_int_equal(ci.packages, 1);
	assert_true(ci.hypervisor);
	free(buf);
	/* the first CPU's fields, whole: not the second's stepping */
	assert_int_equal(cs_cpuinfo_model(second_differs, strlen(second_differs), &ci), 0);
	assert_string_equal(ci.vendor_id, "GenuineIntel");
	assert_int_equal(ci.x86_family, 6);
	assert_int_equal(ci.x86_model, 106);
	assert_int_equal(ci.x86_stepping, -1);
	assert_int_equal(ci.ncpu, 2);
	/* out of CPUID's range: not a family */
	assert_int_equal(cs_cpuinfo_model(big, strlen(big), &ci), 0);
	assert_false(ci.x86_fms);
	assert_int_equal(ci.x86_stepping, -1);
	/* arm64: no x86 fields */
	buf = fixture("proc-arm64", "cpuinfo", &len);
	assert_int_equal(cs_cpuinfo_model(buf, len, &ci), 0);
	assert_false(ci.x86_fms);
	assert_string_equal(ci.vendor_id, "");
	free(buf);
}

static void test_cpuinfo_arm64_fields(void **state)
{
	size_t len;
	char *buf = fixture("proc-arm64", "cpuinfo", &len);
	cs_cpuinfo ci;
	const char *unknown_part = "processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xfff\n";
	const char *unknown_impl = "processor\t: 0\nCPU implementer\t: 0x99\nCPU part\t: 0x001\n";

	(void)state;
	assert_int_equal(cs_cpuinfo_model(buf, len, &ci), 0);
	assert_int_equal(ci.arm_implementer, 0x41);
	assert_int_equal(ci.arm_part, 0xd0c);
	free(buf);
	assert_int_equal(cs_cpuinfo_model(unknown_part, strlen(unknown_part), &ci), 0);
	assert_string_equal(ci.model, "ARM part 0xfff");
	assert_int_equal(cs_cpuinfo_model(unknown_impl, strlen(unknown_impl), &ci), 0);
	assert_string_equal(ci.model, "ARM implementer 0x99 part 0x001");
}

static void test_cpuinfo_other_shapes(void **state)
{
	const char *ppc = "processor\t: 0\ncpu\t\t: POWER9 (architected), altivec supported\n"
	                  "processor\t: 1\ncpu\t\t: POWER9 (architected), altivec supported\n";
	const char *ctl = "processor : 0\nmodel name : Evil\tCPU\x01 \r\n";
	const char *sockets = "processor : 0\nphysical id : 0\nprocessor : 1\nphysical id : 1\n"
	                      "processor : 2\nphysical id : 1\nprocessor : 3\nphysical id : 4000000\n";
	cs_cpuinfo ci;

	(void)state;
	assert_int_equal(cs_cpuinfo_model(ppc, strlen(ppc), &ci), 0);
	assert_string_equal(ci.model, "POWER9 (architected), altivec supported");
	assert_int_equal(ci.ncpu, 2);
	assert_int_equal(cs_cpuinfo_model(ctl, strlen(ctl), &ci), 0);
	assert_string_equal(ci.model, "Evil CPU");
	assert_int_equal(cs_cpuinfo_model(sockets, strlen(sockets), &ci), 0);
	assert_int_equal(ci.packages, 3);
	assert_string_equal(ci.model, "");
	assert_int_equal(cs_cpuinfo_model("", 0, &ci), CS_EINVAL);
	assert_int_equal(cs_cpuinfo_model("hello\nworld\n", 12, &ci), CS_EINVAL);
}

/* ---- readers ----------------------------------------------------------------- */

static void test_reader_rewrites(void **state)
{
	char dir[] = "/tmp/cs_procstat_XXXXXX";
	cs_io io;
	cs_procstat_reader r;
	cs_meminfo_reader mr;
	cs_cpu_times t, c[4];
	cs_meminfo m;
	size_t n = 0;
	uint64_t reads;

	(void)state;
	assert_non_null(mkdtemp(dir));
	tf_write_file(dir, "stat", "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 100 0 100 800 0 0 0 0 0 0\nintr 5\n");
	tf_write_file(dir, "meminfo", "MemTotal: 2000 kB\nMemAvailable: 500 kB\n");
	assert_int_equal(cs_io_init(&io, NULL, NULL, dir, NULL), 0);
	assert_int_equal(cs_procstat_open(&r, &io), 0);
	assert_int_equal(cs_meminfo_open(&mr, &io), 0);

	reads = io.reads;
	assert_int_equal(cs_procstat_read(&r, &t, c, 4, &n), 0);
	assert_int_equal(io.reads, reads + 1); /* one pread per read */
	assert_int_equal(t.user, 100);
	assert_int_equal(n, 1);
	assert_int_equal(cs_meminfo_read(&mr, &m), 0);
	assert_int_equal(m.total_kb, 2000);
	assert_int_equal(io.reads, reads + 2);

	/* the kernel's numbers move on; a kept-open fd sees them */
	tf_write_file(dir, "stat",
	              "cpu  1234567 0 100 900 0 0 0 0 0 0\ncpu0 1234567 0 100 900 0 0 0 0 0 0\n"
	              "cpu1 5 0 0 5 0 0 0 0 0 0\nintr 5\n");
	tf_write_file(dir, "meminfo", "MemTotal: 2000 kB\nMemAvailable: 1500 kB\n");
	assert_int_equal(cs_procstat_read(&r, &t, c, 4, &n), 0);
	assert_int_equal(t.user, 1234567);
	assert_int_equal(n, 2);
	assert_int_equal(cs_meminfo_read(&mr, &m), 0);
	assert_int_equal(m.available_kb, 1500);

	/* a garbled file is an error, and the last good values stay with the caller */
	tf_write_file(dir, "stat", "cpu  oops\n");
	assert_int_equal(cs_procstat_read(&r, &t, NULL, 0, NULL), CS_EINVAL);
	assert_int_equal(t.user, 1234567);

	cs_procstat_close(&r);
	cs_procstat_close(&r); /* twice is fine */
	cs_meminfo_close(&mr);
	cs_meminfo_close(&mr);
	tf_rm_tree(dir);
}

static void test_reader_many_cpus(void **state)
{
	char dir[] = "/tmp/cs_procstat_XXXXXX";
	size_t cap = 600 * 96 + 200000, off = 0;
	char *text = malloc(cap);
	cs_cpu_times *c = calloc(600, sizeof *c);
	cs_procstat_reader r;
	cs_cpu_times t;
	cs_io io;
	size_t n = 0;

	(void)state;
	assert_non_null(text);
	assert_non_null(c);
	assert_non_null(mkdtemp(dir));
	/* 512 CPUs and a 150 kB intr line, like a big host */
	off += (size_t)snprintf(text + off, cap - off, "cpu  512 0 0 512 0 0 0 0 0 0\n");
	for (int i = 0; i < 512; i++)
		off += (size_t)snprintf(text + off, cap - off, "cpu%d 1 0 0 1 0 0 0 0 0 0\n", i);
	off += (size_t)snprintf(text + off, cap - off, "intr 1");
	while (off < cap - 16)
		off += (size_t)snprintf(text + off, cap - off, " 0");
	snprintf(text + off, cap - off, "\n");
	tf_write_file(dir, "stat", text);
	assert_int_equal(cs_io_init(&io, NULL, NULL, dir, NULL), 0);
	assert_int_equal(cs_procstat_open(&r, &io), 0);
	assert_true(r.cap < cap); /* sized for the cpu lines, not the whole file */
	assert_int_equal(cs_procstat_read(&r, &t, c, 600, &n), 0);
	assert_int_equal(n, 512);
	assert_int_equal(c[511].cpu, 511);
	assert_int_equal(t.user, 512);
	cs_procstat_close(&r);
	tf_rm_tree(dir);
	free(text);
	free(c);
}

static void test_reader_cut_and_errors(void **state)
{
	char dir[] = "/tmp/cs_procstat_XXXXXX";
	size_t cap = 4000 * 40, off = 0;
	char *big = malloc(cap);
	cs_procstat_reader r;
	cs_meminfo_reader mr;
	cs_cpu_times t = {.user = 99};
	cs_meminfo m;
	cs_io io;

	(void)state;
	assert_non_null(big);
	assert_non_null(mkdtemp(dir));
	tf_write_file(dir, "stat", "cpu  1 0 0 1 0 0 0 0 0 0\ncpu0 1 0 0 1 0 0 0 0 0 0\nintr 0\n");
	tf_write_file(dir, "meminfo", "MemTotal: 2000 kB\nMemAvailable: 500 kB\n");
	assert_int_equal(cs_io_init(&io, &tf_io_ops, NULL, dir, NULL), 0);
	assert_int_equal(cs_procstat_open(&r, &io), 0);
	assert_int_equal(cs_meminfo_open(&mr, &io), 0);

	/* EIO from the kernel reaches the caller as -EIO */
	tf_io_fail_nth_read(1, -EIO);
	assert_int_equal(cs_procstat_read(&r, &t, NULL, 0, NULL), -EIO);
	tf_io_fail_nth_read(1, -EACCES);
	assert_int_equal(cs_meminfo_read(&mr, &m), -EACCES);

	/* thousands of CPUs hot-added after open: the buffer fills up in the
	 * middle of a cpu line; that is CS_ERANGE, never a half-read number */
	off += (size_t)snprintf(big + off, cap - off, "cpu  1 0 0 1 0 0 0 0 0 0\n");
	for (int i = 0; off + 64 < cap; i++)
		off += (size_t)snprintf(big + off, cap - off, "cpu%d 12345 0 0 1 0 0 0 0 0 0\n", i);
	tf_io_serve(big);
	assert_int_equal(cs_procstat_read(&r, &t, NULL, 0, NULL), CS_ERANGE);
	tf_io_serve(NULL);
	assert_int_equal(t.user, 99);
	assert_int_equal(cs_procstat_read(&r, &t, NULL, 0, NULL), 0);
	assert_int_equal(t.user, 1);

	cs_procstat_close(&r);
	cs_meminfo_close(&mr);
	tf_rm_tree(dir);
	free(big);
}

static void test_reader_missing_files(void **state)
{
	cs_procstat_reader r;
	cs_meminfo_reader mr;
	cs_cpuinfo ci;
	cs_meminfo m;
	cs_io io;

	(void)state;
	assert_int_equal(cs_io_init(&io, NULL, NULL, "/nonexistent/carbonstat", NULL), 0);
	assert_int_equal(cs_procstat_open(&r, &io), -ENOENT);
	cs_procstat_close(&r);
	assert_int_equal(cs_meminfo_open(&mr, &io), -ENOENT);
	assert_int_equal(cs_meminfo_read(&mr, &m), CS_EINVAL);
	cs_meminfo_close(&mr);
	assert_int_equal(cs_cpuinfo_read(&io, &ci), -ENOENT);
	assert_int_equal(cs_meminfo_read_once(&io, &m), -ENOENT);
}

static void test_one_shot_readers(void **state)
{
	char root[512];
	cs_cpuinfo ci;
	cs_meminfo m;
	cs_io io;

	(void)state;
	snprintf(root, sizeof root, "%s/proc-amd", CS_FIXTURES_DIR);
	assert_int_equal(cs_io_init(&io, NULL, NULL, root, NULL), 0);
	assert_int_equal(cs_cpuinfo_read(&io, &ci), 0);
	assert_string_equal(ci.model, "AMD EPYC 7B13 64-Core Processor");
	assert_int_equal(ci.ncpu, 4);
	assert_int_equal(cs_meminfo_read_once(&io, &m), 0);
	assert_int_equal(m.total_kb, 16380932);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stat_fixture_total),
	    cmocka_unit_test(test_stat_fixture_percpu),
	    cmocka_unit_test(test_stat_guest_not_double_counted),
	    cmocka_unit_test(test_stat_old_kernel_and_extra_fields),
	    cmocka_unit_test(test_stat_rejects_garbage),
	    cmocka_unit_test(test_stat_percpu_garbage),
	    cmocka_unit_test(test_util_between_snapshots),
	    cmocka_unit_test(test_util_backwards_and_zero),
	    cmocka_unit_test(test_meminfo_fixture),
	    cmocka_unit_test(test_meminfo_old_kernel_and_errors),
	    cmocka_unit_test(test_cpuinfo_fixtures),
	    cmocka_unit_test(test_cpuinfo_x86_fields),
	    cmocka_unit_test(test_cpuinfo_arm64_fields),
	    cmocka_unit_test(test_cpuinfo_other_shapes),
	    cmocka_unit_test(test_reader_rewrites),
	    cmocka_unit_test(test_reader_many_cpus),
	    cmocka_unit_test(test_reader_cut_and_errors),
	    cmocka_unit_test(test_reader_missing_files),
	    cmocka_unit_test(test_one_shot_readers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
