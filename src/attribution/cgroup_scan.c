/* attribution/cgroup_scan.c - workload discovery and per-interval counters
 * from the cgroup tree (see cgroup_scan.h for the contract).
 *
 * Data layout, chosen for 10,000+ containers:
 *   s->wl[]  the cs_workload array handed to attribution (the contract);
 *   s->pv[]  a parallel array of small private records (descriptors, state),
 *            same index, ~24 bytes each;
 *   s->ix    an open-addressing index (core/index.h) from the cgroup's
 *            inode to its array index, capacity a power of two >= 2 x the
 *            array's, rebuilt in O(n) whenever the array grows or is
 *            compacted. A refresh looks every directory up in O(1), so it is
 *            O(workloads + directories), never O(n^2). An inode can be reused
 *            by a new cgroup, so a hit also compares the path (hash, then
 *            strcmp, as netdata does).
 * Arrays grow geometrically and never shrink; removal compacts in place.
 * Sampling reads every counter with one pread into s->buf (16 KiB: a v1
 * memory.stat with hierarchical totals is ~1.5 KiB) and parses it there.
 *
 * Directory listing uses io->ops->open(O_DIRECTORY) + fdopendir/readdir, so
 * tests inject EACCES/EIO on directories too and opens are counted. Directory
 * entries' d_ino is the cgroup's inode (kernfs), the workload id, which costs
 * no stat call.
 */
#define _GNU_SOURCE 1 /* O_PATH */
#include "attribution/cgroup_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attribution/cgroup_path.h"
#include "carbonstat/error.h"
#include "core/hash.h"
#include "core/index.h"
#include "core/mem.h"
#include "core/parse.h"

#define CG_DEFAULT_DEPTH 16
#define CG_FD_RESERVE    256 /* descriptors left to the rest of the process */
#define CG_BUF_CAP       16384
#define CG_ROOT_CAP      300
/* A working set that moved less than this (and less than 1 %) between two
 * memory readings is "stable" (dynamic housekeeping, memstat_due): 1 MiB is
 * ~0.01 % of the memory in use of an 8 GiB node, so the DRAM share it
 * could misplace while its reads are put off is negligible; the 1 % keeps a
 * small container's gauge within 1 % of its last reading. */
#define CG_MEM_STABLE_BYTES (1u << 20)
#define CG_MEM_SHIFT_MAX    16 /* memstat_every << 16: far above any max */

enum { F_CPU = 0, F_MEM, F_MSTAT, F_N };

enum cg_state {
	ST_NEW = 0,  /* discovered, not sampled yet */
	ST_LIVE,     /* sampled at least once; prev counter valid */
	ST_VANISHED, /* directory gone at a refresh; report gone at next sample */
	ST_GONE,     /* reported gone; removed at the next refresh/sample */
};

enum cg_flags {
	FL_TRANSIENT = 1, /* over the fd budget: open-read-close each sample */
	FL_NO_MEM = 2,    /* no memory controller here: mem_bytes stays 0 */
	FL_REOPEN = 4,    /* an open failed (EACCES...): retried at refresh */
	FL_INACTIVE = 8,  /* inactive below holds a memory.stat reading */
};

/* Private per-workload state, parallel to s->wl[]. */
typedef struct cgw {
	uint64_t inactive; /* last memory.stat inactive_file (FL_INACTIVE) */
	int fd[F_N];       /* kept-open counter files, -1 if not open */
	int dfd;           /* O_PATH descriptor of the (CPU hierarchy) directory, -1 if none */
	uint32_t seen_gen; /* refresh generation that last saw the directory */
	uint8_t state;     /* enum cg_state */
	uint8_t flags;     /* enum cg_flags */
	uint8_t mem_shift; /* memory read every memstat_every << mem_shift samples (at
	                    * most memstat_max): doubled by each stable reading */
} cgw;

struct cs_cgscan {
	cs_io *io;
	int version;               /* 1 or 2 */
	char root[CG_ROOT_CAP];    /* hierarchy walked (v2 root/unified, v1 cpuacct) */
	char memroot[CG_ROOT_CAP]; /* v1 memory hierarchy ("" if none); v2: = root */
	char subtree[256];         /* walk start below root ("" = all) */
	size_t mem_strip;          /* with opts.mem_dir: bytes of a workload's path to
	                            * drop (the subtree) before joining it to memroot */
	const char *file[F_N];     /* counter file names for this version */
	const char *inactive_key;  /* memory.stat key subtracted from usage */
	unsigned max_depth;
	unsigned memstat_every; /* memory.stat every Nth sample per workload, >= 1 */
	unsigned memstat_max;   /* a stable workload's longest interval, >= memstat_every */
	bool no_memory;
	bool mem_on_cadence; /* memory files read only when memory.stat is due, opened per read */
	int watch_fd;        /* inotify on the listed directories; -1 = not watching */
	bool watch_lost;     /* a watch could not be added: the caller re-walks on its timer */

	cs_pool pool;    /* owns wl and pv */
	cs_workload *wl; /* [cap] */
	cgw *pv;         /* [cap] */
	size_t n, cap;
	cs_index ix; /* workloads by inode (a vanished one may share it) */

	uint32_t gen;    /* refresh generation */
	int walk_errors; /* unreadable directories in the current refresh */
	size_t fd_budget;
	size_t fd_floor, fd_limit; /* max_fds, and the descriptor limit's budget */
	unsigned fd_per_kwl;       /* max_fds_per_kwl */
	unsigned dirs_per_file;    /* directory descriptors that count as one kept file; 0 = none kept */
	int rootfd[2];             /* O_PATH on root (CPU files) and memroot (memory files), -1 = none:
	                            * a file opened per read without its directory's descriptor
	                            * is opened relative to its hierarchy's root, not from "/" */
	bool mem_in_dir;           /* memory files sit beside the CPU file (v2, no mem_dir) */
	cs_cgscan_stats st;
	char buf[CG_BUF_CAP];
};

/* ---- index ---------------------------------------------------------------- */

static void index_insert(cs_cgscan *s, size_t i)
{
	cs_index_add(&s->ix, cs_mix64(s->wl[i].id), (uint32_t)i);
}

static void index_rebuild(cs_cgscan *s)
{
	cs_index_rebuild_u64(&s->ix, s->wl, s->n, sizeof(*s->wl), offsetof(cs_workload, id));
}

typedef struct cg_key {
	uint64_t ino;
	const char *rel;
} cg_key;

/* Live (not vanished) workload i is this inode and path. */
static bool cg_live_is(const void *ctx, uint32_t i, const void *key)
{
	const cs_cgscan *s = ctx;
	const cg_key *k = key;

	return s->wl[i].id == k->ino && s->pv[i].state <= ST_LIVE && strcmp(s->wl[i].cgroup, k->rel) == 0;
}

/* Index of the live (not vanished) workload with this inode and path, or -1. */
static long index_find(const cs_cgscan *s, uint64_t ino, const char *rel)
{
	cg_key k = {ino, rel};
	uint32_t i = cs_index_find(&s->ix, cs_mix64(ino), cg_live_is, s, &k);

	return i != CS_INDEX_NONE ? (long)i : -1;
}

/* Room for one more workload: arrays x2, index >= 2x. */
static int grow(cs_cgscan *s)
{
	size_t ncap = cs_grow_cap(s->cap, s->n + 1, 64), wcap = s->cap, pcap = s->cap;

	if (ncap == s->cap)
		return 0;
	/* both to ncap; s->cap moves only once both and the index have */
	if (!ncap || ncap > CS_INDEX_MAX_ITEMS || cs_pool_grow(&s->pool, &s->wl, &wcap, ncap, sizeof(*s->wl), 64) ||
	    cs_pool_grow(&s->pool, &s->pv, &pcap, ncap, sizeof(*s->pv), 64) || cs_index_reserve(&s->ix, ncap) < 0)
		return CS_ENOMEM;
	s->cap = ncap;
	index_rebuild(s);
	return 0;
}

/* ---- descriptors ---------------------------------------------------------- */

/* Path of counter file f of workload i: absolute, or relative to its
 * hierarchy's root (rootfd). CS_ERANGE if too long. */
static int file_path_at(const cs_cgscan *s, size_t i, int f, bool relative, char *out, size_t cap)
{
	const char *base = f == F_CPU ? s->root : s->memroot;
	const char *rel = s->wl[i].cgroup;
	int n;

	if (f != F_CPU && s->mem_strip) {
		rel += strlen(rel) >= s->mem_strip ? s->mem_strip : strlen(rel);
		while (*rel == '/')
			rel++;
	}
	if (relative)
		n = snprintf(out, cap, "%s%s%s", rel, rel[0] ? "/" : "", s->file[f]);
	else
		n = snprintf(out, cap, "%s%s%s/%s", base, rel[0] ? "/" : "", rel, s->file[f]);
	return (n < 0 || (size_t)n >= cap) ? CS_ERANGE : 0;
}

static int file_path(const cs_cgscan *s, size_t i, int f, char *out, size_t cap)
{
	return file_path_at(s, i, f, false, out, cap);
}

static int io_open(cs_cgscan *s, const char *path, int flags)
{
	int fd = s->io->ops->open(path, flags | O_CLOEXEC);

	if (fd < 0)
		s->io->errors++;
	else
		s->io->opens++;
	return fd;
}

/* Opens counter file f of workload i for reading: relative to the
 * hierarchy's root descriptor when there is one (a walk of the cgroup path
 * only, ~1.5 us less than from "/" through /sys/fs/cgroup/<controller>),
 * else by its absolute path. fd or -errno; counted as io_open counts. */
static int open_file(cs_cgscan *s, size_t i, int f)
{
	char path[CG_ROOT_CAP + 320];
	int rfd = s->rootfd[f == F_CPU ? 0 : 1];
	int fd;

	if (rfd < 0 || !s->io->ops->openat) {
		if (file_path(s, i, f, path, sizeof(path)) != 0)
			return -ENAMETOOLONG;
		return io_open(s, path, O_RDONLY);
	}
	if (file_path_at(s, i, f, true, path, sizeof(path)) != 0)
		return -ENAMETOOLONG;
	fd = s->io->ops->openat(rfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		s->io->errors++;
	else
		s->io->opens++;
	return fd;
}

static void close_fds(cs_cgscan *s, size_t i)
{
	cgw *p = &s->pv[i];

	for (int f = 0; f < F_N; f++) {
		if (p->fd[f] >= 0) {
			s->io->ops->close(p->fd[f]);
			p->fd[f] = -1;
			s->st.kept_fds--;
		}
	}
}

static void close_dir(cs_cgscan *s, size_t i)
{
	cgw *p = &s->pv[i];

	if (p->dfd >= 0) {
		s->io->ops->close(p->dfd);
		p->dfd = -1;
		s->st.kept_dirs--;
	}
}

/* The counter files and the directory descriptor: the workload is done. */
static void close_all(cs_cgscan *s, size_t i)
{
	close_fds(s, i);
	close_dir(s, i);
}

/* Kept directory descriptors in kept-file units (dirs_per_file to a file). */
static size_t dir_units(const cs_cgscan *s, size_t dirs)
{
	return s->dirs_per_file ? (dirs + s->dirs_per_file - 1) / s->dirs_per_file : 0;
}

/* Does workload i read files through its directory's descriptor? Those it
 * opens per read: all of them when over the budget (transient), and its
 * memory files on their cadence when they sit in that directory (v2). A v1
 * workload with its CPU file kept open has no use for one (its memory files
 * are in the other hierarchy): the budget goes to kept files instead. */
static bool dir_wanted(const cs_cgscan *s, size_t i)
{
	return (s->pv[i].flags & FL_TRANSIENT) || (s->mem_in_dir && s->mem_on_cadence && !s->no_memory);
}

/* Keeps an O_PATH descriptor on workload i's directory when it is wanted
 * and the budget has room: an open-read-close read then opens the file
 * relative to it, with no path walk (measured ~6 us against ~9.6 us for
 * the whole path), for ~213 bytes of kernel memory (a struct file) against
 * ~4.4 KiB for a kept-open counter file. */
static void open_dir(cs_cgscan *s, size_t i)
{
	char path[CG_ROOT_CAP + 320];
	cgw *p = &s->pv[i];
	const char *rel = s->wl[i].cgroup;
	int fd;

	/* kept counter files make room at the end of the refresh (rebalance) */
	if (!s->dirs_per_file || !s->io->ops->openat || p->dfd >= 0 || !dir_wanted(s, i) ||
	    dir_units(s, s->st.kept_dirs + 1) > s->fd_budget)
		return;
	if (snprintf(path, sizeof(path), "%s%s%s", s->root, rel[0] ? "/" : "", rel) >= (int)sizeof(path))
		return;
	fd = io_open(s, path, O_PATH | O_DIRECTORY);
	if (fd < 0) {
		s->io->errors--; /* no shortcut: the whole path is opened per read */
		return;
	}
	p->dfd = fd;
	s->st.kept_dirs++;
}

/* The budget for n workloads: max_fds, or max_fds_per_kwl per 1,000 of
 * them when that is more, within the descriptor limit's. */
static void set_budget(cs_cgscan *s, size_t n)
{
	uint64_t b = (uint64_t)n * s->fd_per_kwl / 1000;

	s->fd_budget = b > s->fd_floor ? (b < s->fd_limit ? (size_t)b : s->fd_limit) : s->fd_floor;
	s->st.fd_budget = s->fd_budget;
}

/* Wanted directory descriptors come first (a seventeenth of a kept file
 * each, for most of its saving): when they crowd the budget, the last
 * workloads' kept counter files are closed and read open-read-close through
 * a directory descriptor of their own (which takes a little of the room
 * made, hence the loop). */
static void rebalance(cs_cgscan *s)
{
	for (size_t i = s->n; i-- > 0 && s->st.kept_fds + dir_units(s, s->st.kept_dirs) > s->fd_budget;) {
		cgw *p = &s->pv[i];

		if (p->fd[F_CPU] < 0 || p->state > ST_LIVE)
			continue;
		close_fds(s, i);
		p->flags |= FL_TRANSIENT;
		s->st.transient_workloads++;
		open_dir(s, i);
	}
}

/* Files kept open for workload i: the CPU file, and the memory files unless
 * they are read on the memory cadence (then opened per read). */
static int nfiles(const cs_cgscan *s, size_t i)
{
	return (s->no_memory || s->mem_on_cadence || (s->pv[i].flags & FL_NO_MEM)) ? 1 : F_N;
}

/* Is file f of workload i read through a descriptor opened for that read? */
static bool per_read(const cs_cgscan *s, size_t i, int f)
{
	return (s->pv[i].flags & FL_TRANSIENT) || (f != F_CPU && s->mem_on_cadence);
}

/* Opens workload i's counter files to keep. Returns 0, -ENOENT if the
 * cgroup (its CPU file) is gone, or another -errno kept for a retry. */
static int open_fds(cs_cgscan *s, size_t i)
{
	cgw *p = &s->pv[i];
	int rc = 0;

	if (s->st.kept_fds + (size_t)nfiles(s, i) + dir_units(s, s->st.kept_dirs) > s->fd_budget) {
		p->flags |= FL_TRANSIENT;
		return 0;
	}
	p->flags &= (uint8_t) ~(FL_TRANSIENT | FL_REOPEN);
	for (int f = 0; f < nfiles(s, i); f++) {
		int fd;

		if (p->fd[f] >= 0)
			continue;
		fd = open_file(s, i, f);
		if (fd == -ENAMETOOLONG)
			return fd;
		if (fd == -EMFILE || fd == -ENFILE) {
			close_fds(s, i);
			p->flags |= FL_TRANSIENT;
			return 0;
		}
		if (fd < 0) {
			if (f == F_CPU)
				return fd;
			if (fd == -ENOENT && f == F_MEM) {
				/* No memory controller for this cgroup. */
				p->flags |= FL_NO_MEM;
				break;
			}
			p->flags |= FL_REOPEN;
			rc = fd;
			continue;
		}
		p->fd[f] = fd;
		s->st.kept_fds++;
	}
	return rc == -ENOENT ? -EIO : rc;
}

/* Reads counter file f of workload i into s->buf. 0 (with *len) or -errno. */
static int read_file(cs_cgscan *s, size_t i, int f, size_t *len)
{
	cgw *p = &s->pv[i];
	int fd = p->fd[f], transient = 0;
	ssize_t r;

	if (fd < 0) {
		if (!per_read(s, i, f))
			return -EBADF; /* failed to open at refresh: retried there */
		if (p->dfd >= 0 && (f == F_CPU || s->mem_in_dir)) {
			fd = s->io->ops->openat(p->dfd, s->file[f], O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				s->io->errors++;
			else
				s->io->opens++;
		} else {
			fd = open_file(s, i, f);
		}
		if (fd < 0)
			return fd;
		s->st.transient_opens++;
		transient = 1;
	}
	r = s->io->ops->pread(fd, s->buf, sizeof(s->buf) - 1, 0);
	s->io->reads++;
	if (r == -ESPIPE || r == -ESTALE) {
		/* The path names a new file: read it through a fresh descriptor. */
		char path[CG_ROOT_CAP + 320];
		int nfd;

		if (file_path(s, i, f, path, sizeof(path)) == 0 && (nfd = io_open(s, path, O_RDONLY)) >= 0) {
			s->io->ops->close(fd);
			fd = nfd;
			if (!transient)
				p->fd[f] = fd;
			r = s->io->ops->pread(fd, s->buf, sizeof(s->buf) - 1, 0);
			s->io->reads++;
		}
	}
	if (transient)
		s->io->ops->close(fd);
	if (r < 0) {
		s->io->errors++;
		return (int)r;
	}
	if ((size_t)r > sizeof(s->buf) - 1)
		return -EIO;
	s->io->bytes += (uint64_t)r;
	s->buf[r] = '\0';
	*len = (size_t)r;
	return 0;
}

static int is_gone_err(int rc)
{
	return rc == -ENOENT || rc == -ENODEV;
}

/* ---- open / detect ---------------------------------------------------------- */

/* 1 if root/rel can be opened (a file, or a directory). */
static int exists(cs_cgscan *s, const char *root, const char *rel, int dir)
{
	char path[CG_ROOT_CAP + 64];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, rel) >= sizeof(path))
		return 0;
	fd = io_open(s, path, O_RDONLY | (dir ? O_DIRECTORY : 0));
	if (fd < 0) {
		s->io->errors--; /* a probe, not an error */
		return 0;
	}
	s->io->ops->close(fd);
	return 1;
}

static int set_root(char *dst, const char *a, const char *b)
{
	int n = snprintf(dst, CG_ROOT_CAP, "%s%s%s", a, b[0] ? "/" : "", b);

	return (n < 0 || n >= CG_ROOT_CAP) ? CS_ERANGE : 0;
}

static int detect(cs_cgscan *s, cs_cg_version want)
{
	const char *r = s->io->cgroup_root;
	static const char *const v1cpu[] = {"cpuacct", "cpu,cpuacct", "cpuacct,cpu"};

	if (want != CS_CG_V1) {
		if (exists(s, r, "cgroup.controllers", 0)) {
			s->version = 2;
			return set_root(s->root, r, "");
		}
	}
	if (want != CS_CG_V2) {
		for (size_t k = 0; k < sizeof(v1cpu) / sizeof(v1cpu[0]); k++) {
			char sub[64];

			snprintf(sub, sizeof(sub), "%s/cpuacct.usage", v1cpu[k]);
			if (exists(s, r, sub, 0)) {
				s->version = 1;
				if (set_root(s->root, r, v1cpu[k]) != 0)
					return CS_ERANGE;
				if (exists(s, r, "memory/memory.stat", 0))
					return set_root(s->memroot, r, "memory");
				s->memroot[0] = '\0';
				return 0;
			}
		}
		/* The root is the cpuacct hierarchy itself (--cgroup-root
		 * /sys/fs/cgroup/cpuacct): CPU only, the memory hierarchy is
		 * another mount. */
		if (want == CS_CG_V1 && exists(s, r, "cpuacct.usage", 0)) {
			s->version = 1;
			s->memroot[0] = '\0';
			return set_root(s->root, r, "");
		}
	}
	if (want != CS_CG_V1 && exists(s, r, "unified/cgroup.controllers", 0)) {
		s->version = 2;
		return set_root(s->root, r, "unified");
	}
	return CS_EUNAVAIL;
}

int cs_cgscan_open(cs_io *io, const cs_cgscan_opts *o, cs_cgscan **out)
{
	cs_cgscan_opts def = {0};
	struct rlimit rl;
	cs_cgscan *s;
	int rc;

	if (!io || !out)
		return CS_EINVAL;
	*out = NULL;
	if (!o)
		o = &def;
	if (o->version > CS_CG_V2 || o->max_depth > 64 || (o->subtree && strlen(o->subtree) >= sizeof(s->subtree)) ||
	    (o->mem_dir && (!o->subtree || !o->subtree[0] || strlen(o->mem_dir) >= CG_ROOT_CAP)))
		return CS_EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return CS_ENOMEM;
	s->io = io;
	s->rootfd[0] = s->rootfd[1] = -1;
	s->max_depth = o->max_depth ? o->max_depth : CG_DEFAULT_DEPTH;
	s->no_memory = o->no_memory;
	s->mem_on_cadence = o->mem_on_cadence;
	s->watch_fd = -1;
	if (o->watch) {
		s->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		s->watch_lost = s->watch_fd < 0;
	}
	cs_cgscan_set_memstat_every(s, o->memstat_every, o->memstat_max);
	s->dirs_per_file = o->dirs_per_file;
	if (o->subtree) {
		const char *st = o->subtree;
		size_t n;

		while (*st == '/')
			st++;
		n = strlen(st);
		memcpy(s->subtree, st, n + 1);
		while (n > 0 && s->subtree[n - 1] == '/')
			s->subtree[--n] = '\0';
	}
	rc = detect(s, o->version);
	if (rc) {
		free(s);
		return rc;
	}
	if (s->version == 2) {
		s->file[F_CPU] = "cpu.stat";
		s->file[F_MEM] = "memory.current";
		s->file[F_MSTAT] = "memory.stat";
		s->inactive_key = "inactive_file";
		memcpy(s->memroot, s->root, sizeof(s->root));
	} else {
		s->file[F_CPU] = "cpuacct.usage";
		s->file[F_MEM] = "memory.usage_in_bytes";
		s->file[F_MSTAT] = "memory.stat";
		s->inactive_key = "total_inactive_file";
		if (!s->memroot[0])
			s->no_memory = true;
	}
	if (o->mem_dir) {
		/* Memory from a v1 memory group beside the walked hierarchy. */
		memcpy(s->memroot, o->mem_dir, strlen(o->mem_dir) + 1);
		s->mem_strip = strlen(s->subtree);
		s->file[F_MEM] = "memory.usage_in_bytes";
		s->file[F_MSTAT] = "memory.stat";
		s->inactive_key = "total_inactive_file";
		s->no_memory = o->no_memory;
	}
	s->mem_in_dir = s->version == 2 && !o->mem_dir;
	if (io->ops->openat) {
		/* no descriptor: every path is opened from "/" (a failed probe is
		 * not an error) */
		for (int h = 0; h < 2; h++) {
			const char *r = h == 0 ? s->root : s->memroot;

			s->rootfd[h] = r[0] ? io->ops->open(r, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
		}
	}

	/* Up to 3 descriptors per workload: a 10,000-container node needs
	 * ~30,000, far above the usual soft limit of 1024. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (!o->no_raise_nofile && rl.rlim_cur < rl.rlim_max) {
			struct rlimit nl = rl;

			nl.rlim_cur = rl.rlim_max;
			if (nl.rlim_cur == RLIM_INFINITY || nl.rlim_cur > (1u << 20))
				nl.rlim_cur = 1u << 20;
			if (nl.rlim_cur > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &nl) == 0)
				rl = nl;
		}
		s->fd_budget =
		    rl.rlim_cur > CG_FD_RESERVE * 2 ? (size_t)(rl.rlim_cur - CG_FD_RESERVE) : (size_t)rl.rlim_cur / 2;
	} else {
		s->fd_budget = 1024 - CG_FD_RESERVE;
	}
	s->fd_limit = s->fd_budget;
	if (o->max_fds && o->max_fds < s->fd_budget)
		s->fd_budget = o->max_fds;
	s->fd_floor = s->fd_budget;
	s->fd_per_kwl = o->max_fds_per_kwl;
	s->st.fd_budget = s->fd_budget;
	rc = grow(s);
	if (rc) {
		cs_cgscan_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* ---- refresh ---------------------------------------------------------------- */

/* Drops workloads already reported gone; keeps order; rebuilds the index. */
static void compact(cs_cgscan *s)
{
	size_t gone = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (s->pv[i].state == ST_GONE) { /* mark_gone set wl[i].gone too */
			close_all(s, i);
			if (s->pv[i].flags & FL_TRANSIENT)
				s->st.transient_workloads--;
			s->st.removed++;
			gone++;
		}
	}
	/* every sample comes here: without a gone workload, the large
	 * workload records are not walked (a cache line each) */
	if (gone)
		s->n = cs_wl_drop_gone(s->wl, s->pv, sizeof(*s->pv), s->n, &s->ix);
}

/* Promotes workload i to kept files when the budget allows; retries failed
 * opens. */
static void retry_keep(cs_cgscan *s, size_t i)
{
	cgw *p = &s->pv[i];
	int was_transient = p->flags & FL_TRANSIENT;

	(void)open_fds(s, i);
	if (was_transient && !(p->flags & FL_TRANSIENT))
		s->st.transient_workloads--;
	else if (!was_transient && (p->flags & FL_TRANSIENT))
		s->st.transient_workloads++;
	if (!dir_wanted(s, i))
		close_dir(s, i);
	else
		open_dir(s, i);
}

/* A leaf directory was seen: keep the known workload or add a new one.
 * rc < 0 only for CS_ENOMEM. */
static int visit_leaf(cs_cgscan *s, uint64_t ino, const char *rel, const cs_cgroup_ident *id)
{
	long k = index_find(s, ino, rel);
	cs_workload *w;
	cgw *p;
	size_t i;
	int rc;

	if (k >= 0) {
		p = &s->pv[k];
		p->seen_gen = s->gen;
		if (p->dfd < 0)
			open_dir(s, (size_t)k);
		if (p->flags & (FL_REOPEN | FL_TRANSIENT))
			retry_keep(s, (size_t)k);
		return 0;
	}
	rc = grow(s);
	if (rc)
		return rc;
	i = s->n;
	w = &s->wl[i];
	p = &s->pv[i];
	memset(w, 0, sizeof(*w));
	w->id = ino;
	w->ident = *id;
	memcpy(w->cgroup, rel, strlen(rel) + 1);
	p->fd[F_CPU] = p->fd[F_MEM] = p->fd[F_MSTAT] = p->dfd = -1;
	p->seen_gen = s->gen;
	p->state = ST_NEW;
	p->flags = 0;
	p->mem_shift = 0;
	open_dir(s, i);
	rc = open_fds(s, i);
	open_dir(s, i); /* over the budget: it reads through its directory */
	if (rc == -ENOENT || rc == -ENOTDIR || rc == -ENAMETOOLONG) {
		/* Gone between readdir and open, or not a cgroup at all. */
		close_all(s, i);
		return 0;
	}
	if (rc < 0 && !(p->flags & FL_REOPEN))
		p->flags |= FL_REOPEN;
	if (p->flags & FL_TRANSIENT)
		s->st.transient_workloads++;
	s->n++;
	index_insert(s, i);
	s->st.added++;
	return 0;
}

/* Should a directory with this ident be a workload when nothing below it is?
 * Kubernetes scaffolding (kubepods, QoS parents) never is. */
static int leaf_candidate(const cs_cgroup_ident *id)
{
	return id->kind == CS_WL_POD || (id->kind == CS_WL_CGROUP && id->qos == CS_QOS_NONE);
}

/* Is the ident a leaf whose sub-cgroups are not walked? */
static int terminal(const cs_cgroup_ident *id)
{
	return id->kind == CS_WL_CONTAINER || id->kind == CS_WL_SERVICE || id->kind == CS_WL_SESSION ||
	       (id->kind == CS_WL_POD && id->unit[0]);
}

/* Directory changes that matter: a sub-cgroup made or removed. */
#define CG_WATCH_MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR)

/* Watches a listed directory for new and removed sub-cgroups (inotify marks
 * the inode: watching it again at the next walk costs one call and no
 * memory). A failure (max_user_watches) leaves the re-walk to the timer. */
static void watch_dir(cs_cgscan *s, const char *path)
{
	if (s->watch_fd >= 0 && inotify_add_watch(s->watch_fd, path, CG_WATCH_MASK) < 0)
		s->watch_lost = true;
}

/* Walks directory rel (length rl in relbuf, which has room for 256 bytes).
 * Returns the number of workloads at or below it, or a negative error. */
static long walk(cs_cgscan *s, char *relbuf, size_t rl, unsigned depth)
{
	char path[CG_ROOT_CAP + 260];
	struct dirent *de;
	long count = 0;
	DIR *d;
	int fd;

	snprintf(path, sizeof(path), "%s%s%s", s->root, rl ? "/" : "", relbuf);
	fd = io_open(s, path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		s->io->ops->close(fd);
		return -errno;
	}
	s->st.dirs_read++;
	watch_dir(s, path);
	while ((de = readdir(d)) != NULL) {
		const char *nm = de->d_name;
		size_t nl = strlen(nm);
		cs_cgroup_ident id;
		long sub;

		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0')))
			continue;
		if (rl + 1 + nl >= sizeof(((cs_workload *)0)->cgroup)) {
			s->st.dirs_skipped++;
			continue;
		}
		if (rl)
			relbuf[rl] = '/';
		memcpy(relbuf + rl + (rl ? 1 : 0), nm, nl + 1);
		cs_cgroup_path_parse(relbuf, &id);
		if (terminal(&id)) {
			sub = visit_leaf(s, (uint64_t)de->d_ino, relbuf, &id);
			count += sub < 0 ? 0 : 1;
		} else if (depth + 1 >= s->max_depth) {
			s->st.dirs_skipped++;
			sub = 0;
		} else {
			sub = walk(s, relbuf, rl + (rl ? 1 : 0) + nl, depth + 1);
			if (sub == -ENOTDIR) {
				sub = 0; /* DT_UNKNOWN that was a file */
			} else if (sub == -ENOENT) {
				sub = 0; /* removed while we walked */
			} else if (sub < 0 && sub != CS_ENOMEM) {
				s->walk_errors++;
				s->st.dirs_skipped++;
				sub = 1; /* unknown below: do not make this a leaf */
			} else if (sub == 0 && leaf_candidate(&id)) {
				sub = visit_leaf(s, (uint64_t)de->d_ino, relbuf, &id);
				if (sub == 0)
					sub = 1;
			}
			if (sub > 0)
				count += sub;
		}
		relbuf[rl] = '\0';
		if (sub == CS_ENOMEM) {
			closedir(d);
			return CS_ENOMEM;
		}
	}
	closedir(d); /* closes fd */
	return count;
}

int cs_cgscan_refresh(cs_cgscan *s)
{
	char rel[256];
	size_t walk_budget;
	long rc;

	if (!s)
		return CS_EINVAL;
	compact(s);
	set_budget(s, s->n);
	walk_budget = s->fd_budget;
	s->gen++;
	s->walk_errors = 0;
	s->st.refreshes++;
	memcpy(rel, s->subtree, strlen(s->subtree) + 1);
	if (rel[0]) {
		/* A subtree (the cgroup `carbonstat run` made) is itself the
		 * workload when it is a leaf or nothing below it is one. */
		cs_cgroup_ident id;
		char path[CG_ROOT_CAP + 260];
		struct stat sb;

		cs_cgroup_path_parse(rel, &id);
		snprintf(path, sizeof(path), "%s/%s", s->root, rel);
		if (stat(path, &sb) != 0)
			return -errno;
		rc = terminal(&id) ? 0 : walk(s, rel, strlen(rel), 0);
		if (rc < 0)
			return (int)rc;
		if (rc == 0) {
			if (id.kind == CS_WL_SYSTEM)
				id.kind = CS_WL_CGROUP;
			rc = visit_leaf(s, (uint64_t)sb.st_ino, rel, &id);
			if (rc < 0)
				return (int)rc;
		}
	} else {
		rc = walk(s, rel, 0, 0);
		if (rc < 0)
			return (int)rc;
	}
	/* a budget scaled to the workloads: those the walk found over the
	 * walk's budget keep their files now, not one refresh later */
	set_budget(s, s->n);
	for (size_t i = 0; i < s->n && s->fd_budget > walk_budget && s->st.transient_workloads; i++)
		if ((s->pv[i].flags & FL_TRANSIENT) && s->pv[i].state <= ST_LIVE && s->pv[i].seen_gen == s->gen)
			retry_keep(s, i);
	rebalance(s);
	if (s->walk_errors)
		return 0;
	for (size_t i = 0; i < s->n; i++) {
		cgw *p = &s->pv[i];

		if (p->seen_gen != s->gen && p->state <= ST_LIVE) {
			p->state = ST_VANISHED;
			close_all(s, i);
		}
	}
	return 0;
}

/* ---- sample ----------------------------------------------------------------- */

/* Workload i's memory interval in samples: memstat_every, doubled per
 * stable reading (mem_shift), at most memstat_max. */
static uint64_t mem_period(const cs_cgscan *s, size_t i)
{
	uint64_t per = (uint64_t)s->memstat_every << s->pv[i].mem_shift;

	return per < s->memstat_max ? per : s->memstat_max;
}

/* Workload i's place in the memory cadence at this sample, phased by the
 * cgroup inode so the reads spread evenly over the samples instead of all
 * landing on one. */
static size_t mem_phase(const cs_cgscan *s, size_t i)
{
	return s->st.samples + (size_t)cs_mix64(s->wl[i].id);
}

/* Is memory.stat due for workload i at this sample (phase: mem_phase)?
 * Every sample with memstat_every 1; else once per mem_period samples (a
 * doubled period keeps the phase: its reads are a subset of the base
 * cadence's). A workload without a reading yet is always due. */
static bool memstat_due(const cs_cgscan *s, size_t i, size_t phase)
{
	if (s->memstat_every <= 1 || !(s->pv[i].flags & FL_INACTIVE))
		return true;
	return phase % mem_period(s, i) == 0;
}

/* cAdvisor's dynamic housekeeping, for the memory files: a reading within
 * CG_MEM_STABLE_BYTES and 1 % of the last one doubles the workload's
 * interval (up to memstat_max); any larger move sets it back to
 * memstat_every (so does a restart, and a new workload starts there). */
static void mem_housekeep(cs_cgscan *s, size_t i, uint64_t last, uint64_t now)
{
	cgw *p = &s->pv[i];
	uint64_t d = now > last ? now - last : last - now, ref = now > last ? now : last;

	if (d < CG_MEM_STABLE_BYTES && d * 100 <= ref) {
		if (((uint64_t)s->memstat_every << p->mem_shift) < s->memstat_max && p->mem_shift < CG_MEM_SHIFT_MAX)
			p->mem_shift++;
	} else {
		p->mem_shift = 0;
	}
}

/* Working set of workload i: usage minus inactive file pages, clamped at 0.
 * memory.stat (the costly file: the kernel flushes and formats ~40 counters)
 * only when memstat is due (memstat_due), else the last inactive_file.
 * 0 and *out on success, else -errno (nothing written). */
static int read_mem(cs_cgscan *s, size_t i, bool memstat, uint64_t *out)
{
	cgw *p = &s->pv[i];
	uint64_t usage, inactive = 0;
	size_t len;
	int rc = read_file(s, i, F_MEM, &len);

	if (rc)
		return rc;
	if (cs_parse_u64_buf(s->buf, len, &usage) != 0)
		return CS_EINVAL;
	if (!memstat) {
		inactive = p->inactive;
	} else {
		rc = read_file(s, i, F_MSTAT, &len);
		if (rc == 0) {
			rc = cs_cgstat_parse_memstat(s->buf, len, s->inactive_key, &inactive);
			if (rc == CS_ENODATA) {
				inactive = 0;
				rc = 0;
			}
		}
		if (rc)
			return rc;
		p->inactive = inactive;
		p->flags |= FL_INACTIVE;
		s->st.memstat_reads++;
	}
	*out = usage > inactive ? usage - inactive : 0;
	return 0;
}

static int read_cpu(cs_cgscan *s, size_t i, uint64_t *usec)
{
	size_t len;
	int rc = read_file(s, i, F_CPU, &len);

	if (rc)
		return rc;
	if (s->version == 2) {
		cs_cgstat_cpu c;

		rc = cs_cgstat_parse_cpu(s->buf, len, &c);
		if (rc == 0)
			*usec = c.usage_usec;
		return rc;
	}
	return cs_cgstat_parse_cpuacct(s->buf, len, usec);
}

static void mark_gone(cs_cgscan *s, size_t i)
{
	/* Last interval's cpu_usec and mem_bytes stay: its "last delta". */
	s->wl[i].gone = true;
	s->wl[i].fresh = false;
	s->pv[i].state = ST_GONE;
	close_all(s, i);
}

int cs_cgscan_sample(cs_cgscan *s)
{
	if (!s)
		return CS_EINVAL;
	compact(s);
	s->st.samples++;
	for (size_t i = 0; i < s->n; i++) {
		cs_workload *w = &s->wl[i];
		cgw *p = &s->pv[i];
		uint64_t usec = 0, mem;
		size_t phase;
		bool due, had;
		int rc;

		if (p->state == ST_VANISHED) {
			mark_gone(s, i);
			continue;
		}
		rc = read_cpu(s, i, &usec);
		if (is_gone_err(rc)) {
			mark_gone(s, i);
			continue;
		}
		if (rc) {
			s->st.read_errors++;
			w->cpu_usec = 0;
			w->fresh = false;
		} else if (p->state == ST_NEW) {
			w->cpu_usec_total_prev = usec;
			w->cpu_usec = 0;
			w->fresh = true;
			p->state = ST_LIVE;
		} else if (usec < w->cpu_usec_total_prev) {
			/* Restarted in a reused cgroup: re-prime, never negative. */
			s->st.resets++;
			p->mem_shift = 0; /* a new process: its memory moves */
			w->cpu_usec_total_prev = usec;
			w->cpu_usec = 0;
			w->fresh = false;
		} else {
			w->cpu_usec = usec - w->cpu_usec_total_prev;
			w->cpu_usec_total_prev = usec;
			w->fresh = false;
		}
		if (s->no_memory || (p->flags & FL_NO_MEM))
			continue;
		/* No CPU time, no new memory of its own: an idle workload's working
		 * set is re-read only when its memory.stat is due (cAdvisor's
		 * dynamic housekeeping, for the same reason: most files read on a
		 * big node are idle containers'). */
		phase = mem_phase(s, i);
		due = memstat_due(s, i, phase); /* never false without a reading */
		if (!due && (s->mem_on_cadence || (w->cpu_usec == 0 && !w->fresh))) {
			/* due at the base cadence: put off for a doubled interval */
			if (s->memstat_every > 1 && phase % s->memstat_every == 0)
				s->st.mem_stable_skips++;
			else
				s->st.mem_idle_skips++;
			continue;
		}
		had = (p->flags & FL_INACTIVE) != 0;
		rc = read_mem(s, i, due, &mem);
		if (rc == 0 && due && had && s->memstat_max > s->memstat_every)
			mem_housekeep(s, i, w->mem_bytes, mem);
		if (rc == 0)
			w->mem_bytes = mem;
		else if (rc == -ENOENT && per_read(s, i, F_MEM))
			p->flags |= FL_NO_MEM; /* never probed: no memory controller */
		else if (!is_gone_err(rc))
			s->st.read_errors++; /* the gauge keeps its last value */
		                             /* ENODEV on memory but not CPU: a removal racing this sample;
		                              * the CPU read reports it gone next time. */
	}
	return 0;
}

int cs_cgscan_changed(cs_cgscan *s)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int changed = 0;
	ssize_t r;

	if (!s || s->watch_fd < 0 || s->watch_lost)
		return -1;
	/* every event is a reason to walk (IN_IGNORED too: a watched directory
	 * went away); the events themselves are not needed */
	while ((r = read(s->watch_fd, buf, sizeof(buf))) > 0)
		changed = 1;
	if (r < 0 && errno != EAGAIN && errno != EINTR)
		return -1;
	return changed;
}

/* ---- accessors -------------------------------------------------------------- */

cs_workload *cs_cgscan_workloads(cs_cgscan *s, size_t *n)
{
	if (!s) {
		if (n)
			*n = 0;
		return NULL;
	}
	if (n)
		*n = s->n;
	return s->wl;
}

void cs_cgscan_set_memstat_every(cs_cgscan *s, unsigned every, unsigned max)
{
	if (!s)
		return;
	s->memstat_every = every ? every : 1;
	/* memstat_every times a power of two: a doubled interval's reads stay
	 * on the base cadence's phase (memstat_due) */
	s->memstat_max = s->memstat_every;
	while (s->memstat_max <= max / 2)
		s->memstat_max *= 2;
}

cs_workload *cs_cgscan_find(cs_cgscan *s, const char *cgroup_rel)
{
	if (!s || !cgroup_rel)
		return NULL;
	while (*cgroup_rel == '/')
		cgroup_rel++;
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->wl[i].cgroup, cgroup_rel) == 0)
			return &s->wl[i];
	}
	return NULL;
}

int cs_cgscan_version(const cs_cgscan *s)
{
	return s ? s->version : 0;
}

const char *cs_cgscan_root(const cs_cgscan *s)
{
	return s ? s->root : "";
}

void cs_cgscan_stats_get(const cs_cgscan *s, cs_cgscan_stats *out)
{
	if (s && out)
		*out = s->st;
}

size_t cs_cgscan_mem_bytes(const cs_cgscan *s)
{
	if (!s)
		return 0;
	return sizeof(*s) + s->cap * (sizeof(*s->wl) + sizeof(*s->pv)) + s->ix.n * sizeof(*s->ix.slot);
}

void cs_cgscan_close(cs_cgscan *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		close_all(s, i);
	if (s->watch_fd >= 0)
		close(s->watch_fd);
	for (int h = 0; h < 2; h++)
		if (s->rootfd[h] >= 0)
			s->io->ops->close(s->rootfd[h]);
	cs_pool_free(&s->pool);
	cs_index_free(&s->ix);
	free(s);
}
