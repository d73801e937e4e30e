/* Unit tests for attribution/cgroup_scan.c and cgroup_stat.c: workload
 * discovery and per-interval deltas on the generated node fixtures
 * (tests/fixtures/node-*, gen_node.py).
 *
 * Each scripted test copies a committed fixture into a mkdtemp() directory,
 * then for every step k runs `gen_node.py DIR --step k` (which rewrites the
 * counter files in place, creates and removes cgroups), refreshes and samples,
 * and compares every workload with the manifest's expected cpu_usec delta,
 * working set, fresh and gone flags. All driver x runtime x v1/v2 shapes are
 * also generated at test time. Failures the file system cannot produce on
 * demand (EACCES as root, EIO, ENODEV after rmdir) come from a cs_io_ops
 * double that wraps the real calls. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attribution/cgroup_path.h"
#include "attribution/cgroup_scan.h"
#include "attribution/proc_scan.h"
#include "carbonstat/error.h"
#include "io/kfile.h"

#define GEN CS_FIXTURES_DIR "/gen_node.py"

/* ---- the cs_io_ops double ----------------------------------------------------- */

/* File-scope state for the double (its callbacks get no context). */
static struct {
	const char *fail_open_sub; /* open() of a path containing this fails */
	int fail_open_err;
	const char *fail_read_sub; /* pread() on fds opened on such paths fails */
	int fail_read_err;
	unsigned char read_fail_fd[65536];
} dbl;

static int dbl_open(const char *path, int flags)
{
	int fd;

	if (dbl.fail_open_sub && strstr(path, dbl.fail_open_sub))
		return -dbl.fail_open_err;
	fd = cs_io_posix.open(path, flags);
	if (fd >= 0 && fd < 65536)
		dbl.read_fail_fd[fd] = dbl.fail_read_sub && strstr(path, dbl.fail_read_sub);
	return fd;
}

static ssize_t dbl_pread(int fd, void *buf, size_t n, off_t off)
{
	if (fd >= 0 && fd < 65536 && dbl.read_fail_fd[fd] && dbl.fail_read_err)
		return -dbl.fail_read_err;
	return cs_io_posix.pread(fd, buf, n, off);
}

static int dbl_close(int fd)
{
	if (fd >= 0 && fd < 65536)
		dbl.read_fail_fd[fd] = 0;
	return cs_io_posix.close(fd);
}

static const cs_io_ops dbl_ops = {dbl_open, dbl_pread, dbl_close, NULL, NULL};

static void dbl_reset(void)
{
	memset(&dbl, 0, sizeof(dbl));
}

/* ---- fixture helpers ---------------------------------------------------------- */

/* A fresh temp dir holding a copy of fixture name (or empty if NULL). */
static void tmp_node(char *dir, size_t cap, const char *name)
{
	snprintf(dir, cap, "/tmp/cs_test_cgscan.XXXXXX");
	assert_non_null(mkdtemp(dir));
	if (name)
		tf_sh("cp -a '%s/%s/.' '%s/'", CS_FIXTURES_DIR, name, dir);
}

static void rm_node(const char *dir)
{
	tf_sh("rm -rf '%s'", dir);
}

static json_t *load_manifest(const char *dir)
{
	char p[PATH_MAX];
	json_error_t e;
	json_t *m;

	snprintf(p, sizeof(p), "%s/manifest.json", dir);
	m = json_load_file(p, 0, &e);
	if (!m)
		print_error("%s: %s\n", p, e.text);
	assert_non_null(m);
	return m;
}

static void io_for(cs_io *io, const char *dir, const cs_io_ops *ops)
{
	char cg[PATH_MAX], pr[PATH_MAX];

	snprintf(cg, sizeof(cg), "%s/cgroup", dir);
	snprintf(pr, sizeof(pr), "%s/proc", dir);
	assert_int_equal(cs_io_init(io, ops, NULL, pr, cg), 0);
}

/* A scanner over a fresh copy of the v2 fixture node, refreshed once. */
static cs_cgscan *open_v2(char *dir, size_t cap, cs_io *io, const cs_cgscan_opts *o)
{
	cs_cgscan *s;

	tmp_node(dir, cap, "node-systemd-containerd-v2");
	io_for(io, dir, NULL);
	assert_int_equal(cs_cgscan_open(io, o, &s), 0);
	assert_int_equal(cs_cgscan_refresh(s), 0);
	return s;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* Every manifest workload present at step 0 has the ident the manifest says,
 * and there is no other workload. */
static void check_idents(cs_cgscan *s, json_t *m)
{
	json_t *ws = json_object_get(m, "workloads"), *init = json_object_get(m, "initial_workloads");
	size_t n, i, found = 0;
	json_t *w;

	cs_cgscan_workloads(s, &n);
	json_array_foreach(ws, i, w)
	{
		const char *path = jstr(w, "cgroup");
		cs_workload *x = cs_cgscan_find(s, path);
		int initial = 0;
		json_t *ip;
		size_t j;

		json_array_foreach(init, j, ip)
		{
			if (strcmp(json_string_value(ip), path) == 0)
				initial = 1;
		}
		if (!initial)
			continue;
		if (!x) {
			print_error("workload %s not found\n", path);
			fail();
		}
		found++;
		assert_string_equal(cs_wl_kind_name(x->ident.kind), jstr(w, "kind"));
		assert_string_equal(cs_runtime_name(x->ident.runtime), jstr(w, "runtime"));
		assert_string_equal(cs_qos_name(x->ident.qos), jstr(w, "qos"));
		assert_string_equal(x->ident.pod_uid, jstr(w, "pod_uid"));
		assert_string_equal(x->ident.container_id, jstr(w, "container_id"));
		assert_string_equal(x->ident.unit, jstr(w, "unit"));
		assert_true(x->id != 0);
	}
	assert_int_equal(found, n);
}

/* The scanner's view after step k equals the manifest's expectation. */
static void check_step(cs_cgscan *s, json_t *m, int k)
{
	json_t *exp = json_object_get(json_array_get(json_object_get(m, "expected"), (size_t)k), "workloads");
	const char *path;
	json_t *e;
	size_t n;

	assert_non_null(exp);
	cs_cgscan_workloads(s, &n);
	if (n != json_object_size(exp)) {
		print_error("step %d: %zu workloads, expected %zu\n", k, n, json_object_size(exp));
		fail();
	}
	json_object_foreach(exp, path, e)
	{
		cs_workload *x = cs_cgscan_find(s, path);

		if (!x) {
			print_error("step %d: %s missing\n", k, path);
			fail();
		}
		if (x->cpu_usec != (uint64_t)json_integer_value(json_object_get(e, "cpu_usec")) ||
		    x->mem_bytes != (uint64_t)json_integer_value(json_object_get(e, "mem_bytes")) ||
		    x->fresh != json_is_true(json_object_get(e, "fresh")) ||
		    x->gone != json_is_true(json_object_get(e, "gone"))) {
			print_error("step %d %s: cpu_usec=%llu mem=%llu fresh=%d gone=%d; expected %lld %lld %d %d\n",
			            k, path, (unsigned long long)x->cpu_usec, (unsigned long long)x->mem_bytes,
			            x->fresh, x->gone, (long long)json_integer_value(json_object_get(e, "cpu_usec")),
			            (long long)json_integer_value(json_object_get(e, "mem_bytes")),
			            json_is_true(json_object_get(e, "fresh")),
			            json_is_true(json_object_get(e, "gone")));
			fail();
		}
	}
}

/* Runs every step of the node in dir through a scanner with these options. */
static void run_script(const char *dir, const cs_cgscan_opts *o, const cs_io_ops *ops)
{
	json_t *m = load_manifest(dir);
	int steps = (int)json_array_size(json_object_get(m, "expected"));
	cs_cgscan *s;
	cs_io io;

	io_for(&io, dir, ops);
	assert_int_equal(cs_cgscan_open(&io, o, &s), 0);
	assert_int_equal(cs_cgscan_refresh(s), 0);
	check_idents(s, m);
	assert_int_equal(cs_cgscan_sample(s), 0);
	check_step(s, m, 0);
	for (int k = 1; k < steps; k++) {
		tf_sh("python3 '%s' '%s' --step %d", GEN, dir, k);
		assert_int_equal(cs_cgscan_refresh(s), 0);
		assert_int_equal(cs_cgscan_sample(s), 0);
		check_step(s, m, k);
	}
	cs_cgscan_close(s);
	json_decref(m);
}

static void script_fixture(const char *name, const cs_cgscan_opts *o)
{
	char dir[64];

	tmp_node(dir, sizeof(dir), name);
	run_script(dir, o, NULL);
	rm_node(dir);
}

/* ---- tests: committed fixtures ------------------------------------------------ */

static void test_systemd_containerd_v2(void **state)
{
	(void)state;
	script_fixture("node-systemd-containerd-v2", NULL);
}

static void test_cgroupfs_docker_v1(void **state)
{
	cs_cgscan_opts o = {.version = CS_CG_V1};

	(void)state;
	script_fixture("node-cgroupfs-docker-v1", NULL);
	script_fixture("node-cgroupfs-docker-v1", &o);
}

static void test_systemd_crio_v2(void **state)
{
	(void)state;
	script_fixture("node-systemd-crio-v2", NULL);
}

/* Every driver x runtime x version, generated now. */
static void test_all_shapes(void **state)
{
	static const char *drivers[] = {"systemd", "cgroupfs"};
	static const char *runtimes[] = {"containerd", "crio", "docker"};
	static const char *versions[] = {"v1", "v2"};

	(void)state;
	for (int d = 0; d < 2; d++) {
		for (int r = 0; r < 3; r++) {
			for (int v = 0; v < 2; v++) {
				char dir[64];

				tmp_node(dir, sizeof(dir), NULL);
				tf_sh("python3 '%s' '%s' --pods 4 --containers 2 --driver %s --runtime %s --cgroup %s "
				      "--intervals 4 --seed %d",
				      GEN, dir, drivers[d], runtimes[r], versions[v], d * 6 + r * 2 + v);
				run_script(dir, NULL, NULL);
				rm_node(dir);
			}
		}
	}
}

/* Over the fd budget: open-read-close, same numbers. */
static void test_fd_budget(void **state)
{
	cs_cgscan_opts o = {.max_fds = 7};
	cs_cgscan_opts o1 = {.max_fds = 1};

	(void)state;
	script_fixture("node-systemd-containerd-v2", &o);
	script_fixture("node-cgroupfs-docker-v1", &o1);
}

/* A budget scaled to the workloads (max_fds_per_kwl): at least max_fds,
 * and the workloads a walk finds beyond the walk's budget keep their files
 * at once, not a refresh later. */
static void test_fd_budget_scaled(void **state)
{
	static const struct {
		unsigned per_kwl;
		size_t budget; /* for the fixture's 18 workloads */
	} cases[] = {{0, 4}, {100, 4}, {500, 9}, {2000, 36}};
	cs_cgscan_stats st;
	char dir[64];
	cs_cgscan *s;
	size_t n;
	cs_io io;

	(void)state;
	tmp_node(dir, sizeof(dir), "node-cgroupfs-docker-v1");
	io_for(&io, dir, NULL);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		cs_cgscan_opts o = {
		    .max_fds = 4, .max_fds_per_kwl = cases[c].per_kwl, .mem_on_cadence = true, .memstat_every = 3};

		assert_int_equal(cs_cgscan_open(&io, &o, &s), 0);
		assert_int_equal(cs_cgscan_refresh(s), 0);
		cs_cgscan_workloads(s, &n);
		cs_cgscan_stats_get(s, &st);
		assert_int_equal(n, 18);
		assert_int_equal(st.fd_budget, cases[c].budget);
		assert_int_equal(st.kept_fds, cases[c].budget < n ? cases[c].budget : n);
		assert_int_equal(st.transient_workloads, n - st.kept_fds);
		assert_int_equal(cs_cgscan_sample(s), 0);
		assert_int_equal(cs_cgscan_sample(s), 0);
		cs_cgscan_stats_get(s, &st);
		assert_int_equal(st.read_errors, 0);
		cs_cgscan_close(s);
	}
	rm_node(dir);
}

/* Directory descriptors (dirs_per_file): the budget counts them, kept files
 * are given up to make room, reads opened relative to them give the same
 * numbers. */
static void test_dir_fds(void **state)
{
	cs_cgscan_opts o = {.max_fds = 12, .dirs_per_file = 4};
	cs_cgscan_opts o1 = {.max_fds = 5, .dirs_per_file = 2};
	cs_cgscan_opts oc = {.max_fds = 12, .dirs_per_file = 4, .mem_on_cadence = true, .memstat_every = 3};
	cs_cgscan_stats st;
	char dir[64];
	cs_cgscan *s;
	size_t n;
	cs_io io;

	(void)state;
	script_fixture("node-systemd-containerd-v2", &o);
	script_fixture("node-cgroupfs-docker-v1", &o1);

	s = open_v2(dir, sizeof(dir), &io, &oc);
	assert_int_equal(cs_cgscan_sample(s), 0);
	cs_cgscan_workloads(s, &n);
	cs_cgscan_stats_get(s, &st);
	assert_int_equal(st.kept_dirs, n);
	assert_true(st.kept_fds + (n + 3) / 4 <= 12);
	assert_true(st.kept_fds > 0);
	assert_int_equal(st.transient_workloads, n - st.kept_fds);
	assert_int_equal(st.read_errors, 0);
	cs_cgscan_close(s);
	rm_node(dir);

	/* v1: the memory files are in the other hierarchy, so only the
	 * workloads over the budget keep a directory descriptor, and the room
	 * goes to kept CPU files */
	tmp_node(dir, sizeof(dir), "node-cgroupfs-docker-v1");
	io_for(&io, dir, NULL);
	oc.max_fds = 16; /* 18 workloads: 14 kept CPU files + 4 directories (2 units) */
	oc.dirs_per_file = 2;
	assert_int_equal(cs_cgscan_open(&io, &oc, &s), 0);
	assert_int_equal(cs_cgscan_refresh(s), 0);
	assert_int_equal(cs_cgscan_sample(s), 0);
	assert_int_equal(cs_cgscan_sample(s), 0);
	cs_cgscan_workloads(s, &n);
	cs_cgscan_stats_get(s, &st);
	assert_true(n > 16);
	assert_true(st.kept_fds > 0 && st.kept_fds < n);
	assert_int_equal(st.kept_dirs, st.transient_workloads);
	assert_int_equal(st.transient_workloads, n - st.kept_fds);
	/* the budget used, not spent on directories of workloads with kept files */
	assert_int_equal(st.kept_fds + (st.kept_dirs + 1) / 2, 16);
	assert_int_equal(st.read_errors, 0);
	cs_cgscan_close(s);
	rm_node(dir);
}

/* Steady state: no open, one read per counter file, no allocation visible as
 * array growth; a refresh with nothing new opens only directories. */
static void test_steady_state_no_opens(void **state)
{
	char dir[64];
	cs_cgscan_stats st;
	cs_cgscan *s;
	uint64_t opens, reads;
	size_t n, mem;
	cs_io io;

	(void)state;
	s = open_v2(dir, sizeof(dir), &io, NULL);
	assert_int_equal(cs_cgscan_sample(s), 0);
	cs_cgscan_workloads(s, &n);
	assert_true(n >= 9 + 8);
	mem = cs_cgscan_mem_bytes(s);
	for (int i = 0; i < 5; i++) {
		opens = io.opens;
		reads = io.reads;
		assert_int_equal(cs_cgscan_sample(s), 0);
		assert_int_equal(io.opens, opens);
		assert_int_equal(io.reads - reads, 3 * n);
	}
	cs_cgscan_stats_get(s, &st);
	opens = io.opens;
	assert_int_equal(cs_cgscan_refresh(s), 0);
	{
		cs_cgscan_stats st2;

		cs_cgscan_stats_get(s, &st2);
		assert_int_equal(io.opens - opens, st2.dirs_read - st.dirs_read);
		assert_int_equal(st2.added, st.added);
	}
	assert_int_equal(cs_cgscan_mem_bytes(s), mem);
	assert_int_equal(st.kept_fds, 3 * n);
	assert_int_equal(cs_cgscan_version(s), 2);
	cs_cgscan_close(s);
	rm_node(dir);
}

/* memstat_every 4: memory.stat once per 4 samples per workload (each exactly
 * twice over 8 samples); memory.current every sample the workload used CPU,
 * else with its memory.stat. A usage change shows at once when the workload
 * ran, an inactive_file change (or an idle workload's usage) within 4. */
static void test_memstat_every(void **state)
{
	cs_cgscan_opts o = {.memstat_every = 4};
	char dir[64], f[PATH_MAX];
	cs_cgscan_stats st0, st1;
	cs_workload *w;
	cs_cgscan *s;
	uint64_t reads, before;
	size_t n;
	cs_io io;
	int k;

	(void)state;
	s = open_v2(dir, sizeof(dir), &io, &o);
	reads = io.reads;
	assert_int_equal(cs_cgscan_sample(s), 0);
	w = cs_cgscan_workloads(s, &n);
	assert_int_equal(io.reads - reads, 3 * n); /* first sample: every file */

	/* The fixture's counters stand still: every workload is idle. */
	cs_cgscan_stats_get(s, &st0);
	reads = io.reads;
	for (k = 0; k < 8; k++)
		assert_int_equal(cs_cgscan_sample(s), 0);
	cs_cgscan_stats_get(s, &st1);
	assert_int_equal(st1.memstat_reads - st0.memstat_reads, 2 * n);
	assert_int_equal(st1.mem_idle_skips - st0.mem_idle_skips, 6 * n);
	assert_int_equal(io.reads - reads, 8 * n + 2 * 2 * n);

	/* usage 10 MiB, inactive_file 1 MiB, and CPU time: the usage shows at
	 * the next sample, the inactive_file within 4 */
	w = cs_cgscan_workloads(s, &n);
	before = w[0].mem_bytes;
	snprintf(f, sizeof(f), "%s/cgroup/%s/memory.stat", dir, w[0].cgroup);
	tf_sh("printf 'anon 1\\ninactive_file 1048576\\n' > '%s'", f);
	snprintf(f, sizeof(f), "%s/cgroup/%s/memory.current", dir, w[0].cgroup);
	tf_sh("echo 10485760 > '%s'", f);
	snprintf(f, sizeof(f), "%s/cgroup/%s/cpu.stat", dir, w[0].cgroup);
	tf_sh("printf 'usage_usec %llu\\nuser_usec 0\\nsystem_usec 0\\n' > '%s'",
	      (unsigned long long)w[0].cpu_usec_total_prev + 1000, f);
	assert_int_equal(cs_cgscan_sample(s), 0);
	w = cs_cgscan_workloads(s, &n);
	assert_int_equal(w[0].cpu_usec, 1000);
	assert_true(w[0].mem_bytes != before);
	for (k = 0; k < 4 && w[0].mem_bytes != 10485760 - 1048576; k++) {
		assert_int_equal(cs_cgscan_sample(s), 0);
		w = cs_cgscan_workloads(s, &n);
	}
	assert_int_equal(w[0].mem_bytes, 10485760 - 1048576);

	/* idle again, usage 20 MiB: seen within 4 samples all the same */
	tf_sh("echo 20971520 > '%s/cgroup/%s/memory.current'", dir, w[0].cgroup);
	for (k = 0; k < 5 && w[0].mem_bytes != 20971520 - 1048576; k++) {
		assert_int_equal(cs_cgscan_sample(s), 0);
		w = cs_cgscan_workloads(s, &n);
	}
	assert_int_equal(w[0].mem_bytes, 20971520 - 1048576);

	/* every file every sample again after cs_cgscan_set_memstat_every(1) */
	cs_cgscan_set_memstat_every(s, 1, 0);
	reads = io.reads;
	assert_int_equal(cs_cgscan_sample(s), 0);
	assert_int_equal(io.reads - reads, 3 * n);
	cs_cgscan_close(s);
	rm_node(dir);
}

/* mem_on_cadence: one kept file per workload (the CPU one; a kept-open
 * cgroup file pins a page of kernel memory); memory.current and memory.stat
 * only when memory.stat is due, busy or not, each opened for its read. */
static void test_mem_on_cadence(void **state)
{
	cs_cgscan_opts o = {.memstat_every = 4, .mem_on_cadence = true};
	char dir[64];
	cs_cgscan_stats st0, st1;
	cs_workload *w;
	cs_cgscan *s;
	uint64_t reads, opens;
	size_t n;
	cs_io io;
	int k;

	(void)state;
	s = open_v2(dir, sizeof(dir), &io, &o);
	reads = io.reads;
	assert_int_equal(cs_cgscan_sample(s), 0);
	w = cs_cgscan_workloads(s, &n);
	assert_int_equal(io.reads - reads, 3 * n); /* first sample: every file */
	cs_cgscan_stats_get(s, &st0);
	assert_int_equal(st0.kept_fds, n);

	/* every workload busy every sample: still memory once per 4 samples */
	reads = io.reads;
	opens = io.opens;
	for (k = 0; k < 8; k++) {
		w = cs_cgscan_workloads(s, &n);
		for (size_t i = 0; i < n; i++) {
			char p[PATH_MAX];
			FILE *f;

			snprintf(p, sizeof(p), "%s/cgroup/%s/cpu.stat", dir, w[i].cgroup);
			assert_non_null(f = fopen(p, "w"));
			fprintf(f, "usage_usec %llu\nuser_usec 0\nsystem_usec 0\n",
			        (unsigned long long)w[i].cpu_usec_total_prev + 1000);
			fclose(f);
		}
		assert_int_equal(cs_cgscan_sample(s), 0);
		w = cs_cgscan_workloads(s, &n);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(w[i].cpu_usec, 1000);
	}
	cs_cgscan_stats_get(s, &st1);
	assert_int_equal(st1.memstat_reads - st0.memstat_reads, 2 * n);
	assert_int_equal(io.reads - reads, 8 * n + 2 * 2 * n);
	assert_int_equal(io.opens - opens, 2 * 2 * n); /* memory files only, per read */
	assert_int_equal(st1.kept_fds, n);

	/* a new working set shows within 4 samples */
	tf_sh("echo 20971520 > '%s/cgroup/%s/memory.current'", dir, w[0].cgroup);
	tf_sh("printf 'anon 1\\ninactive_file 1048576\\n' > '%s/cgroup/%s/memory.stat'", dir, w[0].cgroup);
	for (k = 0; k < 5 && w[0].mem_bytes != 20971520 - 1048576; k++) {
		assert_int_equal(cs_cgscan_sample(s), 0);
		w = cs_cgscan_workloads(s, &n);
	}
	assert_int_equal(w[0].mem_bytes, 20971520 - 1048576);
	cs_cgscan_close(s);
	rm_node(dir);
}

/* Samples until workload i's working set reads want, at most max; returns
 * how many it took (max + 1 if it never did). */
static int samples_until_mem(cs_cgscan *s, size_t i, uint64_t want, int max)
{
	cs_workload *w;
	size_t n;

	for (int k = 1; k <= max; k++) {
		assert_int_equal(cs_cgscan_sample(s), 0);
		w = cs_cgscan_workloads(s, &n);
		if (w[i].mem_bytes == want)
			return k;
	}
	return max + 1;
}

/* Dynamic housekeeping (memstat_max): a working set that holds still
 * doubles its workload's memory interval (4, 8, 16 samples), so it is read
 * less often than the base cadence; a move of more than 1 MiB, or a restart,
 * sets it back to the base cadence. */
static void test_mem_housekeeping(void **state)
{
	cs_cgscan_opts o = {.memstat_every = 4, .memstat_max = 16, .mem_on_cadence = true};
	char dir[64], f[PATH_MAX];
	cs_cgscan_stats st0, st1;
	cs_workload *w;
	cs_cgscan *s;
	size_t n;
	cs_io io;
	int k;

	(void)state;
	s = open_v2(dir, sizeof(dir), &io, &o);
	assert_int_equal(cs_cgscan_sample(s), 0); /* first sample: every file */

	/* The fixture's working sets stand still: over 64 samples every
	 * workload is due 16 times at the base cadence, but read 4 + 8 + 16 x 3
	 * (at most 6 times, phases vary); the rest are put off. */
	cs_cgscan_stats_get(s, &st0);
	for (k = 0; k < 64; k++)
		assert_int_equal(cs_cgscan_sample(s), 0);
	cs_cgscan_stats_get(s, &st1);
	w = cs_cgscan_workloads(s, &n);
	assert_true(n > 0);
	assert_true(st1.memstat_reads - st0.memstat_reads <= 6 * n);
	assert_true(st1.memstat_reads - st0.memstat_reads >= 3 * n);
	assert_int_equal((st1.memstat_reads - st0.memstat_reads) + (st1.mem_stable_skips - st0.mem_stable_skips),
	                 16 * n);

	/* A 10 MiB move is seen at the workload's next read (within 16); the
	 * interval is then the base one again: the next move within 4. */
	snprintf(f, sizeof(f), "%s/cgroup/%s/memory.current", dir, w[0].cgroup);
	tf_sh("printf 'anon 1\\ninactive_file 0\\n' > '%s/cgroup/%s/memory.stat'", dir, w[0].cgroup);
	tf_sh("echo 10485760 > '%s'", f);
	assert_true(samples_until_mem(s, 0, 10485760, 16) <= 16);
	tf_sh("echo 20971520 > '%s'", f);
	assert_true(samples_until_mem(s, 0, 20971520, 4) <= 4);
	/* a move under 1 % and 1 MiB is stable: the interval grows back */
	tf_sh("echo 20971620 > '%s'", f);
	for (k = 0; k < 32; k++)
		assert_int_equal(cs_cgscan_sample(s), 0);
	w = cs_cgscan_workloads(s, &n);
	assert_int_equal(w[0].mem_bytes, 20971620);

	/* a restart (the CPU counter goes backwards) sets the base cadence
	 * too: a move that comes with it shows within 4 samples, not 16 */
	snprintf(f, sizeof(f), "%s/cgroup/%s/cpu.stat", dir, w[0].cgroup);
	tf_sh("printf 'usage_usec 1\\nuser_usec 0\\nsystem_usec 0\\n' > '%s'", f);
	tf_sh("echo 41943040 > '%s/cgroup/%s/memory.current'", dir, w[0].cgroup);
	assert_true(samples_until_mem(s, 0, 41943040, 4) <= 4);
	cs_cgscan_stats_get(s, &st0);
	assert_true(st0.resets >= 1);

	/* memstat_max at the base cadence: no doubling, 16 reads again */
	cs_cgscan_set_memstat_every(s, 4, 4);
	cs_cgscan_stats_get(s, &st0);
	for (k = 0; k < 64; k++)
		assert_int_equal(cs_cgscan_sample(s), 0);
	cs_cgscan_stats_get(s, &st1);
	assert_int_equal(st1.memstat_reads - st0.memstat_reads, 16 * n);
	assert_int_equal(st1.mem_stable_skips - st0.mem_stable_skips, 0);
	cs_cgscan_close(s);
	rm_node(dir);
}

/* watch: inotify tells when a listed directory gains or loses a sub-cgroup;
 * nothing else (a counter file written) is a change. */
static void test_watch(void **state)
{
	cs_cgscan_opts o = {.watch = true};
	char dir[64], pod[PATH_MAX];
	cs_cgscan_stats st0, st1;
	cs_workload *w;
	cs_cgscan *s;
	size_t n;
	cs_io io;

	(void)state;
	tmp_node(dir, sizeof(dir), "node-systemd-containerd-v2");
	io_for(&io, dir, NULL);
	assert_int_equal(cs_cgscan_open(&io, &o, &s), 0);
	assert_int_equal(cs_cgscan_changed(s), 0);
	assert_int_equal(cs_cgscan_refresh(s), 0);
	assert_int_equal(cs_cgscan_sample(s), 0);
	assert_int_equal(cs_cgscan_changed(s), 0);
	w = cs_cgscan_workloads(s, &n);
	tf_sh("echo 5 > '%s/cgroup/%s/memory.current'", dir, w[0].cgroup);
	assert_int_equal(cs_cgscan_changed(s), 0);

	/* a new container in the first container's pod */
	snprintf(pod, sizeof(pod), "%s/cgroup/%s", dir, w[0].cgroup);
	*strrchr(pod, '/') = '\0';
	tf_sh("mkdir '%s/cri-containerd-%064d.scope' && cd '%s/cri-containerd-%064d.scope' && "
	      "printf 'usage_usec 1\\n' > cpu.stat && echo 1 > memory.current && echo 'inactive_file 0' > memory.stat",
	      pod, 7, pod, 7);
	assert_int_equal(cs_cgscan_changed(s), 1);
	assert_int_equal(cs_cgscan_changed(s), 0); /* drained */
	cs_cgscan_stats_get(s, &st0);
	assert_int_equal(cs_cgscan_refresh(s), 0);
	cs_cgscan_stats_get(s, &st1);
	assert_int_equal(st1.added - st0.added, 1);
	(void)cs_cgscan_changed(s);
	assert_int_equal(cs_cgscan_changed(s), 0);

	/* and removed */
	tf_sh("rm -rf '%s/cri-containerd-%064d.scope'", pod, 7);
	assert_int_equal(cs_cgscan_changed(s), 1);
	cs_cgscan_close(s);

	/* not asked to watch: -1 (the caller walks on its timer) */
	assert_int_equal(cs_cgscan_open(&io, NULL, &s), 0);
	assert_int_equal(cs_cgscan_changed(s), -1);
	cs_cgscan_close(s);
	rm_node(dir);
}

/* ENODEV on read (rmdir under an open fd on cgroupfs): gone once with the
 * last delta, then removed. */
static void test_enodev_gone(void **state)
{
	char dir[64];
	cs_cgscan *s;
	cs_workload *w;
	uint64_t last;
	size_t n0, n;
	cs_io io;
	const char *victim = "system.slice/ssh.service";

	(void)state;
	dbl_reset();
	tmp_node(dir, sizeof(dir), "node-systemd-containerd-v2");
	io_for(&io, dir, &dbl_ops);
	assert_int_equal(cs_cgscan_open(&io, NULL, &s), 0);
	/* Every open of ssh.service's files is marked; reads fail once armed. */
	dbl.fail_read_sub = "ssh.service";
	assert_int_equal(cs_cgscan_refresh(s), 0);
	assert_int_equal(cs_cgscan_sample(s), 0);
	tf_sh("python3 '%s' '%s' --step 1", GEN, dir);
	assert_int_equal(cs_cgscan_sample(s), 0);
	w = cs_cgscan_find(s, victim);
	assert_non_null(w);
	last = w->cpu_usec;
	assert_true(last > 0);
	cs_cgscan_workloads(s, &n0);
	dbl.fail_read_err = ENODEV;
	assert_int_equal(cs_cgscan_sample(s), 0);
	w = cs_cgscan_find(s, victim);
	assert_non_null(w);
	assert_true(w->gone);
	assert_int_equal(w->cpu_usec, last);
	assert_int_equal(cs_cgscan_sample(s), 0);
	assert_null(cs_cgscan_find(s, victim));
	cs_cgscan_workloads(s, &n);
	assert_int_equal(n, n0 - 1);
	cs_cgscan_close(s);
	rm_node(dir);
	dbl_reset();
}

/* EIO on read: delta 0 this interval, not gone, next good read covers both
 * intervals. EACCES on open: workload kept, errors counted, no crash. */
static void test_eio_eacces(void **state)
{
	char dir[64];
	cs_cgscan_stats st;
	cs_cgscan *s;
	cs_workload *w;
	uint64_t before;
	cs_io io;
	const char *victim = "system.slice/kubelet.service";
	json_t *m;
	uint64_t d1, d2;

	(void)state;
	dbl_reset();
	tmp_node(dir, sizeof(dir), "node-systemd-containerd-v2");
	m = load_manifest(dir);
	d1 = (uint64_t)json_integer_value(json_object_get(
	    json_object_get(json_object_get(json_array_get(json_object_get(m, "expected"), 1), "workloads"), victim),
	    "cpu_usec"));
	d2 = (uint64_t)json_integer_value(json_object_get(
	    json_object_get(json_object_get(json_array_get(json_object_get(m, "expected"), 2), "workloads"), victim),
	    "cpu_usec"));
	io_for(&io, dir, &dbl_ops);
	dbl.fail_read_sub = "kubelet.service/cpu.stat";
	assert_int_equal(cs_cgscan_open(&io, NULL, &s), 0);
	assert_int_equal(cs_cgscan_refresh(s), 0);
	assert_int_equal(cs_cgscan_sample(s), 0);
	tf_sh("python3 '%s' '%s' --step 1", GEN, dir);
	dbl.fail_read_err = EIO;
	assert_int_equal(cs_cgscan_sample(s), 0);
	w = cs_cgscan_find(s, victim);
	assert_non_null(w);
	assert_false(w->gone);
	assert_int_equal(w->cpu_usec, 0);
	cs_cgscan_stats_get(s, &st);
	assert_true(st.read_errors >= 1);
	dbl.fail_read_err = 0;
	tf_sh("python3 '%s' '%s' --step 2", GEN, dir);
	assert_int_equal(cs_cgscan_sample(s), 0);
	w = cs_cgscan_find(s, victim);
	assert_int_equal(w->cpu_usec, d1 + d2);
	cs_cgscan_close(s);

	/* EACCES on every memory.stat open: CPU still exact, errors counted. */
	dbl_reset();
	dbl.fail_open_sub = "memory.stat";
	dbl.fail_open_err = EACCES;
	io_for(&io, dir, &dbl_ops);
	assert_int_equal(cs_cgscan_open(&io, NULL, &s), 0);
	assert_int_equal(cs_cgscan_refresh(s), 0);
	before = io.errors;
	assert_true(before > 0);
	assert_int_equal(cs_cgscan_sample(s), 0);
	tf_sh("python3 '%s' '%s' --step 3", GEN, dir);
	assert_int_equal(cs_cgscan_sample(s), 0);
	w = cs_cgscan_find(s, "system.slice/ssh.service");
	assert_non_null(w);
	assert_true(w->cpu_usec > 0);
	cs_cgscan_stats_get(s, &st);
	assert_true(st.read_errors > 0);
	cs_cgscan_close(s);

	/* EACCES on a directory: the refresh skips it and marks nothing vanished. */
	dbl_reset();
	io_for(&io, dir, &dbl_ops);
	assert_int_equal(cs_cgscan_open(&io, NULL, &s), 0);
	assert_int_equal(cs_cgscan_refresh(s), 0);
	{
		size_t n0, n1;

		cs_cgscan_workloads(s, &n0);
		dbl.fail_open_sub = "/system.slice";
		dbl.fail_open_err = EACCES;
		assert_int_equal(cs_cgscan_refresh(s), 0);
		assert_int_equal(cs_cgscan_sample(s), 0);
		cs_cgscan_workloads(s, &n1);
		assert_int_equal(n1, n0);
		assert_false(cs_cgscan_find(s, "system.slice/ssh.service")->gone);
		cs_cgscan_stats_get(s, &st);
		assert_true(st.dirs_skipped >= 1);
		/* The root itself unreadable: an error, workloads kept. */
		dbl.fail_open_sub = "/cgroup";
		assert_int_equal(cs_cgscan_refresh(s), -EACCES);
		cs_cgscan_workloads(s, &n1);
		assert_int_equal(n1, n0);
	}
	cs_cgscan_close(s);
	json_decref(m);
	rm_node(dir);
	dbl_reset();
}

/* A cgroup removed and recreated under the same name is a new workload. */
static void test_recreated_same_name(void **state)
{
	char dir[64], p[PATH_MAX];
	cs_cgscan *s;
	cs_workload *w;
	uint64_t id0;
	cs_io io;
	size_t n, gone = 0, fresh = 0;

	(void)state;
	s = open_v2(dir, sizeof(dir), &io, NULL);
	assert_int_equal(cs_cgscan_sample(s), 0);
	id0 = cs_cgscan_find(s, "init.scope")->id;
	snprintf(p, sizeof(p), "%s/cgroup/init.scope", dir);
	/* Move it aside first so the new directory cannot reuse the inode. */
	tf_sh("mv '%s' '%s.old' && mkdir '%s' && cp '%s.old/'* '%s/' && mv '%s.old' '%s/cgroup/zz.old'", p, p, p, p, p,
	      p, dir);
	assert_int_equal(cs_cgscan_refresh(s), 0);
	assert_int_equal(cs_cgscan_sample(s), 0);
	w = cs_cgscan_workloads(s, &n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(w[i].cgroup, "init.scope") == 0) {
			if (w[i].gone) {
				gone++;
				assert_int_equal(w[i].id, id0);
			} else {
				fresh++;
				assert_true(w[i].fresh);
				assert_true(w[i].id != id0);
			}
		}
	}
	assert_int_equal(gone, 1);
	assert_int_equal(fresh, 1);
	cs_cgscan_close(s);
	rm_node(dir);
}

/* A pod cgroup with no container below is the workload; empty QoS parents
 * never are. A subtree option limits the walk and can be a leaf itself. */
static void test_pod_without_containers_and_subtree(void **state)
{
	char dir[64];
	cs_cgscan_opts o = {0};
	cs_cgscan *s;
	cs_workload *w;
	cs_io io;
	size_t n;
	const char *pod = "kubepods.slice/kubepods-besteffort.slice/"
	                  "kubepods-besteffort-pod11111111_2222_3333_4444_555555555555.slice";

	(void)state;
	tmp_node(dir, sizeof(dir), "node-systemd-containerd-v2");
	tf_sh("mkdir '%s/cgroup/%s' && printf 'usage_usec 5\\n' > '%s/cgroup/%s/cpu.stat'", dir, pod, dir, pod);
	io_for(&io, dir, NULL);
	assert_int_equal(cs_cgscan_open(&io, NULL, &s), 0);
	assert_int_equal(cs_cgscan_refresh(s), 0);
	assert_int_equal(cs_cgscan_sample(s), 0);
	w = cs_cgscan_find(s, pod);
	assert_non_null(w);
	assert_int_equal(w->ident.kind, CS_WL_POD);
	assert_string_equal(w->ident.pod_uid, "11111111-2222-3333-4444-555555555555");
	assert_null(cs_cgscan_find(s, "kubepods.slice/kubepods-besteffort.slice"));
	assert_null(cs_cgscan_find(s, "kubepods.slice"));
	assert_null(cs_cgscan_find(s, "system.slice"));
	/* No memory files there: memory is 0, no error, CPU still read. */
	assert_int_equal(w->mem_bytes, 0);
	cs_cgscan_close(s);

	o.subtree = "/system.slice/";
	assert_int_equal(cs_cgscan_open(&io, &o, &s), 0);
	assert_int_equal(cs_cgscan_refresh(s), 0);
	w = cs_cgscan_workloads(s, &n);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(w[i].ident.kind, CS_WL_SERVICE);
	cs_cgscan_close(s);

	o.subtree = "init.scope";
	assert_int_equal(cs_cgscan_open(&io, &o, &s), 0);
	assert_int_equal(cs_cgscan_refresh(s), 0);
	w = cs_cgscan_workloads(s, &n);
	assert_int_equal(n, 1);
	assert_string_equal(w[0].cgroup, "init.scope");
	cs_cgscan_close(s);

	o.subtree = "no/such/cgroup";
	assert_int_equal(cs_cgscan_open(&io, &o, &s), 0);
	assert_int_equal(cs_cgscan_refresh(s), -ENOENT);
	cs_cgscan_close(s);
	rm_node(dir);
}

/* A hybrid host's `run`: the subtree's CPU from cgroup2 (no memory controller
 * there), its memory from a v1 memory group elsewhere (opts.mem_dir), with the
 * v1 file names, for the group and a sub-group by the same relative path. */
static void test_mem_dir_v1_beside_v2(void **state)
{
	char dir[64], mem[PATH_MAX];
	cs_cgscan_opts o = {0};
	cs_cgscan *s;
	cs_workload *w;
	cs_io io;

	(void)state;
	tmp_node(dir, sizeof(dir), "node-systemd-containerd-v2");
	tf_sh("mkdir -p '%s/cgroup/run-1/job' '%s/mem/a/run-1/job' && printf 'usage_usec 5\\n' > "
	      "'%s/cgroup/run-1/cpu.stat' &&"
	      " printf 'usage_usec 7\\n' > '%s/cgroup/run-1/job/cpu.stat' &&"
	      " echo 3000000 > '%s/mem/a/run-1/memory.usage_in_bytes' &&"
	      " printf 'cache 1\\ntotal_inactive_file 1000000\\n' > '%s/mem/a/run-1/memory.stat' &&"
	      " echo 500000 > '%s/mem/a/run-1/job/memory.usage_in_bytes' &&"
	      " printf 'total_inactive_file 100000\\n' > '%s/mem/a/run-1/job/memory.stat'",
	      dir, dir, dir, dir, dir, dir, dir, dir);
	io_for(&io, dir, NULL);
	snprintf(mem, sizeof(mem), "%s/mem/a/run-1", dir);
	o.version = CS_CG_V2;
	o.subtree = "run-1";
	o.mem_dir = mem;
	assert_int_equal(cs_cgscan_open(&io, &o, &s), 0);
	assert_int_equal(cs_cgscan_refresh(s), 0);
	assert_int_equal(cs_cgscan_sample(s), 0);
	w = cs_cgscan_find(s, "run-1/job");
	assert_non_null(w);
	assert_int_equal(w->mem_bytes, 400000); /* usage - total_inactive_file, v1 names */
	cs_cgscan_close(s);
	o.subtree = NULL; /* mem_dir needs the subtree it stands for */
	assert_int_equal(cs_cgscan_open(&io, &o, &s), CS_EINVAL);
	rm_node(dir);
}

/* Hierarchy detection: v2 root, v1, hybrid unified/, forced, none. */
static void test_detect(void **state)
{
	char dir[64];
	cs_cgscan_opts v1 = {.version = CS_CG_V1}, v2 = {.version = CS_CG_V2};
	cs_cgscan *s;
	cs_io io;

	(void)state;
	tmp_node(dir, sizeof(dir), NULL);
	io_for(&io, dir, NULL);
	assert_int_equal(cs_cgscan_open(&io, NULL, &s), CS_EUNAVAIL);
	assert_null(s);
	/* Hybrid: v1 controllers plus a cgroup2 mount in unified/. */
	tf_sh("mkdir -p '%s/cgroup/cpuacct' '%s/cgroup/memory' '%s/cgroup/unified/a.service' && "
	      "echo 1 > '%s/cgroup/cpuacct/cpuacct.usage' && : > '%s/cgroup/memory/memory.stat' && "
	      ": > '%s/cgroup/unified/cgroup.controllers' && printf 'usage_usec 1\\n' > "
	      "'%s/cgroup/unified/a.service/cpu.stat'",
	      dir, dir, dir, dir, dir, dir, dir);
	assert_int_equal(cs_cgscan_open(&io, NULL, &s), 0);
	assert_int_equal(cs_cgscan_version(s), 1);
	assert_non_null(strstr(cs_cgscan_root(s), "/cgroup/cpuacct"));
	cs_cgscan_close(s);
	assert_int_equal(cs_cgscan_open(&io, &v2, &s), 0);
	assert_int_equal(cs_cgscan_version(s), 2);
	assert_non_null(strstr(cs_cgscan_root(s), "/cgroup/unified"));
	assert_int_equal(cs_cgscan_refresh(s), 0);
	assert_int_equal(cs_cgscan_sample(s), 0);
	assert_non_null(cs_cgscan_find(s, "a.service")); /* not under system.slice: a cgroup */
	assert_int_equal(cs_cgscan_find(s, "a.service")->ident.kind, CS_WL_CGROUP);
	cs_cgscan_close(s);
	assert_int_equal(cs_cgscan_open(&io, &v1, &s), 0);
	assert_int_equal(cs_cgscan_version(s), 1);
	cs_cgscan_close(s);
	rm_node(dir);

	tmp_node(dir, sizeof(dir), "node-systemd-containerd-v2");
	io_for(&io, dir, NULL);
	assert_int_equal(cs_cgscan_open(&io, &v1, &s), CS_EUNAVAIL);
	{
		cs_cgscan_opts bad = {.max_depth = 1000};

		assert_int_equal(cs_cgscan_open(&io, &bad, &s), CS_EINVAL);
	}
	assert_int_equal(cs_cgscan_open(NULL, NULL, &s), CS_EINVAL);
	cs_cgscan_close(NULL);
	rm_node(dir);
}

/* Processes outside containers: only pid 1 (init.scope), 2 (root) and the
 * fixture's init.scope process; deltas in us from ticks; exit = gone once. */
static void test_procscan(void **state)
{
	char dir[64];
	cs_procscan *p;
	cs_workload *w;
	size_t n;
	cs_io io;
	long hz = sysconf(_SC_CLK_TCK);
	int found1 = 0;

	(void)state;
	tmp_node(dir, sizeof(dir), "node-systemd-containerd-v2");
	io_for(&io, dir, NULL);
	assert_int_equal(cs_procscan_open(&io, NULL, &p), 0);
	assert_int_equal(cs_procscan_sample(p), 0);
	w = cs_procscan_workloads(p, &n);
	assert_int_equal(n, 3);
	assert_true(cs_procscan_skipped(p) > 10);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(w[i].ident.kind, CS_WL_PROCESS);
		assert_true(w[i].fresh);
		assert_int_equal(w[i].cpu_usec, 0);
		assert_int_equal(w[i].id >> 32, (uint64_t)w[i].pid);
	}
	/* pid 1: utime 110 -> 120 ticks; pid 2 exits. */
	tf_sh(
	    "sed -i 's/ S 1 1 1 0 -1 4194560 500 0 0 0 110 / S 1 1 1 0 -1 4194560 500 0 0 0 120 /' '%s/proc/1/stat' && "
	    "rm -rf '%s/proc/2'",
	    dir, dir);
	assert_int_equal(cs_procscan_sample(p), 0);
	w = cs_procscan_workloads(p, &n);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		if (w[i].pid == 1) {
			found1 = 1;
			assert_string_equal(w[i].comm, "systemd");
			assert_false(w[i].fresh);
			assert_int_equal(w[i].cpu_usec, 10 * 1000000 / hz);
		} else if (w[i].pid == 2) {
			assert_true(w[i].gone);
		} else {
			assert_int_equal(w[i].cpu_usec, 0);
		}
	}
	assert_true(found1);
	assert_int_equal(cs_procscan_sample(p), 0);
	cs_procscan_workloads(p, &n);
	assert_int_equal(n, 2);
	cs_procscan_close(p);
	cs_procscan_close(NULL);
	rm_node(dir);
}

/* A fake process under <dir>/proc: pid, parent, utime ticks, cgroup "0::/". */
static void fake_proc(const char *dir, int pid, int ppid, int utime)
{
	tf_sh("mkdir -p '%s/proc/%d' && printf '%d (p%d) S %d %d %d 0 -1 0 0 0 0 0 %d 0 0 0 20 0 1 0 %d 1000 100\n' "
	      ">'%s/proc/%d/stat' && printf '0::/\n' >'%s/proc/%d/cgroup'",
	      dir, pid, pid, pid, ppid, pid, pid, utime, 7000 + pid, dir, pid, dir, pid);
}

static const cs_workload *find_pid(cs_procscan *p, int pid, size_t *n)
{
	cs_workload *w = cs_procscan_workloads(p, n);

	for (size_t i = 0; i < *n; i++)
		if (w[i].pid == pid)
			return &w[i];
	return NULL;
}

/* The other modes: every process; a tree (root, descendants, the reaper's
 * adopted children, a process born later charged all its time); one entry
 * (self). */
static void test_procscan_modes(void **state)
{
	char dir[64];
	cs_procscan *all, *tree, *one, *bad;
	cs_procscan_opts o;
	const cs_workload *w;
	size_t n, n_all0;
	cs_io io;
	long hz = sysconf(_SC_CLK_TCK);

	(void)state;
	tmp_node(dir, sizeof(dir), "node-systemd-containerd-v2");
	fake_proc(dir, 500, 1, 10);
	fake_proc(dir, 501, 500, 20);
	fake_proc(dir, 502, 501, 30);
	fake_proc(dir, 600, 999, 40); /* an orphan the reaper (999) adopted */
	fake_proc(dir, 700, 1, 50);   /* not in the tree */
	tf_sh("ln -s 501 '%s/proc/self'", dir);
	io_for(&io, dir, NULL);
	memset(&o, 0, sizeof o);
	o.mode = CS_PS_ALL;
	assert_int_equal(cs_procscan_open(&io, &o, &all), 0);
	o.mode = CS_PS_TREE;
	o.root_pid = 500;
	o.reaper_pid = 999;
	assert_int_equal(cs_procscan_open(&io, &o, &tree), 0);
	o.root_pid = 0;
	assert_int_equal(cs_procscan_open(&io, &o, &bad), CS_EINVAL); /* a tree needs a root */
	assert_null(bad);
	o.mode = CS_PS_ONE;
	o.one = "../etc";
	assert_int_equal(cs_procscan_open(&io, &o, &bad), CS_EINVAL);
	o.one = NULL; /* self */
	assert_int_equal(cs_procscan_open(&io, &o, &one), 0);

	assert_int_equal(cs_procscan_sample(all), 0);
	assert_int_equal(cs_procscan_sample(tree), 0);
	assert_int_equal(cs_procscan_sample(one), 0);
	(void)cs_procscan_workloads(all, &n_all0);
	assert_true(n_all0 > 20); /* containers' processes too */
	assert_int_equal(cs_procscan_skipped(all), 0);
	(void)cs_procscan_workloads(tree, &n);
	assert_int_equal(n, 4);
	assert_non_null(find_pid(tree, 500, &n));
	assert_non_null(find_pid(tree, 502, &n));
	assert_non_null(find_pid(tree, 600, &n));
	assert_null(find_pid(tree, 700, &n));
	w = find_pid(one, 501, &n);
	assert_int_equal(n, 1);
	assert_non_null(w);
	assert_true(w->fresh);

	/* next interval: 502 runs 5 ticks more, 503 is born under it */
	fake_proc(dir, 502, 501, 35);
	fake_proc(dir, 503, 502, 7);
	fake_proc(dir, 501, 500, 22);
	assert_int_equal(cs_procscan_sample(all), 0);
	assert_int_equal(cs_procscan_sample(tree), 0);
	assert_int_equal(cs_procscan_sample(one), 0);
	(void)cs_procscan_workloads(all, &n);
	assert_int_equal(n, n_all0 + 1);
	w = find_pid(tree, 502, &n);
	assert_int_equal(n, 5);
	assert_false(w->fresh);
	assert_int_equal(w->cpu_usec, 5 * 1000000 / hz);
	w = find_pid(tree, 503, &n);
	assert_non_null(w);
	assert_false(w->fresh); /* born since the last sample: all its time is this interval's */
	assert_int_equal(w->cpu_usec, 7 * 1000000 / hz);
	w = find_pid(one, 501, &n);
	assert_int_equal(w->cpu_usec, 2 * 1000000 / hz);
	/* the root exits: its children stay in the tree */
	tf_sh("rm -rf '%s/proc/500'", dir);
	assert_int_equal(cs_procscan_sample(tree), 0);
	assert_true(find_pid(tree, 500, &n)->gone);
	assert_non_null(find_pid(tree, 503, &n));
	cs_procscan_close(all);
	cs_procscan_close(tree);
	cs_procscan_close(one);
	rm_node(dir);
}

/* ---- tests: pure parsers -------------------------------------------------------- */

static void test_parse_cpu(void **state)
{
	cs_cgstat_cpu c;
	const char *ok = "usage_usec 123\nuser_usec 100\nsystem_usec 23\nnr_periods 0\n";
	const char *bad[] = {"",
	                     "usage_usec\n",
	                     "usage_usec x\n",
	                     "usage_usec 1x\n",
	                     "user_usec 5\n",
	                     "usage_usec 1\n\n",
	                     " usage_usec 1\n",
	                     "usage_usec  1\n",
	                     "usage_usec 99999999999999999999\n",
	                     "usage_usec -1\n"};

	(void)state;
	assert_int_equal(cs_cgstat_parse_cpu(ok, strlen(ok), &c), 0);
	assert_int_equal(c.usage_usec, 123);
	assert_int_equal(c.user_usec, 100);
	assert_int_equal(c.system_usec, 23);
	/* No trailing newline, and a length that stops mid-buffer. */
	assert_int_equal(cs_cgstat_parse_cpu("usage_usec 7", 12, &c), 0);
	assert_int_equal(c.usage_usec, 7);
	assert_int_equal(cs_cgstat_parse_cpu("usage_usec 789", 12, &c), 0);
	assert_int_equal(c.usage_usec, 7);
	assert_int_equal(cs_cgstat_parse_cpu("usage_usec 18446744073709551615\n", 32, &c), 0);
	assert_int_equal(c.usage_usec, UINT64_MAX);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.usage_usec = 42;
		assert_true(cs_cgstat_parse_cpu(bad[i], strlen(bad[i]), &c) < 0);
		assert_int_equal(c.usage_usec, 42);
	}
}

static void test_parse_cpuacct_memstat(void **state)
{
	uint64_t v = 0;
	const char *v1 = "cache 10\ninactive_file 3\nrss 4\ntotal_inactive_file 30\ntotal_rss 40\n";
	const char *v2 = "anon 1\nfile 2\ninactive_file 4096\nactive_file 5\n";

	(void)state;
	assert_int_equal(cs_cgstat_parse_cpuacct("123456789\n", 10, &v), 0);
	assert_int_equal(v, 123456);
	assert_int_equal(cs_cgstat_parse_cpuacct("999", 3, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cs_cgstat_parse_cpuacct("", 0, &v), CS_EINVAL);
	assert_int_equal(cs_cgstat_parse_cpuacct("12 \n", 4, &v), CS_EINVAL);
	assert_int_equal(cs_cgstat_parse_cpuacct("12\n\n", 4, &v), CS_EINVAL);
	assert_int_equal(cs_cgstat_parse_cpuacct("99999999999999999999\n", 21, &v), CS_EINVAL);

	assert_int_equal(cs_cgstat_parse_memstat(v1, strlen(v1), "total_inactive_file", &v), 0);
	assert_int_equal(v, 30);
	assert_int_equal(cs_cgstat_parse_memstat(v1, strlen(v1), "inactive_file", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(cs_cgstat_parse_memstat(v2, strlen(v2), "inactive_file", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(cs_cgstat_parse_memstat(v2, strlen(v2), "total_inactive_file", &v), CS_ENODATA);
	assert_int_equal(cs_cgstat_parse_memstat("inactive_file x\n", 16, "inactive_file", &v), CS_EINVAL);
	assert_int_equal(cs_cgstat_parse_memstat("inactive_file 5", 15, "inactive_file", &v), 0);
	assert_int_equal(v, 5);
	/* The key cut by len is absent, not a number. */
	assert_int_equal(cs_cgstat_parse_memstat("inactive_file 5", 13, "inactive_file", &v), CS_ENODATA);
	assert_int_equal(cs_cgstat_parse_memstat("x", 1, "", &v), CS_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_cpu),
	    cmocka_unit_test(test_parse_cpuacct_memstat),
	    cmocka_unit_test(test_systemd_containerd_v2),
	    cmocka_unit_test(test_cgroupfs_docker_v1),
	    cmocka_unit_test(test_systemd_crio_v2),
	    cmocka_unit_test(test_all_shapes),
	    cmocka_unit_test(test_fd_budget),
	    cmocka_unit_test(test_fd_budget_scaled),
	    cmocka_unit_test(test_dir_fds),
	    cmocka_unit_test(test_steady_state_no_opens),
	    cmocka_unit_test(test_memstat_every),
	    cmocka_unit_test(test_enodev_gone),
	    cmocka_unit_test(test_mem_on_cadence),
	    cmocka_unit_test(test_mem_housekeeping),
	    cmocka_unit_test(test_watch),
	    cmocka_unit_test(test_eio_eacces),
	    cmocka_unit_test(test_recreated_same_name),
	    cmocka_unit_test(test_pod_without_containers_and_subtree),
	    cmocka_unit_test(test_mem_dir_v1_beside_v2),
	    cmocka_unit_test(test_detect),
	    cmocka_unit_test(test_procscan),
	    cmocka_unit_test(test_procscan_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
