/* attribution/proc_scan.c - per-process CPU time of processes outside
 * containers (see proc_scan.h for the contract).
 *
 * Two open-addressing sets keyed by the process id (pid << 32 | starttime):
 * the workloads (index + 1 into wl[]) and the skipped processes (those inside
 * a container/service cgroup, remembered so their cgroup file is read once).
 * Both are rebuilt in O(n) when entries are removed. The directory is read
 * with getdents64 into s->dents, so a sample allocates nothing once the
 * arrays are large enough.
 */
#define _GNU_SOURCE 1
#include "attribution/proc_scan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "attribution/cgroup_path.h"
#include "carbonstat/error.h"
#include "platform/host.h"

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
	uint8_t gone; /* reported gone: removed next sample */
} ps_ent;

typedef struct ps_skip {
	uint64_t id;  /* 0 = empty */
	uint32_t gen; /* last sample that saw it */
} ps_skip;

struct cs_procscan {
	cs_io *io;
	long hz;         /* USER_HZ */
	cs_workload *wl; /* [cap] */
	ps_ent *pe;      /* [cap] */
	size_t n, cap;
	uint32_t *slot; /* [nslot] index + 1 */
	size_t nslot;
	ps_skip *skip; /* [nskip] */
	size_t nskip, skip_used, skip_live;
	uint32_t gen;
	_Alignas(8) char dents[32768]; /* getdents64 records are 8-byte aligned */
	char buf[4096];
};

static size_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x;
}

static void index_rebuild(cs_procscan *p)
{
	size_t m = p->nslot - 1;

	memset(p->slot, 0, p->nslot * sizeof(*p->slot));
	for (size_t i = 0; i < p->n; i++) {
		size_t h = mix(p->wl[i].id) & m;

		while (p->slot[h])
			h = (h + 1) & m;
		p->slot[h] = (uint32_t)(i + 1);
	}
}

static long index_find(const cs_procscan *p, uint64_t id)
{
	size_t m = p->nslot - 1;

	for (size_t h = mix(id) & m; p->slot[h]; h = (h + 1) & m) {
		if (p->wl[p->slot[h] - 1].id == id)
			return (long)p->slot[h] - 1;
	}
	return -1;
}

static int grow(cs_procscan *p)
{
	size_t ncap, nslot;
	cs_workload *wl;
	ps_ent *pe;
	uint32_t *slot;

	if (p->n < p->cap)
		return 0;
	ncap = p->cap ? p->cap * 2 : 256;
	wl = realloc(p->wl, ncap * sizeof(*wl));
	if (!wl)
		return CS_ENOMEM;
	p->wl = wl;
	pe = realloc(p->pe, ncap * sizeof(*pe));
	if (!pe)
		return CS_ENOMEM;
	p->pe = pe;
	for (nslot = 16; nslot < ncap * 2; nslot *= 2)
		;
	slot = calloc(nslot, sizeof(*slot));
	if (!slot)
		return CS_ENOMEM;
	free(p->slot);
	p->slot = slot;
	p->nslot = nslot;
	p->cap = ncap;
	index_rebuild(p);
	return 0;
}

/* ---- the skip set ------------------------------------------------------------- */

static ps_skip *skip_slot(cs_procscan *p, uint64_t id)
{
	size_t m = p->nskip - 1, h = mix(id) & m;

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

/* 1 if the process's cgroup is attributed as a cgroup workload. */
static int in_workload_cgroup(cs_procscan *p, const char *pid)
{
	char rel[64];
	size_t len = 0;
	char *line, *save = NULL;

	snprintf(rel, sizeof(rel), "%s/cgroup", pid);
	if (cs_io_read_file(p->io, CS_ROOT_PROCFS, rel, p->buf, sizeof(p->buf), &len) != 0)
		return 0;
	/* v2 "0::/path"; v1 "N:ctrl,ctrl:/path" per hierarchy. The CPU
	 * controller's line decides (that is where CPU time is counted); else
	 * the unified one. */
	for (line = strtok_r(p->buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		cs_cgroup_ident id;
		int cpu;

		if (!c2)
			continue;
		*c2 = '\0';
		cpu = strstr(c1 + 1, "cpuacct") != NULL || c1[1] == '\0';
		if (!cpu)
			continue;
		cs_cgroup_path_parse(c2 + 1, &id);
		if (id.kind == CS_WL_CONTAINER || id.kind == CS_WL_POD || id.kind == CS_WL_SERVICE ||
		    id.kind == CS_WL_SESSION)
			return 1;
		if (c1[1] != '\0')
			return 0; /* the v1 cpuacct line wins over the v2 "0::" one */
	}
	return 0;
}

static void visit_pid(cs_procscan *p, const char *name)
{
	char rel[64];
	size_t len = 0;
	cs_pid_stat st;
	uint64_t id, ticks;
	long k;

	snprintf(rel, sizeof(rel), "%s/stat", name);
	if (cs_io_read_file(p->io, CS_ROOT_PROCFS, rel, p->buf, sizeof(p->buf), &len) != 0)
		return; /* exited while we listed */
	if (cs_pid_stat_parse(p->buf, len, &st) != 0 || st.pid <= 0)
		return;
	id = (uint64_t)(uint32_t)st.pid << 32 | (st.starttime & 0xffffffffu);
	ticks = st.utime + st.stime;
	k = index_find(p, id);
	if (k >= 0) {
		cs_workload *w = &p->wl[k];
		uint64_t prev = w->cpu_usec_total_prev;

		p->pe[k].seen_gen = p->gen;
		w->fresh = false;
		w->cpu_usec = ticks >= prev ? (ticks - prev) * 1000000u / (uint64_t)p->hz : 0;
		w->cpu_usec_total_prev = ticks;
		return;
	}
	{
		ps_skip *e = skip_slot(p, id);

		if (e->id == id) {
			e->gen = p->gen;
			return;
		}
	}
	if (in_workload_cgroup(p, name)) {
		(void)skip_add(p, id);
		return;
	}
	if (grow(p) != 0)
		return;
	{
		cs_workload *w = &p->wl[p->n];
		size_t m = p->nslot - 1, h = mix(id) & m;

		memset(w, 0, sizeof(*w));
		w->id = id;
		w->ident.kind = CS_WL_PROCESS;
		w->pid = st.pid;
		snprintf(w->comm, sizeof(w->comm), "%s", st.comm);
		w->fresh = true;
		w->cpu_usec_total_prev = ticks; /* in ticks: never exported */
		p->pe[p->n].seen_gen = p->gen;
		p->pe[p->n].gone = 0;
		while (p->slot[h])
			h = (h + 1) & m;
		p->slot[h] = (uint32_t)(p->n + 1);
		p->n++;
	}
}

/* ---- API ---------------------------------------------------------------------- */

int cs_procscan_open(cs_io *io, cs_procscan **out)
{
	cs_procscan *p;

	if (!io || !out)
		return CS_EINVAL;
	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return CS_ENOMEM;
	p->io = io;
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
	size_t j = 0;
	int fd;

	if (!p)
		return CS_EINVAL;
	/* Drop what was reported gone last time. */
	for (size_t i = 0; i < p->n; i++) {
		if (p->pe[i].gone)
			continue;
		if (j != i) {
			p->wl[j] = p->wl[i];
			p->pe[j] = p->pe[i];
		}
		j++;
	}
	if (j != p->n) {
		p->n = j;
		index_rebuild(p);
	}
	if (cs_io_path(p->io, CS_ROOT_PROCFS, "", path, sizeof(path)) != 0)
		return CS_ERANGE;
	fd = p->io->ops->open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		p->io->errors++;
		return fd;
	}
	p->io->opens++;
	p->gen++;
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
				visit_pid(p, d->d_name);
		}
	}
	p->io->ops->close(fd);
	/* Ticks -> the last delta for those that exited; mark them gone. */
	for (size_t i = 0; i < p->n; i++) {
		if (p->pe[i].seen_gen != p->gen) {
			p->wl[i].gone = true;
			p->wl[i].fresh = false;
			p->pe[i].gone = 1;
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
	free(p->wl);
	free(p->pe);
	free(p->slot);
	free(p->skip);
	free(p);
}
