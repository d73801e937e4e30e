/* cli/cmd_top.c - `carbonstat top`: live host power, carbon and the
 * processes (or workloads) drawing most of it.
 *
 * Each interval is one cs_node_sample() of the node sampler
 * (pipeline/node.h), the attribution engine the agent, `run` and the meter
 * use too: the host's energy by component and source, split among the
 * workloads, conserved to the microjoule. Without --by the workloads are the
 * processes (scope PROCESSES: every <procfs>/<pid>/stat, one workload each);
 * a process is shown with its attributed power (active by its CPU time over
 * the machine's busy CPU time, plus its part of idle power by the idle
 * policy), the same figure the agent would give it. Processes that started
 * and ended within one interval are not seen (their time stays in the
 * system bucket).
 *
 * Allocation: the display tables grow (doubling) only when more processes
 * exist than ever before; JSON/text are built per line.
 *
 * Interactive mode is plain curses (no mouse, no colours needed) so it works
 * over ssh: `q` quits, resizes redraw (ncurses turns SIGWINCH into
 * KEY_RESIZE), SIGINT/SIGTERM/SIGHUP end it cleanly (they are blocked and
 * polled, so no handler or global flag is needed). Batch mode (-b, or stdout
 * not a terminal) prints plain text or one JSON object per line and interval.
 *
 * With --by KEY the workloads are the node's cgroups (scope ALL, with the
 * processes outside containers for --by process), rolled up by KEY; the
 * screen and the output then show those rows, the system and
 * idle-unattributed buckets and the node totals in uJ per component, which
 * add up exactly (a script can check it from the JSON).
 */
#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "attribution/cgroup_path.h"
#include "carbon/carbon.h"
#include "cli/cli.h"
#include "cli/host_cli.h"
#include "core/clock.h"
#include "pipeline/node.h"

#define CMD            "top"
#define TOP_JSON_PROCS 10 /* processes per JSON line */
#define TOP_TEXT_PROCS 10 /* processes per batch text interval */

static const char top_help[] =
    "Usage: carbonstat top [--interval S] [-b] [-n N] [--json] [options]\n"
    "\n"
    "Live host power by component and source, grid intensity, cumulative energy\n"
    "and CO2e, and the processes drawing the most power (the node's energy split\n"
    "among them as the agent splits it). Keys: q quits.\n"
    "\n"
    "  -d, --interval S    refresh every S seconds (default 2; 0.05 to 3600)\n"
    "  -b, --batch         plain text lines instead of the screen (also when stdout\n"
    "                      is not a terminal)\n"
    "  -n, --iterations N  stop after N intervals (default: until q or a signal)\n"
    "  --kernel-threads    also list kernel threads that used no CPU time (hidden:\n"
    "                      their share is in \"other processes\")\n"
    "  --json              batch output as one JSON object per line per interval\n"
    "  --by KEY            split the node's energy among workloads and show it by\n"
    "                      process, cgroup, container, pod, owner (the pod's\n"
    "                      Deployment, StatefulSet, CronJob...), namespace or team\n"
    "  --idle-policy P     with --by: share idle energy by requests (default),\n"
    "                      usage, equal, or none (left in idle-unattributed)\n"
    "  --config FILE       with --by: carbonstat INI file (teams, kubelet, idle)\n"
    "  --kubelet-url URL   with --by: the kubelet's /pods URL (pod names, teams)\n"
    "  --no-kubelet        with --by: never ask the kubelet\n"
    "  --docker-root D     with --by, no kubelet: container names from Docker's\n"
    "                      D/containers/<id>/config.v2.json (/var/lib/docker)\n"
    "  --containerd-root D with --by, no kubelet: container names from containerd's\n"
    "                      task state under D (/run/containerd)\n" CLI_HOST_HELP "  -h, --help          this help\n";

static const int top_ids[] = {CLI_OPT_TOP_INTERVAL,   CLI_OPT_BATCH,
                              CLI_OPT_ITERATIONS,     CLI_OPT_JSON,
                              CLI_OPT_KERNEL_THREADS, CLI_OPT_BY,
                              CLI_OPT_IDLE_POLICY,    CLI_OPT_CONFIG,
                              CLI_OPT_KUBELET_URL,    CLI_OPT_NO_KUBELET,
                              CLI_OPT_DOCKER_ROOT,    CLI_OPT_CONTAINERD_ROOT,
                              CLI_HOST_OPTS,          0};

/* One process of the last interval. */
typedef struct top_proc {
	uint64_t id; /* the engine's workload id (pid and start time) */
	int pid;
	uint64_t cpu_us; /* CPU time over the last interval */
	double power_w;  /* attributed, last interval */
	double energy_j; /* last interval */
	double cum_j;    /* since we first saw it */
	bool kthread;    /* a kernel thread */
	char comm[32];
} top_proc;

/* Everything one `top` owns. */
typedef struct top_state {
	/* options */
	double interval_s;
	bool batch;
	bool json;
	bool kthreads;       /* --kernel-threads: list idle kernel threads too */
	unsigned iterations; /* 0 = no limit */
	bool by_set;         /* --by: split among workloads */
	cs_attr_by by;
	cs_node_opts nopts;      /* --idle-policy, --kubelet-url, --no-kubelet */
	const char *config_path; /* --config: carbonstat.ini, all of it (the agent's sections) */
	cs_conf *conf;
	/* sources */
	cs_host host;
	cs_node *node;               /* samples host */
	const cs_attr_group *groups; /* last roll-up, ranked by rank_g */
	const size_t *first;         /* first member workload of each group */
	size_t ngroups;
	const cs_attr_group **rank_g; /* groups by energy, descending */
	size_t rank_cap;
	/* process tables (no --by): cur/prev swap each sample, sorted by id;
	 * rank points into cur */
	top_proc *cur, *prev;
	top_proc **rank;
	size_t ncur, nprev, cap;
	/* last interval */
	double procs_w;   /* power attributed to processes */
	double procs_cpu; /* their CPU, % of one CPU */
	unsigned intervals;
} top_state;

static int by_id(const void *a, const void *b)
{
	const top_proc *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int by_power_desc(const void *a, const void *b)
{
	const top_proc *x = *(const top_proc *const *)a, *y = *(const top_proc *const *)b;

	if (x->cpu_us != y->cpu_us)
		return x->cpu_us < y->cpu_us ? 1 : -1;
	if (x->cum_j != y->cum_j)
		return x->cum_j < y->cum_j ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int grow(top_state *ts, size_t need)
{
	size_t cap = ts->cap ? ts->cap : 512;
	top_proc *c, *p;
	top_proc **r;

	if (need <= ts->cap && ts->cur)
		return 0;
	while (cap < need)
		cap *= 2;
	c = realloc(ts->cur, cap * sizeof *c);
	if (!c)
		return CS_ENOMEM;
	ts->cur = c;
	p = realloc(ts->prev, cap * sizeof *p);
	if (!p)
		return CS_ENOMEM;
	ts->prev = p;
	r = realloc(ts->rank, cap * sizeof *r);
	if (!r)
		return CS_ENOMEM;
	ts->rank = r;
	ts->cap = cap;
	return 0;
}

/* The last interval's processes from the engine, their cumulative energy
 * carried from the previous table (both sorted by id), ranked. */
static void account_procs(top_state *ts)
{
	const cs_workload *wl;
	const cs_attr_share *sh;
	double dt = ts->host.sum.dt_s;
	size_t n;
	top_proc *t = ts->prev;

	ts->prev = ts->cur;
	ts->nprev = ts->ncur;
	ts->cur = t;
	ts->ncur = 0;
	ts->procs_w = 0;
	ts->procs_cpu = 0;
	wl = cs_node_workloads(ts->node, &n);
	sh = cs_node_shares(ts->node, &n);
	if (grow(ts, n) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		top_proc *c = &ts->cur[ts->ncur++], key, *old;

		memset(c, 0, sizeof *c);
		c->id = wl[i].id;
		c->pid = wl[i].pid;
		memcpy(c->comm, wl[i].comm, sizeof c->comm);
		c->kthread = wl[i].kthread;
		c->cpu_us = wl[i].fresh ? 0 : wl[i].cpu_usec;
		c->energy_j = (double)cs_attr_share_total_uj(&sh[i]) / 1e6;
		c->power_w = dt > 0 ? c->energy_j / dt : 0.0;
		key.id = c->id;
		old = ts->nprev ? bsearch(&key, ts->prev, ts->nprev, sizeof *ts->prev, by_id) : NULL;
		c->cum_j = (old ? old->cum_j : 0.0) + c->energy_j;
		ts->procs_w += c->power_w;
		ts->procs_cpu += dt > 0 ? (double)c->cpu_us / 1e6 / dt * 100.0 : 0.0;
	}
	qsort(ts->cur, ts->ncur, sizeof *ts->cur, by_id);
	for (size_t i = 0; i < ts->ncur; i++)
		ts->rank[i] = &ts->cur[i];
	qsort(ts->rank, ts->ncur, sizeof *ts->rank, by_power_desc);
}

/* Group order for display: most energy first, then label. */
static int by_group_energy_desc(const void *a, const void *b)
{
	const cs_attr_group *x = *(const cs_attr_group *const *)a, *y = *(const cs_attr_group *const *)b;
	uint64_t ex = cs_attr_share_total_uj(&x->share), ey = cs_attr_share_total_uj(&y->share);

	if (ex != ey)
		return ex < ey ? 1 : -1;
	return strcmp(x->label, y->label);
}

/* The node attributor's interval, rolled up by --by and ranked. */
static void split_sample(top_state *ts)
{
	ts->ngroups = 0;
	(void)cs_node_sample(ts->node);
	if (cs_node_rollup(ts->node, ts->by, &ts->groups, &ts->first, &ts->ngroups) != 0) {
		ts->ngroups = 0;
		return;
	}
	if (ts->ngroups > ts->rank_cap) {
		size_t cap = ts->rank_cap ? ts->rank_cap : 64;
		const cs_attr_group **r;

		while (cap < ts->ngroups)
			cap *= 2;
		r = realloc(ts->rank_g, cap * sizeof *r);
		if (!r) {
			ts->ngroups = 0;
			return;
		}
		ts->rank_g = r;
		ts->rank_cap = cap;
	}
	for (size_t i = 0; i < ts->ngroups; i++)
		ts->rank_g[i] = &ts->groups[i];
	qsort(ts->rank_g, ts->ngroups, sizeof *ts->rank_g, by_group_energy_desc);
}

/* One interval: the engine, then the view. The first call primes. */
static void sample(top_state *ts)
{
	if (ts->by_set) {
		split_sample(ts);
	} else {
		(void)cs_node_sample(ts->node);
		account_procs(ts);
	}
	if (ts->host.sum.samples > 1)
		ts->intervals++;
}

static double cpu_percent(const top_state *ts, const top_proc *p)
{
	return ts->host.sum.dt_s > 0 ? (double)p->cpu_us / 1e6 / ts->host.sum.dt_s * 100.0 : 0.0;
}

/* The next process to list at or after rank *i (advanced past it), or NULL:
 * kernel threads at 0.0 % CPU are hidden unless --kernel-threads (a host
 * has a hundred; they draw nothing but their part of idle power), and with
 * active_only so is every process that never drew anything. */
static const top_proc *next_listed(const top_state *ts, size_t *i, bool active_only)
{
	while (*i < ts->ncur) {
		const top_proc *p = ts->rank[(*i)++];

		if (active_only && !p->cpu_us && !(p->cum_j > 0))
			return NULL; /* ranked: the rest drew nothing either */
		if (p->kthread && !ts->kthreads && cpu_percent(ts, p) < 0.05)
			continue;
		return p;
	}
	return NULL;
}

/* What the processes not listed draw: the host's processes minus the
 * listed ones (count, CPU % and W over the last interval). */
typedef struct top_rest {
	size_t count;
	double cpu, power_w;
} top_rest;

static void rest_of(const top_state *ts, size_t listed, double listed_cpu, double listed_w, top_rest *r)
{
	r->count = ts->ncur > listed ? ts->ncur - listed : 0;
	/* a difference of sums: round off what is only summation error */
	r->cpu = ts->procs_cpu - listed_cpu > 1e-9 ? ts->procs_cpu - listed_cpu : 0.0;
	r->power_w = ts->procs_w - listed_w > 1e-9 ? ts->procs_w - listed_w : 0.0;
}

/* ---- carbon figures -------------------------------------------------------- */

typedef struct top_carbon {
	bool loc, emb;
	double op_g, emb_g;         /* interval */
	double cum_op_g, cum_emb_g; /* since start */
} top_carbon;

static void carbon_now(const top_state *ts, top_carbon *c)
{
	const cs_host *h = &ts->host;
	const cs_carbon *cb = cs_node_carbon(ts->node);

	c->loc = cb->intensity_g_per_kwh >= 0;
	c->emb = cb->embodied_g_per_h >= 0;
	c->op_g = cs_carbon_operational_g(h->sum.energy_j * 1e6, cb->intensity_g_per_kwh, cb->pue);
	c->emb_g = cs_carbon_embodied_g(cb->embodied_g_per_h, h->sum.dt_s);
	c->cum_op_g = cs_carbon_operational_g(h->sum.total_j * 1e6, cb->intensity_g_per_kwh, cb->pue);
	c->cum_emb_g = cs_carbon_embodied_g(cb->embodied_g_per_h, h->sum.elapsed_s);
}

/* ---- the split (--by) -------------------------------------------------------- */

/* {"cpu":..,"dram":..,"gpu":..,"other":..} of a + b (b may be NULL). */
static json_t *comp_uj_json(const uint64_t a[CS_PART_COUNT], const uint64_t *b)
{
	json_t *o = json_object();

	for (int c = 0; c < CS_PART_COUNT; c++)
		json_object_set_new(o, cs_part_name((cs_part)c), json_integer((json_int_t)(a[c] + (b ? b[c] : 0))));
	return o;
}

static void share_json(json_t *o, const cs_attr_share *sh)
{
	json_object_set_new(o, "energy_uj", comp_uj_json(sh->active_uj, sh->idle_uj));
	json_object_set_new(o, "active_uj", comp_uj_json(sh->active_uj, NULL));
	json_object_set_new(o, "idle_uj", comp_uj_json(sh->idle_uj, NULL));
	json_object_set_new(o, "total_uj", json_integer((json_int_t)cs_attr_share_total_uj(sh)));
}

/* Which identifiers a group of several workloads shares, by key: a group of
 * one has them all; a pod's containers share the pod's; an owner's pods
 * their namespace, owner and team; a namespace or team only itself. */
static void group_json(json_t *arr, const top_state *ts, const cs_attr_group *g)
{
	size_t nw, gi = (size_t)(g - ts->groups);
	const cs_workload *wl = cs_node_workloads(ts->node, &nw),
	                  *w = gi < ts->ngroups && ts->first[gi] < nw ? &wl[ts->first[gi]] : NULL;
	bool one = g->members == 1 || ts->by == CS_BY_CGROUP || ts->by == CS_BY_PROCESS || ts->by == CS_BY_CONTAINER;
	bool pod = one || ts->by == CS_BY_POD;
	bool owner = pod || ts->by == CS_BY_OWNER;
	bool ns = owner || ts->by == CS_BY_NAMESPACE;
	bool team = one || ts->by == CS_BY_TEAM || ts->by == CS_BY_OWNER;
	json_t *o = json_object();

#define F(cond, v) json_string((w && (cond)) ? (v) : "")
	json_object_set_new(o, "key", json_string(g->label));
	json_object_set_new(o, "kind",
	                    json_string(one && w ? cs_wl_kind_name(w->ident.kind) : cs_attr_by_name(ts->by)));
	json_object_set_new(o, "members", json_integer((json_int_t)g->members));
	json_object_set_new(o, "cgroup", F(one, w->cgroup));
	json_object_set_new(o, "container_id", F(one, w->ident.container_id));
	json_object_set_new(o, "pod_uid", F(pod, w->ident.pod_uid));
	json_object_set_new(o, "pod", F(pod, w->pod_name));
	json_object_set_new(o, "namespace", F(ns, w->namespace_));
	json_object_set_new(o, "container", F(one, w->container_name));
	json_object_set_new(o, "owner_kind", F(owner, w->owner_kind));
	json_object_set_new(o, "owner", F(owner, w->owner));
	json_object_set_new(o, "team", F(team, w->team));
#undef F
	if (w && one && w->ident.kind == CS_WL_PROCESS) {
		json_object_set_new(o, "pid", json_integer(w->pid));
		json_object_set_new(o, "comm", json_string(w->comm));
	}
	share_json(o, &g->share);
	json_array_append_new(arr, o);
}

static void split_json(json_t *o, const top_state *ts)
{
	const cs_attr_result *r = cs_node_result(ts->node);
	json_t *arr = json_array(), *sys = json_object(), *iu = json_object(), *src = json_object();
	uint64_t zero[CS_PART_COUNT] = {0};

	for (size_t i = 0; i < ts->ngroups; i++)
		group_json(arr, ts, ts->rank_g[i]);
	share_json(sys, &r->system);
	json_object_set_new(iu, "energy_uj", comp_uj_json(r->idle_unattributed_uj, NULL));
	json_object_set_new(iu, "active_uj", comp_uj_json(zero, NULL));
	json_object_set_new(iu, "idle_uj", comp_uj_json(r->idle_unattributed_uj, NULL));
	{
		uint64_t t = 0;

		for (int c = 0; c < CS_PART_COUNT; c++)
			t += r->idle_unattributed_uj[c];
		json_object_set_new(iu, "total_uj", json_integer((json_int_t)t));
	}
	for (int c = 0; c < CS_PART_COUNT; c++)
		json_object_set_new(src, cs_part_name((cs_part)c),
		                    json_string(cs_idle_source_name(cs_node_idle_source(ts->node, (cs_part)c))));
	json_object_set_new(o, "by", json_string(cs_attr_by_name(ts->by)));
	json_object_set_new(o, "idle_policy", json_string(cs_idle_policy_name(cs_node_idle_policy(ts->node))));
	json_object_set_new(o, "idle_source", src);
	json_object_set_new(o, "node_energy_uj", comp_uj_json(r->node_uj, NULL));
	json_object_set_new(o, "node_idle_uj", comp_uj_json(r->node_idle_uj, NULL));
	json_object_set_new(o, "workloads", arr);
	json_object_set_new(o, "system", sys);
	json_object_set_new(o, "idle_unattributed", iu);
}

/* Text rows of the split: label, total and per-component mJ. */
#define SPLIT_HDR_FMT "%-40s %12s %12s %12s %12s %12s"
#define SPLIT_ROW_FMT "%-40.40s %12.3f %12.3f %12.3f %12.3f %12.3f"
#define MJ(v)         ((double)(v) / 1000.0)

/* ---- batch ------------------------------------------------------------------ */

static void print_json_line(const top_state *ts)
{
	const cs_host *h = &ts->host;
	const cs_carbon *cb = cs_node_carbon(ts->node);
	json_t *o = json_object(), *procs = json_array();
	const top_proc *p;
	size_t i = 0, listed = 0;
	double lcpu = 0, lw = 0;
	top_rest rest;
	top_carbon c;
	char when[40];
	char *s;

	carbon_now(ts, &c);
	cli_iso8601_now(when, sizeof when);
	while (listed < TOP_JSON_PROCS && (p = next_listed(ts, &i, true)) != NULL) {
		double cpu = cpu_percent(ts, p);

		json_array_append_new(procs,
		                      json_pack("{s:i, s:s, s:f, s:f, s:f, s:f, s:b}", "pid", p->pid, "comm", p->comm,
		                                "cpu_percent", cpu, "power_w", p->power_w, "energy_j", p->energy_j,
		                                "cumulative_j", p->cum_j, "kernel_thread", p->kthread));
		listed++;
		lcpu += cpu;
		lw += p->power_w;
	}
	rest_of(ts, listed, lcpu, lw, &rest);
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "interval_s", json_real(h->sum.dt_s));
	json_object_set_new(o, "power_w", json_real(h->sum.power_w));
	json_object_set_new(o, "energy_j", json_real(h->sum.energy_j));
	json_object_set_new(o, "cpu_power_w", json_real(h->sum.cpu_power_w));
	json_object_set_new(o, "measured", json_boolean(h->sum.measured));
	json_object_set_new(o, "sources", cli_host_sources_json(h));
	json_object_set_new(o, "components", cli_host_channels_json(h));
	json_object_set_new(o, "intensity_gco2e_per_kwh", cli_json_real_or_null(cb->intensity_g_per_kwh));
	json_object_set_new(o, "intensity_source",
	                    cb->intensity_source[0] ? json_string(cb->intensity_source) : json_null());
	json_object_set_new(o, "operational_gco2e", c.loc ? json_real(c.op_g) : json_null());
	json_object_set_new(o, "embodied_gco2e", c.emb ? json_real(c.emb_g) : json_null());
	json_object_set_new(o, "cumulative_energy_j", json_real(h->sum.total_j));
	json_object_set_new(o, "cumulative_gco2e",
	                    (c.loc || c.emb) ? json_real(c.cum_op_g + c.cum_emb_g) : json_null());
	json_object_set_new(o, "elapsed_s", json_real(h->sum.elapsed_s));
	json_object_set_new(o, "processes_power_w", json_real(ts->procs_w));
	json_object_set_new(o, "processes", procs);
	json_object_set_new(o, "other_processes",
	                    json_pack("{s:I, s:f, s:f}", "count", (json_int_t)rest.count, "cpu_percent", rest.cpu,
	                              "power_w", rest.power_w));
	if (ts->by_set)
		split_json(o, ts);
	s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10));
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
	}
	free(s);
	json_decref(o);
	fflush(stdout);
}

static void print_text(const top_state *ts)
{
	const cs_host *h = &ts->host;
	const cs_carbon *cb = cs_node_carbon(ts->node);
	top_carbon c;
	char when[40];

	carbon_now(ts, &c);
	cli_iso8601_now(when, sizeof when);
	printf("%s  host %.2f W  %.3f J/%.2f s  [%s: %s]  cumulative %.3f J", when, h->sum.power_w, h->sum.energy_j,
	       h->sum.dt_s, h->sum.measured ? "measured" : "modelled", h->sources_str, h->sum.total_j);
	if (c.loc || c.emb)
		printf(" %.6f gCO2e", c.cum_op_g + c.cum_emb_g);
	if (c.loc)
		printf("  intensity %.1f gCO2e/kWh (%s)", cb->intensity_g_per_kwh, cb->intensity_source);
	else
		printf("  no location");
	putchar('\n');
	for (int k = 0; k < CS_COMP_COUNT; k++) {
		const cs_host_comp *hc = &h->sum.comp[k];

		if (hc->nchannels)
			printf("  %-8s %9.2f W  %s%s\n", cs_component_name((cs_component)k), hc->power_w,
			       hc->source ? hc->source : "", hc->in_total ? "" : " (not added)");
	}
	if (ts->by_set) {
		const cs_attr_result *r = cs_node_result(ts->node);
		uint64_t iu = 0;

		for (int k = 0; k < CS_PART_COUNT; k++)
			iu += r->idle_unattributed_uj[k];
		printf("  split by %s, idle policy %s (mJ)\n", cs_attr_by_name(ts->by),
		       cs_idle_policy_name(cs_node_idle_policy(ts->node)));
		printf("  " SPLIT_HDR_FMT "\n", "WORKLOAD", "TOTAL", "CPU", "DRAM", "GPU", "OTHER");
		for (size_t i = 0; i < ts->ngroups; i++) {
			const cs_attr_share *sh = &ts->rank_g[i]->share;

			printf("  " SPLIT_ROW_FMT "\n", ts->rank_g[i]->label, MJ(cs_attr_share_total_uj(sh)),
			       MJ(cs_attr_share_comp_uj(sh, CS_PART_CPU)), MJ(cs_attr_share_comp_uj(sh, CS_PART_DRAM)),
			       MJ(cs_attr_share_comp_uj(sh, CS_PART_GPU)),
			       MJ(cs_attr_share_comp_uj(sh, CS_PART_OTHER)));
		}
		printf("  " SPLIT_ROW_FMT "\n", "(system)", MJ(cs_attr_share_total_uj(&r->system)),
		       MJ(cs_attr_share_comp_uj(&r->system, CS_PART_CPU)),
		       MJ(cs_attr_share_comp_uj(&r->system, CS_PART_DRAM)),
		       MJ(cs_attr_share_comp_uj(&r->system, CS_PART_GPU)),
		       MJ(cs_attr_share_comp_uj(&r->system, CS_PART_OTHER)));
		printf("  " SPLIT_ROW_FMT "\n", "(idle unattributed)", MJ(iu), MJ(r->idle_unattributed_uj[CS_PART_CPU]),
		       MJ(r->idle_unattributed_uj[CS_PART_DRAM]), MJ(r->idle_unattributed_uj[CS_PART_GPU]),
		       MJ(r->idle_unattributed_uj[CS_PART_OTHER]));
		fflush(stdout);
		return;
	}
	printf("  %7s %-16s %7s %9s %11s\n", "PID", "COMMAND", "CPU%", "W", "J(cum)");
	{
		const top_proc *p;
		size_t i = 0, listed = 0;
		double lcpu = 0, lw = 0;
		top_rest rest;

		while (listed < TOP_TEXT_PROCS && (p = next_listed(ts, &i, true)) != NULL) {
			double cpu = cpu_percent(ts, p);

			printf("  %7d %-16.16s %7.1f %9.3f %11.3f\n", p->pid, p->comm, cpu, p->power_w, p->cum_j);
			listed++;
			lcpu += cpu;
			lw += p->power_w;
		}
		rest_of(ts, listed, lcpu, lw, &rest);
		printf("  %7s %-16s %7.1f %9.3f  (%zu processes)\n", "", "other processes", rest.cpu, rest.power_w,
		       rest.count);
	}
	fflush(stdout);
}

static int run_batch(top_state *ts)
{
	double next;

	if (!ts->json && ts->host.notice[0])
		printf("notice: %s\n", ts->host.notice);
	if (!ts->json && cs_node_carbon(ts->node)->why[0])
		printf("notice: %s\n", cs_node_carbon(ts->node)->why);
	sample(ts); /* prime */
	next = ts->host.sum.now_s + ts->interval_s;
	while (ts->iterations == 0 || ts->intervals < ts->iterations) {
		cs_sleep_until_mono(next);
		sample(ts);
		next += ts->interval_s;
		if (next < ts->host.sum.now_s)
			next = ts->host.sum.now_s + ts->interval_s;
		if (ts->json)
			print_json_line(ts);
		else
			print_text(ts);
		if (ferror(stdout))
			return CLI_FAIL;
	}
	return CLI_OK;
}

/* ---- curses ----------------------------------------------------------------- */

static void fmt_duration(double s, char *buf, size_t cap)
{
	unsigned long t = (unsigned long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, cap, "%luh%02lum%02lus", t / 3600, (t / 60) % 60, t % 60);
	else if (t >= 60)
		snprintf(buf, cap, "%lum%02lus", t / 60, t % 60);
	else
		snprintf(buf, cap, "%.1fs", s);
}

/* One screen line, clipped to the width (no wrapping onto the next line on
 * a narrow ssh terminal); lines past the bottom are dropped. */
static void line(int *y, int x, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void line(int *y, int x, const char *fmt, ...)
{
	char buf[1024];
	int rows, cols;
	va_list ap;

	getmaxyx(stdscr, rows, cols);
	if (*y >= rows || x >= cols) {
		(*y)++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	mvaddnstr(*y, x, buf, cols - x);
	(*y)++;
}

static void draw(const top_state *ts)
{
	const cs_host *h = &ts->host;
	const cs_carbon *cb = cs_node_carbon(ts->node);
	int rows, cols, y = 0;
	char when[40], el[32], carbon[160] = "";
	top_carbon c;

	carbon_now(ts, &c);
	getmaxyx(stdscr, rows, cols);
	(void)cols;
	erase();
	cli_iso8601_now(when, sizeof when);
	fmt_duration(h->sum.elapsed_s, el, sizeof el);
	line(&y, 0, "carbonstat top - %s  every %.2gs  (q quits)", when, ts->interval_s);
	line(&y, 0, "Host power %8.2f W   [%s: %s]", h->sum.power_w, h->sum.measured ? "measured" : "modelled",
	     h->sources_str);
	for (int k = 0; k < CS_COMP_COUNT; k++) {
		const cs_host_comp *hc = &h->sum.comp[k];

		if (hc->nchannels)
			line(&y, 2, "%-8s %9.2f W  %s%s", cs_component_name((cs_component)k), hc->power_w,
			     hc->source ? hc->source : "", hc->in_total ? "" : " (inside another, not added)");
	}
	if (c.loc)
		line(&y, 0, "Intensity  %.1f gCO2e/kWh  %s  PUE %.3f", cb->intensity_g_per_kwh, cb->intensity_source,
		     cb->pue);
	else
		line(&y, 0, "Intensity  none: pass --country or --region to get gCO2e");
	if (c.loc || c.emb) {
		char op[32] = "unknown", em[32] = "unknown";

		if (c.loc)
			snprintf(op, sizeof op, "%.6f", c.cum_op_g);
		if (c.emb)
			snprintf(em, sizeof em, "%.6f", c.cum_emb_g);
		snprintf(carbon, sizeof carbon, ", %.6f gCO2e (operational %s, embodied %s)", c.cum_op_g + c.cum_emb_g,
		         op, em);
	}
	line(&y, 0, "Since start (%s): %.2f J (%.5f Wh)%s", el, h->sum.total_j, h->sum.total_j / 3600.0, carbon);
	if (h->notice[0])
		line(&y, 0, "notice: %s", h->notice);
	if (ts->by_set) {
		const cs_attr_result *r = cs_node_result(ts->node);
		double dt = h->sum.dt_s > 0 ? h->sum.dt_s : 1.0;
		uint64_t iu = 0;

		for (int k = 0; k < CS_PART_COUNT; k++)
			iu += r->idle_unattributed_uj[k];
		line(&y, 0, "Split by %s, idle policy %s: system %.2f W, idle unattributed %.2f W",
		     cs_attr_by_name(ts->by), cs_idle_policy_name(cs_node_idle_policy(ts->node)),
		     (double)cs_attr_share_total_uj(&r->system) / 1e6 / dt, (double)iu / 1e6 / dt);
		y++;
		attron(A_REVERSE);
		line(&y, 0, "%-40s %9s %9s %9s %9s %9s", "WORKLOAD (W)", "TOTAL", "CPU", "DRAM", "GPU", "OTHER");
		attroff(A_REVERSE);
		for (size_t i = 0; i < ts->ngroups && y < rows; i++) {
			const cs_attr_share *sh = &ts->rank_g[i]->share;

			line(&y, 0, "%-40.40s %9.3f %9.3f %9.3f %9.3f %9.3f", ts->rank_g[i]->label,
			     (double)cs_attr_share_total_uj(sh) / 1e6 / dt,
			     (double)cs_attr_share_comp_uj(sh, CS_PART_CPU) / 1e6 / dt,
			     (double)cs_attr_share_comp_uj(sh, CS_PART_DRAM) / 1e6 / dt,
			     (double)cs_attr_share_comp_uj(sh, CS_PART_GPU) / 1e6 / dt,
			     (double)cs_attr_share_comp_uj(sh, CS_PART_OTHER) / 1e6 / dt);
		}
		refresh();
		return;
	}
	line(&y, 0, "Processes %.2f W of host %.2f W; system + idle unattributed %.2f W", ts->procs_w, h->sum.power_w,
	     h->sum.power_w > ts->procs_w ? h->sum.power_w - ts->procs_w : 0.0);
	y++;
	attron(A_REVERSE);
	line(&y, 0, "%7s %-16s %7s %9s %11s", "PID", "COMMAND", "CPU%", "W", "J(cum)");
	attroff(A_REVERSE);
	{
		const top_proc *p;
		size_t i = 0, listed = 0;
		double lcpu = 0, lw = 0;
		top_rest rest;

		/* the last row says what the rows that do not fit draw */
		while (y < rows - 1 && (p = next_listed(ts, &i, false)) != NULL) {
			double cpu = cpu_percent(ts, p);

			line(&y, 0, "%7d %-16.16s %7.1f %9.3f %11.3f", p->pid, p->comm, cpu, p->power_w, p->cum_j);
			listed++;
			lcpu += cpu;
			lw += p->power_w;
		}
		rest_of(ts, listed, lcpu, lw, &rest);
		line(&y, 0, "%7s %-16s %7.1f %9.3f  (%zu processes%s)", "", "other processes", rest.cpu, rest.power_w,
		     rest.count, ts->kthreads ? "" : ", idle kernel threads among them");
	}
	refresh();
}

/* A pending SIGINT/SIGTERM/SIGHUP (all blocked)? */
static bool stop_requested(const sigset_t *set)
{
	struct timespec zero = {0, 0};

	return sigtimedwait(set, NULL, &zero) > 0;
}

static int run_curses(top_state *ts, const sigset_t *stopset)
{
	SCREEN *scr = newterm(NULL, stdout, stdin);
	double next;
	bool quit = false;

	if (!scr) {
		cli_error(CMD, "cannot drive terminal '%s'; use -b for batch output",
		          getenv("TERM") ? getenv("TERM") : "(TERM unset)");
		return CLI_FAIL;
	}
	set_term(scr);
	cbreak();
	noecho();
	curs_set(0);
	keypad(stdscr, TRUE);
	sample(ts);
	next = ts->host.sum.now_s + ts->interval_s;
	draw(ts);
	while (!quit) {
		double left = next - cs_mono_s();
		int ch;

		if (left <= 0) {
			sample(ts);
			next += ts->interval_s;
			if (next < ts->host.sum.now_s)
				next = ts->host.sum.now_s + ts->interval_s;
			draw(ts);
			if (ts->iterations && ts->intervals >= ts->iterations)
				break;
			continue;
		}
		/* Wake at least every 200 ms to notice signals. */
		timeout(left > 0.2 ? 200 : (int)(left * 1000.0) + 1);
		ch = getch();
		if (ch == 'q' || ch == 'Q')
			quit = true;
		else if (ch == KEY_RESIZE || ch == 12 /* ^L */)
			draw(ts);
		if (stop_requested(stopset))
			quit = true;
	}
	endwin();
	delscreen(scr);
	return CLI_OK;
}

/* ---- command ----------------------------------------------------------------- */

static int top_opt(void *ctx, const char *cmd, int id, const char *arg)
{
	top_state *ts = ctx;
	int rc = 0;

	switch (id) {
	case CLI_OPT_TOP_INTERVAL: rc = cli_number(cmd, "--interval", arg, 0.05, 3600, &ts->interval_s); break;
	case CLI_OPT_BATCH: ts->batch = true; break;
	case CLI_OPT_ITERATIONS: rc = cli_count(cmd, "-n", arg, 1, 100000000, &ts->iterations); break;
	case CLI_OPT_JSON: ts->json = true; break;
	case CLI_OPT_KERNEL_THREADS: ts->kthreads = true; break;
	case CLI_OPT_BY:
		if (cs_attr_by_parse(arg, &ts->by) != 0) {
			cli_error(cmd, "--by '%s': use process, cgroup, container, pod, owner, namespace or team", arg);
			rc = CLI_USAGE;
		}
		ts->by_set = true;
		break;
	case CLI_OPT_IDLE_POLICY:
		if (cs_idle_policy_parse(arg, &ts->nopts.idle_policy) != 0) {
			cli_error(cmd, "--idle-policy '%s': use requests, usage, equal or none", arg);
			rc = CLI_USAGE;
		}
		ts->nopts.idle_policy_set = true;
		break;
	case CLI_OPT_CONFIG: ts->config_path = arg; break;
	case CLI_OPT_KUBELET_URL: ts->nopts.kubelet_url = arg; break;
	case CLI_OPT_NO_KUBELET: ts->nopts.kubelet = CS_NODE_KUBELET_OFF; break;
	case CLI_OPT_DOCKER_ROOT: ts->nopts.docker_root = arg; break;
	case CLI_OPT_CONTAINERD_ROOT: ts->nopts.containerd_root = arg; break;
	}
	return rc;
}

int cmd_top(int argc, char **argv)
{
	top_state *ts = calloc(1, sizeof *ts);
	cs_host_opts ho;
	cli_getopt_spec sp = {.cmd = CMD, .opts = top_ids, .help = top_help, .host = &ho, .on_opt = top_opt, .ctx = ts};
	sigset_t stopset, oldmask;
	int rc = CLI_OK;

	if (!ts) {
		cli_error(CMD, "out of memory");
		return CLI_FAIL;
	}
	ts->interval_s = 2.0;
	cs_host_opts_init(&ho);
	if ((rc = cli_getopt(&sp, argc, argv)) >= 0)
		goto out;
	rc = CLI_OK;
	if (!ts->by_set &&
	    (ts->nopts.idle_policy_set || ts->config_path || ts->nopts.kubelet_url ||
	     ts->nopts.kubelet == CS_NODE_KUBELET_OFF || ts->nopts.docker_root || ts->nopts.containerd_root)) {
		cli_error(CMD, "--idle-policy, --config, --kubelet-url, --no-kubelet, --docker-root and "
		               "--containerd-root need --by; see 'carbonstat top --help'");
		rc = CLI_USAGE;
		goto out;
	}
	if (ts->nopts.kubelet_url && ts->nopts.kubelet == CS_NODE_KUBELET_OFF) {
		cli_error(CMD, "--kubelet-url and --no-kubelet contradict each other; give one");
		rc = CLI_USAGE;
		goto out;
	}
	/* with --by the cgroup tree is read: a root that is not there is a typo */
	if (ts->by_set && (rc = cli_root_dir(CMD, "--cgroup-root", ho.cgroup_root)) != 0)
		goto out;
	if (ts->json || !isatty(STDOUT_FILENO))
		ts->batch = true;
	rc = cli_host_setup(CMD, &ho, &ts->host);
	if (rc)
		goto out;
	if (ts->config_path) {
		cs_agent_opts ao = {.config_path = ts->config_path};
		char why[640] = "";

		if (cs_agent_config(&ao, &ts->conf, why, sizeof why) != 0) {
			cli_error(CMD, "%s", why[0] ? why : "cannot read the config file");
			rc = CLI_USAGE;
			goto out;
		}
		ts->nopts.config = ts->conf;
	}
	{
		char why[640] = "";

		/* the workload set: the node's cgroups with --by (and the
		 * processes outside them for --by process), else every process */
		ts->nopts.host = &ts->host;
		ts->nopts.scope = ts->by_set ? CS_NODE_ALL : CS_NODE_PROCESSES;
		ts->nopts.by_process = ts->by_set && ts->by == CS_BY_PROCESS;
		ts->nopts.runtime_names = ts->by_set; /* where no kubelet names them */
		if (cs_node_open(&ts->nopts, &ts->node, why, sizeof why) != 0) {
			cli_error(CMD, "%s", why[0] ? why : "cannot set up attribution");
			rc = CLI_FAIL;
			goto out;
		}
	}
	if (grow(ts, 1) != 0) {
		cli_error(CMD, "out of memory");
		rc = CLI_FAIL;
		goto out;
	}
	if (ts->batch) {
		rc = run_batch(ts);
	} else {
		sigemptyset(&stopset);
		sigaddset(&stopset, SIGINT);
		sigaddset(&stopset, SIGTERM);
		sigaddset(&stopset, SIGHUP);
		sigprocmask(SIG_BLOCK, &stopset, &oldmask);
		rc = run_curses(ts, &stopset);
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
	}
out:
	cs_node_close(ts->node);
	cs_conf_free(ts->conf);
	free(ts->rank_g);
	cs_host_destroy(&ts->host);
	free(ts->cur);
	free(ts->prev);
	free(ts->rank);
	free(ts);
	return rc;
}
