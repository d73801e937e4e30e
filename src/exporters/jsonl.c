/* exporters/jsonl.c - the agent's JSON-lines exporter (one file).
 *
 * Owns the output file [jsonl] path: per cycle one "node" object, then one
 * object per row (type workload, system, idle or overflow), compact, one per
 * line (schema: docs/exporters.md). Objects are built with jansson, never by
 * hand, so every string is escaped right; invalid UTF-8 (a process name, a
 * cgroup path) is replaced with U+FFFD first, since JSON text is UTF-8.
 *
 * Invariants:
 *   - the file only ever holds whole lines: a cycle is serialised into one
 *     buffer and written by one write() loop; if that fails part way
 *     (ENOSPC, EFBIG, EIO) the file is ftruncate'd back to its size before
 *     the cycle and the cycle's error is returned;
 *   - energies are joules from the integer microjoules, printed with 15
 *     significant digits: exact to the microjoule below 1e9 J (every
 *     interval figure; totals up to ~277 kWh), and readers can recover the
 *     microjoules with round(x * 1e6);
 *   - rotation (max_bytes > 0): when the file holds something and this cycle
 *     would take it past max_bytes, path.(keep-1) -> path.keep ... path ->
 *     path.1 by rename, then a fresh path; a cycle is never split across
 *     files, and one cycle larger than max_bytes still goes whole into an
 *     empty file;
 *   - reopen() (SIGHUP) closes and reopens path, for logrotate's
 *     rename-then-HUP; a file that cannot be (re)opened is retried on every
 *     publish;
 *   - fsync none leaves flushing to the kernel; cycle calls fdatasync after
 *     each cycle (and at close);
 *   - a non-regular file (/dev/stdout, a FIFO) is written the same way but
 *     never truncated or rotated.
 *
 * Memory: the cycle buffer grows geometrically and never shrinks; the
 * jansson objects are built once and their values updated in place, so a
 * steady cycle allocates only what jansson itself does (a string value that
 * changed from the previous row, json_dumpb's loop-detection table);
 * bench/bench_exporters.c counts it.
 */
#include "exporters/exporter.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "core/mem.h"
#include "core/why.h"
#include "io/fdio.h"

/* 15 significant digits: every decimal of up to 15 digits (joules with 6
 * decimals below 1e9) prints back exactly from its nearest double. */
#define JL_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))
#define JL_NAME_MAX   (CS_CONF_PATH_MAX + 16) /* path + ".1000" */

/* ---- [jsonl] ---------------------------------------------------------------------- */

typedef enum jl_fsync {
	JL_FSYNC_NONE = 0, /* leave it to the kernel */
	JL_FSYNC_CYCLE,    /* fdatasync after every cycle's lines (default) */
} jl_fsync;

static const char *const jl_fsync_names[] = {"none", "cycle"};

typedef struct jl_conf {
	bool enabled;
	char path[CS_CONF_PATH_MAX];
	jl_fsync fsync;
	uint64_t max_bytes; /* rotate when the file would grow past it; 0 = never
	                     * (logrotate + SIGHUP reopen) */
	unsigned keep;      /* rotated files kept: path.1 .. path.N */
} jl_conf;

static const cs_conf_key jl_keys[] = {
    {"enabled", CS_CONF_BOOL, CS_CONF_AT(jl_conf, enabled), .def = "false", .help = "write JSON lines"},
    {"path", CS_CONF_PATH, CS_CONF_AT(jl_conf, path), .flags = CS_CONF_REQUIRED,
     .help = "the file; one JSON object per workload per interval"},
    {"fsync", CS_CONF_ENUM, CS_CONF_AT(jl_conf, fsync), .def = "cycle", .names = jl_fsync_names,
     .nnames = CS_CONF_N(jl_fsync_names), .help = "fdatasync after every cycle, or leave it to the kernel"},
    {"max_bytes", CS_CONF_BYTES, CS_CONF_AT(jl_conf, max_bytes), .def = "64M", .min = 4096, .max = 1ull << 40,
     .flags = CS_CONF_ZERO, .help = "rotate past this size (path.1 .. path.keep); 0: never (logrotate, then SIGHUP)"},
    {"keep", CS_CONF_UINT, CS_CONF_AT(jl_conf, keep), .def = "5", .min = 1, .max = 1000, .expect = "a number of files",
     .help = "rotated files kept: path.1 .. path.N"},
};

static const cs_conf_flag jl_flags[] = {
    {"jsonl", "FILE", "path", NULL, true, "append one JSON object per workload per interval to FILE"},
};

static const cs_conf_section jl_section =
    CS_CONF_SECTION("jsonl", jl_conf, jl_keys, .enabled = "enabled", CS_CONF_FLAGS(jl_flags));

/* A number member that may also be null (unknown, or not finite). */
typedef struct jl_num {
	json_t *parent;
	const char *key;
	json_t *h; /* current value: a real, or null */
} jl_num;

/* One reused object: the members updated in place each line. */
typedef struct jl_obj {
	json_t *obj;
	/* common */
	json_t *ts, *cluster, *node, *seq, *type;
	jl_num interval_s, power_w, intensity;
	json_t *energy_j, *energy_j_total, *source, *carbon_g, *carbon_g_total; /* nested objects */
	jl_num e[CS_PART_COUNT], et[CS_PART_COUNT];
	json_t *src[CS_PART_COUNT];
	jl_num cg[CS_SCOPE_N], cgt[CS_SCOPE_N];
	json_t *intensity_source, *zone, *mode;
	unsigned mask; /* present components the nested objects hold */
	/* rows */
	json_t *kind, *name, *namespace_, *pod, *container, *team, *owner_kind, *owner, *container_id, *cgroup;
	/* node */
	json_t *power_by; /* nested: watts per component */
	jl_num pw[CS_PART_COUNT], pue, embodied, cpu_busy, cpu_total;
	json_t *provider, *region, *instance, *instance_id, *instance_name, *dataset, *power_model, *version, *rows;
} jl_obj;

typedef struct jl_state {
	char path[CS_CONF_PATH_MAX];
	char from[JL_NAME_MAX], to[JL_NAME_MAX]; /* rotation names */
	int fd;                                  /* -1 when (re)opening failed: retried each publish */
	jl_fsync fsync;
	uint64_t max_bytes;
	unsigned keep;

	char *buf; /* the cycle's lines */
	size_t len, cap;
	char *fix; /* UTF-8 repair scratch */
	size_t fixcap;
	bool oom;     /* a string could not be set this cycle */
	bool partial; /* a failed cycle could not be truncated away:
	               * start the next one on a new line */

	jl_obj row, nd;
} jl_state;

/* ---- small helpers ---------------------------------------------------------------- */

/* 2026-09-21T08:53:20.123Z */
static void rfc3339_ms(char out[64], int64_t ms)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	int frac = (int)(ms - (int64_t)t * 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		snprintf(out, 64, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	         tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static const char *row_type(cs_row_kind k)
{
	switch (k) {
	case CS_ROW_WORKLOAD: return "workload";
	case CS_ROW_SYSTEM: return "system";
	case CS_ROW_IDLE: return "idle";
	case CS_ROW_OVERFLOW: return "overflow";
	}
	return "workload";
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

/* s with every invalid byte replaced by U+FFFD, in st->fix; NULL on OOM. */
static const char *utf8_repair(jl_state *st, const char *s)
{
	size_t n = strlen(s), o = 0;

	if (cs_grow(&st->fix, &st->fixcap, 3 * n + 1, 1, 3 * n + 1))
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq((const unsigned char *)s + i);

		if (k) {
			memcpy(st->fix + o, s + i, k);
			o += k;
			i += k;
		} else {
			memcpy(st->fix + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	st->fix[o] = '\0';
	return st->fix;
}

/* Updates a string member in place; jansson copies only when it changed. */
static void set_str(jl_state *st, json_t *h, const char *v)
{
	if (!v)
		v = "";
	if (strcmp(json_string_value(h), v) == 0)
		return;
	if (json_string_set(h, v) == 0)
		return;
	/* not UTF-8 (or out of memory) */
	v = utf8_repair(st, v);
	if (!v || json_string_set(h, v) != 0)
		st->oom = true;
}

/* A number member; null when not finite (the caller passes NAN for
 * "unknown"). Replaces the value object only when it changes kind. */
static void set_num(jl_state *st, jl_num *n, double v)
{
	json_t *nv;

	if (isfinite(v) && json_is_real(n->h)) {
		json_real_set(n->h, v);
		return;
	}
	if (!isfinite(v) && json_is_null(n->h))
		return;
	nv = isfinite(v) ? json_real(v) : json_null();
	if (!nv || json_object_set_new(n->parent, n->key, nv) != 0) {
		st->oom = true;
		return;
	}
	n->h = nv;
}

static double j_of(uint64_t uj)
{
	return (double)uj / 1e6;
}

/* ---- building the reused objects -------------------------------------------------- */

/* Adds key: v to o (v NULL: it could not be made), returns the borrowed
 * handle, or NULL with *bad set. */
static json_t *add(json_t *o, const char *key, json_t *v, int *bad)
{
	if (!v || json_object_set_new(o, key, v) != 0) {
		*bad = 1;
		return NULL;
	}
	return v;
}

static json_t *add_str(json_t *o, const char *key, int *bad)
{
	return add(o, key, json_string(""), bad);
}

static json_t *add_obj(json_t *o, const char *key, int *bad)
{
	return add(o, key, json_object(), bad);
}

static void add_num(jl_num *n, json_t *o, const char *key, int *bad)
{
	n->parent = o;
	n->key = key;
	n->h = add(o, key, json_real(0), bad);
}

/* The string members only a workload row has (after "type", from its
 * cs_snap_row) or only the node line has (after "embodied_g_per_h", from the
 * cs_snapshot), in output order. */
/* clang-format off */
#define ROW(key, h, field) {key, offsetof(jl_obj, h), offsetof(cs_snap_row, field), false}
#define NODE(key, h, field) {key, offsetof(jl_obj, h), offsetof(cs_snapshot, field), true}
/* clang-format on */
static const struct jl_str_member {
	const char *key;
	size_t h;    /* offset of its json_t * handle in jl_obj */
	size_t from; /* offset of its const char * in the cs_snap_row or cs_snapshot */
	bool node;
} jl_str_members[] = {
    ROW("kind", kind, wl_kind),
    ROW("name", name, name),
    ROW("namespace", namespace_, namespace_),
    ROW("pod", pod, pod),
    ROW("container", container, container),
    ROW("team", team, team),
    ROW("owner_kind", owner_kind, owner_kind),
    ROW("owner", owner, owner),
    ROW("container_id", container_id, container_id),
    ROW("cgroup", cgroup, cgroup),
    NODE("provider", provider, provider),
    NODE("region", region, region),
    NODE("instance", instance, instance),
    NODE("instance_id", instance_id, instance_id),
    NODE("instance_name", instance_name, instance_name),
    NODE("intensity_dataset", dataset, intensity_dataset),
    NODE("power_model", power_model, power_model),
    NODE("version", version, version),
};
#undef ROW
#undef NODE
#define JL_NSTR (sizeof(jl_str_members) / sizeof(jl_str_members[0]))

static json_t **str_handle(jl_obj *j, const struct jl_str_member *m)
{
	return (json_t **)(void *)((char *)j + m->h);
}

static void add_strs(jl_obj *j, bool node, int *bad)
{
	for (size_t i = 0; i < JL_NSTR; i++)
		if (jl_str_members[i].node == node)
			*str_handle(j, &jl_str_members[i]) = add_str(j->obj, jl_str_members[i].key, bad);
}

/* Member order is the order of these calls (jansson keeps insertion order). */
static int obj_build(jl_obj *j, bool node)
{
	int bad = 0;

	memset(j, 0, sizeof(*j));
	j->obj = json_object();
	if (!j->obj)
		return CS_ENOMEM;
	j->ts = add_str(j->obj, "ts", &bad);
	j->cluster = add_str(j->obj, "cluster", &bad);
	j->node = add_str(j->obj, "node", &bad);
	j->seq = add(j->obj, "seq", json_integer(0), &bad);
	add_num(&j->interval_s, j->obj, "interval_s", &bad);
	j->type = add_str(j->obj, "type", &bad);
	if (!node) {
		add_strs(j, false, &bad);
	}
	j->energy_j = add_obj(j->obj, "energy_j", &bad);
	j->energy_j_total = add_obj(j->obj, "energy_j_total", &bad);
	add_num(&j->power_w, j->obj, "power_w", &bad);
	if (node)
		j->power_by = add_obj(j->obj, "power_w_by_component", &bad);
	j->carbon_g = add_obj(j->obj, "carbon_g", &bad);
	j->carbon_g_total = add_obj(j->obj, "carbon_g_total", &bad);
	for (int s = 0; s < CS_SCOPE_N && !bad; s++) {
		add_num(&j->cg[s], j->carbon_g, cs_scope_name((cs_scope)s), &bad);
		add_num(&j->cgt[s], j->carbon_g_total, cs_scope_name((cs_scope)s), &bad);
	}
	add_num(&j->intensity, j->obj, "intensity_g_per_kwh", &bad);
	j->intensity_source = add_str(j->obj, "intensity_source", &bad);
	j->zone = add_str(j->obj, "zone", &bad);
	j->source = add_obj(j->obj, "source", &bad);
	j->mode = add_str(j->obj, "mode", &bad);
	if (node) {
		add_num(&j->pue, j->obj, "pue", &bad);
		add_num(&j->embodied, j->obj, "embodied_g_per_h", &bad);
		add_num(&j->cpu_busy, j->obj, "cpu_busy_s", &bad);
		add_num(&j->cpu_total, j->obj, "cpu_total_s", &bad);
		add_strs(j, true, &bad);
		j->rows = add(j->obj, "rows", json_integer(0), &bad);
	}
	j->mask = ~0u; /* nested per-component objects not filled yet */
	return bad ? CS_ENOMEM : 0;
}

/* Refills the per-component nested objects for the present components. */
static int obj_set_mask(jl_obj *j, unsigned mask)
{
	int bad = 0;

	if (j->mask == mask)
		return 0;
	json_object_clear(j->energy_j);
	json_object_clear(j->energy_j_total);
	json_object_clear(j->source);
	if (j->power_by)
		json_object_clear(j->power_by);
	for (int c = 0; c < CS_PART_COUNT; c++) {
		const char *cn = cs_part_name((cs_part)c);

		j->src[c] = NULL;
		if (!(mask & (1u << c)))
			continue;
		add_num(&j->e[c], j->energy_j, cn, &bad);
		add_num(&j->et[c], j->energy_j_total, cn, &bad);
		j->src[c] = add_str(j->source, cn, &bad);
		if (j->power_by)
			add_num(&j->pw[c], j->power_by, cn, &bad);
	}
	j->mask = bad ? ~0u : mask;
	return bad ? CS_ENOMEM : 0;
}

/* What rows and the node object share. */
static void fill_common(jl_state *st, jl_obj *j, const cs_snapshot *s, const char *ts, const char *type)
{
	set_str(st, j->ts, ts);
	set_str(st, j->cluster, cs_snap_cluster(s));
	set_str(st, j->node, s->node);
	json_integer_set(j->seq, (json_int_t)s->seq);
	set_num(st, &j->interval_s, s->interval_s);
	set_str(st, j->type, type);
	set_num(st, &j->intensity, s->intensity_g_per_kwh >= 0 ? s->intensity_g_per_kwh : NAN);
	set_str(st, j->intensity_source, s->intensity_source);
	set_str(st, j->zone, s->intensity_zone);
	set_str(st, j->mode, s->mode);
	for (int c = 0; c < CS_PART_COUNT; c++)
		if (j->src[c])
			set_str(st, j->src[c], s->comp[c].source);
}

/* The node's (from a cs_snapshot) or a row's (from its cs_snap_row) strings. */
static void set_strs(jl_state *st, jl_obj *j, bool node, const void *from)
{
	for (size_t i = 0; i < JL_NSTR; i++) {
		const struct jl_str_member *m = &jl_str_members[i];

		if (m->node == node)
			set_str(st, *str_handle(j, m),
			        *(const char *const *)(const void *)((const char *)from + m->from));
	}
}

/* Appends obj as one line to the cycle buffer. */
static int dump_line(jl_state *st, const json_t *obj)
{
	size_t room = st->cap > st->len ? st->cap - st->len : 0, n;

	n = json_dumpb(obj, st->buf ? st->buf + st->len : NULL, room ? room - 1 : 0, JL_DUMP_FLAGS);
	if (n == 0)
		return CS_ENOMEM;
	if (n + 1 > room) {
		if (cs_grow(&st->buf, &st->cap, st->len + n + 1, 1, 65536))
			return CS_ENOMEM;
		n = json_dumpb(obj, st->buf + st->len, st->cap - st->len - 1, JL_DUMP_FLAGS);
		if (n == 0 || n + 1 > st->cap - st->len)
			return CS_ENOMEM;
	}
	st->buf[st->len + n] = '\n';
	st->len += n + 1;
	return 0;
}

/* The whole cycle into st->buf: the node line, then one line per row. */
static int render(jl_state *st, const cs_snapshot *s)
{
	char ts[64];
	unsigned mask = 0;
	jl_obj *j = &st->nd;
	int rc;

	for (int c = 0; c < CS_PART_COUNT; c++)
		if (s->comp[c].present)
			mask |= 1u << c;
	if ((rc = obj_set_mask(&st->nd, mask)) != 0 || (rc = obj_set_mask(&st->row, mask)) != 0)
		return rc;
	rfc3339_ms(ts, s->time_ms);
	st->len = 0;
	st->oom = false;

	fill_common(st, j, s, ts, "node");
	for (int c = 0; c < CS_PART_COUNT; c++) {
		if (!(mask & (1u << c)))
			continue;
		set_num(st, &j->e[c], j_of(s->comp[c].energy_uj));
		set_num(st, &j->et[c], j_of(s->comp[c].energy_uj_total));
		set_num(st, &j->pw[c], s->comp[c].power_w);
	}
	set_num(st, &j->power_w, s->power_w);
	for (int sc = 0; sc < CS_SCOPE_N; sc++) {
		set_num(st, &j->cg[sc], s->carbon_g[sc]);
		set_num(st, &j->cgt[sc], s->carbon_g_total[sc]);
	}
	set_num(st, &j->pue, s->pue);
	set_num(st, &j->embodied, s->embodied_g_per_h >= 0 ? s->embodied_g_per_h : NAN);
	/* the node's CPU time in the interval (null: no /proc/stat), exact in
	 * microseconds as the energies are */
	set_num(st, &j->cpu_busy, s->cpu_total_us ? j_of(s->cpu_busy_us) : NAN);
	set_num(st, &j->cpu_total, s->cpu_total_us ? j_of(s->cpu_total_us) : NAN);
	set_strs(st, j, true, s);
	json_integer_set(j->rows, (json_int_t)s->nrows);
	if (st->oom)
		return CS_ENOMEM;
	if ((rc = dump_line(st, j->obj)) != 0)
		return rc;

	j = &st->row;
	for (size_t i = 0; i < s->nrows; i++) {
		const cs_snap_row *r = &s->rows[i];

		fill_common(st, j, s, ts, row_type(r->kind));
		set_strs(st, j, false, r);
		for (int c = 0; c < CS_PART_COUNT; c++) {
			if (!(mask & (1u << c)))
				continue;
			set_num(st, &j->e[c], j_of(r->energy_uj[c]));
			set_num(st, &j->et[c], j_of(r->energy_uj_total[c]));
		}
		set_num(st, &j->power_w, r->power_w);
		for (int sc = 0; sc < CS_SCOPE_N; sc++) {
			set_num(st, &j->cg[sc], r->carbon_g[sc]);
			set_num(st, &j->cgt[sc], r->carbon_g_total[sc]);
		}
		if (st->oom)
			return CS_ENOMEM;
		if ((rc = dump_line(st, j->obj)) != 0)
			return rc;
	}
	return 0;
}

/* ---- the file --------------------------------------------------------------------- */

/* One line naming the path, the error and the fix. */
static void open_why(const char *path, int err, const char *what, char *why, size_t whycap)
{
	const char *fix = err == ENOENT || err == ENOTDIR ? "create its directory or set [jsonl] path (--jsonl FILE)"
	                  : err == EACCES || err == EPERM || err == EROFS
	                      ? "make the directory writable for the agent's user or set [jsonl] path "
	                        "(--jsonl FILE)"
	                      : "set [jsonl] path (--jsonl FILE) to a writable file";

	cs_set_why(why, whycap, "jsonl: cannot %s %s: %s; %s", what, path, strerror(err), fix);
}

static int file_open(jl_state *st, const char *what, char *why, size_t whycap)
{
	int fd = open(st->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

	if (fd < 0) {
		int err = errno;

		open_why(st->path, err, what, why, whycap);
		return -err;
	}
	st->fd = fd;
	return 0;
}

static void file_close(jl_state *st)
{
	if (st->fd < 0)
		return;
	if (st->fsync != JL_FSYNC_NONE)
		(void)fdatasync(st->fd);
	close(st->fd);
	st->fd = -1;
}

/* path.(keep-1) -> path.keep, ..., path -> path.1, then a fresh path. If a
 * rename fails the rotation stops there (nothing is overwritten that was
 * not already moved) and the cycle goes into the file still open. */
static int rotate(jl_state *st, char *why, size_t whycap)
{
	for (unsigned i = st->keep; i >= 1; i--) {
		if (i > 1)
			snprintf(st->from, sizeof(st->from), "%s.%u", st->path, i - 1);
		else
			snprintf(st->from, sizeof(st->from), "%s", st->path);
		snprintf(st->to, sizeof(st->to), "%s.%u", st->path, i);
		if (rename(st->from, st->to) != 0 && errno != ENOENT) {
			int err = errno;

			cs_set_why(why, whycap,
			           "jsonl: cannot rotate %s to %s: %s; check the directory's permissions or set "
			           "[jsonl] max_bytes = 0 and rotate with logrotate",
			           st->from, st->to, strerror(err));
			return -err;
		}
	}
	/* the old file is path.1 now, whole: close it and start afresh */
	close(st->fd);
	st->fd = -1;
	return file_open(st, "open the rotated", why, whycap);
}

/* ---- ops -------------------------------------------------------------------------- */

/* Also the .close method: the state comes as void *. */
static void jl_free(void *state)
{
	jl_state *st = state;

	if (!st)
		return;
	file_close(st);
	json_decref(st->row.obj);
	json_decref(st->nd.obj);
	free(st->buf);
	free(st->fix);
	free(st);
}

static int jl_open(const cs_export_env *env, void **state, char *why, size_t whycap)
{
	const jl_conf *c = env->conf;
	jl_state *st;
	int rc;

	*state = NULL;
	if (!c->path[0]) {
		cs_set_why(why, whycap, "jsonl: enabled without a file; set [jsonl] path or pass --jsonl FILE");
		return CS_EINVAL;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		cs_set_why(why, whycap, "jsonl: out of memory");
		return CS_ENOMEM;
	}
	st->fd = -1;
	snprintf(st->path, sizeof(st->path), "%s", c->path);
	st->fsync = c->fsync;
	st->max_bytes = c->max_bytes;
	st->keep = c->keep;
	if (obj_build(&st->row, false) != 0 || obj_build(&st->nd, true) != 0) {
		cs_set_why(why, whycap, "jsonl: out of memory");
		rc = CS_ENOMEM;
		goto err;
	}
	if ((rc = file_open(st, "open", why, whycap)) != 0)
		goto err;
	*state = st;
	return 0;
err:
	jl_free(st);
	return rc;
}

/* Writes the cycle buffer whole or not at all. */
static int write_cycle(jl_state *st, char *why, size_t whycap)
{
	struct stat sb;
	bool regular;
	off_t before;
	size_t done = 0;
	int err = 0, rot = 0;

	if (fstat(st->fd, &sb) != 0) {
		err = errno;
		cs_set_why(why, whycap, "jsonl: cannot stat %s: %s", st->path, strerror(err));
		return -err;
	}
	regular = S_ISREG(sb.st_mode);
	before = sb.st_size;
	if (regular && st->max_bytes > 0 && before > 0 && (unsigned long long)before + st->len > st->max_bytes) {
		rot = rotate(st, why, whycap);
		if (st->fd < 0)
			return rot;
		if (fstat(st->fd, &sb) != 0) {
			err = errno;
			cs_set_why(why, whycap, "jsonl: cannot stat %s: %s", st->path, strerror(err));
			return -err;
		}
		before = sb.st_size;
	}
	/* a failed cycle that could not be cut away left a partial line: end
	 * it, so it spoils no good one (an empty file, as after rotation, has
	 * none) */
	if (before == 0)
		st->partial = false;
	if (st->partial && regular && write(st->fd, "\n", 1) == 1) {
		st->partial = false;
		before++;
	}
	err = -cs_fd_write_all(st->fd, st->buf, st->len, &done);
	if (err) {
		bool trunc_failed = regular && done > 0 && ftruncate(st->fd, before) != 0;

		if (trunc_failed)
			st->partial = true;
		cs_set_why(why, whycap,
		           "jsonl: cannot write %zu bytes to %s: %s; the cycle was %s; free space or raise the file "
		           "size limit, or set [jsonl] max_bytes",
		           st->len, st->path, strerror(err),
		           trunc_failed ? "left partly written (truncation failed)" : "dropped whole");
		return -err;
	}
	if (st->fsync == JL_FSYNC_CYCLE && fdatasync(st->fd) != 0 && regular) {
		err = errno;
		cs_set_why(why, whycap, "jsonl: fdatasync %s: %s; the lines may not be on disk", st->path,
		           strerror(err));
		return -err;
	}
	return rot; /* a failed rotation: the cycle is written, the error reported */
}

static int jl_publish(void *state, const cs_snapshot *s, char *why, size_t whycap)
{
	jl_state *st = state;
	int rc;

	if (st->fd < 0 && (rc = file_open(st, "open", why, whycap)) != 0)
		return rc;
	rc = render(st, s);
	if (rc) {
		cs_set_why(why, whycap, "jsonl: cannot serialise the cycle: %s", cs_strerror(rc));
		return rc;
	}
	return write_cycle(st, why, whycap);
}

/* SIGHUP: a new file at path (logrotate renamed the old one). */
static int jl_reopen(void *state, char *why, size_t whycap)
{
	jl_state *st = state;

	file_close(st);
	return file_open(st, "reopen", why, whycap);
}

const cs_exporter_ops cs_exporter_jsonl = {
    .conf = &jl_section,
    .open = jl_open,
    .publish = jl_publish,
    .reopen = jl_reopen,
    .close = jl_free,
};
