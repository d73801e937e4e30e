/* test_stdout.c - the stdout exporter's human lines.
 *
 * Through cs_stdout_open_stream into a memstream: the node line (time, node,
 * total and per-component power with sources, intensity with source and
 * zone, carbon of the interval and since start), exactly [stdout] top row
 * lines in power order (ties in snapshot order), all rows when top exceeds
 * them, none with top = 0, bucket and non-Kubernetes labels; a pipe whose
 * reader is gone (EPIPE) gives an error per cycle, counted, never a crash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "conf/conf.h"
#include "conf_fixture.h"
#include "exporters/exporter.h"
#include "exporters/stdout.h"
#include "snap_fixture.h"

static const cs_exporter_ops *const so = &cs_exporter_stdout;

/* Publishes f's snapshot with [stdout] top = top; returns the text. */
static char *run(cs_snapfix *f, unsigned top)
{
	cs_conf *c = tf_conf("[stdout]\nenabled = true\ntop = %u\n", top);
	cs_export_env env = tf_export_env(c, so);
	char *text = NULL, why[512] = "";
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	void *st = NULL;
	int rc;

	assert_non_null(m);
	assert_int_equal(cs_stdout_open_stream(&env, m, &st, why, sizeof(why)), 0);
	cs_conf_free(c);
	rc = so->publish(st, &f->snap, why, sizeof(why));
	if (rc)
		fail_msg("publish: %s", why);
	so->close(st);
	fclose(m);
	return text;
}

static size_t count_lines(const char *t)
{
	size_t n = 0;

	for (; *t; t++)
		n += *t == '\n';
	return n;
}

/* The i-th line (0-based) into out. */
static void nth_line(const char *t, size_t i, char *out, size_t cap)
{
	const char *nl;

	for (; i; i--) {
		t = strchr(t, '\n');
		assert_non_null(t);
		t++;
	}
	nl = strchr(t, '\n');
	assert_non_null(nl);
	assert_true((size_t)(nl - t) < cap);
	memcpy(out, t, (size_t)(nl - t));
	out[nl - t] = '\0';
}

static void test_enabled(void **unused)
{
	cs_conf *c = tf_conf(" ");

	(void)unused;
	assert_false(cs_conf_enabled(c, so->conf));
	cs_conf_free(c);
	c = tf_conf("[stdout]\nenabled = true\n");
	assert_true(cs_conf_enabled(c, so->conf));
	cs_conf_free(c);
	assert_string_equal(cs_exporter_name(so), "stdout");
	assert_null(so->reopen);
}

static void test_node_line(void **unused)
{
	cs_snapfix f = {0};
	char *t, l[1024];

	(void)unused;
	assert_int_equal(cs_snapfix_build(&f, 10, 3), 0);
	t = run(&f, 0);
	assert_int_equal(count_lines(t), 1);
	nth_line(t, 0, l, sizeof(l));
	assert_true(strncmp(l, "2026-09-21T", 11) == 0);
	assert_non_null(strstr(l, " node-1 #3 "));
	assert_non_null(strstr(l, "cpu 12.01 W rapl")); /* 12 rows x ~5 J / 5 s */
	assert_non_null(strstr(l, "dram 1.20 W rapl"));
	assert_non_null(strstr(l, "other 0.60 W model:other"));
	assert_null(strstr(l, "gpu"));
	assert_non_null(strstr(l, "300 g/kWh (static-region, aws/eu-west-1)"));
	assert_non_null(strstr(l, "g operational + "));
	assert_non_null(strstr(l, "g embodied"));
	assert_non_null(strstr(l, "since start"));
	free(t);

	f.snap.intensity_g_per_kwh = -1;
	f.snap.intensity_source = "none";
	t = run(&f, 0);
	assert_non_null(strstr(t, "intensity unknown (none)"));
	free(t);
	cs_snapfix_free(&f);
}

/* Exactly top lines, highest power first, ties in snapshot order. */
static void test_top_rows(void **unused)
{
	cs_snapfix f = {0};
	char *t, l[1024];
	double prev = 1e300;

	(void)unused;
	assert_int_equal(cs_snapfix_build(&f, 200, 1), 0);
	f.rows[37].power_w = 12.3;
	f.rows[150].power_w = 7.5;
	f.rows[151].power_w = 7.5;
	f.rows[5].team = "";
	f.rows[5].power_w = 9.0;
	t = run(&f, 10);
	assert_int_equal(count_lines(t), 11);
	nth_line(t, 1, l, sizeof(l));
	assert_true(strncmp(strstr(l, "W  ") + 3, "ns-7/pod-18/c-37  team=team-b  owner=Deployment/app-9  0.000596 g",
	                    100) == 0);
	assert_true(strncmp(l, "     12.30 W  ", 14) == 0);
	nth_line(t, 2, l, sizeof(l));
	assert_non_null(strstr(l, "ns-5/pod-2/c-5  owner=StatefulSet/app-1  0.00"));
	assert_null(strstr(l, "team="));
	nth_line(t, 3, l, sizeof(l));
	assert_non_null(strstr(l, "/c-150  "));
	nth_line(t, 4, l, sizeof(l));
	assert_non_null(strstr(l, "/c-151  "));
	for (size_t i = 1; i <= 10; i++) {
		double w;

		nth_line(t, i, l, sizeof(l));
		w = strtod(l, NULL);
		assert_true(w <= prev);
		prev = w;
	}
	free(t);
	cs_snapfix_free(&f);
}

/* top above the row count: every row, buckets labelled. */
static void test_all_rows_and_labels(void **unused)
{
	cs_snapfix f = {0};
	char *t;

	(void)unused;
	assert_int_equal(cs_snapfix_build(&f, 3, 1), 0);
	f.rows[0].namespace_ = f.rows[0].pod = f.rows[0].container = "";
	f.rows[0].name = "nginx.service";
	f.rows[0].wl_kind = "service";
	t = run(&f, 100);
	assert_int_equal(count_lines(t), 1 + 5);
	assert_non_null(strstr(t, "  nginx.service  team=team-a  "));
	assert_non_null(strstr(t, "  [system]  "));
	assert_non_null(strstr(t, "  [idle]  "));
	free(t);
	/* an owner's row (workloads = owner) reads namespace/Kind/name; the
	 * node line names the cluster */
	f.rows[1].pod = f.rows[1].container = "";
	f.rows[1].name = f.rows[1].owner;
	f.rows[1].wl_kind = "owner";
	f.snap.cluster = "prod-eu";
	t = run(&f, 100);
	assert_non_null(strstr(t, " prod-eu/node-1 #1 "));
	assert_non_null(strstr(t, "  ns-1/Deployment/app-0  team=team-b  "));
	free(t);
	cs_snapfix_free(&f);
}

/* The reader went away: every cycle fails with EPIPE, counted, no crash. */
static void test_epipe(void **unused)
{
	cs_conf *c = tf_conf("[stdout]\ntop = 5\n");
	cs_export_env env = tf_export_env(c, so);
	cs_snapfix f = {0};
	char why[512] = "";
	int p[2];
	FILE *w;
	void *st;

	(void)unused;
	signal(SIGPIPE, SIG_IGN); /* as the agent does */
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	w = fdopen(p[1], "w");
	assert_non_null(w);
	assert_int_equal(cs_stdout_open_stream(&env, w, &st, why, sizeof(why)), 0);
	cs_conf_free(c);
	assert_int_equal(cs_snapfix_build(&f, 20, 1), 0);
	assert_int_equal(so->publish(st, &f.snap, why, sizeof(why)), -EPIPE);
	assert_non_null(strstr(why, "stdout: "));
	assert_non_null(strstr(why, "(1 so far)"));
	assert_null(strchr(why, '\n'));
	assert_int_equal(so->publish(st, &f.snap, why, sizeof(why)), -EPIPE);
	assert_non_null(strstr(why, "(2 so far)"));
	so->close(st);
	fclose(w);
	cs_snapfix_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_enabled),  cmocka_unit_test(test_node_line),
	    cmocka_unit_test(test_top_rows), cmocka_unit_test(test_all_rows_and_labels),
	    cmocka_unit_test(test_epipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
