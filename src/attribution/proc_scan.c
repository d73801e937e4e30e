/* attribution/proc_scan.c - per-process CPU time for the process modes
 * (see proc_scan.h for the contract).
 *
 * Two open-addressing sets keyed by the process id (pid << 32 | starttime):
 * the workloads (core/index.h over wl[]) and, in OUTSIDE mode, the skipped
 * processes (those inside a container/service cgroup, remembered so their
 * cgroup file is read once). Both are rebuilt in O(n) when entries are
 * removed. TREE mode first reads every process's stat into a candidate list
 * indexed by pid, then settles membership by following parent links (each
 * chain walked once, memoised). The directory is read with getdents64 into
 * s->dents, so a sample allocates nothing once the arrays are large enough.
 */
#define _GNU_SOURCE 1
#include "attribution/proc_scan.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "attribution/cgroup_path.h"
#include "carbonstat/error.h"
#include "core/hash.h"
#include "core/index.h"
#include "core/mem.h"
#include "io/proc_cgroup.h"
#include "io/procstat.h"

/* What getdents64 writes (not exported by glibc headers before 2.30). */
struct ps_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

typedef struct ps_ent {
	uint32_t seen_gen;
} ps_ent;

typedef struct ps_skip {
	uint64_t id;  /* 0 = empty */
	uint32_t gen; /* last sample that saw it */
} ps_skip;

/* TREE: one process of this sample, before membership is known. */
enum { CAND_UNKNOWN = 0, CAND_IN, CAND_OUT };
typedef struct ps_cand {
	cs_pid_stat st;
	uint8_t state;
} ps_cand;

#define PS_TREE_DEPTH 256 /* longer parent chains are not the tree's */

struct cs_procscan {
	cs_io *io;
	cs_procscan_opts o;
	char one[64];    /* ONE: the entry's name */
	bool primed;     /* a sample completed: processes first seen now are new */
	long hz;         /* USER_HZ */
	cs_pool pool;    /* owns wl, pe and cand (skip is replaced at each rebuild) */
	cs_workload *wl; /* [cap] */
	ps_ent *pe;      /* [cap] */
	size_t n, cap;
	cs_index ix;   /* workloads by id */
	ps_skip *skip; /* [nskip] */
	size_t nskip, skip_used, skip_live;
	uint32_t gen;
	ps_cand *cand; /* TREE: [cand_cap] this sample's processes */
	size_t ncand, cand_cap;
	cs_index cix;                  /* TREE: candidates by pid */
	_Alignas(8) char dents[32768]; /* getdents64 records are 8-byte aligned */
	char buf[4096];
};

static bool wl_has(const void *ctx, uint32_t i, const void *key)
{
	return ((const cs_procscan *)ctx)->wl[i].id == *(const uint64_t *)key;
}

static void index_rebuild(cs_procscan *p)
{
	cs_index_rebuild_u64(&p->ix, p->wl, p->n, sizeof(*p->wl), offsetof(cs_workload, id));
}

static long index_find(const cs_procscan *p, uint64_t id)
{
	uint32_t i = cs_index_find(&p->ix, cs_mix64(id), wl_has, p, &id);

	return i == CS_INDEX_NONE ? -1 : (long)i;
}

/* Room for one more workload. */
static int grow(cs_procscan *p)
{
	size_t ncap = cs_grow_cap(p->cap, p->n + 1, 256), wcap = p->cap, ecap = p->cap;
	int rc;

	if (ncap == p->cap)
		return 0;
	/* both to ncap; p->cap moves only once both and the index have */
	if (!ncap || cs_pool_grow(&p->pool, &p->wl, &wcap, ncap, sizeof(*p->wl), 256) ||
	    cs_pool_grow(&p->pool, &p->pe, &ecap, ncap, sizeof(*p->pe), 256))
		return CS_ENOMEM;
	if ((rc = cs_index_reserve(&p->ix, ncap)) < 0)
		return rc;
	p->cap = ncap;
	if (rc > 0)
		index_rebuild(p);
	return 0;
}

/* ---- the skip set ------------------------------------------------------------- */

static ps_skip *skip_slot(cs_procscan *p, uint64_t id)
{
	size_t m = p->nskip - 1, h = cs_mix64(id) & m;

	while (p->skip[h].id && p->skip[h].id != id)
		h = (h + 1) & m;
	return &p->skip[h];
}

/* Rebuilds the set with the entries seen since sample min_gen, at a size
 * with room for twice want. */
static int skip_rebuild(cs_procscan *p, size_t want, uint32_t min_gen)
{
	ps_skip *old = p->skip;
	size_t nold = p->nskip, ns = 64;

	while (ns < want * 2)
		ns *= 2;
	p->skip = calloc(ns, sizeof(*p->skip));
	if (!p->skip) {
		p->skip = old;
		return CS_ENOMEM;
	}
	p->nskip = ns;
	p->skip_used = 0;
	for (size_t i = 0; i < nold; i++) {
		if (old[i].id && old[i].gen >= min_gen) {
			*skip_slot(p, old[i].id) = old[i];
			p->skip_used++;
		}
	}
	free(old);
	return 0;
}

static int skip_add(cs_procscan *p, uint64_t id)
{
	ps_skip *e;

	if ((p->skip_used + 1) * 2 > p->nskip) {
		int rc = skip_rebuild(p, p->skip_used + 1, p->gen ? p->gen - 1 : 0);

		if (rc)
			return rc;
	}
	e = skip_slot(p, id);
	if (!e->id)
		p->skip_used++;
	e->id = id;
	e->gen = p->gen;
	return 0;
}

/* ---- per pid -------------------------------------------------------------------- */

/* 1 if the process's cgroup is attributed as a cgroup workload: the
 * cgroup where its CPU time is counted (v1 cpuacct, else v2) is a container,
 * pod, service or session. */
static int in_workload_cgroup(cs_procscan *p, const char *pid)
{
	char rel[64], path[512];
	size_t len = 0;
	cs_cgroup_ident id;

	snprintf(rel, sizeof(rel), "%s/cgroup", pid);
	if (cs_io_read_file(p->io, CS_ROOT_PROCFS, rel, p->buf, sizeof(p->buf), &len) != 0 ||
	    cs_proc_cgroup_cpu(p->buf, len, path, sizeof(path)) != 0)
		return 0;
	cs_cgroup_path_parse(path, &id);
	return id.kind == CS_WL_CONTAINER || id.kind == CS_WL_POD || id.kind == CS_WL_SERVICE ||
	       id.kind == CS_WL_SESSION;
}

static uint64_t pid_id(const cs_pid_stat *st)
{
	return (uint64_t)(uint32_t)st->pid << 32 | (st->starttime & 0xffffffffu);
}

/* <procfs>/<name>/stat into *st. 0, or the read/parse error (it exited). */
static int read_stat(cs_procscan *p, const char *name, cs_pid_stat *st)
{
	char rel[96];
	size_t len = 0;
	int rc;

	snprintf(rel, sizeof(rel), "%s/stat", name);
	rc = cs_io_read_file(p->io, CS_ROOT_PROCFS, rel, p->buf, sizeof(p->buf), &len);
	if (rc)
		return rc;
	rc = cs_pid_stat_parse(p->buf, len, st);
	return rc ? rc : st->pid > 0 ? 0 : CS_EINVAL;
}

/* This sample's reading of one process: the delta of a known workload, or a
 * new workload. name (OUTSIDE only) is its procfs entry, for the cgroup
 * check; NULL = no check. */
static void account(cs_procscan *p, const cs_pid_stat *st, const char *name)
{
	uint64_t id = pid_id(st), ticks = st->utime + st->stime;
	long k = index_find(p, id);

	if (k >= 0) {
		cs_workload *w = &p->wl[k];
		uint64_t prev = w->cpu_usec_total_prev;

		p->pe[k].seen_gen = p->gen;
		w->fresh = false;
		w->cpu_usec = ticks >= prev ? (ticks - prev) * 1000000u / (uint64_t)p->hz : 0;
		w->cpu_usec_total_prev = ticks;
		return;
	}
	if (name) {
		ps_skip *e = skip_slot(p, id);

		if (e->id == id) {
			e->gen = p->gen;
			return;
		}
		if (in_workload_cgroup(p, name)) {
			(void)skip_add(p, id);
			return;
		}
	}
	if (grow(p) != 0)
		return;
	{
		cs_workload *w = &p->wl[p->n];

		memset(w, 0, sizeof(*w));
		w->id = id;
		w->ident.kind = CS_WL_PROCESS;
		w->pid = st->pid;
		snprintf(w->comm, sizeof(w->comm), "%s", st->comm);
		w->kthread = st->pid == 2 || st->ppid == 2;
		/* First sample: its past is not this interval's. Later: it started
		 * since the previous sample, so all its time is. */
		w->fresh = !p->primed;
		w->cpu_usec = p->primed ? ticks * 1000000u / (uint64_t)p->hz : 0;
		w->cpu_usec_total_prev = ticks; /* in ticks: never exported */
		p->pe[p->n].seen_gen = p->gen;
		cs_index_add(&p->ix, cs_mix64(id), (uint32_t)p->n);
		p->n++;
	}
}

/* ---- TREE: candidates and membership --------------------------------------- */

static int cand_push(cs_procscan *p, const cs_pid_stat *st)
{
	if (cs_pool_grow(&p->pool, &p->cand, &p->cand_cap, p->ncand + 1, sizeof(*p->cand), 256))
		return CS_ENOMEM;
	p->cand[p->ncand].st = *st;
	p->cand[p->ncand].state = CAND_UNKNOWN;
	p->ncand++;
	return 0;
}

static int cand_index(cs_procscan *p)
{
	int rc = cs_index_reserve(&p->cix, p->ncand);

	if (rc < 0)
		return rc;
	cs_index_clear(&p->cix);
	for (size_t i = 0; i < p->ncand; i++)
		cs_index_add(&p->cix, cs_mix64((uint64_t)(uint32_t)p->cand[i].st.pid), (uint32_t)i);
	return 0;
}

static bool cand_has(const void *ctx, uint32_t i, const void *key)
{
	return ((const cs_procscan *)ctx)->cand[i].st.pid == *(const int *)key;
}

static long cand_find(const cs_procscan *p, int pid)
{
	uint32_t i = cs_index_find(&p->cix, cs_mix64((uint64_t)(uint32_t)pid), cand_has, p, &pid);

	return i == CS_INDEX_NONE ? -1 : (long)i;
}

/* Is candidate i in the tree? Follows parent links up to a process whose
 * answer is known, then writes it on the whole chain. */
static uint8_t tree_state(cs_procscan *p, size_t i)
{
	size_t chain[PS_TREE_DEPTH], nc = 0, j = i;
	uint8_t st;

	for (;;) {
		ps_cand *c = &p->cand[j];
		long par;

		if (c->state != CAND_UNKNOWN) {
			st = c->state;
			break;
		}
		if (c->st.pid == p->o.root_pid || (p->o.reaper_pid > 0 && c->st.ppid == p->o.reaper_pid) ||
		    index_find(p, pid_id(&c->st)) >= 0) {
			st = CAND_IN; /* the root, an adopted orphan, or in already */
			c->state = st;
			break;
		}
		if (nc == PS_TREE_DEPTH || c->st.ppid <= 0 || c->st.ppid == c->st.pid ||
		    (par = cand_find(p, c->st.ppid)) < 0) {
			st = CAND_OUT;
			c->state = st;
			break;
		}
		chain[nc++] = j;
		j = (size_t)par;
	}
	while (nc)
		p->cand[chain[--nc]].state = st;
	return st;
}

static void settle_tree(cs_procscan *p)
{
	if (cand_index(p) != 0)
		return;
	for (size_t i = 0; i < p->ncand; i++)
		if (tree_state(p, i) == CAND_IN)
			account(p, &p->cand[i].st, NULL);
}

/* One process directory entry of this sample. */
static void visit(cs_procscan *p, const char *name)
{
	cs_pid_stat st;

	if (read_stat(p, name, &st) != 0)
		return; /* exited while we listed */
	switch (p->o.mode) {
	case CS_PS_TREE: (void)cand_push(p, &st); break;
	case CS_PS_OUTSIDE: account(p, &st, name); break;
	default: account(p, &st, NULL); break;
	}
}

/* ---- API ---------------------------------------------------------------------- */

int cs_procscan_open(cs_io *io, const cs_procscan_opts *o, cs_procscan **out)
{
	cs_procscan_opts def = {0};
	cs_procscan *p;

	if (!io || !out)
		return CS_EINVAL;
	*out = NULL;
	if (!o)
		o = &def;
	if ((unsigned)o->mode > CS_PS_ONE || (o->mode == CS_PS_TREE && o->root_pid <= 0) ||
	    (o->mode == CS_PS_ONE && o->one && (!o->one[0] || strlen(o->one) >= sizeof(p->one) || strchr(o->one, '/'))))
		return CS_EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return CS_ENOMEM;
	p->io = io;
	p->o = *o;
	snprintf(p->one, sizeof(p->one), "%s", o->one ? o->one : "self");
	p->o.one = p->one;
	p->hz = sysconf(_SC_CLK_TCK);
	if (p->hz <= 0)
		p->hz = 100;
	if (grow(p) != 0 || skip_rebuild(p, 256, 0) != 0) {
		cs_procscan_close(p);
		return CS_ENOMEM;
	}
	*out = p;
	return 0;
}

int cs_procscan_sample(cs_procscan *p)
{
	char path[300];
	int fd;

	if (!p)
		return CS_EINVAL;
	/* Drop what was reported gone last time. */
	p->n = cs_wl_drop_gone(p->wl, p->pe, sizeof(*p->pe), p->n, &p->ix);
	p->gen++;
	if (p->o.mode == CS_PS_ONE) {
		visit(p, p->one);
		goto done;
	}
	if (cs_io_path(p->io, CS_ROOT_PROCFS, "", path, sizeof(path)) != 0)
		return CS_ERANGE;
	fd = p->io->ops->open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		p->io->errors++;
		p->gen--;
		return fd;
	}
	p->io->opens++;
	p->ncand = 0;
	for (;;) {
		long nb = syscall(SYS_getdents64, fd, p->dents, sizeof(p->dents));

		if (nb <= 0)
			break;
		for (long off = 0; off < nb;) {
			struct ps_dirent64 *d = (struct ps_dirent64 *)(p->dents + off);
			const char *c = d->d_name;

			off += d->d_reclen;
			if (*c < '1' || *c > '9')
				continue;
			while (*c >= '0' && *c <= '9')
				c++;
			if (*c == '\0' && c - d->d_name < 11)
				visit(p, d->d_name);
		}
	}
	p->io->ops->close(fd);
	if (p->o.mode == CS_PS_TREE)
		settle_tree(p);
done:
	/* Ticks -> the last delta for those that exited; mark them gone. */
	for (size_t i = 0; i < p->n; i++) {
		if (p->pe[i].seen_gen != p->gen) {
			p->wl[i].gone = true;
			p->wl[i].fresh = false;
		} else if (p->wl[i].fresh) {
			p->wl[i].cpu_usec = 0;
		}
	}
	/* Forget skipped processes that exited once they are a quarter of the set. */
	{
		size_t live = 0;

		for (size_t i = 0; i < p->nskip; i++)
			live += p->skip[i].id && p->skip[i].gen == p->gen;
		p->skip_live = live;
		if (p->skip_used > 64 && live * 2 < p->skip_used)
			(void)skip_rebuild(p, live, p->gen);
	}
	p->primed = true;
	return 0;
}

cs_workload *cs_procscan_workloads(cs_procscan *p, size_t *n)
{
	if (n)
		*n = p ? p->n : 0;
	return p ? p->wl : NULL;
}

size_t cs_procscan_skipped(const cs_procscan *p)
{
	return p ? p->skip_live : 0;
}

void cs_procscan_close(cs_procscan *p)
{
	if (!p)
		return;
	cs_pool_free(&p->pool);
	cs_index_free(&p->ix);
	free(p->skip);
	cs_index_free(&p->cix);
	free(p);
}
