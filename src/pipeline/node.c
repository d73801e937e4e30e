/* pipeline/node.c - the node sampler (see node.h): one interval = host
 * sample, the scope's cgroup/process sample, kubelet and teams, GPU use,
 * node CPU and memory, the conserved split. Owns every buffer the split
 * needs and grows them only when the workload count grows. */
#include "pipeline/node.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <carbonstat/error.h>

#include "attribution/gpu_use.h"
#include "attribution/pod_meta.h"
#include "attribution/proc_scan.h"
#include "attribution/runtime_meta.h"
#include "core/clock.h"
#include "core/mem.h"
#include "core/str.h"
#include "core/why.h"
#include "io/procstat.h"
#include "k8s/kubelet.h"
#include "ownership/teams.h"

struct cs_node {
	cs_host own_host; /* used when no host was given */
	cs_host *host;    /* &own_host or the caller's */
	bool host_owned;
	cs_node_scope scope;
	cs_cgscan *cg;              /* NULL in the process scopes */
	cs_procscan *ps;            /* NULL unless processes are workloads */
	cs_conf *cfg;               /* own copy: [attribution], [kubelet], [teams] at least */
	const cs_teams_conf *teams; /* cfg's [teams] */
	cs_carbon carbon;           /* the host's static figures */
	cs_kubelet *kl;             /* NULL when the kubelet is not used */
	cs_podmeta podmeta;         /* the annotator's scratch */
	bool rt_names;              /* name containers from the runtime's files (no kubelet) */
	bool rt_due;                /* a refresh found workloads since the last naming */
	char docker_root[256], containerd_root[256];
	cs_idle_tracker idle; /* measured mode */
	cs_idle_source idle_src[CS_PART_COUNT];
	cs_idle_policy policy;
	bool policy_pinned; /* given by the caller: a new config does not change it */
	cs_procstat_reader stat;
	bool stat_ok;
	cs_cpu_times stat_prev;
	bool stat_primed;
	cs_meminfo_reader mem;
	bool mem_ok;
	long hz;
	double refresh_s;
	double last_refresh_s;
	bool refresh_asked;
	/* Pod names, requests and teams are written into the scanner's array,
	 * where they stay: they are written again only when the workloads, the
	 * pod index or the config changed, or something was unknown last time. */
	uint64_t meta_epoch; /* the scanner's added + removed when last written */
	uint64_t kl_gen;     /* the kubelet index's generation when last written */
	size_t meta_unknown; /* unknown pods/containers the last time */
	bool meta_stale;     /* write them at the next sample whatever the rest */

	/* The last interval. */
	cs_workload *wl; /* the cgroup scanner's array, or merged below */
	size_t n;
	cs_pool pool;        /* owns merged, shares, scratch, groups, first, index */
	cs_workload *merged; /* cgroup + process workloads (ALL with by_process) */
	size_t merged_cap;
	cs_attr_node in; /* what the last split was given */
	cs_attr_share *shares;
	cs_attr_slot *scratch;
	size_t cap, scratch_len; /* shares: cap, scratch: at least CS_ATTR_SCRATCH_LEN(cap) */
	cs_attr_result res;
	cs_attr_group *groups;
	size_t *first;
	uint32_t *index;
	size_t groups_cap, first_cap, index_len;
};

/* Shares and scratch for at least n workloads. Buffers grow geometrically
 * from 64 entries (the roll-up index from 256), only when the workload count
 * passes what they hold; each has its own capacity, so one that could not
 * grow is grown again at the next call. */
static int ensure_cap(cs_node *nd, size_t n)
{
	if (cs_pool_grow(&nd->pool, &nd->shares, &nd->cap, n, sizeof *nd->shares, 64) ||
	    cs_pool_grow(&nd->pool, &nd->scratch, &nd->scratch_len, CS_ATTR_SCRATCH_LEN(nd->cap), sizeof *nd->scratch,
	                 CS_ATTR_SCRATCH_LEN(64)))
		return CS_ENOMEM;
	return 0;
}

/* Roll-up groups, first members and the hash index for every workload (at
 * least one group: the roll-up wants its buffers even with no workload); the
 * index is a power of two greater than twice the groups' capacity. */
static int ensure_groups(cs_node *nd)
{
	size_t need = nd->n ? nd->n : 1;

	if (cs_pool_grow(&nd->pool, &nd->groups, &nd->groups_cap, need, sizeof *nd->groups, 64) ||
	    cs_pool_grow(&nd->pool, &nd->first, &nd->first_cap, need, sizeof *nd->first, 64) ||
	    cs_pool_grow(&nd->pool, &nd->index, &nd->index_len, 2 * nd->groups_cap + 1, sizeof *nd->index, 256))
		return CS_ENOMEM;
	return 0;
}

/* The sections the node reads, for a configuration of its own. */
static const cs_conf_section *const node_sections[] = {&cs_attr_section, &cs_kubelet_section, &cs_teams_section};

/* Takes a copy of c (NULL: the defaults) as the node's configuration. 0,
 * CS_EINVAL (c lacks a section the node reads) or CS_ENOMEM. */
static int node_take_config(cs_node *nd, const cs_conf *c, char *why, size_t whycap)
{
	cs_conf *copy = NULL;
	int rc;

	for (size_t i = 0; c && i < sizeof(node_sections) / sizeof(node_sections[0]); i++) {
		if (!cs_conf_get(c, node_sections[i])) {
			cs_set_why(why, whycap, "the configuration has no [%s] section", node_sections[i]->name);
			return CS_EINVAL;
		}
	}
	rc = c ? cs_conf_dup(c, &copy)
	       : cs_conf_build(node_sections, sizeof(node_sections) / sizeof(node_sections[0]), NULL, &copy, why,
	                       whycap);
	if (rc)
		return rc;
	cs_conf_free(nd->cfg);
	nd->cfg = copy;
	nd->teams = cs_conf_get(copy, &cs_teams_section);
	nd->meta_stale = true; /* teams may map differently */
	if (!nd->policy_pinned)
		nd->policy = ((const cs_attr_conf *)cs_conf_get(copy, &cs_attr_section))->idle_policy;
	return 0;
}

/* True when the host's CPU figure is the model sensor's (no counter). */
static bool model_mode(const cs_host *h)
{
	for (size_t i = 0; i < h->nprobes; i++)
		if (h->probes[i].used && h->probes[i].role == CS_HOST_ROLE_MODEL)
			return true;
	return false;
}

static int open_kubelet(cs_node *nd, const cs_node_opts *o, char *why, size_t whycap)
{
	const cs_kubelet_conf *kc;
	cs_kubelet_opts ko;
	bool want;
	int rc;

	if (o->kubelet == CS_NODE_KUBELET_OFF || !nd->cg)
		return 0;
	kc = cs_conf_get(nd->cfg, &cs_kubelet_section);
	want = o->kubelet == CS_NODE_KUBELET_ON || (o->kubelet_url && o->kubelet_url[0]) || cs_kubelet_wanted(kc);
	if (!want)
		return 0;
	cs_kubelet_opts_from_conf(kc, &ko);
	if (o->kubelet_url && o->kubelet_url[0])
		ko.url = o->kubelet_url;
	rc = cs_kubelet_open(&ko, &nd->kl);
	if (rc)
		cs_set_why(why, whycap,
		           "kubelet URL '%s' is not usable; give an http(s)://host:port/pods URL or --no-kubelet",
		           ko.url ? ko.url : "(default)");
	return rc;
}

int cs_node_open(const cs_node_opts *o, cs_node **out, char *why, size_t whycap)
{
	cs_node_opts defaults;
	cs_cgscan_opts co;
	cs_node *nd;
	int rc;

	if (!out)
		return CS_EINVAL;
	*out = NULL;
	if (!o) {
		memset(&defaults, 0, sizeof defaults);
		o = &defaults;
	}
	if ((o->idle_policy_set && (unsigned)o->idle_policy >= CS_IDLE_NPOLICY) || (unsigned)o->scope > CS_NODE_SELF ||
	    (o->scope == CS_NODE_CGROUP && (!o->cg.subtree || !o->cg.subtree[0])) ||
	    (o->scope == CS_NODE_TREE && o->root_pid <= 0)) {
		cs_set_why(why, whycap, "node sampler: bad options (scope %d)", (int)o->scope);
		return CS_EINVAL;
	}
	nd = calloc(1, sizeof *nd);
	if (!nd)
		return CS_ENOMEM;
	nd->scope = o->scope;
	nd->policy = o->idle_policy;
	nd->policy_pinned = o->idle_policy_set;
	rc = node_take_config(nd, o->config, why, whycap);
	if (rc) {
		if (rc == CS_ENOMEM)
			cs_set_why(why, whycap, "out of memory");
		goto err;
	}
	if (o->host) {
		nd->host = o->host;
	} else {
		cs_host_opts ho;

		cs_host_opts_init(&ho);
		ho.sysfs_root = o->sysfs_root;
		ho.procfs_root = o->procfs_root;
		ho.cgroup_root = o->cgroup_root;
		ho.no_detect = true;
		ho.no_metadata = true;
		ho.cache_path = "";
		rc = cs_host_init(&nd->own_host, &ho, why, whycap);
		if (rc)
			goto err;
		nd->host = &nd->own_host;
		nd->host_owned = true;
	}
	cs_carbon_resolve(&nd->host->site, &nd->carbon);
	if (o->scope == CS_NODE_ALL || o->scope == CS_NODE_CGROUP) {
		co = o->cg;
		if (o->scope != CS_NODE_CGROUP)
			co.mem_dir = NULL;
		rc = cs_cgscan_open(&nd->host->io, &co, &nd->cg);
		if (rc) {
			cs_set_why(
			    why, whycap,
			    "no usable cgroup hierarchy under %s; pass --cgroup-root with a cgroup v1 or v2 mount",
			    nd->host->io.cgroup_root);
			goto err;
		}
	}
	if (o->scope != CS_NODE_CGROUP && (o->scope != CS_NODE_ALL || o->by_process)) {
		cs_procscan_opts po;

		memset(&po, 0, sizeof po);
		po.mode = o->scope == CS_NODE_ALL         ? CS_PS_OUTSIDE
		          : o->scope == CS_NODE_PROCESSES ? CS_PS_ALL
		          : o->scope == CS_NODE_TREE      ? CS_PS_TREE
		                                          : CS_PS_ONE;
		po.root_pid = o->root_pid;
		po.reaper_pid = o->reaper_pid;
		if ((rc = cs_procscan_open(&nd->host->io, &po, &nd->ps)) != 0) {
			cs_set_why(why, whycap, "cannot scan processes under %s", nd->host->io.procfs_root);
			goto err;
		}
	}
	if ((rc = open_kubelet(nd, o, why, whycap)) != 0)
		goto err;
	nd->stat_ok = cs_procstat_open(&nd->stat, &nd->host->io) == 0;
	nd->mem_ok = cs_meminfo_open(&nd->mem, &nd->host->io) == 0;
	nd->hz = sysconf(_SC_CLK_TCK);
	if (nd->hz <= 0)
		nd->hz = 100;
	cs_idle_tracker_init(&nd->idle);
	nd->refresh_s = o->refresh_s > 0 ? o->refresh_s : CS_NODE_DEFAULT_REFRESH_S;
	nd->rt_names = o->runtime_names && nd->cg;
	nd->rt_due = true;
	if (!cs_strcpy_fit(nd->docker_root, sizeof nd->docker_root, o->docker_root ? o->docker_root : "") ||
	    !cs_strcpy_fit(nd->containerd_root, sizeof nd->containerd_root,
	                   o->containerd_root ? o->containerd_root : "")) {
		cs_set_why(why, whycap, "container runtime root too long (at most %zu bytes)",
		           sizeof nd->docker_root - 1);
		rc = CS_EINVAL;
		goto err;
	}
	if (nd->cg && (rc = cs_cgscan_refresh(nd->cg)) != 0) {
		cs_set_why(why, whycap, "cannot list the cgroup hierarchy %s; check --cgroup-root and permissions",
		           cs_cgscan_root(nd->cg));
		goto err;
	}
	nd->last_refresh_s = cs_mono_s();
	if ((rc = ensure_cap(nd, 64)) != 0)
		goto err;
	*out = nd;
	return 0;
err:
	cs_node_close(nd);
	return rc;
}

void cs_node_refresh(cs_node *n)
{
	if (n) {
		n->refresh_asked = true;
		n->meta_stale = true;
	}
}

/* Node busy and total CPU time over the interval, in us (0 when unknown),
 * and the CPU utilisation (-1 when unknown). */
static void node_cpu(cs_node *nd, uint64_t *busy_us, uint64_t *total_us, double *util)
{
	cs_cpu_times cur;

	*busy_us = *total_us = 0;
	*util = -1.0;
	if (!nd->stat_ok || cs_procstat_read(&nd->stat, &cur, NULL, 0, NULL) != 0)
		return;
	if (nd->stat_primed) {
		uint64_t b0 = cs_cpu_busy_ticks(&nd->stat_prev), b1 = cs_cpu_busy_ticks(&cur);
		uint64_t t0 = cs_cpu_total_ticks(&nd->stat_prev), t1 = cs_cpu_total_ticks(&cur);
		uint64_t db = b1 > b0 ? b1 - b0 : 0, dtot = t1 > t0 ? t1 - t0 : 0;

		*busy_us = db * 1000000u / (uint64_t)nd->hz; /* ticks < 2^44 for centuries */
		*total_us = dtot * 1000000u / (uint64_t)nd->hz;
		if (dtot > 0)
			*util = (double)db / (double)dtot;
	}
	nd->stat_prev = cur;
	nd->stat_primed = true;
}

/* Idle energy per component for the interval just sampled. */
static void node_idle(cs_node *nd, double dt, double cpu_util, double idle_j[CS_PART_COUNT])
{
	const cs_host_sum *s = &nd->host->sum;
	double idle_w[CS_PART_COUNT] = {0};

	if (model_mode(nd->host) && cs_attr_idle_from_model(&nd->host->model, idle_w) == 0) {
		for (int c = 0; c < CS_PART_COUNT; c++)
			nd->idle_src[c] = CS_IDLE_SRC_MODEL;
	} else {
		double pw[CS_PART_COUNT], util[CS_PART_COUNT];

		if (dt > 0) {
			for (int c = 0; c < CS_PART_COUNT; c++) {
				pw[c] = s->attr_energy_j[c] / dt;
				util[c] = c == CS_PART_GPU ? -1.0 : cpu_util; /* no GPU utilisation here */
			}
			cs_idle_tracker_observe(&nd->idle, pw, util, dt);
		}
		cs_idle_tracker_get(&nd->idle, idle_w, nd->idle_src);
	}
	for (int c = 0; c < CS_PART_COUNT; c++) {
		double v = idle_w[c] * dt;

		idle_j[c] = isfinite(v) && v > 0 ? v : 0.0;
	}
}

int cs_node_sample(cs_node *nd)
{
	const cs_host_sum *s;
	cs_attr_node *an;
	cs_meminfo mi;
	double now, cpu_util;
	size_t ncg = 0, np = 0, unknown;
	cs_cgscan_stats cst;
	bool due;
	cs_workload *cgw = NULL, *pw = NULL;
	int hrc, rc;

	if (!nd)
		return CS_EINVAL;
	hrc = cs_host_sample(nd->host);
	s = &nd->host->sum;
	now = s->now_s;
	if (nd->cg) {
		int changed = cs_cgscan_changed(nd->cg); /* -1: not watching */
		double every = changed < 0 ? nd->refresh_s : fmax(nd->refresh_s, CS_NODE_WATCHED_REFRESH_S);

		if (nd->refresh_asked || changed > 0 || now - nd->last_refresh_s >= every) {
			(void)cs_cgscan_refresh(nd->cg); /* on error the known workloads stay */
			nd->last_refresh_s = now;
			nd->rt_due = true;
			nd->refresh_asked = false;
		}
		(void)cs_cgscan_sample(nd->cg);
		cgw = cs_cgscan_workloads(nd->cg, &ncg);
		cs_cgscan_stats_get(nd->cg, &cst);
		/* Metadata lives in the scanner's array (it moves with its workload). */
		due = nd->meta_stale || nd->meta_unknown > 0 || cst.added + cst.removed != nd->meta_epoch;
		if (nd->kl) {
			unknown = due ? cs_podmeta_annotate_kubelet(&nd->podmeta, nd->kl, cgw, ncg) : 0;
			/* a new index (not an unchanged answer): names written again */
			(void)cs_kubelet_maybe_refresh(nd->kl, now, unknown > 0);
			if (cs_kubelet_generation(nd->kl) != nd->kl_gen) {
				nd->kl_gen = cs_kubelet_generation(nd->kl);
				unknown = cs_podmeta_annotate_kubelet(&nd->podmeta, nd->kl, cgw, ncg);
				due = true;
			}
			nd->meta_unknown = unknown;
		} else if (nd->rt_names && nd->rt_due) {
			cs_rtmeta_opts ro = {nd->docker_root[0] ? nd->docker_root : NULL,
			                     nd->containerd_root[0] ? nd->containerd_root : NULL};

			(void)cs_rtmeta_annotate(&ro, cgw, ncg);
			nd->rt_due = false;
			due = true;
		}
		if (due) {
			(void)cs_teams_resolve(nd->teams, nd->kl ? cs_kubelet_pods(nd->kl) : NULL, cgw, ncg);
			nd->meta_epoch = cst.added + cst.removed;
			nd->meta_stale = false;
		}
	}
	if (nd->ps) {
		(void)cs_procscan_sample(nd->ps);
		pw = cs_procscan_workloads(nd->ps, &np);
		if (np)
			(void)cs_teams_resolve(nd->teams, NULL, pw, np);
	}

	if (nd->cg && nd->ps) {
		/* one at least, as with one scanner: the workloads are never NULL */
		if ((rc = cs_pool_grow(&nd->pool, &nd->merged, &nd->merged_cap, ncg + np ? ncg + np : 1,
		                       sizeof *nd->merged, 64)) != 0)
			return rc;
		if (ncg)
			memcpy(nd->merged, cgw, ncg * sizeof *cgw);
		if (np)
			memcpy(nd->merged + ncg, pw, np * sizeof *pw);
		nd->wl = nd->merged;
	} else {
		nd->wl = nd->cg ? cgw : pw;
	}
	nd->n = ncg + np;
	if ((rc = ensure_cap(nd, nd->n)) != 0)
		return rc;
	(void)cs_gpu_use_assign(nd->host, nd->cg ? cs_cgscan_version(nd->cg) : 0, nd->wl, nd->n);

	an = &nd->in;
	memset(an, 0, sizeof *an);
	node_cpu(nd, &an->cpu_busy_usec, &an->cpu_total_usec, &cpu_util);
	for (int c = 0; c < CS_PART_COUNT; c++)
		an->energy_j[c] = s->attr_energy_j[c];
	node_idle(nd, s->dt_s, cpu_util, an->idle_j);
	if (nd->mem_ok && cs_meminfo_read(&nd->mem, &mi) == 0) {
		an->mem_total_bytes = mi.total_kb * 1024u;
		an->mem_used_bytes = mi.total_kb > mi.available_kb ? (mi.total_kb - mi.available_kb) * 1024u : 0;
	}
	an->cpu_capacity_cores = (double)nd->host->model.ncpu;
	an->policy = nd->policy;
	rc = cs_attr_split(an, nd->wl, nd->n, nd->shares, nd->scratch, &nd->res);
	if (rc)
		return rc;
	return hrc;
}

const cs_workload *cs_node_workloads(const cs_node *n, size_t *count)
{
	*count = n->n;
	return n->wl;
}

const cs_attr_share *cs_node_shares(const cs_node *n, size_t *count)
{
	*count = n->n;
	return n->shares;
}

const cs_attr_result *cs_node_result(const cs_node *n)
{
	return &n->res;
}

const cs_attr_node *cs_node_input(const cs_node *n)
{
	return &n->in;
}

cs_idle_source cs_node_idle_source(const cs_node *n, cs_part c)
{
	return (unsigned)c < CS_PART_COUNT ? n->idle_src[c] : CS_IDLE_SRC_NONE;
}

cs_idle_policy cs_node_idle_policy(const cs_node *n)
{
	return n->policy;
}

int cs_node_rollup(cs_node *nd, cs_attr_by by, const cs_attr_group **groups, const size_t **first, size_t *ngroups)
{
	char label[CS_ATTR_LABEL_MAX];
	size_t next = 0;
	int rc;

	if (!nd || !groups || !ngroups || (unsigned)by >= CS_BY_NKEYS)
		return CS_EINVAL;
	if ((rc = ensure_groups(nd)) != 0)
		return rc;
	rc = cs_attr_rollup(nd->wl, nd->shares, nd->n, by, nd->groups, nd->groups_cap, nd->index, nd->index_len,
	                    ngroups);
	if (rc)
		return rc;
	/* Groups come in order of first appearance: the next group's label is
	 * met first at its first member. */
	for (size_t i = 0; i < nd->n && next < *ngroups; i++)
		if (cs_attr_label(&nd->wl[i], by, label, sizeof label) >= 0 && !strcmp(label, nd->groups[next].label))
			nd->first[next++] = i;
	*groups = nd->groups;
	if (first)
		*first = nd->first;
	return 0;
}

cs_host *cs_node_host(cs_node *n)
{
	return n->host;
}

const cs_carbon *cs_node_carbon(const cs_node *n)
{
	return &n->carbon;
}

cs_cgscan *cs_node_cgscan(cs_node *n)
{
	return n->cg;
}

const char *cs_node_kubelet_error(const cs_node *n)
{
	return n->kl ? cs_kubelet_last_error(n->kl) : "";
}

int cs_node_set_config(cs_node *n, const cs_conf *c)
{
	if (!n || !c)
		return CS_EINVAL;
	return node_take_config(n, c, NULL, 0);
}

uint64_t cs_node_kubelet_failures(const cs_node *n)
{
	cs_kubelet_stats st;

	if (!n->kl)
		return 0;
	cs_kubelet_get_stats(n->kl, &st);
	return st.failures;
}

uint64_t cs_node_alloc_epoch(const cs_node *n)
{
	cs_kubelet_stats kst;
	cs_cgscan_stats cst;
	uint64_t e = 0;

	if (n->cg) {
		cs_cgscan_stats_get(n->cg, &cst);
		e += cst.refreshes;
	}
	if (n->kl) {
		cs_kubelet_get_stats(n->kl, &kst);
		e += kst.requests;
	}
	return e;
}

void cs_node_close(cs_node *n)
{
	if (!n)
		return;
	cs_kubelet_close(n->kl);
	cs_podmeta_free(&n->podmeta);
	cs_procscan_close(n->ps);
	cs_cgscan_close(n->cg);
	cs_procstat_close(&n->stat);
	cs_meminfo_close(&n->mem);
	if (n->host_owned)
		cs_host_destroy(&n->own_host);
	cs_conf_free(n->cfg);
	cs_pool_free(&n->pool);
	free(n);
}
