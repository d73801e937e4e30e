/* test_prom_render.c - the Prometheus text exposition of a snapshot.
 *
 * The snap fixture (3 workloads, seq 2) against tests/golden/prom/snapfix.prom
 * byte for byte (UPDATE_GOLDEN=1 rewrites it); the format's rules on the
 * rendered text parsed back (HELP and TYPE once per family before its
 * samples, families contiguous, no timestamps); label escaping and invalid
 * UTF-8; counters that never decrease across cycles; families that vanish
 * when intensity or embodied figures are unknown; conservation (the rows'
 * energies add up to the node's, exactly, in the text); NaN/Inf never
 * rendered; the number formatters, including monotonicity around every
 * decade; buffer reuse without growth; and `promtool check metrics` on the
 * output when /usr/bin/promtool exists.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "core/str.h"
#include "exporters/prom_render.h"
#include "fixture.h"
#include "require.h"
#include "snap_fixture.h"

#ifndef CS_FIXTURES_DIR
#error "CS_FIXTURES_DIR must be defined (tests/CMakeLists.txt does)"
#endif
#define GOLDEN   CS_FIXTURES_DIR "/../golden/prom/snapfix.prom"
#define PROMTOOL "/usr/bin/promtool"

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected \"%s\" in the output", needle);
}

/* The render as a NUL-terminated string (owned by the caller). */
static char *render_str(const cs_snapshot *s)
{
	cs_prom_buf b;
	char *out;

	cs_prom_buf_init(&b);
	assert_int_equal(cs_prom_render(&b, s), 0);
	out = malloc(b.len + 1);
	assert_non_null(out);
	memcpy(out, b.p, b.len);
	out[b.len] = '\0';
	cs_prom_buf_free(&b);
	return out;
}

/* ---- the text parsed back ---------------------------------------------------------- */

#define MAX_SAMPLES 4096

typedef struct sample {
	char key[512]; /* name{labels} */
	char name[128];
	char value[64];
	bool counter;
} sample;

typedef struct parsed {
	sample v[MAX_SAMPLES];
	size_t n;
} parsed;

/* Parses text strictly enough to check the format's rules; fails the test
 * on a violation. */
static void parse_text(const char *text, parsed *out)
{
	char help[128] = "", type[128] = "", type_kind[16] = "";
	char done[64][128];
	size_t ndone = 0;
	const char *p = text;

	out->n = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		char line[1024];
		size_t len;

		assert_non_null(nl); /* every line ends with \n */
		len = (size_t)(nl - p);
		assert_true(len < sizeof(line));
		memcpy(line, p, len);
		line[len] = '\0';
		p = nl + 1;
		if (!strncmp(line, "# HELP ", 7)) {
			char name[128];

			assert_int_equal(sscanf(line + 7, "%127s", name), 1);
			for (size_t i = 0; i < ndone; i++)
				if (!strcmp(done[i], name))
					fail_msg("family %s appears twice", name);
			if (help[0]) {
				assert_true(ndone < 64);
				strcpy(done[ndone++], help);
			}
			strcpy(help, name);
			type[0] = '\0';
			assert_true(strlen(line) > 7 + strlen(name) + 1); /* a text */
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			assert_int_equal(sscanf(line + 7, "%127s %15s", type, type_kind), 2);
			assert_string_equal(type, help); /* TYPE right after its HELP */
			assert_true(!strcmp(type_kind, "counter") || !strcmp(type_kind, "gauge"));
			continue;
		}
		assert_true(line[0] != '#');
		{
			sample *s = &out->v[out->n];
			const char *brace = strchr(line, '{'), *sp = strrchr(line, ' ');

			assert_true(out->n < MAX_SAMPLES);
			assert_non_null(brace);
			assert_non_null(sp);
			assert_true(sp[-1] == '}');
			assert_true((size_t)(brace - line) < sizeof(s->name));
			memcpy(s->name, line, (size_t)(brace - line));
			s->name[brace - line] = '\0';
			/* the sample belongs to the family just announced */
			if (strcmp(s->name, type) != 0)
				fail_msg("sample of %s under # TYPE %s", s->name, type);
			memcpy(s->key, line, (size_t)(sp - line));
			s->key[sp - line] = '\0';
			assert_true(strlen(sp + 1) < sizeof(s->value));
			strcpy(s->value, sp + 1);
			assert_null(strchr(s->value, ' ')); /* no timestamp */
			assert_true(isfinite(strtod(s->value, NULL)));
			s->counter = !strcmp(type_kind, "counter");
			assert_true(!s->counter || strstr(s->name, "_total") != NULL);
			out->n++;
		}
	}
}

static const sample *find(const parsed *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].key, key))
			return &t->v[i];
	return NULL;
}

static bool has_family(const char *text, const char *name)
{
	char help[160];

	snprintf(help, sizeof(help), "# TYPE %s ", name);
	return strstr(text, help) != NULL;
}

/* "12.000345" -> 12000345 exactly. */
static uint64_t joules_to_uj(const char *v)
{
	const char *dot = strchr(v, '.');
	uint64_t whole, frac;

	assert_non_null(dot);
	assert_int_equal(strlen(dot + 1), 6);
	whole = strtoull(v, NULL, 10);
	frac = strtoull(dot + 1, NULL, 10);
	return whole * 1000000u + frac;
}

/* ---- golden and format ----------------------------------------------------------- */

static void test_golden(void **state)
{
	cs_snapfix f = {0};
	cs_prom_buf b;
	FILE *g;
	char *want;
	long n;

	(void)state;
	cs_prom_buf_init(&b);
	assert_int_equal(cs_snapfix_build(&f, 3, 2), 0);
	assert_int_equal(cs_prom_render(&b, &f.snap), 0);
	if (getenv("UPDATE_GOLDEN")) {
		g = fopen(GOLDEN, "wb");
		assert_non_null(g);
		assert_int_equal(fwrite(b.p, 1, b.len, g), b.len);
		assert_int_equal(fclose(g), 0);
		print_message("rewrote %s\n", GOLDEN);
	}
	g = fopen(GOLDEN, "rb");
	if (!g)
		fail_msg("%s missing: run with UPDATE_GOLDEN=1 to create it", GOLDEN);
	fseek(g, 0, SEEK_END);
	n = ftell(g);
	rewind(g);
	want = malloc((size_t)n + 1);
	assert_non_null(want);
	assert_int_equal(fread(want, 1, (size_t)n, g), (size_t)n);
	fclose(g);
	if ((size_t)n != b.len || memcmp(want, b.p, b.len) != 0) {
		size_t i = 0;

		while (i < b.len && i < (size_t)n && want[i] == b.p[i])
			i++;
		fail_msg("render differs from %s at byte %zu (got %zu bytes, golden %ld); if intended, rerun with "
		         "UPDATE_GOLDEN=1 and review the diff",
		         GOLDEN, i, b.len, n);
	}
	free(want);
	cs_prom_buf_free(&b);
	cs_snapfix_free(&f);
}

static void test_format_rules(void **state)
{
	static const char *const all[] = {
	    "carbonstat_info",
	    "carbonstat_node_energy_joules_total",
	    "carbonstat_node_power_watts",
	    "carbonstat_node_carbon_grams_total",
	    "carbonstat_node_cpu_seconds_total",
	    "carbonstat_grid_intensity_grams_per_kwh",
	    "carbonstat_pue",
	    "carbonstat_embodied_grams_per_hour",
	    "carbonstat_energy_joules_total",
	    "carbonstat_carbon_grams_total",
	    "carbonstat_power_watts",
	    "carbonstat_agent_cycles_total",
	    "carbonstat_agent_cycle_overruns_total",
	    "carbonstat_agent_cycle_duration_seconds",
	    "carbonstat_agent_cpu_seconds_total",
	    "carbonstat_agent_resident_memory_bytes",
	    "carbonstat_agent_open_files",
	    "carbonstat_agent_kernel_memory_bytes",
	    "carbonstat_agent_series",
	    "carbonstat_agent_rows_folded",
	    "carbonstat_agent_read_bytes_total",
	    "carbonstat_agent_grid_errors_total",
	    "carbonstat_agent_kubelet_errors_total",
	    "carbonstat_agent_sensor_duration_seconds",
	    "carbonstat_agent_exporter_duration_seconds",
	    "carbonstat_agent_sensor_errors_total",
	    "carbonstat_agent_exporter_errors_total",
	    "carbonstat_agent_last_cycle_timestamp_seconds",
	};
	cs_snapfix f = {0};
	parsed *t = malloc(sizeof(*t));
	char *text;
	const sample *s;

	(void)state;
	assert_non_null(t);
	assert_int_equal(cs_snapfix_build(&f, 3, 2), 0);
	text = render_str(&f.snap);
	parse_text(text, t);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!has_family(text, all[i]))
			fail_msg("family %s missing", all[i]);
	/* label sets and values of the contract */
	s = find(t,
	         "carbonstat_info{node=\"node-1\",version=\"0.1.0\",mode=\"mixed\",power_model=\"\",provider=\"aws\","
	         "region=\"eu-west-1\",instance=\"m5.large\",instance_id=\"i-0123456789abcdef0\",instance_name=\"\","
	         "intensity_dataset=\"ccf-aws-regions (Apache-2.0, 2021)\"}");
	assert_non_null(s);
	assert_string_equal(s->value, "1");
	s = find(t,
	         "carbonstat_energy_joules_total{node=\"node-1\",kind=\"container\",namespace=\"ns-1\",pod=\"pod-0\","
	         "container=\"c-1\",team=\"team-b\",owner_kind=\"Deployment\",owner=\"app-0\",workload=\"c-1\","
	         "component=\"cpu\",source=\"rapl\"}");
	assert_non_null(s);
	assert_string_equal(s->value, "10.002000"); /* 5001000 uJ x 2 cycles */
	assert_true(s->counter);
	s = find(t, "carbonstat_power_watts{node=\"node-1\",kind=\"idle\",namespace=\"\",pod=\"\",container=\"\","
	            "team=\"\",owner_kind=\"\",owner=\"\",workload=\"idle\"}");
	assert_non_null(s);
	assert_false(s->counter);
	s = find(t, "carbonstat_carbon_grams_total{node=\"node-1\",kind=\"system\",namespace=\"\",pod=\"\","
	            "container=\"\",team=\"\",owner_kind=\"\",owner=\"\",workload=\"system\",scope=\"embodied\"}");
	assert_non_null(s);
	s = find(t, "carbonstat_grid_intensity_grams_per_kwh{node=\"node-1\",zone=\"aws/eu-west-1\","
	            "source=\"static-region\"}");
	assert_non_null(s);
	assert_string_equal(s->value, "300");
	s = find(t, "carbonstat_agent_exporter_errors_total{node=\"node-1\",exporter=\"statsd\"}");
	assert_non_null(s);
	assert_string_equal(s->value, "1");
	s = find(t, "carbonstat_agent_last_cycle_timestamp_seconds{node=\"node-1\"}");
	assert_non_null(s);
	assert_string_equal(s->value, "1790000010.000");
	/* the kept-open files' kernel memory estimate, in bytes (3 workloads) */
	s = find(t, "carbonstat_agent_kernel_memory_bytes{node=\"node-1\"}");
	assert_non_null(s);
	assert_false(s->counter);
	assert_string_equal(s->value, "13296");
	/* gpu is not present: no series for it */
	assert_null(strstr(text, "component=\"gpu\""));
	/* per row: 3 energy + 2 carbon + 1 power */
	{
		size_t rows = 0;

		for (size_t i = 0; i < t->n; i++)
			rows += strcmp(t->v[i].name, "carbonstat_energy_joules_total") == 0 ||
			        strcmp(t->v[i].name, "carbonstat_carbon_grams_total") == 0 ||
			        strcmp(t->v[i].name, "carbonstat_power_watts") == 0;
		assert_int_equal(rows, 5 * 6);
	}
	free(text);
	free(t);
	cs_snapfix_free(&f);
}

static void test_conservation_in_text(void **state)
{
	cs_snapfix f = {0};
	parsed *t = malloc(sizeof(*t));
	static const char *const comps[] = {"cpu", "dram", "other"};

	(void)state;
	assert_non_null(t);
	for (uint64_t seq = 1; seq <= 3; seq++) {
		char *text;

		assert_int_equal(cs_snapfix_build(&f, 37, seq), 0);
		text = render_str(&f.snap);
		parse_text(text, t);
		for (size_t c = 0; c < 3; c++) {
			uint64_t rows = 0, node = 0;
			char lbl[64];
			size_t seen = 0;

			snprintf(lbl, sizeof(lbl), "component=\"%s\"", comps[c]);
			for (size_t i = 0; i < t->n; i++) {
				if (!strstr(t->v[i].key, lbl))
					continue;
				if (!strcmp(t->v[i].name, "carbonstat_energy_joules_total")) {
					rows += joules_to_uj(t->v[i].value);
					seen++;
				} else if (!strcmp(t->v[i].name, "carbonstat_node_energy_joules_total")) {
					node = joules_to_uj(t->v[i].value);
				}
			}
			assert_int_equal(seen, 37 + 2);
			assert_true(node > 0);
			assert_int_equal(rows, node);
			assert_int_equal(node, f.snap.comp[c == 2 ? CS_PART_OTHER : c].energy_uj_total);
		}
		free(text);
	}
	free(t);
	cs_snapfix_free(&f);
}

static void test_counters_monotonic(void **state)
{
	cs_snapfix f = {0};
	parsed *prev = malloc(sizeof(*prev)), *cur = malloc(sizeof(*cur));
	size_t compared = 0;

	(void)state;
	assert_non_null(prev);
	assert_non_null(cur);
	prev->n = 0;
	for (uint64_t seq = 1; seq <= 5; seq++) {
		char *text;

		assert_int_equal(cs_snapfix_build(&f, 10, seq), 0);
		text = render_str(&f.snap);
		parse_text(text, cur);
		for (size_t i = 0; i < cur->n; i++) {
			const sample *old;

			if (!cur->v[i].counter)
				continue;
			old = find(prev, cur->v[i].key);
			if (seq > 1) {
				assert_non_null(old); /* a series does not vanish */
				if (strtod(cur->v[i].value, NULL) < strtod(old->value, NULL))
					fail_msg("%s went from %s to %s", cur->v[i].key, old->value, cur->v[i].value);
				compared++;
			}
		}
		free(text);
		{
			parsed *tmp = prev;
			prev = cur;
			cur = tmp;
		}
	}
	assert_true(compared > 4 * 12 * 5);
	free(prev);
	free(cur);
	cs_snapfix_free(&f);
}

static void test_escaping(void **state)
{
	cs_snapfix f = {0};
	char *text;

	(void)state;
	assert_int_equal(cs_snapfix_build(&f, 3, 1), 0);
	f.rows[0].name = "say \"hi\"\\now\nthen";
	f.rows[0].namespace_ = "caf\xc3\xa9";      /* valid UTF-8: kept */
	f.rows[0].pod = "bad\xff\xfe";             /* invalid bytes: U+FFFD each */
	f.rows[0].container = "trunc\xe2\x82";     /* truncated sequence */
	f.rows[0].team = "\xed\xa0\x80surrogate";  /* encoded surrogate: invalid */
	f.rows[1].name = "\xf0\x9f\x8c\xb1 plant"; /* 4-byte sequence: kept */
	f.snap.node = "node\"x";
	f.snap.comp[CS_PART_CPU].source = "a\\b";
	text = render_str(&f.snap);
	assert_contains(text, "workload=\"say \\\"hi\\\"\\\\now\\nthen\"");
	assert_contains(text, "namespace=\"caf\xc3\xa9\"");
	assert_contains(text, "pod=\"bad\xef\xbf\xbd\xef\xbf\xbd\"");
	assert_contains(text, "container=\"trunc\xef\xbf\xbd\xef\xbf\xbd\"");
	assert_contains(text, "team=\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdsurrogate\"");
	assert_contains(text, "workload=\"\xf0\x9f\x8c\xb1 plant\"");
	assert_contains(text, "{node=\"node\\\"x\",");
	assert_contains(text, "source=\"a\\\\b\"");
	/* the escaped prefix is reused for the next component of the row */
	assert_contains(text, "workload=\"say \\\"hi\\\"\\\\now\\nthen\",component=\"dram\"");
	/* no raw newline inside a sample */
	{
		parsed *t = malloc(sizeof(*t));

		assert_non_null(t);
		parse_text(text, t);
		free(t);
	}
	free(text);
	cs_snapfix_free(&f);
}

static void test_absent_families(void **state)
{
	cs_snapfix f = {0};
	char *text;

	(void)state;
	/* no location known and nothing counted yet: no intensity, no operational carbon */
	assert_int_equal(cs_snapfix_build(&f, 3, 1), 0);
	f.snap.intensity_g_per_kwh = -1;
	f.snap.carbon_g_total[CS_SCOPE_OPERATIONAL] = 0;
	text = render_str(&f.snap);
	assert_false(has_family(text, "carbonstat_grid_intensity_grams_per_kwh"));
	assert_null(strstr(text, "scope=\"operational\""));
	assert_contains(text, "scope=\"embodied\"");
	free(text);

	/* and no embodied figure either: the carbon families go */
	f.snap.embodied_g_per_h = -1;
	f.snap.carbon_g_total[CS_SCOPE_EMBODIED] = 0;
	text = render_str(&f.snap);
	assert_false(has_family(text, "carbonstat_embodied_grams_per_hour"));
	assert_false(has_family(text, "carbonstat_node_carbon_grams_total"));
	assert_false(has_family(text, "carbonstat_carbon_grams_total"));
	assert_true(has_family(text, "carbonstat_energy_joules_total"));
	free(text);

	/* a counter that already counted stays, even if the rate became unknown */
	assert_int_equal(cs_snapfix_build(&f, 3, 4), 0);
	f.snap.intensity_g_per_kwh = -1;
	text = render_str(&f.snap);
	assert_false(has_family(text, "carbonstat_grid_intensity_grams_per_kwh"));
	assert_contains(text, "carbonstat_node_carbon_grams_total{node=\"node-1\",scope=\"operational\"}");
	free(text);

	/* no sensors or exporters: their families are left out; no component: no energy */
	f.snap.self.nsensor = 0;
	f.snap.self.nexporter = 0;
	for (int c = 0; c < CS_PART_COUNT; c++)
		f.snap.comp[c].present = false;
	text = render_str(&f.snap);
	assert_false(has_family(text, "carbonstat_agent_sensor_duration_seconds"));
	assert_false(has_family(text, "carbonstat_agent_exporter_errors_total"));
	assert_false(has_family(text, "carbonstat_node_energy_joules_total"));
	assert_false(has_family(text, "carbonstat_energy_joules_total"));
	assert_true(has_family(text, "carbonstat_power_watts"));
	free(text);

	/* no rows at all */
	f.snap.nrows = 0;
	text = render_str(&f.snap);
	assert_false(has_family(text, "carbonstat_power_watts"));
	assert_true(has_family(text, "carbonstat_info"));
	free(text);
	cs_snapfix_free(&f);
}

static void test_non_finite(void **state)
{
	cs_snapfix f = {0};
	char *text;

	(void)state;
	assert_int_equal(cs_snapfix_build(&f, 3, 1), 0);
	f.rows[1].power_w = NAN;
	f.rows[2].carbon_g_total[CS_SCOPE_EMBODIED] = INFINITY;
	f.snap.pue = NAN;
	f.snap.comp[CS_PART_DRAM].power_w = -INFINITY;
	f.snap.self.cycle_duration_s = NAN;
	f.snap.self.sensor[0].duration_s = INFINITY;
	text = render_str(&f.snap);
	assert_null(strstr(text, " nan\n"));
	assert_null(strstr(text, " inf\n"));
	assert_null(strstr(text, " NaN\n"));
	assert_null(strstr(text, "Inf\n"));
	{
		parsed *t = malloc(sizeof(*t));

		assert_non_null(t);
		parse_text(text, t); /* asserts every value is finite */
		free(t);
	}
	assert_false(has_family(text, "carbonstat_pue"));
	assert_false(has_family(text, "carbonstat_agent_cycle_duration_seconds"));
	assert_null(strstr(text, "carbonstat_power_watts{node=\"node-1\",kind=\"container\",namespace=\"ns-1\""));
	assert_contains(text, "carbonstat_power_watts{node=\"node-1\",kind=\"container\",namespace=\"ns-0\"");
	assert_null(strstr(text, "workload=\"c-2\",scope=\"embodied\""));
	assert_contains(text, "workload=\"c-2\",scope=\"operational\"");
	assert_null(strstr(text, "carbonstat_node_power_watts{node=\"node-1\",component=\"dram\""));
	assert_null(strstr(text, "carbonstat_agent_sensor_duration_seconds{"));
	assert_contains(text, "carbonstat_agent_sensor_errors_total{node=\"node-1\",sensor=\"rapl\"} 0");
	free(text);
	cs_snapfix_free(&f);
}

/* ---- numbers ----------------------------------------------------------------------- */

static void check_double(double v, const char *want)
{
	char out[CS_PROM_NUM_MAX + 1];
	size_t n = cs_prom_fmt_double(out, v);

	out[n] = '\0';
	if (strcmp(out, want) != 0)
		fail_msg("fmt_double(%.17g) = \"%s\", want \"%s\"", v, out, want);
}

static void test_numbers(void **state)
{
	char out[CS_PROM_NUM_MAX + 1];
	size_t n;

	(void)state;
	n = cs_prom_fmt_uj(out, 0);
	out[n] = '\0';
	assert_string_equal(out, "0.000000");
	n = cs_prom_fmt_uj(out, 12000345);
	out[n] = '\0';
	assert_string_equal(out, "12.000345");
	n = cs_prom_fmt_uj(out, UINT64_MAX);
	out[n] = '\0';
	assert_string_equal(out, "18446744073709.551615");

	check_double(0, "0");
	check_double(-0.0, "0");
	check_double(1, "1");
	check_double(10, "10");
	check_double(0.25, "0.25");
	check_double(0.1, "0.1");
	check_double(5.002, "5.002");
	check_double(-2.5, "-2.5");
	check_double(1.0 / 3, "0.333333333333333");
	check_double(2.0 / 3, "0.666666666666667");
	check_double(1e-6, "0.000001");
	check_double(1.5e-7, "1.5e-07");
	check_double(1e15, "1e+15");
	check_double(123456789012345.6, "123456789012346");
	check_double(99999999999999.99, "100000000000000"); /* 16 digits round */
	check_double(99999999999999.9, "99999999999999.9");
	check_double(999999999999999.9, "1e+15"); /* rounds up out of the fast path */
	check_double(0.9999999999999999, "1");
	check_double(1790000010.0, "1790000010");
	check_double(4194304, "4194304");
	check_double(0.00527266666666667, "0.00527266666666667");
	assert_int_equal(cs_prom_fmt_double(out, NAN), 0);
	assert_int_equal(cs_prom_fmt_double(out, INFINITY), 0);
	assert_int_equal(cs_prom_fmt_double(out, -INFINITY), 0);
}

/* Monotonic and close: for a <= b, value(fmt(a)) <= value(fmt(b)), and each
 * within 15 significant digits of its input. Dense around every decade
 * boundary of the fast path and the printf fallbacks. */
static void test_numbers_monotonic(void **state)
{
	char out[CS_PROM_NUM_MAX + 1];
	double prev_in = 0, prev_out = 0;
	size_t checked = 0;
	uint64_t rnd = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (int e = -9; e <= 17; e++) {
		double p = pow(10, e);
		double v = p;

		for (int k = 0; k < 64; k++)
			v = nextafter(v, 0);
		prev_in = -1;
		for (int k = 0; k < 128; k++, v = nextafter(v, INFINITY)) {
			size_t n = cs_prom_fmt_double(out, v);
			double back;

			out[n] = '\0';
			back = strtod(out, NULL);
			if (fabs(back - v) > fabs(v) * 1e-14)
				fail_msg("fmt_double(%.17g) = %s: too far", v, out);
			if (prev_in >= 0 && back < prev_out)
				fail_msg("not monotonic: %.17g -> %.17g but %.17g -> %s", prev_in, prev_out, v, out);
			prev_in = v;
			prev_out = back;
			checked++;
		}
	}
	/* random sorted pairs over the whole range */
	for (int i = 0; i < 200000; i++) {
		double a, b, fa, fb;
		size_t n;

		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		a = ldexp((double)(rnd >> 11), -53) * pow(10, (int)(rnd % 24) - 8);
		b = nextafter(a, INFINITY);
		if (i % 2)
			b = a * (1 + 1e-15 * (double)(rnd % 7));
		n = cs_prom_fmt_double(out, a);
		out[n] = '\0';
		fa = strtod(out, NULL);
		n = cs_prom_fmt_double(out, b);
		out[n] = '\0';
		fb = strtod(out, NULL);
		if (b >= a && fb < fa)
			fail_msg("not monotonic: %.17g -> %.17g, %.17g -> %.17g", a, fa, b, fb);
		if (-b <= -a) {
			n = cs_prom_fmt_double(out, -a);
			out[n] = '\0';
			fa = strtod(out, NULL);
			n = cs_prom_fmt_double(out, -b);
			out[n] = '\0';
			fb = strtod(out, NULL);
			assert_true(fb <= fa);
		}
		checked++;
	}
	print_message("%zu numbers checked\n", checked);
}

/* ---- buffer and determinism ------------------------------------------------------- */

static void test_buffer_reuse(void **state)
{
	cs_snapfix f = {0};
	cs_prom_buf b, c;
	uint64_t grows;

	(void)state;
	cs_prom_buf_init(&b);
	cs_prom_buf_init(&c);
	assert_int_equal(cs_snapfix_build(&f, 500, 1), 0);
	assert_int_equal(cs_prom_render(&b, &f.snap), 0);
	grows = b.grows;
	assert_true(grows >= 1);
	for (uint64_t seq = 2; seq < 20; seq++) {
		assert_int_equal(cs_snapfix_build(&f, 500, seq), 0);
		assert_int_equal(cs_prom_render(&b, &f.snap), 0);
	}
	assert_int_equal(b.grows, grows); /* steady state: no growth */
	/* same snapshot, same bytes, whatever buffer */
	assert_int_equal(cs_prom_render(&c, &f.snap), 0);
	assert_int_equal(c.len, b.len);
	assert_memory_equal(c.p, b.p, b.len);
	/* a smaller snapshot into the big buffer: no shrink, right length */
	assert_int_equal(cs_snapfix_build(&f, 3, 2), 0);
	assert_int_equal(cs_prom_render(&b, &f.snap), 0);
	assert_true(b.len < c.len);
	assert_int_equal(b.grows, grows);
	/* a fresh buffer reserved at the size of the last exposition (as the
	 * exporter does after giving the previous one back): one growth, the
	 * render itself none, the same bytes */
	assert_int_equal(cs_snapfix_build(&f, 500, 19), 0);
	cs_prom_buf_free(&b);
	assert_int_equal(cs_prom_buf_reserve(&b, c.len + c.len / 16), 0);
	assert_true(b.cap >= c.len);
	assert_int_equal(b.grows, 1);
	assert_int_equal(cs_prom_buf_reserve(&b, 10), 0); /* room already */
	assert_int_equal(cs_prom_render(&b, &f.snap), 0);
	assert_int_equal(b.grows, 1);
	assert_int_equal(b.len, c.len);
	assert_memory_equal(b.p, c.p, c.len);
	cs_prom_buf_free(&b);
	cs_prom_buf_free(&c);
	cs_prom_buf_free(NULL);
	cs_snapfix_free(&f);
}

/* ---- promtool --------------------------------------------------------------------- */

/* promtool check metrics on text: its whole output (empty when clean). */
static void promtool_check(const char *text, const char *what)
{
	char dir[256], file[320], cmd[800], out[4096];
	FILE *p;
	size_t n;
	int st;

	assert_int_equal(tf_mkdtemp(dir, sizeof(dir), "promtool"), 0);
	tf_snprintf(file, sizeof(file), "%s/metrics.prom", dir);
	tf_write_file(NULL, file, text);
	tf_snprintf(cmd, sizeof(cmd), PROMTOOL " check metrics < '%s' 2>&1", file);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	tf_rm_tree(dir);
	if (n != 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("promtool check metrics (%s) exit %d:\n%s", what, WIFEXITED(st) ? WEXITSTATUS(st) : -1, out);
}

static void test_promtool(void **state)
{
	cs_snapfix f = {0};
	char *text;

	(void)state;
	if (access(PROMTOOL, X_OK) != 0)
		tf_skip_or_fail("promtool", "%s not found (apt-get install prometheus for promtool)", PROMTOOL);
	assert_int_equal(cs_snapfix_build(&f, 3, 2), 0);
	text = render_str(&f.snap);
	promtool_check(text, "snap fixture");
	free(text);
	assert_int_equal(cs_snapfix_build(&f, 3, 2), 0);
	f.rows[0].name = "say \"hi\"\\now\nthen";
	f.rows[0].pod = "bad\xff";
	f.snap.intensity_g_per_kwh = -1;
	f.snap.carbon_g_total[CS_SCOPE_OPERATIONAL] = 0;
	text = render_str(&f.snap);
	promtool_check(text, "escapes, no intensity");
	free(text);
	cs_snapfix_free(&f);
}

/* [agent] cluster: on every sample, before node, escaped once and reused;
 * none configured: no cluster label at all (not cluster=""). */
static void test_cluster_label(void **state)
{
	cs_snapfix f = {0};
	parsed *t = malloc(sizeof(*t));
	char *text;
	size_t with = 0;

	(void)state;
	assert_non_null(t);
	assert_int_equal(cs_snapfix_build(&f, 5, 2), 0);
	text = render_str(&f.snap);
	assert_null(strstr(text, "cluster="));
	free(text);
	f.snap.cluster = "prod-eu";
	f.rows[0].owner = "we\"b";
	text = render_str(&f.snap);
	parse_text(text, t);
	for (size_t i = 0; i < t->n; i++)
		with += cs_starts_with(t->v[i].key + strlen(t->v[i].name), "{cluster=\"prod-eu\",node=\"node-1\"");
	assert_int_equal(with, t->n);
	assert_contains(text, "owner_kind=\"Deployment\",owner=\"we\\\"b\",workload=\"c-0\"");
	if (access(PROMTOOL, X_OK) == 0)
		promtool_check(text, "cluster and owner labels");
	free(text);
	free(t);
	cs_snapfix_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden),
	    cmocka_unit_test(test_format_rules),
	    cmocka_unit_test(test_conservation_in_text),
	    cmocka_unit_test(test_counters_monotonic),
	    cmocka_unit_test(test_escaping),
	    cmocka_unit_test(test_absent_families),
	    cmocka_unit_test(test_non_finite),
	    cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_numbers_monotonic),
	    cmocka_unit_test(test_buffer_reuse),
	    cmocka_unit_test(test_promtool),
	    cmocka_unit_test(test_cluster_label),
	};

	return tf_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
