/* tests/unit/test_engine.c - one attribution engine: `carbonstat agent`,
 * `top` (with and without --by), `run` (its cgroup, or its process tree) and
 * the public meter give the same workload the same share of the same
 * interval, because they all are the node sampler (pipeline/node.h) with a
 * different workload set.
 *
 * The fixture node: the committed generated node (cgroup v2, systemd +
 * containerd) with a two-socket RAPL sysfs whose counters advance between
 * the two samples (measured mode: the energy is the counters' delta, the
 * same for every consumer whatever its wall-clock timing), and a procfs
 * holding the node's processes plus a "worker" (pid 4242, in the root
 * cgroup, <procfs>/self points at it) and its child (4243). /proc/stat's
 * busy time and /proc/meminfo's memory in use are far above what the
 * workloads use, so every share's denominator is the node's, not the sum of
 * one consumer's workloads: then the same workload must get the same
 * microjoules whichever set it is split in (give or take the one uJ per
 * component that the largest-remainder rounding hands out by set).
 *
 * Every consumer opens and primes on the same tree, the tree then advances
 * by one scripted interval (gen_node.py --step 1, RAPL +, ticks +), and every
 * consumer samples once.
 *
 * A second test drives GPU energy through the fake libnvidia-ml
 * (tests/fakes/fake_nvml.c) with per-process utilisation: the GPU part goes
 * to the workloads holding the processes NVML names, by their utilisation,
 * in a cgroup scope (via /proc/<pid>/cgroup) and a process scope (by pid)
 * alike. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixture.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <carbonstat/error.h>
#include <carbonstat/meter.h>

#include "attribution/attribute.h"
#include "pipeline/node.h"

#include "require.h"

#define GEN    CS_FIXTURES_DIR "/gen_node.py"
#define NODE   "node-systemd-containerd-v2"
#define WORKER 4242
#define CHILD  4243
#ifndef CS_FAKE_NVML_PATH
#define CS_FAKE_NVML_PATH ""
#endif

typedef struct env {
	char dir[64];
	char node[128], cg[160], sys[128], proc[128];
	char ctr[256]; /* a container workload's cgroup path (busy at step 1) */
	int ctr_pid;   /* the fixture's process in it */
} env;

/* /proc/stat whose busy time grows by 100 s a step (2 CPUs, USER_HZ 100 as
 * the fixture's ticks assume), /proc/meminfo with 32 GB in use. */
static void write_procfs(const env *e, int step)
{
	unsigned long long u = 100000 + 8000ull * (unsigned)step, s = 50000 + 2000ull * (unsigned)step,
	                   i = 900000 + 500ull * (unsigned)step;

	tf_sh("printf 'cpu  %llu 0 %llu %llu 0 0 0 0 0 0\\ncpu0 %llu 0 %llu %llu 0 0 0 0 0 0\\n"
	      "cpu1 %llu 0 %llu %llu 0 0 0 0 0 0\\nintr 0\\n' >'%s/stat'",
	      u, s, i, u / 2, s / 2, i / 2, u - u / 2, s - s / 2, i - i / 2, e->proc);
	tf_sh("printf 'MemTotal:       67108864 kB\\nMemFree:        30000000 kB\\nMemAvailable:   33554432 kB\\n' "
	      ">'%s/meminfo'",
	      e->proc);
	/* the worker and its child: 1.5 s and 0.5 s of CPU time in the step */
	tf_sh("mkdir -p '%s/%d' '%s/%d' && "
	      "printf '%d (worker) S 1 %d %d 0 -1 0 0 0 0 0 %d 10 0 0 20 0 1 0 5000 1000 100\\n' >'%s/%d/stat' && "
	      "printf '%d (worker-kid) S %d %d %d 0 -1 0 0 0 0 0 %d 5 0 0 20 0 1 0 5010 1000 100\\n' >'%s/%d/stat' && "
	      "printf '0::/\\n' >'%s/%d/cgroup' && printf '0::/\\n' >'%s/%d/cgroup'",
	      e->proc, WORKER, e->proc, CHILD, WORKER, WORKER, WORKER, 200 + 150 * step, e->proc, WORKER, CHILD, WORKER,
	      WORKER, WORKER, 100 + 50 * step, e->proc, CHILD, e->proc, WORKER, e->proc, CHILD);
}

/* Advance every RAPL counter in place (kept-open fds see it). */
static void bump_energy(const env *e)
{
	tf_sh("python3 - '%s' <<'EOF'\n"
	      "import os, sys\n"
	      "for d, _, fs in sorted(os.walk(sys.argv[1])):\n"
	      "    if 'energy_uj' in fs:\n"
	      "        p = os.path.join(d, 'energy_uj')\n"
	      "        v = int(open(p).read()) + 7654321 + 3 * len(d)\n"
	      "        with open(p, 'r+') as f:\n"
	      "            f.write(str(v) + '\\n'); f.truncate()\n"
	      "EOF",
	      e->sys);
}

/* A container that is busy, not new, at step 1 (from the manifest), and the
 * fixture process in it. */
static void pick_container(env *e)
{
	char p[256], cgf[PATH_MAX], buf[512];
	json_error_t je;
	json_t *m, *w, *v;
	const char *k;

	snprintf(p, sizeof p, "%s/manifest.json", e->node);
	m = json_load_file(p, 0, &je);
	if (!m)
		fail_msg("%s: %s", p, je.text);
	w = json_object_get(json_array_get(json_object_get(m, "expected"), 1), "workloads");
	json_object_foreach(w, k, v)
	{
		if (strstr(k, "cri-containerd-") && json_integer_value(json_object_get(v, "cpu_usec")) > 0 &&
		    !json_is_true(json_object_get(v, "fresh"))) {
			snprintf(e->ctr, sizeof e->ctr, "%s", k);
			break;
		}
	}
	json_decref(m);
	assert_true(e->ctr[0] != '\0');
	for (int pid = 100; pid < 200 && !e->ctr_pid; pid++) {
		FILE *f;

		snprintf(cgf, sizeof cgf, "%s/%d/cgroup", e->proc, pid);
		f = fopen(cgf, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof buf, f) && strstr(buf, e->ctr))
			e->ctr_pid = pid;
		fclose(f);
	}
	assert_true(e->ctr_pid > 0);
}

static void env_new(env *e)
{
	memset(e, 0, sizeof *e);
	snprintf(e->dir, sizeof e->dir, "/tmp/cs_test_engine.XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->node, sizeof e->node, "%s/node", e->dir);
	snprintf(e->cg, sizeof e->cg, "%s/cgroup", e->node);
	snprintf(e->sys, sizeof e->sys, "%s/sys", e->dir);
	snprintf(e->proc, sizeof e->proc, "%s/proc", e->dir);
	tf_sh("cp -a '%s/%s' '%s' && cp -a '%s/intel-2s/sys' '%s' && mkdir '%s' && cp -a '%s'/proc/* '%s' && "
	      "cp '%s/proc-vm/cpuinfo' '%s' && ln -s %d '%s/self'",
	      CS_FIXTURES_DIR, NODE, e->node, CS_FIXTURES_DIR, e->sys, e->proc, e->node, e->proc, CS_FIXTURES_DIR,
	      e->proc, WORKER, e->proc);
	write_procfs(e, 0);
	pick_container(e);
}

static void env_step(env *e)
{
	tf_sh("python3 '%s' '%s' --step 1", GEN, e->node);
	bump_energy(e);
	write_procfs(e, 1);
}

static void env_free(env *e)
{
	if (strncmp(e->dir, "/tmp/cs_test_engine.", 20) == 0)
		tf_sh("rm -rf '%s'", e->dir);
}

static cs_node *open_scope(const env *e, cs_node_scope scope, bool by_process, const char *subtree, int root)
{
	cs_node_opts o;
	cs_node *n = NULL;
	char why[512] = "";
	int rc;

	memset(&o, 0, sizeof o);
	o.sysfs_root = e->sys;
	o.procfs_root = e->proc;
	o.cgroup_root = e->cg;
	o.scope = scope;
	o.by_process = by_process;
	o.cg.subtree = subtree;
	o.root_pid = root;
	o.kubelet = CS_NODE_KUBELET_OFF;
	rc = cs_node_open(&o, &n, why, sizeof why);
	if (rc)
		fail_msg("cs_node_open(scope %d): %d %s", (int)scope, rc, why);
	assert_int_equal(cs_node_sample(n), 0); /* primes */
	return n;
}

/* The share of the workload found by cgroup path (path non-NULL) or pid. */
static const cs_attr_share *share_of(const cs_node *n, const char *path, int pid)
{
	size_t nw, ns;
	const cs_workload *w = cs_node_workloads(n, &nw);
	const cs_attr_share *s = cs_node_shares(n, &ns);

	for (size_t i = 0; i < nw; i++)
		if (path ? strcmp(w[i].cgroup, path) == 0
		         : w[i].ident.kind == CS_WL_PROCESS && w[i].pid == pid && !w[i].gone)
			return &s[i];
	fail_msg("no workload %s (pid %d) in this scope", path ? path : "", pid);
	return NULL;
}

/* Same microjoules per component and part, to the one uJ of rounding. */
static void same(const char *what, const cs_attr_share *a, const cs_attr_share *b)
{
	for (int c = 0; c < CS_PART_COUNT; c++) {
		uint64_t x = a->active_uj[c] + a->idle_uj[c], y = b->active_uj[c] + b->idle_uj[c];

		if ((x > y ? x - y : y - x) > 1)
			fail_msg("%s: %s differs: %llu vs %llu uJ", what, cs_part_name((cs_part)c),
			         (unsigned long long)x, (unsigned long long)y);
	}
}

/* The group label of a workload (by cgroup path) in a node. */
static const char *label_of(const cs_node *n, const char *path, cs_attr_by by, char *buf, size_t cap)
{
	size_t nw;
	const cs_workload *w = cs_node_workloads(n, &nw);

	for (size_t i = 0; i < nw; i++)
		if (!strcmp(w[i].cgroup, path)) {
			assert_true(cs_attr_label(&w[i], by, buf, cap) > 0);
			return buf;
		}
	fail_msg("no workload %s", path);
	return NULL;
}

static const cs_attr_group *group_of(cs_node *n, cs_attr_by by, const char *label)
{
	const cs_attr_group *g;
	size_t ng;

	assert_int_equal(cs_node_rollup(n, by, &g, NULL, &ng), 0);
	for (size_t i = 0; i < ng; i++)
		if (!strcmp(g[i].label, label))
			return &g[i];
	fail_msg("no group '%s' by %s", label, cs_attr_by_name(by));
	return NULL;
}

static void test_same_attribution(void **state)
{
	env e;
	cs_node *agent, *top_cg, *top_proc, *run_cg, *run_tree;
	cs_meter_opts mo;
	cs_meter *meter = NULL;
	cs_meter_report r;
	char why[256] = "", label[64], big[CS_ATTR_LABEL_MAX];
	const cs_attr_share *ctr, *wk, *kid;
	uint64_t node_uj = 0;
	size_t n;

	(void)state;
	env_new(&e);
	/* the agent ([agent] processes = true), top --by cgroup, top (every
	 * process), run in its cgroup, run following the worker's tree */
	agent = open_scope(&e, CS_NODE_ALL, true, NULL, 0);
	top_cg = open_scope(&e, CS_NODE_ALL, false, NULL, 0);
	top_proc = open_scope(&e, CS_NODE_PROCESSES, false, NULL, 0);
	run_cg = open_scope(&e, CS_NODE_CGROUP, false, e.ctr, 0);
	run_tree = open_scope(&e, CS_NODE_TREE, false, NULL, WORKER);
	/* the public meter: this process is <procfs>/self -> the worker */
	cs_meter_opts_init(&mo);
	mo.sysfs_root = e.sys;
	mo.procfs_root = e.proc;
	mo.country = "FR";
	mo.provider = "aws";
	mo.instance = "m5.large"; /* everything given: no cloud detection */
	mo.interval_ms = 3600000; /* one interval: start .. stop */
	mo.self_share = 1;
	mo.why = why;
	mo.why_cap = sizeof why;
	if (cs_meter_start(&mo, &meter) != 0)
		fail_msg("cs_meter_start: %s", why);

	env_step(&e);
	assert_int_equal(cs_node_sample(agent), 0);
	assert_int_equal(cs_node_sample(top_cg), 0);
	assert_int_equal(cs_node_sample(top_proc), 0);
	assert_int_equal(cs_node_sample(run_cg), 0);
	assert_int_equal(cs_node_sample(run_tree), 0);
	assert_int_equal(cs_meter_stop(meter, &r), 0);

	/* every consumer split the same node energy */
	for (int c = 0; c < CS_PART_COUNT; c++) {
		uint64_t node = cs_node_result(agent)->node_uj[c];

		assert_int_equal(cs_node_result(top_cg)->node_uj[c], node);
		assert_int_equal(cs_node_result(top_proc)->node_uj[c], node);
		assert_int_equal(cs_node_result(run_cg)->node_uj[c], node);
		assert_int_equal(cs_node_result(run_tree)->node_uj[c], node);
	}
	assert_true(cs_node_result(agent)->node_uj[CS_PART_CPU] > 0);

	/* a container: the agent, top --by cgroup / container, run in its cgroup */
	ctr = share_of(agent, e.ctr, 0);
	assert_true(cs_attr_share_total_uj(ctr) > 0);
	same("container: agent vs top --by cgroup", ctr, &group_of(top_cg, CS_BY_CGROUP, e.ctr)->share);
	same("container: agent vs top --by container", ctr,
	     &group_of(top_cg, CS_BY_CONTAINER, label_of(top_cg, e.ctr, CS_BY_CONTAINER, big, sizeof big))->share);
	(void)cs_node_shares(run_cg, &n);
	assert_int_equal(n, 1); /* the run's cgroup is one leaf */
	same("container: agent vs run (cgroup)", ctr, share_of(run_cg, e.ctr, 0));

	/* the worker and its child: the agent, top, top --by process, run's
	 * process tree, the meter */
	wk = share_of(agent, NULL, WORKER);
	kid = share_of(agent, NULL, CHILD);
	assert_true(wk->active_uj[CS_PART_CPU] > 0 && kid->active_uj[CS_PART_CPU] > 0);
	same("worker: agent vs top", wk, share_of(top_proc, NULL, WORKER));
	same("child: agent vs top", kid, share_of(top_proc, NULL, CHILD));
	snprintf(label, sizeof label, "worker[%d]", WORKER);
	same("worker: agent vs top --by process", wk, &group_of(agent, CS_BY_PROCESS, label)->share);
	same("worker: agent vs run (tree)", wk, share_of(run_tree, NULL, WORKER));
	same("child: agent vs run (tree)", kid, share_of(run_tree, NULL, CHILD));
	(void)cs_node_shares(run_tree, &n);
	assert_int_equal(n, 2); /* the tree is the worker and its child, nothing else */
	/* the meter reports joules: its one workload is the worker */
	assert_true(r.self_energy_j > 0);
	if (llabs((long long)llround(r.self_energy_j * 1e6) - (long long)cs_attr_share_total_uj(wk)) > CS_PART_COUNT)
		fail_msg("worker: meter %.6f J vs agent %.6f J", r.self_energy_j,
		         (double)cs_attr_share_total_uj(wk) / 1e6);
	assert_true(r.self_cpu_s > 1.49 && r.self_cpu_s < 1.51);
	for (int c = 0; c < CS_PART_COUNT; c++)
		node_uj += cs_node_result(agent)->node_uj[c];
	assert_true(fabs(r.host_energy_j - (double)node_uj / 1e6) < 1e-5); /* the same counters */
	print_message("node %.6f J: container %.6f J, worker %.6f J (meter %.6f J), child %.6f J, same in every "
	              "consumer\n",
	              (double)node_uj / 1e6, (double)cs_attr_share_total_uj(ctr) / 1e6,
	              (double)cs_attr_share_total_uj(wk) / 1e6, r.self_energy_j,
	              (double)cs_attr_share_total_uj(kid) / 1e6);

	cs_meter_free(meter);
	cs_node_close(agent);
	cs_node_close(top_cg);
	cs_node_close(top_proc);
	cs_node_close(run_cg);
	cs_node_close(run_tree);
	env_free(&e);
}

/* A host on the fixture with the fake NVML (one GPU, energy counter). */
static void gpu_host(const env *e, cs_host *h)
{
	cs_host_opts ho;
	char why[512] = "";

	cs_host_opts_init(&ho);
	ho.sysfs_root = e->sys;
	ho.procfs_root = e->proc;
	ho.cgroup_root = e->cg;
	ho.no_detect = true;
	ho.no_metadata = true;
	ho.cache_path = "";
	ho.nvml_path = CS_FAKE_NVML_PATH;
	if (cs_host_init(h, &ho, why, sizeof why) != 0)
		fail_msg("cs_host_init: %s", why);
}

static cs_node *gpu_node(cs_host *h, cs_node_scope scope)
{
	cs_node_opts o;
	cs_node *n = NULL;
	char why[512] = "";

	memset(&o, 0, sizeof o);
	o.host = h;
	o.scope = scope;
	o.by_process = scope == CS_NODE_ALL;
	o.kubelet = CS_NODE_KUBELET_OFF;
	if (cs_node_open(&o, &n, why, sizeof why) != 0)
		fail_msg("cs_node_open: %s", why);
	assert_int_equal(cs_node_sample(n), 0); /* primes (and takes NVML's first samples) */
	return n;
}

/* NVML says the worker kept the GPU 60 % busy and the container's process
 * 30 %: of the interval's 50 J of GPU energy (all active: no idle is known
 * for GPUs yet), the worker gets 30 J, the container 15 J, system the rest,
 * whether the workloads are cgroups (the process found through
 * /proc/<pid>/cgroup) or processes (by pid). */
static void test_gpu_follows_users(void **state)
{
	env e;
	cs_host h1, h2;
	cs_node *agent, *top;
	char proc[128];
	const cs_attr_share *s;

	(void)state;
	if (!CS_FAKE_NVML_PATH[0])
		tf_skip_or_fail("nvml", "no fake libnvidia-ml (the build defines CS_FAKE_NVML_PATH)");
	env_new(&e);
	setenv("FAKE_NVML_COUNT", "1", 1);
	setenv("FAKE_NVML_ENERGY_MJ_0", "1000000", 1);
	snprintf(proc, sizeof proc, "%d:60:0:1000,%d:30:0:1001", WORKER, e.ctr_pid);
	setenv("FAKE_NVML_PROC_0", proc, 1);
	gpu_host(&e, &h1);
	gpu_host(&e, &h2);
	agent = gpu_node(&h1, CS_NODE_ALL);
	top = gpu_node(&h2, CS_NODE_PROCESSES);

	env_step(&e);
	setenv("FAKE_NVML_ENERGY_MJ_0", "1050000", 1); /* +50 J */
	snprintf(proc, sizeof proc, "%d:60:0:2000,%d:60:0:2001,%d:30:0:2002", WORKER, WORKER, e.ctr_pid);
	setenv("FAKE_NVML_PROC_0", proc, 1);
	assert_int_equal(cs_node_sample(agent), 0);
	assert_int_equal(cs_node_sample(top), 0);

	assert_int_equal(cs_node_result(agent)->node_uj[CS_PART_GPU], 50000000);
	assert_int_equal(cs_node_result(top)->node_uj[CS_PART_GPU], 50000000);
	s = share_of(agent, e.ctr, 0);
	assert_int_equal(cs_attr_share_comp_uj(s, CS_PART_GPU), 15000000);
	s = share_of(agent, NULL, WORKER);
	assert_int_equal(cs_attr_share_comp_uj(s, CS_PART_GPU), 30000000);
	assert_int_equal(cs_attr_share_comp_uj(&cs_node_result(agent)->system, CS_PART_GPU), 5000000);
	s = share_of(top, NULL, e.ctr_pid);
	assert_int_equal(cs_attr_share_comp_uj(s, CS_PART_GPU), 15000000);
	s = share_of(top, NULL, WORKER);
	assert_int_equal(cs_attr_share_comp_uj(s, CS_PART_GPU), 30000000);
	assert_int_equal(cs_attr_share_comp_uj(share_of(top, NULL, CHILD), CS_PART_GPU), 0);

	cs_node_close(agent);
	cs_node_close(top);
	cs_host_destroy(&h1);
	cs_host_destroy(&h2);
	unsetenv("FAKE_NVML_COUNT");
	unsetenv("FAKE_NVML_ENERGY_MJ_0");
	unsetenv("FAKE_NVML_PROC_0");
	env_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_attribution),
	    cmocka_unit_test(test_gpu_follows_users),
	};

	return tf_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
