/* test_jsonl.c - the JSON-lines exporter on real files.
 *
 * cs_exporter_jsonl, driven as the agent drives it, writes into a temp
 * directory; every line is read back and parsed with jansson. Covered:
 * conservation per cycle (rows' energy_j per component == the node's, in
 * exact microjoules, and equal to the snapshot's), totals monotonic, the
 * schema's members and types, round trips of large totals, intensity and
 * embodied null when unknown, components appearing and disappearing,
 * escaping and invalid UTF-8; size rotation with keep=2 (path, path.1,
 * path.2, never path.3; whole cycles in each file); reopen after an external
 * rename (logrotate); a write that hits RLIMIT_FSIZE (EFBIG) leaving the
 * file byte-for-byte as before the cycle; a non-regular file (/dev/null);
 * open errors (no path, missing or unwritable directory, keep out of range).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "conf/conf.h"
#include "conf_fixture.h"
#include "exporters/exporter.h"
#include "fixture.h"
#include "snap_fixture.h"
#include "text.h"

static const cs_exporter_ops *const jl = &cs_exporter_jsonl;

/* ---- helpers ---------------------------------------------------------------------- */

typedef struct tctx {
	char dir[256];
	char path[320];
} tctx;

static int setup(void **state)
{
	tctx *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	umask(022);
	assert_int_equal(tf_mkdtemp(t->dir, sizeof(t->dir), "jsonl"), 0);
	tf_snprintf(t->path, sizeof(t->path), "%s/carbonstat.jsonl", t->dir);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	tctx *t = *state;

	tf_rm_tree(t->dir);
	free(t);
	return 0;
}

/* [jsonl] with these keys into *c (freeing what it held); no path: off. */
static void cfg_for(cs_conf **c, const char *path, const char *fs, unsigned long long max_bytes, unsigned keep)
{
	cs_conf_free(*c);
	*c = tf_conf("[jsonl]\nenabled = %s\npath = %s\nfsync = %s\nmax_bytes = %llu\nkeep = %u\n",
	             path[0] ? "true" : "false", path, fs, max_bytes, keep);
}

static void *open_ok(cs_conf *const *c)
{
	cs_export_env env = tf_export_env(*c, jl);
	char why[512] = "";
	void *st = NULL;
	int rc = jl->open(&env, &st, why, sizeof(why));

	if (rc)
		fail_msg("open: %d %s", rc, why);
	assert_non_null(st);
	return st;
}

static void publish_ok(void *st, const cs_snapshot *s)
{
	char why[512] = "";
	int rc = jl->publish(st, s, why, sizeof(why));

	if (rc)
		fail_msg("publish: %d %s", rc, why);
}

/* Every line of path parsed; the file must end with '\n' (no half line).
 * Returns a JSON array of the objects. */
static json_t *read_lines(const char *path)
{
	size_t len;
	char *b = tf_slurp(path, &len), *p, *nl;
	json_t *arr = json_array();

	assert_non_null(b);
	assert_true(len == 0 || b[len - 1] == '\n');
	for (p = b; *p; p = nl + 1) {
		json_error_t e;
		json_t *o;

		nl = strchr(p, '\n');
		assert_non_null(nl);
		*nl = '\0';
		o = json_loads(p, 0, &e);
		if (!o)
			fail_msg("%s: line does not parse (%s): %.200s", path, e.text, p);
		assert_true(json_is_object(o));
		json_array_append_new(arr, o);
	}
	free(b);
	return arr;
}

/* Opens the exporter on path with fsync fs, no size limit and 5 files kept. */
static void *open_path(cs_conf **c, const char *path, const char *fs)
{
	cfg_for(c, path, fs, 0, 5);
	return open_ok(c);
}

/* Builds the fixture's cycle seq with n workloads and publishes it. */
static void publish_cycle(void *st, cs_snapfix *f, size_t n, uint64_t seq)
{
	assert_int_equal(cs_snapfix_build(f, n, seq), 0);
	publish_ok(st, &f->snap);
}

/* Closes the exporter and reads back what it wrote to path (caller decrefs). */
static json_t *close_read(void *st, const char *path)
{
	jl->close(st);
	return read_lines(path);
}

static uint64_t uj_of(const json_t *v)
{
	assert_true(json_is_number(v));
	return (uint64_t)llround(json_number_value(v) * 1e6);
}

static const char *str_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("member %s is not a string", key);
	return json_string_value(v);
}

/* One cycle's objects (seq) against the snapshot that produced them. */
static void check_cycle(json_t *arr, const cs_snapshot *s)
{
	uint64_t rows_uj[CS_PART_COUNT] = {0};
	size_t i, nrows = 0, nnode = 0;
	json_t *o;
	double rows_g = 0, node_g = -1;

	json_array_foreach(arr, i, o)
	{
		const char *type;
		json_t *e, *et;

		if ((uint64_t)json_integer_value(json_object_get(o, "seq")) != s->seq)
			continue;
		type = str_of(o, "type");
		e = json_object_get(o, "energy_j");
		et = json_object_get(o, "energy_j_total");
		assert_true(json_is_object(e) && json_is_object(et));
		assert_string_equal(str_of(o, "node"), "node-1");
		assert_string_equal(str_of(o, "cluster"), cs_snap_cluster(s));
		assert_int_equal(strlen(str_of(o, "ts")), 24); /* 2026-09-21T14:13:25.000Z */
		assert_true(str_of(o, "ts")[23] == 'Z');
		assert_true(json_is_real(json_object_get(o, "interval_s")));
		assert_string_equal(str_of(o, "mode"), s->mode);
		assert_string_equal(str_of(o, "intensity_source"), s->intensity_source);
		assert_string_equal(str_of(o, "zone"), s->intensity_zone);
		for (int c = 0; c < CS_PART_COUNT; c++) {
			const char *cn = cs_part_name((cs_part)c);
			json_t *v = json_object_get(e, cn);

			if (!s->comp[c].present) {
				assert_null(v);
				assert_null(json_object_get(et, cn));
				continue;
			}
			assert_string_equal(str_of(json_object_get(o, "source"), cn), s->comp[c].source);
			if (strcmp(type, "node") == 0) {
				assert_int_equal(uj_of(v), s->comp[c].energy_uj);
				assert_int_equal(uj_of(json_object_get(et, cn)), s->comp[c].energy_uj_total);
			} else {
				rows_uj[c] += uj_of(v);
			}
		}
		if (strcmp(type, "node") == 0) {
			nnode++;
			node_g = json_number_value(json_object_get(json_object_get(o, "carbon_g"), "operational"));
			assert_true(json_is_number(json_object_get(o, "pue")));
			assert_string_equal(str_of(o, "provider"), s->provider);
			assert_string_equal(str_of(o, "region"), s->region);
			assert_string_equal(str_of(o, "instance"), s->instance);
			assert_string_equal(str_of(o, "intensity_dataset"), s->intensity_dataset);
			assert_string_equal(str_of(o, "power_model"), s->power_model);
			assert_int_equal(json_integer_value(json_object_get(o, "rows")), s->nrows);
			continue;
		}
		{
			/* the row it claims to be, figure for figure */
			const cs_snap_row *r = &s->rows[nrows];

			assert_string_equal(str_of(o, "name"), r->name);
			assert_string_equal(str_of(o, "kind"), r->wl_kind);
			assert_string_equal(str_of(o, "namespace"), r->namespace_);
			assert_string_equal(str_of(o, "pod"), r->pod);
			assert_string_equal(str_of(o, "container"), r->container);
			assert_string_equal(str_of(o, "team"), r->team);
			assert_string_equal(str_of(o, "owner_kind"), r->owner_kind);
			assert_string_equal(str_of(o, "owner"), r->owner);
			assert_string_equal(str_of(o, "container_id"), r->container_id);
			assert_string_equal(str_of(o, "cgroup"), r->cgroup);
			assert_string_equal(type, r->kind == CS_ROW_WORKLOAD ? "workload"
			                          : r->kind == CS_ROW_SYSTEM ? "system"
			                          : r->kind == CS_ROW_IDLE   ? "idle"
			                                                     : "overflow");
			for (int c = 0; c < CS_PART_COUNT; c++) {
				const char *cn = cs_part_name((cs_part)c);

				if (!s->comp[c].present)
					continue;
				assert_int_equal(uj_of(json_object_get(e, cn)), r->energy_uj[c]);
				assert_int_equal(uj_of(json_object_get(et, cn)), r->energy_uj_total[c]);
			}
			assert_true(fabs(json_number_value(json_object_get(o, "power_w")) - r->power_w) <=
			            1e-12 * (1 + r->power_w));
			rows_g += json_number_value(json_object_get(json_object_get(o, "carbon_g"), "operational"));
		}
		nrows++;
	}
	assert_int_equal(nnode, 1);
	assert_int_equal(nrows, s->nrows);
	for (int c = 0; c < CS_PART_COUNT; c++)
		if (s->comp[c].present)
			assert_int_equal(rows_uj[c], s->comp[c].energy_uj);
	assert_true(fabs(rows_g - node_g) <= 1e-9 * (1 + node_g));
}

/* The last cycle built in f is in arr; frees both. */
static void check_last_and_free(json_t *arr, cs_snapfix *f)
{
	check_cycle(arr, &f->snap);
	json_decref(arr);
	cs_snapfix_free(f);
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_enabled(void **state)
{
	cs_conf *c = tf_conf(" ");

	(void)state;
	assert_false(cs_conf_enabled(c, jl->conf));
	cs_conf_free(c);
	c = tf_conf("[jsonl]\npath = /x\nenabled = true\n");
	assert_true(cs_conf_enabled(c, jl->conf));
	assert_string_equal(cs_exporter_name(jl), "jsonl");
	cs_conf_free(c);
}

/* Several cycles: every line parses, conservation per cycle, the figures
 * are the snapshot's, totals never decrease, mode 0640. */
static void test_cycles(void **state)
{
	tctx *t = *state;
	cs_conf *c = NULL;
	cs_snapfix f = {0};
	json_t *arr, *o;
	void *st;
	struct stat sb;
	double prev_node_total = -1, prev_row0_total = -1;
	size_t i;

	st = open_path(&c, t->path, "cycle");
	for (uint64_t seq = 1; seq <= 5; seq++) {
		publish_cycle(st, &f, 60, seq);
	}
	jl->close(st);
	assert_int_equal(stat(t->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640);
	arr = read_lines(t->path);
	assert_int_equal(json_array_size(arr), 5 * (f.snap.nrows + 1));
	for (uint64_t seq = 1; seq <= 5; seq++) {
		assert_int_equal(cs_snapfix_build(&f, 60, seq), 0);
		check_cycle(arr, &f.snap);
	}
	json_array_foreach(arr, i, o)
	{
		json_t *et = json_object_get(o, "energy_j_total");
		double v = json_number_value(json_object_get(et, "cpu"));
		const char *type = str_of(o, "type");

		if (strcmp(type, "node") == 0) {
			assert_true(v >= prev_node_total);
			prev_node_total = v;
		} else if (strcmp(str_of(o, "name"), "c-0") == 0) {
			assert_true(v >= prev_row0_total);
			prev_row0_total = v;
		}
	}
	json_decref(arr);
	cs_snapfix_free(&f);
	cs_conf_free(c);
}

/* [agent] cluster is a member of every line, the owner of every row. */
static void test_cluster_and_owner(void **state)
{
	tctx *t = *state;
	cs_conf *c = NULL;
	cs_snapfix f = {0};
	json_t *arr, *o;
	void *st;
	size_t i, owned = 0;

	st = open_path(&c, t->path, "none");
	assert_int_equal(cs_snapfix_build(&f, 8, 1), 0);
	f.snap.cluster = "prod-eu";
	publish_ok(st, &f.snap);
	arr = close_read(st, t->path);
	assert_int_equal(json_array_size(arr), f.snap.nrows + 1);
	check_cycle(arr, &f.snap);
	json_array_foreach(arr, i, o)
	{
		assert_string_equal(str_of(o, "cluster"), "prod-eu");
		if (strcmp(str_of(o, "type"), "workload") == 0) {
			assert_string_equal(str_of(o, "owner"), f.rows[i - 1].owner);
			assert_string_equal(str_of(o, "owner_kind"), f.rows[i - 1].owner_kind);
			owned += str_of(o, "owner")[0] != '\0';
		}
	}
	assert_int_equal(owned, 8);
	json_decref(arr);
	cs_snapfix_free(&f);
	cs_conf_free(c);
}

/* Totals near 1e9 J still read back to the microjoule; the text is the exact
 * decimal. Unknown intensity and embodied rate are null. */
static void test_numbers_and_nulls(void **state)
{
	tctx *t = *state;
	cs_conf *c = NULL;
	cs_snapfix f = {0};
	json_t *arr, *node, *row;
	char *text;
	void *st;

	st = open_path(&c, t->path, "none");
	assert_int_equal(cs_snapfix_build(&f, 2, 1), 0);
	f.rows[0].energy_uj_total[CS_PART_CPU] = 999999999999999ull; /* 999999999.999999 J */
	f.snap.comp[CS_PART_CPU].energy_uj_total = 123456789012345ull;
	f.snap.intensity_g_per_kwh = -1;
	f.snap.embodied_g_per_h = -1;
	publish_ok(st, &f.snap);
	jl->close(st);
	text = tf_slurp(t->path, NULL);
	assert_non_null(strstr(text, "\"cpu\":999999999.999999"));
	assert_non_null(strstr(text, "\"cpu\":123456789.012345"));
	free(text);
	arr = read_lines(t->path);
	node = json_array_get(arr, 0);
	row = json_array_get(arr, 1);
	assert_string_equal(str_of(node, "type"), "node");
	assert_int_equal(uj_of(json_object_get(json_object_get(row, "energy_j_total"), "cpu")), 999999999999999ull);
	assert_true(json_is_null(json_object_get(node, "intensity_g_per_kwh")));
	assert_true(json_is_null(json_object_get(row, "intensity_g_per_kwh")));
	assert_true(json_is_null(json_object_get(node, "embodied_g_per_h")));
	json_decref(arr);

	/* known again: numbers again */
	assert_int_equal(unlink(t->path), 0);
	st = open_ok(&c);
	publish_cycle(st, &f, 2, 2);
	arr = close_read(st, t->path);
	assert_true(json_is_real(json_object_get(json_array_get(arr, 0), "intensity_g_per_kwh")));
	assert_true(json_is_real(json_object_get(json_array_get(arr, 1), "intensity_g_per_kwh")));
	assert_true(json_is_real(json_object_get(json_array_get(arr, 0), "embodied_g_per_h")));
	check_last_and_free(arr, &f);
	cs_conf_free(c);
}

/* A GPU appears for one cycle, then goes: energy_j follows. */
static void test_components_change(void **state)
{
	tctx *t = *state;
	cs_conf *c = NULL;
	cs_snapfix f = {0};
	json_t *arr;
	void *st;

	st = open_path(&c, t->path, "none");
	publish_cycle(st, &f, 3, 1);
	assert_int_equal(cs_snapfix_build(&f, 3, 2), 0);
	f.snap.comp[CS_PART_GPU].present = true;
	f.snap.comp[CS_PART_GPU].source = "nvml";
	publish_ok(st, &f.snap);
	publish_cycle(st, &f, 3, 3);
	arr = close_read(st, t->path);
	assert_int_equal(json_array_size(arr), 3 * 6);
	assert_null(json_object_get(json_object_get(json_array_get(arr, 1), "energy_j"), "gpu"));
	assert_non_null(json_object_get(json_object_get(json_array_get(arr, 7), "energy_j"), "gpu"));
	assert_string_equal(str_of(json_object_get(json_array_get(arr, 7), "source"), "gpu"), "nvml");
	assert_null(json_object_get(json_object_get(json_array_get(arr, 13), "energy_j"), "gpu"));
	check_last_and_free(arr, &f);
	cs_conf_free(c);
}

/* Quotes, backslashes, control characters and invalid UTF-8 in names. */
static void test_escaping(void **state)
{
	tctx *t = *state;
	cs_conf *c = NULL;
	cs_snapfix f = {0};
	json_t *arr;
	void *st;

	st = open_path(&c, t->path, "none");
	assert_int_equal(cs_snapfix_build(&f, 2, 1), 0);
	f.rows[0].name = "we\"ird\\ \n\t\x01 caf\xc3\xa9";
	f.rows[1].cgroup = "bad\xff\xfe/\xed\xa0\x80/ok";
	publish_ok(st, &f.snap);
	arr = close_read(st, t->path);
	assert_int_equal(json_array_size(arr), 5);
	assert_string_equal(str_of(json_array_get(arr, 1), "name"), "we\"ird\\ \n\t\x01 caf\xc3\xa9");
	assert_string_equal(str_of(json_array_get(arr, 2), "cgroup"),
	                    "bad\xef\xbf\xbd\xef\xbf\xbd/\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd/ok");
	json_decref(arr);
	cs_snapfix_free(&f);
	cs_conf_free(c);
}

/* JSON lines rotate by default (issue 15: ~17 GB a day at 5,000 containers
 * without): 64 MiB, 5 files, as the systemd example does. */
static void test_rotation_default(void **state)
{
	const char *max_bytes = NULL, *keep = NULL;

	(void)state;
	for (size_t i = 0; i < jl->conf->nkeys; i++) {
		if (!strcmp(jl->conf->keys[i].name, "max_bytes"))
			max_bytes = jl->conf->keys[i].def;
		if (!strcmp(jl->conf->keys[i].name, "keep"))
			keep = jl->conf->keys[i].def;
	}
	assert_non_null(max_bytes);
	assert_string_equal(max_bytes, "64M");
	assert_string_equal(keep, "5");
}

/* max_bytes with keep=2: path, path.1, path.2 and never path.3; each file
 * holds whole cycles and stays within max_bytes. */
static void test_rotation(void **state)
{
	tctx *t = *state;
	cs_conf *c = NULL;
	cs_snapfix f = {0};
	char name[400];
	size_t one_cycle = 0;
	void *st;
	uint64_t last_seq_of[3], max_bytes;

	/* 8 workloads: a cycle of ~2 KB, so 2.5 cycles are over max_bytes' 4096 floor */
	assert_int_equal(cs_snapfix_build(&f, 8, 1), 0);
	/* measure one cycle first */
	cfg_for(&c, t->path, "cycle", 0, 2);
	st = open_ok(&c);
	publish_ok(st, &f.snap);
	jl->close(st);
	free(tf_slurp(t->path, &one_cycle));
	assert_int_equal(unlink(t->path), 0);

	/* two cycles fit, three do not */
	max_bytes = 2 * one_cycle + one_cycle / 2;
	assert_true(max_bytes >= 4096);
	cfg_for(&c, t->path, "cycle", max_bytes, 2);
	st = open_ok(&c);
	for (uint64_t seq = 1; seq <= 7; seq++) {
		publish_cycle(st, &f, 8, seq);
	}
	jl->close(st);
	tf_snprintf(name, sizeof(name), "%s.3", t->path);
	assert_int_equal(access(name, F_OK), -1);
	for (int k = 0; k < 3; k++) {
		json_t *arr, *o;
		size_t i, len;

		if (k)
			tf_snprintf(name, sizeof(name), "%s.%d", t->path, k);
		else
			tf_snprintf(name, sizeof(name), "%s", t->path);
		free(tf_slurp(name, &len));
		assert_true(len <= max_bytes);
		arr = read_lines(name);
		assert_int_equal(json_array_size(arr) % (f.snap.nrows + 1), 0); /* whole cycles */
		last_seq_of[k] = 0;
		json_array_foreach(arr, i, o)
		{
			uint64_t seq = (uint64_t)json_integer_value(json_object_get(o, "seq"));

			if (seq > last_seq_of[k])
				last_seq_of[k] = seq;
		}
		for (uint64_t seq = 1; seq <= 7; seq++) {
			bool has = false;

			json_array_foreach(arr, i, o)
			{
				if ((uint64_t)json_integer_value(json_object_get(o, "seq")) == seq)
					has = true;
			}
			if (has) {
				assert_int_equal(cs_snapfix_build(&f, 8, seq), 0);
				check_cycle(arr, &f.snap);
			}
		}
		json_decref(arr);
	}
	/* 7 cycles, two per file: path = 7, path.1 = 5-6, path.2 = 3-4 */
	assert_int_equal(last_seq_of[0], 7);
	assert_int_equal(last_seq_of[1], 6);
	assert_int_equal(last_seq_of[2], 4);
	cs_snapfix_free(&f);
	cs_conf_free(c);
}

/* logrotate: rename the file, SIGHUP (reopen); the next cycle starts the new
 * file, the renamed one got everything before it. */
static void test_reopen_after_rename(void **state)
{
	tctx *t = *state;
	cs_conf *c = NULL;
	cs_snapfix f = {0};
	char moved[400], why[512] = "";
	json_t *arr;
	void *st;

	tf_snprintf(moved, sizeof(moved), "%s.moved", t->path);
	st = open_path(&c, t->path, "cycle");
	publish_cycle(st, &f, 4, 1);
	assert_int_equal(rename(t->path, moved), 0);
	publish_cycle(st, &f, 4, 2); /* still the open (renamed) file */
	assert_int_equal(access(t->path, F_OK), -1);
	assert_int_equal(jl->reopen(st, why, sizeof(why)), 0);
	publish_cycle(st, &f, 4, 3);
	jl->close(st);

	arr = read_lines(moved);
	assert_int_equal(json_array_size(arr), 2 * (f.snap.nrows + 1));
	json_decref(arr);
	arr = read_lines(t->path);
	assert_int_equal(json_array_size(arr), f.snap.nrows + 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 0), "seq")), 3);
	check_last_and_free(arr, &f);
	cs_conf_free(c);
}

/* The file-size limit cuts the cycle's write short (then EFBIG): the file is
 * left exactly as it was before the cycle, the error comes back, and the
 * next cycle (limit lifted) appends whole lines. */
static void test_efbig_leaves_file_whole(void **state)
{
	tctx *t = *state;
	cs_conf *c = NULL;
	cs_snapfix f = {0};
	struct rlimit old, lim;
	char why[512] = "", *before, *after;
	size_t blen, alen;
	json_t *arr;
	void *st;
	int rc;

	st = open_path(&c, t->path, "cycle");
	publish_cycle(st, &f, 20, 1);
	before = tf_slurp(t->path, &blen);

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = blen + 1000; /* room for part of the next cycle only */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(cs_snapfix_build(&f, 20, 2), 0);
	rc = jl->publish(st, &f.snap, why, sizeof(why));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(rc, -EFBIG);
	assert_non_null(strstr(why, t->path));
	assert_non_null(strstr(why, "dropped whole"));
	assert_null(strchr(why, '\n'));
	after = tf_slurp(t->path, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	free(after);

	publish_cycle(st, &f, 20, 3);
	jl->close(st);
	after = tf_slurp(t->path, &alen);
	assert_true(alen > blen);
	assert_memory_equal(after, before, blen);
	free(after);
	free(before);
	arr = read_lines(t->path);
	assert_int_equal(json_array_size(arr), 2 * (f.snap.nrows + 1));
	check_last_and_free(arr, &f);
	cs_conf_free(c);
}

/* /dev/null: not a regular file, so no truncation, rotation or fsync
 * complaints (the same path as /dev/stdout in a container). */
static void test_non_regular_file(void **state)
{
	cs_conf *c = NULL;
	cs_snapfix f = {0};
	void *st;

	(void)state;
	cfg_for(&c, "/dev/null", "cycle", 4096, 2);
	st = open_ok(&c);
	for (uint64_t seq = 1; seq <= 3; seq++) {
		publish_cycle(st, &f, 30, seq);
	}
	jl->close(st);
	assert_int_equal(access("/dev/null.1", F_OK), -1);
	cs_snapfix_free(&f);
	cs_conf_free(c);
}

static void open_fails(cs_conf *const *c, int want, const char *needle1, const char *needle2)
{
	cs_export_env env = tf_export_env(*c, jl);
	char why[512] = "";
	void *st = (void *)1;
	int rc = jl->open(&env, &st, why, sizeof(why));

	if (rc != want)
		fail_msg("open: got %d (%s), want %d", rc, why, want);
	assert_null(st);
	if (!strstr(why, needle1) || !strstr(why, needle2))
		fail_msg("'%s' lacks '%s' or '%s'", why, needle1, needle2);
	assert_non_null(strstr(why, "jsonl: "));
	assert_null(strchr(why, '\n'));
}

static void test_open_errors(void **state)
{
	tctx *t = *state;
	cs_conf *c = NULL;
	char p[400];

	cfg_for(&c, "", "cycle", 0, 5);
	open_fails(&c, CS_EINVAL, "[jsonl] path", "--jsonl");

	tf_snprintf(p, sizeof(p), "%s/missing/x.jsonl", t->dir);
	cfg_for(&c, p, "cycle", 0, 5);
	open_fails(&c, -ENOENT, p, "create its directory");

	tf_snprintf(p, sizeof(p), "%s/afile", t->dir);
	tf_write_file(NULL, p, "x");
	tf_snprintf(p, sizeof(p), "%s/afile/x.jsonl", t->dir);
	cfg_for(&c, p, "cycle", 0, 5);
	open_fails(&c, -ENOTDIR, p, "[jsonl] path");

	cfg_for(&c, t->dir, "cycle", 0, 5); /* a directory */
	open_fails(&c, -EISDIR, t->dir, "[jsonl] path");

	if (geteuid() != 0) { /* root writes anywhere */
		char ro[400];

		tf_snprintf(ro, sizeof(ro), "%s/ro", t->dir);
		assert_int_equal(mkdir(ro, 0500), 0);
		tf_snprintf(p, sizeof(p), "%s/x.jsonl", ro);
		cfg_for(&c, p, "cycle", 0, 5);
		open_fails(&c, -EACCES, p, "writable");
		chmod(ro, 0700);
	}
	cs_conf_free(c);
}

/* The directory vanishes: the cycle fails with one line, and once the file
 * can be created again the next publish recovers on its own. */
static void test_reopen_failure_recovers(void **state)
{
	tctx *t = *state;
	cs_conf *c = NULL;
	cs_snapfix f = {0};
	char sub[400], p[420], why[512] = "";
	json_t *arr;
	void *st;

	tf_snprintf(sub, sizeof(sub), "%s/sub", t->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	tf_snprintf(p, sizeof(p), "%s/x.jsonl", sub);
	cfg_for(&c, p, "none", 0, 5);
	st = open_ok(&c);
	tf_rm_tree(sub);
	assert_int_equal(jl->reopen(st, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, p));
	assert_int_equal(cs_snapfix_build(&f, 3, 1), 0);
	assert_int_equal(jl->publish(st, &f.snap, why, sizeof(why)), -ENOENT);
	assert_int_equal(mkdir(sub, 0700), 0);
	publish_ok(st, &f.snap);
	arr = close_read(st, p);
	check_last_and_free(arr, &f);
	cs_conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rotation_default),
	    cmocka_unit_test(test_enabled),
	    cmocka_unit_test_setup_teardown(test_cycles, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cluster_and_owner, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_numbers_and_nulls, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_components_change, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reopen_after_rename, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_efbig_leaves_file_whole, setup, teardown),
	    cmocka_unit_test(test_non_regular_file),
	    cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reopen_failure_recovers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
