/* test_config.c - carbonstat.ini as the agent reads it: every registered
 * section (agent/registry.c) on the conf engine (tests/unit/test_conf.c
 * tests the engine itself on sections of its own).
 *
 * tests/fixtures/config/good.ini is a complete valid file; errors are checked
 * for their exact one-line text (file:line, the key, what was expected), and
 * for never echoing a secret.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "attribution/attribute.h"
#include "carbon/grid_live.h"
#include "carbonstat/error.h"
#include "exporters/exporter.h"
#include "k8s/kubelet.h"
#include "ownership/teams.h"

#ifndef CS_FIXTURES_DIR
#error "CS_FIXTURES_DIR must be defined (tests/CMakeLists.txt does)"
#endif
#define CFG_DIR CS_FIXTURES_DIR "/config"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define KNOWN_SECTIONS                                                                                                 \
	"agent, attribution, kubelet, teams, teams.namespaces, teams.services, grid, prometheus, statsd, jsonl, "      \
	"stdout"

/* The agent's configuration from text (name "x.ini"), a file, the
 * environment and flags. */
static int build(const char *text, const char *path, char **envp, const cs_conf_arg *args, size_t nargs, cs_conf **out,
                 char *err, size_t cap)
{
	const cs_conf_section *secs[CS_AGENT_SECTIONS_MAX];
	size_t n = cs_agent_sections(secs, CS_AGENT_SECTIONS_MAX);
	cs_conf_layers l = {.path = path, .envp = envp, .args = args, .nargs = nargs};

	assert_true(n <= CS_AGENT_SECTIONS_MAX);
	if (text) {
		l.text = text;
		l.text_len = strlen(text);
		l.text_name = "x.ini";
	}
	return cs_conf_build(secs, n, &l, out, err, cap);
}

static cs_conf *build_ok(const char *text)
{
	cs_conf *c = NULL;
	char err[512] = "";

	if (build(text, NULL, NULL, NULL, 0, &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return c;
}

#define SEC(c, type, s) ((const type *)cs_conf_get((c), &(s)))

static void test_defaults(void **state)
{
	cs_conf *c = build_ok("");
	const cs_kubelet_conf *k = SEC(c, cs_kubelet_conf, cs_kubelet_section);
	const cs_teams_conf *t = SEC(c, cs_teams_conf, cs_teams_section);
	const cs_agent_conf *a = SEC(c, cs_agent_conf, cs_agent_section);
	const cs_grid_conf *g = SEC(c, cs_grid_conf, cs_grid_section);

	(void)state;
	assert_int_equal(SEC(c, cs_attr_conf, cs_attr_section)->idle_policy, CS_IDLE_REQUESTS);
	assert_int_equal(k->enabled, CS_AUTO);
	assert_string_equal(k->url, "");
	assert_string_equal(k->token_file, "/var/run/secrets/kubernetes.io/serviceaccount/token");
	assert_string_equal(k->ca_file, "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");
	assert_false(k->insecure_skip_verify);
	assert_true(k->refresh_s == 60 && k->timeout_s == 2);
	assert_int_equal(t->label_keys.n, 2);
	assert_string_equal(t->label_keys.v[0], "team");
	assert_string_equal(t->label_keys.v[1], "app.kubernetes.io/part-of");
	assert_string_equal(t->default_team, "system");
	assert_null(cs_conf_map_get(&t->namespaces, "payments"));
	assert_null(cs_teams_service_team(t, "nginx.service"));
	assert_true(a->interval_s == 5 && a->workloads == CS_BY_CONTAINER && a->max_series == 100000);
	assert_true(a->pue == 0 && isnan(a->embodied_g_per_h));
	assert_true(isnan(g->lat) && isnan(g->lon) && !g->has_coords && g->ttl_s == 3600);
	assert_true(cs_conf_enabled(c, cs_exporter_prometheus.conf));
	assert_false(cs_conf_enabled(c, cs_exporter_statsd.conf));
	assert_string_equal(cs_conf_source(c), "x.ini");
	cs_conf_free(c);
	cs_conf_free(NULL);
}

static void test_good_file(void **state)
{
	cs_conf *c = NULL;
	const cs_kubelet_conf *k;
	const cs_teams_conf *t;
	char err[256];

	(void)state;
	assert_int_equal(build(NULL, CFG_DIR "/good.ini", NULL, NULL, 0, &c, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(cs_conf_source(c), CFG_DIR "/good.ini");
	k = SEC(c, cs_kubelet_conf, cs_kubelet_section);
	t = SEC(c, cs_teams_conf, cs_teams_section);
	assert_int_equal(SEC(c, cs_attr_conf, cs_attr_section)->idle_policy, CS_IDLE_USAGE);
	assert_int_equal(k->enabled, CS_ON);
	assert_string_equal(k->url, "https://10.0.3.17:10250/pods");
	assert_string_equal(k->token_file, "/var/run/secrets/tokens/carbonstat");
	assert_string_equal(k->ca_file, "/etc/kubernetes/pki/kubelet-ca.crt");
	assert_false(k->insecure_skip_verify);
	assert_true(k->refresh_s == 30);
	assert_true(k->timeout_s == 1.5);
	assert_int_equal(t->label_keys.n, 3);
	assert_string_equal(t->label_keys.v[1], "example.com/cost-center");
	assert_string_equal(t->default_team, "platform");
	assert_string_equal(cs_conf_map_get(&t->namespaces, "payments"), "team-pay");
	assert_string_equal(cs_conf_map_get(&t->namespaces, "search"), "team-search"); /* was indented */
	assert_string_equal(cs_conf_map_get(&t->namespaces, "kube-system"), "platform");
	assert_null(cs_conf_map_get(&t->namespaces, "default"));
	assert_null(cs_conf_map_get(&t->namespaces, ""));
	assert_string_equal(cs_teams_service_team(t, "nginx.service"), "web");
	assert_string_equal(cs_teams_service_team(t, "postgresql.service"), "data");
	assert_string_equal(cs_teams_service_team(t, "getty@tty1.service"), "ops");
	assert_null(cs_teams_service_team(t, "getty@tty1.socket"));
	assert_null(cs_teams_service_team(t, "sshd.service"));
	assert_int_equal(t->namespaces.n, 3);
	cs_conf_free(c);
}

/* Each bad input -> the exact first error. */
static void test_errors(void **state)
{
	static const struct {
		const char *text, *err;
	} t[] = {
	    {"[kubelet]\nrefresh = 60\n",
	     "x.ini:2: unknown key 'refresh' in [kubelet]; known keys: enabled, url, token_file, ca_file, "
	     "insecure_skip_verify, refresh_s, timeout_s"},
	    {"[kubelets]\nurl = https://a/pods\n",
	     "x.ini:1: unknown section [kubelets]; known sections: " KNOWN_SECTIONS},
	    {"; fine\n[attribution]\nidle_policy = none\n[agents]\n",
	     "x.ini:4: unknown section [agents]; known sections: " KNOWN_SECTIONS},
	    {"[teams.nope]\n", "x.ini:1: unknown section [teams.nope]; known sections: " KNOWN_SECTIONS},
	    {"[teams]\nnamespaces = a\n",
	     "x.ini:2: unknown key 'namespaces' in [teams]; known keys: label_keys, default_team"},
	    {"idle_policy = usage\n", "x.ini:1: key 'idle_policy' outside any section; put it under a [section]"},
	    {"[attribution]\nidle_policy = fair\n",
	     "x.ini:2: [attribution] idle_policy = 'fair': expected requests, usage, equal or none"},
	    {"[attribution]\nidle_policy = usage\nidle_policy = none\n",
	     "x.ini:3: key 'idle_policy' in [attribution] given twice"},
	    {"[kubelet]\nrefresh_s = 1\n",
	     "x.ini:2: [kubelet] refresh_s = '1': expected a duration from 5s to 1d (\"5s\", \"500ms\", \"1m\"; a bare "
	     "number is seconds)"},
	    {"[kubelet]\ntimeout_s = 0\n",
	     "x.ini:2: [kubelet] timeout_s = '0': expected a duration from 100ms to 1m (\"5s\", \"500ms\", \"1m\"; a "
	     "bare number is seconds)"},
	    {"[kubelet]\ninsecure_skip_verify = maybe\n",
	     "x.ini:2: [kubelet] insecure_skip_verify = 'maybe': expected true or false"},
	    {"[kubelet]\nenabled = perhaps\n", "x.ini:2: [kubelet] enabled = 'perhaps': expected auto, true or false"},
	    {"[kubelet]\nurl = ftp://user:hunter2@host/pods\n",
	     "x.ini:2: [kubelet] url: bad value (not shown): expected an https:// (or http://) URL"},
	    {"[teams]\nlabel_keys = team,,owner\n",
	     "x.ini:2: [teams] label_keys = 'team,,owner': expected a comma-separated list of label keys (at most 8)"},
	    {"[teams]\nlabel_keys = team,\n",
	     "x.ini:2: [teams] label_keys = 'team,': expected a comma-separated list of label keys (at most 8)"},
	    {"[teams]\nlabel_keys = team, a//b\n",
	     "x.ini:2: [teams] label_keys = 'team, a//b': 'a//b' is not a Kubernetes label key"},
	    {"[teams]\nlabel_keys = team, team\n", "x.ini:2: [teams] label_keys = 'team, team': 'team' listed twice"},
	    {"[teams]\nlabel_keys = a,b,c,d,e,f,g,h,i\n",
	     "x.ini:2: [teams] label_keys = 'a,b,c,d,e,f,g,h,i': at most 8 label keys"},
	    {"[teams]\ndefault_team = the platform\n",
	     "x.ini:2: [teams] default_team = 'the platform': expected a team name (1-63 of A-Z a-z 0-9 . _ -)"},
	    {"[teams]\ndefault_team =\n",
	     "x.ini:2: [teams] default_team = '': expected a team name (1-63 of A-Z a-z 0-9 . _ -)"},
	    {"[teams.namespaces]\nPayments = pay\n",
	     "x.ini:2: [teams.namespaces] Payments = 'pay': 'Payments' is not a namespace name (lower-case RFC 1123 "
	     "label)"},
	    {"[teams.namespaces]\npayments = pay\n\npayments = other\n",
	     "x.ini:4: [teams.namespaces] payments = 'other': already mapped on line 2"},
	    {"[teams.namespaces]\npayments = pay/ments\n",
	     "x.ini:2: [teams.namespaces] payments = 'pay/ments': expected a team name (1-63 of A-Z a-z 0-9 . _ -)"},
	    {"[teams.services]\nnginx = web\nnginx.service = web2\n",
	     "x.ini:3: [teams.services] nginx.service = 'web2': already mapped on line 2"},
	    {"[teams.services]\nbad/unit = web\n",
	     "x.ini:2: [teams.services] bad/unit = 'web': not a systemd unit name"},
	    {"[kubelet]\nthis line has no equals sign\n",
	     "x.ini:2: syntax error: expected [section], key = value or a ; comment"},
	    {"[kubelet\nurl = https://a/pods\n",
	     "x.ini:1: syntax error: expected [section], key = value or a ; comment"},
	    {"[agent]\nworkloads = rack\n",
	     "x.ini:2: [agent] workloads = 'rack': expected container, pod, owner, namespace, team or none"},
	    {"[agent]\nworkloads = process\n",
	     "x.ini:2: [agent] workloads = 'process': expected container, pod, owner, namespace, team or none"},
	    {"[agent]\nprovider = ibm\n", "x.ini:2: [agent] provider = 'ibm': expected aws, gcp or azure"},
	    {"[agent]\npue = 0.5\n", "x.ini:2: [agent] pue = '0.5': expected a PUE from 1 to 3, or 0"},
	    {"[agent]\nnode_name = a b\n",
	     "x.ini:2: [agent] node_name = 'a b': expected a node name (letters, digits, '.', '-', '_')"},
	    {"[jsonl]\nmax_bytes = 12\n", "x.ini:2: [jsonl] max_bytes = '12': expected a size in bytes (K, M, G, T "
	                                  "suffixes) from 4K to 1T, or 0"},
	    {"[statsd]\nmtu = 70000\n",
	     "x.ini:2: [statsd] mtu = '70000': expected a payload size in bytes from 512 to 65507"},
	    {"[grid]\napi_key = a b\n",
	     "x.ini:2: [grid] api_key: bad value (not shown): expected a key without blanks"},
	    {"[grid]\nlat = 52.5\n", "[grid] lat given without lon; set both (or a zone)"},
	    {"[grid]\nlon = 100\nzone = DE\n", "[grid] lon given without lat; set both (or a zone)"},
	    {"[grid]\nlat = 91\n", "x.ini:2: [grid] lat = '91': expected a latitude from -90 to 90"},
	    {"[jsonl]\nenabled = true\n",
	     "[jsonl] enabled without path; set [jsonl] path, CARBONSTAT_JSONL_PATH or --jsonl FILE"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		cs_conf *c = (cs_conf *)1;
		char err[512];
		int rc;

		rc = build(t[i].text, NULL, NULL, NULL, 0, &c, err, sizeof(err));
		if (rc != CS_EINVAL)
			fail_msg("case %zu: rc %d", i, rc);
		if (strcmp(err, t[i].err) != 0)
			fail_msg("case %zu:\n got  '%s'\n want '%s'", i, err, t[i].err);
		assert_null(c); /* nothing half-built */
		assert_null(strstr(err, "hunter2"));
	}
}

static void test_file_errors(void **state)
{
	cs_conf *c = NULL;
	char err[512], line[5000];
	int rc;

	(void)state;
	rc = build(NULL, CFG_DIR "/unknown_key.ini", NULL, NULL, 0, &c, err, sizeof(err));
	assert_int_equal(rc, CS_EINVAL);
	assert_string_equal(err,
	                    CFG_DIR "/unknown_key.ini:5: unknown key 'refresh' in [kubelet]; known keys: "
	                            "enabled, url, token_file, ca_file, insecure_skip_verify, refresh_s, timeout_s");
	rc = build(NULL, CFG_DIR "/absent.ini", NULL, NULL, 0, &c, err, sizeof(err));
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(err, "absent.ini: cannot read the config file"));
	rc = build(NULL, CFG_DIR, NULL, NULL, 0, &c, err, sizeof(err));
	assert_int_equal(rc, CS_EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(build(NULL, CFG_DIR "/absent.ini", NULL, NULL, 0, &c, NULL, 0), -ENOENT);

	/* longer than 4096 characters: refused, not split in two */
	strcpy(line, "[teams]\ndefault_team = ");
	memset(line + strlen(line), 'a', 4097 - strlen("default_team = "));
	line[8 + 4097] = '\0';
	rc = build(line, NULL, NULL, NULL, 0, &c, err, sizeof(err));
	assert_int_equal(rc, CS_EINVAL);
	assert_string_equal(err, "x.ini:2: line longer than 4096 characters");
	/* a NUL byte */
	{
		const cs_conf_section *secs[CS_AGENT_SECTIONS_MAX];
		size_t n = cs_agent_sections(secs, CS_AGENT_SECTIONS_MAX);
		cs_conf_layers l = {.text = "[teams]\ndefault_team = a\0b\n", .text_len = 26, .text_name = "nul.ini"};

		rc = cs_conf_build(secs, n, &l, &c, err, sizeof(err));
		assert_int_equal(rc, CS_EINVAL);
		assert_string_equal(err, "nul.ini:2: NUL byte: not a text file");
	}
	/* a short error buffer is still terminated */
	rc = build("[x]\n", NULL, NULL, NULL, 0, &c, err, 12);
	assert_int_equal(rc, CS_EINVAL);
	assert_string_equal(err, "x.ini:1: un");
}

/* Long label lists: lines far past libinih's 200-byte buffer read whole
 * (value, inline comment and all), comments of any length up to the limit
 * are comments. */
static void test_long_lines(void **state)
{
	char text[8000], keys[4000], label[64];
	cs_conf *c;
	const cs_teams_conf *t;
	size_t w = 0, at;

	(void)state;
	/* 8 label keys with 243-character prefixes: one 2.5 KiB line */
	memset(label, 'a', 60);
	label[60] = '\0';
	for (int i = 0; i < 8; i++)
		w += (size_t)snprintf(keys + w, sizeof(keys) - w, "%s%d%s.%s.%s.%s/team-%d", i ? ", " : "", i,
		                      label + 1, label, label, label, i);
	assert_true(w > 2000 && w < 4000);
	at = (size_t)snprintf(text, sizeof(text), "[teams]\nlabel_keys =   %s   ; a comment ; with more\n[agent]\n",
	                      keys);
	/* comments of 196 to 200 characters (libinih's buffer edge), and a long one */
	for (int n = 196; n <= 200; n++) {
		text[at++] = ';';
		memset(text + at, 'c', (size_t)n - 1);
		at += (size_t)n - 1;
		text[at++] = '\n';
	}
	at += (size_t)snprintf(text + at, sizeof(text) - at, "# %s\ninterval = 2s\n", keys);
	c = build_ok(text);
	t = SEC(c, cs_teams_conf, cs_teams_section);
	assert_int_equal(t->label_keys.n, 8);
	assert_string_equal(t->label_keys.v[7] + strlen(t->label_keys.v[7]) - 7, "/team-7");
	assert_int_equal(strlen(t->label_keys.v[0]), 243 + 7);
	assert_true(SEC(c, cs_agent_conf, cs_agent_section)->interval_s == 2);
	cs_conf_free(c);
	/* a long line with no '=' is a syntax error on its own line */
	snprintf(text, sizeof(text), "[teams]\n%s\n", keys);
	{
		char err[512];

		c = NULL;
		assert_int_equal(build(text, NULL, NULL, NULL, 0, &c, err, sizeof(err)), CS_EINVAL);
		assert_string_equal(err, "x.ini:2: syntax error: expected [section], key = value or a ; comment");
	}
}

static void test_syntax_variants(void **state)
{
	/* CRLF, a BOM, blanks, both comment styles, "key: value", no final newline */
	static const char text[] = "\xEF\xBB\xBF; carbonstat\r\n"
	                           "[teams]\r\n"
	                           "  label_keys=owner ,  team  \r\n"
	                           "# comment\r\n"
	                           "default_team: infra\r\n"
	                           "[teams.services]\r\n"
	                           "sshd = infra ; inline\r\n"
	                           "[attribution]\r\n"
	                           "idle_policy = equal";
	cs_conf *c = build_ok(text);
	const cs_teams_conf *t = SEC(c, cs_teams_conf, cs_teams_section);

	(void)state;
	assert_int_equal(t->label_keys.n, 2);
	assert_string_equal(t->label_keys.v[0], "owner");
	assert_string_equal(t->label_keys.v[1], "team");
	assert_string_equal(t->default_team, "infra");
	assert_string_equal(cs_teams_service_team(t, "sshd.service"), "infra");
	assert_int_equal(SEC(c, cs_attr_conf, cs_attr_section)->idle_policy, CS_IDLE_EQUAL);
	cs_conf_free(c);
	/* a BOM before an unknown empty section is still seen */
	{
		char err[512];

		c = NULL;
		assert_int_equal(build("\xEF\xBB\xBF[nope]\n", NULL, NULL, NULL, 0, &c, err, sizeof(err)), CS_EINVAL);
		assert_non_null(strstr(err, "x.ini:1: unknown section [nope]"));
	}
}

static void test_validators(void **state)
{
	(void)state;
	assert_true(cs_teams_valid_team("team-pay.eu_1"));
	assert_false(cs_teams_valid_team(""));
	assert_false(cs_teams_valid_team("a b"));
	assert_false(cs_teams_valid_team("0123456789012345678901234567890123456789012345678901234567890123"));
	assert_true(cs_teams_valid_namespace("kube-system"));
	assert_false(cs_teams_valid_namespace("-a"));
	assert_false(cs_teams_valid_namespace("A"));
	assert_false(cs_teams_valid_namespace("a.b"));
	assert_true(cs_teams_valid_label_key("team"));
	assert_true(cs_teams_valid_label_key("app.kubernetes.io/part-of"));
	assert_true(cs_teams_valid_label_key("example.com/Cost_Center.v2"));
	assert_false(cs_teams_valid_label_key("/team"));
	assert_false(cs_teams_valid_label_key("a..b/team"));
	assert_false(cs_teams_valid_label_key("Example.com/team"));
	assert_false(cs_teams_valid_label_key("team-"));
	assert_false(cs_teams_valid_label_key("a/b/c"));
	assert_false(cs_teams_valid_label_key(""));
}

/* The flags of the registered sections, by name. */
static cs_conf_arg flag(const char *name, const char *value)
{
	const cs_conf_section *secs[CS_AGENT_SECTIONS_MAX];
	size_t n = cs_agent_sections(secs, CS_AGENT_SECTIONS_MAX);

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < secs[i]->nflags; j++)
			if (strcmp(secs[i]->flags[j].name, name) == 0)
				return (cs_conf_arg){secs[i], &secs[i]->flags[j], value};
	fail_msg("no flag --%s", name);
	return (cs_conf_arg){NULL, NULL, NULL};
}

static void test_agent_sections(void **state)
{
	static const char ini[] = "[agent]\ninterval = 2s\nworkloads = pod\nmax_series = 5000\ncountry = DE\n"
	                          "pue = 1.2\n[prometheus]\nlisten = 127.0.0.1:9999\n[statsd]\nenabled = true\n"
	                          "address = dd-agent:8125\ntags = env:prod,cluster:eu\nmtu = 512\n"
	                          "[jsonl]\nenabled = yes\npath = /var/log/carbonstat.jsonl\nmax_bytes = 100M\n"
	                          "keep = 3\nfsync = none\n[stdout]\nenabled = on\ntop = 5\n"
	                          "[grid]\nlive = true\napi_key = s3cret\nzone = DE\nttl = 30m\n";
	char *env[] = {"PATH=/bin",
	               "CARBONSTAT_AGENT_NODE_NAME=node-7",
	               "CARBONSTAT_STATSD_PREFIX=cs",
	               "CARBONSTAT_CONFIG=/x.ini",
	               "CARBONSTAT_TEAMS_DEFAULT_TEAM=ops",
	               "CARBONSTAT_AGENT_SERVICE_HOST=10.0.0.1",
	               "CARBONSTAT_PORT=tcp://10.0.0.1:9875",
	               "CARBONSTAT_PORT_9875_TCP_ADDR=10.0.0.1",
	               "CARBONSTAT_SERVICE_PORT_METRICS=9875",
	               "CARBONSTAT_AGENT_INTERVAL=3s",
	               NULL};
	cs_conf_arg args[3];
	cs_conf *c = NULL, *d = NULL;
	const cs_agent_conf *a;
	char err[512];

	(void)state;
	args[0] = flag("interval", "500ms");
	args[1] = flag("jsonl", "/tmp/out.jsonl");
	args[2] = flag("idle-policy", "none");
	assert_int_equal(build(ini, NULL, env, args, 3, &c, err, sizeof(err)), 0);
	a = SEC(c, cs_agent_conf, cs_agent_section);
	assert_true(a->interval_s == 0.5); /* flags > env > file */
	assert_int_equal(a->workloads, CS_BY_POD);
	assert_int_equal(a->max_series, 5000);
	assert_true(a->pue == 1.2);
	assert_string_equal(a->node_name, "node-7");
	assert_string_equal(SEC(c, cs_teams_conf, cs_teams_section)->default_team, "ops");
	assert_int_equal(SEC(c, cs_attr_conf, cs_attr_section)->idle_policy, CS_IDLE_NONE);
	assert_true(SEC(c, cs_grid_conf, cs_grid_section)->live &&
	            SEC(c, cs_grid_conf, cs_grid_section)->ttl_s == 1800);
	assert_string_equal(SEC(c, cs_grid_conf, cs_grid_section)->api_key, "s3cret");
	assert_true(cs_conf_enabled(c, cs_exporter_stdout.conf));
	/* every exporter is named by its section */
	for (size_t i = 0; i < cs_exporters_len; i++)
		assert_true(cs_exporters[i]->conf && cs_exporter_name(cs_exporters[i])[0]);

	/* the dump: secrets masked, and itself a valid config */
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		assert_non_null(f);
		cs_conf_dump(c, f);
		fclose(f);
		assert_non_null(strstr(buf, "[agent]\ninterval = 500ms\n"));
		assert_non_null(strstr(buf, "; api_key = <set, hidden>"));
		assert_non_null(strstr(buf, "path = /tmp/out.jsonl\n"));
		assert_non_null(strstr(buf, "max_bytes = 100M\n"));
		assert_non_null(strstr(buf, "prefix = cs\n"));
		assert_null(strstr(buf, "s3cret"));
		if (build(buf, NULL, NULL, NULL, 0, &d, err, sizeof(err)) != 0)
			fail_msg("dump does not read back: %s\n%s", err, buf);
		assert_true(SEC(d, cs_agent_conf, cs_agent_section)->interval_s == 0.5);
		assert_false(cs_conf_same(c, d, &cs_grid_section)); /* the key stayed behind */
		assert_true(cs_conf_same(c, d, &cs_teams_section));
		assert_true(cs_conf_same(c, d, cs_exporter_jsonl.conf));
		cs_conf_free(d);
		free(buf);
	}
	cs_conf_free(c);

	/* errors name the variable or the flag, never echo a secret */
	{
		static const struct {
			const char *env, *flag, *value, *err;
		} t[] = {
		    {"CARBONSTAT_AGENT_NOPE=1", NULL, NULL,
		     "environment CARBONSTAT_AGENT_NOPE: unknown key 'nope' in [agent]; known keys: interval"},
		    {"CARBONSTAT_NOPE_X=1", NULL, NULL, "environment CARBONSTAT_NOPE_X: unknown setting"},
		    {"CARBONSTAT_JSONL_KEEP=0", NULL, NULL,
		     "environment CARBONSTAT_JSONL_KEEP='0': expected a number of files from 1 to 1000"},
		    {"CARBONSTAT_GRID_API_KEY=bad key", NULL, NULL,
		     "environment CARBONSTAT_GRID_API_KEY: bad value (not shown)"},
		    {NULL, "max-series", "-1", "--max-series '-1': expected a number of series from 100 to 10000000"},
		    {NULL, "interval", "0", "--interval '0': expected a duration from 100ms to 1h"},
		    {NULL, "listen", "nohost", "--listen 'nohost': expected host:port, [v6]:port or :port"},
		    {NULL, "statsd", ":8125", "--statsd ':8125': expected host:port or [v6]:port"},
		};

		for (size_t i = 0; i < ARRAY_LEN(t); i++) {
			char *e1[] = {(char *)t[i].env, NULL};
			cs_conf_arg f1 = t[i].flag ? flag(t[i].flag, t[i].value) : (cs_conf_arg){0};

			c = NULL;
			assert_int_equal(
			    build("", NULL, t[i].env ? e1 : NULL, &f1, t[i].flag ? 1 : 0, &c, err, sizeof(err)),
			    CS_EINVAL);
			assert_null(c);
			if (strncmp(err, t[i].err, strlen(t[i].err)) != 0)
				fail_msg("case %zu:\n got  '%s'\n want '%s...'", i, err, t[i].err);
			assert_null(strstr(err, "bad key"));
			assert_null(strstr(err, " = ")); /* no stray " = " after a flag or a variable */
		}
	}
	/* two flags that set one key differently */
	{
		cs_conf_arg f2[2] = {flag("kubelet-url", "https://10.0.0.1:10250/pods"), flag("no-kubelet", NULL)};

		assert_int_equal(build("", NULL, NULL, f2, 2, &c, err, sizeof(err)), CS_EINVAL);
		assert_string_equal(err, "--kubelet-url and --no-kubelet contradict each other; give one");
		f2[0] = flag("interval", "4s");
		f2[1] = flag("interval", "5s");
		assert_int_equal(build("", NULL, NULL, f2, 2, &c, err, sizeof(err)), CS_EINVAL);
		assert_string_equal(err, "--interval given twice with different values; give it once");
		f2[1] = flag("interval", "4s");
		assert_int_equal(build("", NULL, NULL, f2, 2, &c, err, sizeof(err)), 0);
		cs_conf_free(c);
		/* --kubelet-url turns [kubelet] on */
		f2[0] = flag("kubelet-url", "https://10.0.0.1:10250/pods");
		assert_int_equal(build("[kubelet]\nenabled = false\n", NULL, NULL, f2, 1, &c, err, sizeof(err)), 0);
		assert_int_equal(SEC(c, cs_kubelet_conf, cs_kubelet_section)->enabled, CS_ON);
		cs_conf_free(c);
	}
}

/* One rule for paths: relative to the file for a key in it, to the working
 * directory for a flag or a variable; stored absolute. */
static void test_relative_paths(void **state)
{
	char cwd[512], want[600], err[512];
	char *env[] = {"CARBONSTAT_GRID_API_KEY_FILE=keys/grid", NULL};
	cs_conf_arg f1 = flag("jsonl", "out/x.jsonl");
	cs_conf *c = NULL;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(build(NULL, CFG_DIR "/relative.ini", env, &f1, 1, &c, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/token", CFG_DIR);
	if (CFG_DIR[0] == '/')
		assert_string_equal(SEC(c, cs_kubelet_conf, cs_kubelet_section)->token_file, want);
	assert_string_equal(SEC(c, cs_kubelet_conf, cs_kubelet_section)->ca_file, "/etc/ca.crt");
	snprintf(want, sizeof(want), "%s/keys/grid", cwd);
	assert_string_equal(SEC(c, cs_grid_conf, cs_grid_section)->api_key_file, want);
	cs_conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),        cmocka_unit_test(test_good_file),
	    cmocka_unit_test(test_agent_sections),  cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_file_errors),     cmocka_unit_test(test_long_lines),
	    cmocka_unit_test(test_syntax_variants), cmocka_unit_test(test_validators),
	    cmocka_unit_test(test_relative_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
