/* agent/agent.c - the sampling loop, reload and shutdown; see agent.h. */
#include "agent/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <carbonstat/error.h>
#include <carbonstat/version.h>

#include "pipeline/rows.h"
#include "attribution/cgroup_scan.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/why.h"
#include "k8s/kubelet.h"
#include "carbon/grid_live.h"
#include "exporters/exporter.h"
#include "platform/host.h"

#define AG_MAX_EXPORTERS 8

typedef struct ag_exporter {
	const cs_exporter_ops *ops;
	void *st;     /* NULL = not running */
	double dur_s; /* last publish */
	uint64_t errors;
	cs_log_limiter log; /* its last error, not repeated within CS_LOG_REPEAT_S */
} ag_exporter;

struct cs_agent {
	cs_agent_opts o;
	cs_conf *cfg;
	const cs_agent_conf *ag; /* cfg's [agent] */
	cs_host host;
	bool host_ok;
	cs_node *node;
	cs_rows *rows;
	cs_grid_live *grid;
	ag_exporter ex[AG_MAX_EXPORTERS];
	size_t nex;
	int sigfd;
	sigset_t oldmask;
	int statm_fd;
	char node_name[256];
	char cluster[CS_AGENT_CLUSTER_MAX]; /* [agent] cluster at start (an identity, like the node's) */
	char power_model[400];
	cs_log_limiter grid_log;
	cs_log_limiter kubelet_log; /* each new kubelet error once */

	uint64_t alloc_epoch; /* cs_node_alloc_epoch at the last trim */
	uint64_t seq;         /* cycles exported */
	uint64_t overruns;
	int64_t last_tick;   /* index of the last wall-clock tick run (interval multiples) */
	double last_cycle_s; /* duration of the last full cycle */
	double last_sample_mono;
	uint64_t node_tot_uj[CS_PART_COUNT];
	uint64_t cpu_busy_us, cpu_total_us; /* the node's CPU time since start, all CPUs */
	cs_grid_value grid_val;
	cs_snapshot snap;
	bool stop;
};

/* ---- small helpers ---------------------------------------------------------------- */

static const char *ag_prefix(const cs_agent *a)
{
	return a->o.log_prefix ? a->o.log_prefix : "carbonstat agent";
}

__attribute__((format(printf, 2, 3))) static void ag_log(const cs_agent *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cs_vlog(ag_prefix(a), fmt, ap);
	va_end(ap);
}

/* ---- configuration ---------------------------------------------------------------- */

int cs_agent_config(const cs_agent_opts *o, cs_conf **out, char *err, size_t errcap)
{
	const cs_conf_section *secs[CS_AGENT_SECTIONS_MAX];
	size_t n = cs_agent_sections(secs, CS_AGENT_SECTIONS_MAX);
	cs_conf_layers l = {.path = o->config_path, .envp = o->envp, .args = o->args, .nargs = o->nargs};

	if (n > CS_AGENT_SECTIONS_MAX)
		return CS_ERANGE;
	return cs_conf_build(secs, n, &l, out, err, errcap);
}

static const cs_agent_conf *agent_conf_of(const cs_conf *c)
{
	return cs_conf_get(c, &cs_agent_section);
}

static void node_name_of(const cs_agent_conf *c, char *out, size_t cap)
{
	const char *env = getenv("NODE_NAME");

	if (c->node_name[0])
		snprintf(out, cap, "%s", c->node_name);
	else if (env && env[0])
		snprintf(out, cap, "%s", env);
	else if (gethostname(out, cap) != 0 || !out[0])
		snprintf(out, cap, "unknown");
	out[cap - 1] = '\0';
}

/* Cycles in duration d_s (at least 1): memory is re-read every
 * memstat_every(memory_stat) cycles, and a stable workload's every
 * memstat_every(memory_stat_max) at most. */
static unsigned memstat_every(const cs_agent_conf *c, double d_s)
{
	double n = d_s > 0 && c->interval_s > 0 ? ceil(d_s / c->interval_s) : 1;

	return n < 1 ? 1u : n > 100000 ? 100000u : (unsigned)n;
}

/* The scanner's longest memory interval: none beyond memory_stat when that
 * is 0 (every cycle, through kept-open files). */
static unsigned memstat_max_every(const cs_agent_conf *c)
{
	return c->memory_stat_s > 0 ? memstat_every(c, c->memstat_max_s) : 1;
}

/* Kernel memory of one kept-open cgroup file: its seq_file buffer (a page)
 * plus ~340 bytes (struct file, kernfs and seq_file state), 4,432 bytes
 * measured on 4 KiB pages. */
static uint64_t file_kernel_bytes(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return (uint64_t)(page > 0 ? page : 4096) + CS_AGENT_FILE_OVERHEAD_BYTES;
}

/* Kept-open cgroup files within [agent] kernel_memory. At least 1. */
static unsigned kept_files(const cs_agent_conf *c)
{
	uint64_t n = c->kernel_memory / file_kernel_bytes();

	return n < 1 ? 1u : n > UINT32_MAX ? UINT32_MAX : (unsigned)n;
}

/* Kept-open files per 1,000 workloads within [agent]
 * kernel_memory_per_workload (the budget when more than kernel_memory's). */
static unsigned kept_files_per_kwl(const cs_agent_conf *c)
{
	uint64_t n = c->kernel_memory_per_workload * 1000 / file_kernel_bytes();

	return n > UINT32_MAX ? UINT32_MAX : (unsigned)n;
}

/* Directory descriptors in the kernel memory of one kept-open file (17 on
 * 4 KiB pages): [agent] kernel_memory covers both. */
static unsigned dirs_per_file(void)
{
	return (unsigned)(file_kernel_bytes() / CS_AGENT_DIR_FD_BYTES);
}

uint64_t cs_agent_kernel_bytes(uint64_t files, uint64_t dirs)
{
	return files * file_kernel_bytes() + dirs * CS_AGENT_DIR_FD_BYTES;
}

/* ---- exporters --------------------------------------------------------------------- */

static int exporter_open(cs_agent *a, ag_exporter *e, const cs_conf *cfg, char *why, size_t cap)
{
	cs_export_env env = {
	    .conf = cs_conf_get(cfg, e->ops->conf), .node = a->node_name, .interval_s = agent_conf_of(cfg)->interval_s};
	char w[512] = "";
	int rc = e->ops->open(&env, &e->st, w, sizeof(w));

	if (rc) {
		e->st = NULL;
		cs_set_why(why, cap, "%s", w[0] ? w : cs_strerror(rc));
	}
	return rc;
}

static void exporter_close(ag_exporter *e)
{
	if (e->st)
		e->ops->close(e->st);
	e->st = NULL;
}

/* ---- open ------------------------------------------------------------------------- */

static int block_signals(cs_agent *a, char *why, size_t cap)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* before any thread exists (MHD, grid), so every thread inherits it */
	if (pthread_sigmask(SIG_BLOCK, &set, &a->oldmask) != 0) {
		cs_set_why(why, cap, "cannot block signals");
		return CS_EINVAL;
	}
	a->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (a->sigfd < 0) {
		int e = errno;

		cs_set_why(why, cap, "signalfd: %s", strerror(e));
		return -e;
	}
	/* a scrape client or StatsD peer that goes away must not kill us */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int open_host(cs_agent *a, char *why, size_t cap)
{
	cs_host_opts ho;
	const cs_agent_conf *ag = a->ag;
	int rc;

	cs_host_opts_init(&ho);
	ho.sysfs_root = a->o.sysfs_root;
	ho.procfs_root = a->o.procfs_root;
	ho.cgroup_root = a->o.cgroup_root;
	ho.metadata_url = a->o.metadata_url;
	ho.no_metadata = a->o.no_metadata;
	ho.provider = ag->provider[0] ? cs_provider_parse(ag->provider) : CS_PROVIDER_UNKNOWN;
	ho.instance = ag->instance[0] ? ag->instance : NULL;
	ho.region = ag->region[0] ? ag->region : NULL;
	ho.country = ag->country[0] ? ag->country : NULL;
	ho.country_fallback = true;
	rc = cs_host_init(&a->host, &ho, why, cap);
	if (rc)
		return rc;
	a->host_ok = true;
	return 0;
}

static int open_grid(cs_agent *a, const cs_conf *cfg, cs_grid_live **out, char *why, size_t cap)
{
	const cs_country *ct = cs_node_carbon(a->node)->country;
	const cs_grid_conf *g = cs_conf_get(cfg, &cs_grid_section);

	*out = NULL;
	if (!g->live)
		return 0;
	return cs_grid_live_open(g, ct ? cs_country_iso2(ct) : "", out, why, cap);
}

int cs_agent_open(const cs_agent_opts *o, cs_agent **out, char *why, size_t whycap)
{
	cs_agent *a;
	cs_node_opts no;
	char w[640] = "";
	int rc;

	*out = NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return CS_ENOMEM;
	a->o = *o;
	a->sigfd = -1;
	/* The daemon's memory stays near what it uses: large buffers (the
	 * exposition, ~1.5 MB at 1,000 containers) are mmapped and given back
	 * when freed, not kept in a heap by glibc's sliding mmap threshold;
	 * two arenas for its few threads (MHD, grid, gate). */
	(void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	(void)mallopt(M_ARENA_MAX, 2);
	a->statm_fd = -1;
	a->last_tick = -1;
	rc = cs_agent_config(o, &a->cfg, why, whycap);
	if (rc) {
		free(a);
		return rc;
	}
	a->ag = agent_conf_of(a->cfg);
	node_name_of(a->ag, a->node_name, sizeof(a->node_name));
	memcpy(a->cluster, a->ag->cluster, sizeof(a->cluster));
	if ((rc = block_signals(a, why, whycap)) != 0)
		goto fail;
	if ((rc = open_host(a, why, whycap)) != 0)
		goto fail;
	if (a->host.sum.modelled || !a->host.sum.measured)
		snprintf(a->power_model, sizeof(a->power_model), "%s", a->host.model.desc);

	memset(&no, 0, sizeof(no));
	no.host = &a->host;
	no.config = a->cfg;
	no.by_process = a->ag->processes;
	no.refresh_s = a->ag->refresh_s;
	no.cg.memstat_every = memstat_every(a->ag, a->ag->memory_stat_s);
	no.cg.memstat_max = memstat_max_every(a->ag);
	no.cg.mem_on_cadence = no.cg.memstat_every > 1;
	no.cg.max_fds = kept_files(a->ag);
	no.cg.max_fds_per_kwl = kept_files_per_kwl(a->ag);
	no.cg.dirs_per_file = dirs_per_file();
	no.cg.watch = true;
	rc = cs_node_open(&no, &a->node, w, sizeof(w));
	if (rc) {
		cs_set_why(why, whycap, "%s", w[0] ? w : "cannot set up attribution");
		goto fail;
	}
	rc = cs_rows_open(a->ag->workloads, a->ag->max_series / 8 ? a->ag->max_series / 8 : 1, &a->rows);
	if (rc)
		goto fail;
	rc = open_grid(a, a->cfg, &a->grid, why, whycap);
	if (rc)
		goto fail;
	for (size_t i = 0; i < cs_exporters_len && a->nex < AG_MAX_EXPORTERS; i++) {
		ag_exporter *e = &a->ex[a->nex++];

		e->ops = cs_exporters[i];
		if (!cs_conf_enabled(a->cfg, e->ops->conf))
			continue;
		rc = exporter_open(a, e, a->cfg, why, whycap);
		if (rc)
			goto fail;
	}
	a->statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	/* prime the counters: the first cycle measures from here */
	(void)cs_node_sample(a->node);
	a->last_sample_mono = cs_mono_s();
	*out = a;
	return 0;
fail:
	cs_agent_close(a);
	return rc;
}

/* ---- one cycle ---------------------------------------------------------------------- */

static uint64_t rss_bytes(cs_agent *a)
{
	char buf[128];
	ssize_t n;
	unsigned long long size, res;

	if (a->statm_fd < 0)
		return 0;
	n = pread(a->statm_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &size, &res) != 2)
		return 0;
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill_comps(cs_agent *a, const cs_attr_result *res, double dt)
{
	const cs_host_sum *sum = &a->host.sum;
	cs_snapshot *s = &a->snap;
	unsigned measured = 0, modelled = 0;

	s->power_w = 0;
	for (int c = 0; c < CS_PART_COUNT; c++) {
		cs_snap_comp *k = &s->comp[c];

		memset(k, 0, sizeof(*k));
		k->source = "";
		for (int hc = 0; hc < CS_COMP_COUNT; hc++) {
			const cs_host_comp *h = &sum->comp[hc];

			if (!h->nchannels || !h->in_total || cs_part_of((cs_component)hc) != (cs_part)c)
				continue;
			if (!k->present) {
				k->present = true;
				k->measured = h->measured;
				k->source = h->source ? h->source : "";
			}
		}
		a->node_tot_uj[c] += res->node_uj[c];
		k->energy_uj = res->node_uj[c];
		k->energy_uj_total = a->node_tot_uj[c];
		k->power_w = dt > 0 ? (double)res->node_uj[c] / 1e6 / dt : 0.0;
		s->power_w += k->power_w;
		if (k->present)
			k->measured ? measured++ : modelled++;
	}
	s->mode = measured && modelled ? "mixed" : measured ? "measured" : "modelled";
	s->power_model = modelled ? a->power_model : "";
}

static void fill_self(cs_agent *a)
{
	cs_snap_self *self = &a->snap.self;
	cs_cgscan_stats cg;
	size_t ch = 0;

	self->cycles_total = a->seq;
	self->overruns_total = a->overruns;
	self->cycle_duration_s = a->last_cycle_s;
	self->cpu_seconds_total = cpu_s();
	self->resident_bytes = rss_bytes(a);
	cs_cgscan_stats_get(cs_node_cgscan(a->node), &cg);
	self->nsensor = 0;
	for (size_t i = 0; i < a->host.nprobes && self->nsensor < CS_SNAP_MAX_STAGES; i++) {
		const cs_host_probe *p = &a->host.probes[i];

		if (!p->used)
			continue;
		ch += p->sensor->nchannels;
		self->sensor[self->nsensor++] = (cs_snap_stage){p->ops->name, p->read_s, p->read_errors};
	}
	/* kept-open descriptors: cgroup stat files, sensor channels, /proc/stat
	 * + meminfo + statm */
	self->open_files = cg.kept_fds + cg.kept_dirs + ch + 3;
	self->kernel_memory_bytes = cs_agent_kernel_bytes(cg.kept_fds, cg.kept_dirs);
	self->read_bytes_total = a->host.io.bytes;
	self->grid_errors_total = a->grid ? cs_grid_live_errors(a->grid) : 0;
	self->kubelet_errors_total = cs_node_kubelet_failures(a->node);
	self->rows_folded = cs_rows_folded(a->rows);
	self->nexporter = 0;
	for (size_t i = 0; i < a->nex; i++) {
		if (!a->ex[i].st)
			continue;
		self->exporter[self->nexporter++] =
		    (cs_snap_stage){cs_exporter_name(a->ex[i].ops), a->ex[i].dur_s, a->ex[i].errors};
	}
}

static void grid_value(cs_agent *a)
{
	cs_grid_value st;

	cs_grid_static(cs_node_carbon(a->node), &st);
	if (a->grid) {
		char err[256];

		cs_grid_live_get(a->grid, &st, &a->grid_val);
		cs_grid_live_last_error(a->grid, err, sizeof(err));
		cs_log_limited(&a->grid_log, ag_prefix(a), "grid", err);
	} else {
		a->grid_val = st;
	}
}

static void cycle(cs_agent *a)
{
	const cs_workload *wl;
	const cs_attr_share *sh;
	const cs_attr_result *res;
	const cs_attr_group *groups = NULL;
	const size_t *first = NULL;
	size_t n, ns, ng = 0;
	cs_attr_by by = cs_rows_granularity(a->rows);
	cs_rows_input in;
	double t0 = cs_mono_s(), dt, pue, emb_rate;
	cs_snapshot *s = &a->snap;
	const cs_carbon *cb = cs_node_carbon(a->node);
	int rc;

	rc = cs_node_sample(a->node);
	if (rc && rc != CS_EUNAVAIL)
		ag_log(a, "sample: %s", cs_strerror(rc));
	a->last_sample_mono = t0;
	{
		const cs_attr_node *an = cs_node_input(a->node);

		a->cpu_busy_us += an->cpu_busy_usec;
		a->cpu_total_us += an->cpu_total_usec;
		s->cpu_busy_us = an->cpu_busy_usec;
		s->cpu_total_us = an->cpu_total_usec;
	}
	wl = cs_node_workloads(a->node, &n);
	sh = cs_node_shares(a->node, &ns);
	res = cs_node_result(a->node);
	dt = a->host.sum.dt_s;
	rc = cs_rows_by_groups(by) ? cs_node_rollup(a->node, by, &groups, &first, &ng) : 0;
	if (rc)
		ag_log(a, "roll-up: %s", cs_strerror(rc));
	grid_value(a);
	pue = a->ag->pue > 0 ? a->ag->pue : cb->pue;
	emb_rate = a->ag->embodied_g_per_h >= 0 ? a->ag->embodied_g_per_h : cb->embodied_g_per_h;

	/* from here the last snapshot's rows change: exporters that render it
	 * lazily stop until publish() */
	for (size_t i = 0; i < a->nex; i++)
		if (a->ex[i].st && a->ex[i].ops->hold)
			a->ex[i].ops->hold(a->ex[i].st);
	memset(&in, 0, sizeof(in));
	in.wl = wl;
	in.shares = sh;
	in.n = n < ns ? n : ns;
	in.groups = groups;
	in.first = first;
	in.ngroups = ng;
	in.res = res;
	in.dt_s = dt;
	in.intensity_g_per_kwh = a->grid_val.g_per_kwh;
	in.pue = pue;
	in.embodied_g = cs_carbon_embodied_g(emb_rate, dt);
	if (cs_rows_update(a->rows, &in) != 0)
		ag_log(a, "out of memory: workloads beyond the current ones are counted in the overflow row");

	a->seq++;
	s->node = a->node_name;
	s->cluster = a->cluster;
	s->version = CARBONSTAT_VERSION;
	s->seq = a->seq;
	s->time_ms = (int64_t)llround(cs_real_s() * 1000.0);
	s->interval_s = dt;
	fill_comps(a, res, dt);
	s->intensity_g_per_kwh = a->grid_val.g_per_kwh;
	s->intensity_source = a->grid_val.source;
	s->intensity_zone = a->grid_val.zone;
	s->intensity_dataset = a->grid_val.dataset;
	s->pue = pue;
	s->embodied_g_per_h = emb_rate;
	cs_rows_node_carbon(a->rows, s->carbon_g, s->carbon_g_total);
	s->provider = cb->provider != CS_PROVIDER_UNKNOWN ? cs_provider_name(cb->provider) : "";
	s->region = cb->region ? cs_region_name(cb->region) : "";
	s->instance = cb->instance ? cs_instance_name(cb->instance) : "";
	s->instance_id = a->ag->instance_id[0] ? a->ag->instance_id : a->host.cloud.instance_id;
	s->instance_name = a->host.cloud.instance_name;
	s->cpu_busy_us_total = a->cpu_busy_us;
	s->cpu_total_us_total = a->cpu_total_us;
	s->rows = cs_rows_snapshot(a->rows, &s->nrows);
	fill_self(a);
	s->self.series = s->nrows;
	{
		const char *ke = cs_node_kubelet_error(a->node);

		if (!ke || !ke[0])
			cs_log_limited(&a->kubelet_log, ag_prefix(a), "kubelet", "");
		else if (strcmp(ke, a->kubelet_log.last) != 0)
			cs_log_limited(&a->kubelet_log, ag_prefix(a), "kubelet", ke);
	}

	for (size_t i = 0; i < a->nex; i++) {
		ag_exporter *e = &a->ex[i];
		char why[512] = "";
		double te;

		if (!e->st)
			continue;
		te = cs_mono_s();
		rc = e->ops->publish(e->st, s, why, sizeof(why));
		e->dur_s = cs_mono_s() - te;
		if (rc) {
			e->errors++;
			cs_log_limited(&e->log, ag_prefix(a), cs_exporter_name(e->ops), why[0] ? why : cs_strerror(rc));
		} else {
			cs_log_limited(&e->log, ag_prefix(a), cs_exporter_name(e->ops), "");
		}
	}
	a->last_cycle_s = cs_mono_s() - t0;
	/* A cycle that walked the cgroup tree or fetched the kubelet's pod list
	 * (once a minute) left freed blocks inside the heap, where glibc keeps
	 * them resident (~0.65 MB at 1,000 containers): give them back. Other
	 * cycles allocate nothing, so nothing to give. */
	if (cs_node_alloc_epoch(a->node) != a->alloc_epoch) {
		a->alloc_epoch = cs_node_alloc_epoch(a->node);
		(void)malloc_trim(0);
	}
}

/* ---- reload --------------------------------------------------------------------------- */

static void restart_note(cs_agent *a, const cs_conf *nc)
{
	const cs_agent_conf *o = a->ag, *n = agent_conf_of(nc);

	if (o->processes != n->processes || o->refresh_s != n->refresh_s || strcmp(o->region, n->region) ||
	    strcmp(o->provider, n->provider) || strcmp(o->instance, n->instance) || strcmp(o->country, n->country) ||
	    strcmp(o->node_name, n->node_name) || strcmp(a->cluster, n->cluster) ||
	    !cs_conf_same(a->cfg, nc, &cs_kubelet_section))
		ag_log(a, "reload: [agent] processes/refresh/location/instance/node_name/cluster or [kubelet] changed; "
		          "restart the agent to apply those");
}

static void reload(cs_agent *a)
{
	cs_conf *nc;
	const cs_agent_conf *n;
	char err[640] = "";
	int rc;

	rc = cs_agent_config(&a->o, &nc, err, sizeof(err));
	if (rc) {
		ag_log(a, "reload failed, keeping the running configuration: %s", err[0] ? err : cs_strerror(rc));
		return;
	}
	n = agent_conf_of(nc);
	restart_note(a, nc);
	if (cs_node_set_config(a->node, nc) != 0)
		ag_log(a, "reload: out of memory applying the team maps; keeping the old ones");
	cs_cgscan_set_memstat_every(cs_node_cgscan(a->node), memstat_every(n, n->memory_stat_s), memstat_max_every(n));
	if (n->workloads != cs_rows_granularity(a->rows) || n->max_series != a->ag->max_series) {
		cs_rows *r;

		/* new series set: the old series end, the new ones start at 0 */
		if (cs_rows_open(n->workloads, n->max_series / 8 ? n->max_series / 8 : 1, &r) == 0) {
			cs_rows_close(a->rows);
			a->rows = r;
		}
	}
	if (!cs_conf_same(nc, a->cfg, &cs_grid_section)) {
		cs_grid_live *g = NULL;

		if (open_grid(a, nc, &g, err, sizeof(err)) != 0) {
			ag_log(a, "reload: grid: %s; keeping the previous grid settings", err);
			if (cs_conf_keep(nc, a->cfg, &cs_grid_section) != 0)
				ag_log(a, "reload: out of memory keeping the grid settings");
		} else {
			cs_grid_live_close(a->grid);
			a->grid = g;
		}
	}
	for (size_t i = 0; i < a->nex; i++) {
		ag_exporter *e = &a->ex[i];
		bool was = e->st != NULL, now = cs_conf_enabled(nc, e->ops->conf);

		if (was && now && cs_conf_same(a->cfg, nc, e->ops->conf)) {
			if (e->ops->reopen && e->ops->reopen(e->st, err, sizeof(err)) != 0)
				ag_log(a, "reload: %s: %s", cs_exporter_name(e->ops), err);
			continue;
		}
		if (was)
			exporter_close(e);
		if (now && exporter_open(a, e, nc, err, sizeof(err)) != 0) {
			ag_log(a, "reload: %s: %s; restoring its previous settings", cs_exporter_name(e->ops), err);
			if (was && exporter_open(a, e, a->cfg, err, sizeof(err)) != 0)
				ag_log(a, "reload: %s: %s; it stays off until the next reload",
				       cs_exporter_name(e->ops), err);
			/* keep the old section so the next reload compares with what runs */
			if (cs_conf_keep(nc, a->cfg, e->ops->conf) != 0)
				ag_log(a, "reload: %s: out of memory keeping its settings", cs_exporter_name(e->ops));
		}
	}
	cs_conf_free(a->cfg);
	a->cfg = nc;
	a->ag = n;
	ag_log(a, "configuration reloaded");
}

/* ---- the loop ------------------------------------------------------------------------- */

static int agent_loop(cs_agent *a, double start_real);

/* Reads pending signals: returns true when asked to stop. */
static bool drain_signals(cs_agent *a)
{
	struct signalfd_siginfo si;
	bool hup = false;

	while (read(a->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			hup = true;
		else
			a->stop = true;
	}
	if (hup && !a->stop)
		reload(a);
	return a->stop;
}

/* The start line: what runs, where it reads and where it sends. */
static void log_start(cs_agent *a)
{
	const cs_carbon *cb = cs_node_carbon(a->node);
	cs_grid_value gv;
	char ex[512] = "";
	size_t n = 0;

	cs_grid_static(cb, &gv);
	for (size_t i = 0; i < a->nex && n < sizeof(ex) - 1; i++) {
		char d[200];

		if (!a->ex[i].st)
			continue;
		if (a->ex[i].ops->describe)
			a->ex[i].ops->describe(a->ex[i].st, d, sizeof(d));
		else
			snprintf(d, sizeof(d), "%s", cs_exporter_name(a->ex[i].ops));
		n += (size_t)snprintf(ex + n, sizeof(ex) - n, "%s%s", n ? ", " : "", d);
	}
	ag_log(a,
	       "started: version %s, node %s, interval %gs, power %s%s%s, location %s, intensity %s%s, "
	       "exporters: %s",
	       CARBONSTAT_VERSION, a->node_name, a->ag->interval_s, a->power_model[0] ? "modelled (" : "measured",
	       a->power_model, a->power_model[0] ? ")" : "", cb->location[0] ? cb->location : "unknown",
	       a->grid ? "live, falling back to " : "", gv.dataset[0] ? gv.dataset : gv.source, ex[0] ? ex : "none");
}

int cs_agent_run(cs_agent *a)
{
	double start_real = cs_real_s();
	int rc = 0;

	log_start(a);
	rc = agent_loop(a, start_real);
	ag_log(a, "stopped after %llu cycles (%llu overruns)", (unsigned long long)a->seq,
	       (unsigned long long)a->overruns);
	return rc;
}

static int agent_loop(cs_agent *a, double start_real)
{

	while (!a->stop) {
		double iv = a->ag->interval_s, now = cs_real_s(), wait;
		int64_t tick = (int64_t)floor(now / iv) + 1;
		struct pollfd p = {.fd = a->sigfd, .events = POLLIN};

		if (a->o.no_align && a->seq == 0 && a->last_tick < 0)
			tick = (int64_t)floor((start_real + iv) / iv); /* ~one interval after start */
		if (tick <= a->last_tick)
			tick = a->last_tick + 1;
		wait = (double)tick * iv - now;
		if (a->o.no_align && a->seq == 0 && a->last_tick < 0)
			wait = start_real + iv - now;
		if (wait < 0)
			wait = 0;
		/* round up: waking early would find the same tick again */
		if (poll(&p, 1, (int)ceil(wait * 1000.0)) > 0) {
			if (drain_signals(a))
				break;
			continue; /* a reload: recompute the wait (the interval may have changed) */
		}
		a->last_tick = tick;
		cycle(a);
		/* ticks that passed while we worked are skipped, not run late */
		now = cs_real_s();
		if (now >= (double)(tick + 1) * iv) {
			int64_t missed = (int64_t)floor(now / iv) - tick;

			a->overruns += (uint64_t)missed;
			a->last_tick = tick + missed;
		}
		if (a->o.cycles && a->seq >= a->o.cycles)
			return 0;
	}
	/* stop: a last, partial interval so nothing measured is lost */
	if (cs_mono_s() - a->last_sample_mono >= 0.05)
		cycle(a);
	return 0;
}

void cs_agent_close(cs_agent *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nex; i++)
		exporter_close(&a->ex[i]);
	cs_grid_live_close(a->grid);
	cs_rows_close(a->rows);
	cs_node_close(a->node);
	if (a->host_ok)
		cs_host_destroy(&a->host);
	if (a->statm_fd >= 0)
		close(a->statm_fd);
	if (a->sigfd >= 0) {
		close(a->sigfd);
		pthread_sigmask(SIG_SETMASK, &a->oldmask, NULL);
	}
	cs_conf_free(a->cfg);
	free(a);
}
