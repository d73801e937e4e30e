/* test_config.c - unit tests for conf/config (the carbonstat INI file).
 *
 * tests/fixtures/config/good.ini is a complete valid file; errors are checked
 * for their exact one-line text (file:line, the key, what was expected), for
 * leaving the output untouched, and for never echoing a secret.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "conf/config.h"

#ifndef CS_FIXTURES_DIR
#error "CS_FIXTURES_DIR must be defined (tests/CMakeLists.txt does)"
#endif
#define CFG_DIR CS_FIXTURES_DIR "/config"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void test_defaults(void **state)
{
	cs_config c;

	(void)state;
	cs_config_init(&c);
	assert_int_equal(c.attribution.idle_policy, CS_CFG_IDLE_REQUESTS);
	assert_int_equal(c.kubelet.enabled, CS_CFG_AUTO);
	assert_string_equal(c.kubelet.url, "");
	assert_string_equal(c.kubelet.token_file, "/var/run/secrets/kubernetes.io/serviceaccount/token");
	assert_string_equal(c.kubelet.ca_file, "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");
	assert_false(c.kubelet.insecure_skip_verify);
	assert_true(c.kubelet.refresh_s == 60 && c.kubelet.timeout_s == 2);
	assert_int_equal(c.teams.n_label_keys, 2);
	assert_string_equal(c.teams.label_keys[0], "team");
	assert_string_equal(c.teams.label_keys[1], "app.kubernetes.io/part-of");
	assert_string_equal(c.teams.default_team, "system");
	assert_null(cs_config_namespace_team(&c, "payments"));
	assert_null(cs_config_service_team(&c, "nginx.service"));
	cs_config_free(&c);
	cs_config_free(NULL);
	/* an empty file is the defaults */
	assert_int_equal(cs_config_parse("", 0, "empty.ini", &c, NULL, 0), 0);
	assert_string_equal(c.teams.default_team, "system");
	assert_string_equal(c.source, "empty.ini");
	cs_config_free(&c);
}

static void test_good_file(void **state)
{
	cs_config c;
	char err[256];

	(void)state;
	assert_int_equal(cs_config_load(CFG_DIR "/good.ini", &c, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(c.source, CFG_DIR "/good.ini");
	assert_int_equal(c.attribution.idle_policy, CS_CFG_IDLE_USAGE);
	assert_string_equal(cs_cfg_idle_policy_name(c.attribution.idle_policy), "usage");
	assert_int_equal(c.kubelet.enabled, CS_CFG_ON);
	assert_string_equal(c.kubelet.url, "https://10.0.3.17:10250/pods");
	assert_string_equal(c.kubelet.token_file, "/var/run/secrets/tokens/carbonstat");
	assert_string_equal(c.kubelet.ca_file, "/etc/kubernetes/pki/kubelet-ca.crt");
	assert_false(c.kubelet.insecure_skip_verify);
	assert_true(c.kubelet.refresh_s == 30);
	assert_true(c.kubelet.timeout_s == 1.5);
	assert_int_equal(c.teams.n_label_keys, 3);
	assert_string_equal(c.teams.label_keys[1], "example.com/cost-center");
	assert_string_equal(c.teams.default_team, "platform");
	assert_string_equal(cs_config_namespace_team(&c, "payments"), "team-pay");
	assert_string_equal(cs_config_namespace_team(&c, "search"), "team-search"); /* was indented */
	assert_string_equal(cs_config_namespace_team(&c, "kube-system"), "platform");
	assert_null(cs_config_namespace_team(&c, "default"));
	assert_null(cs_config_namespace_team(&c, ""));
	assert_string_equal(cs_config_service_team(&c, "nginx.service"), "web");
	assert_string_equal(cs_config_service_team(&c, "postgresql.service"), "data");
	assert_string_equal(cs_config_service_team(&c, "getty@tty1.service"), "ops");
	assert_null(cs_config_service_team(&c, "getty@tty1.socket"));
	assert_null(cs_config_service_team(&c, "sshd.service"));
	assert_int_equal(c.teams.namespaces.n, 3);
	cs_config_free(&c);
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
	     "x.ini:1: unknown section [kubelets]; known sections: attribution, kubelet, teams, "
	     "teams.namespaces, teams.services, agent, prometheus, statsd, jsonl, stdout, grid"},
	    {"; fine\n[attribution]\nidle_policy = none\n[agents]\n",
	     "x.ini:4: unknown section [agents]; known sections: attribution, kubelet, teams, "
	     "teams.namespaces, teams.services, agent, prometheus, statsd, jsonl, stdout, grid"},
	    {"idle_policy = usage\n", "x.ini:1: key 'idle_policy' outside any section; put it under a [section]"},
	    {"[attribution]\nidle_policy = fair\n",
	     "x.ini:2: [attribution] idle_policy = 'fair': expected requests, usage, equal or none"},
	    {"[attribution]\nidle_policy = usage\nidle_policy = none\n",
	     "x.ini:3: key 'idle_policy' in [attribution] given twice"},
	    {"[kubelet]\nrefresh_s = 1\n",
	     "x.ini:2: [kubelet] refresh_s = '1': expected seconds, a number >= 5 and <= 86400"},
	    {"[kubelet]\nrefresh_s = 60s\n",
	     "x.ini:2: [kubelet] refresh_s = '60s': expected seconds, a number >= 5 and <= 86400"},
	    {"[kubelet]\ntimeout_s = 0\n",
	     "x.ini:2: [kubelet] timeout_s = '0': expected seconds, a number > 0 and <= 60"},
	    {"[kubelet]\ninsecure_skip_verify = maybe\n",
	     "x.ini:2: [kubelet] insecure_skip_verify = 'maybe': expected true or false"},
	    {"[kubelet]\nenabled = perhaps\n", "x.ini:2: [kubelet] enabled = 'perhaps': expected auto, true or false"},
	    {"[kubelet]\ntoken_file = token\n", "x.ini:2: [kubelet] token_file = 'token': expected an absolute path"},
	    {"[kubelet]\nurl = ftp://user:hunter2@host/pods\n",
	     "x.ini:2: [kubelet] url: bad value (not shown): expected an https:// (or http://) URL"},
	    {"[teams]\nlabel_keys = team,,owner\n",
	     "x.ini:2: [teams] label_keys = 'team,,owner': expected a comma-separated list of label keys"},
	    {"[teams]\nlabel_keys = team, a//b\n",
	     "x.ini:2: [teams] label_keys = 'team, a//b': 'a//b' is not a Kubernetes label key"},
	    {"[teams]\nlabel_keys = team, team\n",
	     "x.ini:2: [teams] label_keys = 'team, team': label key 'team' listed twice"},
	    {"[teams]\nlabel_keys = a,b,c,d,e,f,g,h,i\n",
	     "x.ini:2: [teams] label_keys = 'a,b,c,d,e,f,g,h,i': at most 8 label keys"},
	    {"[teams]\ndefault_team = the platform\n",
	     "x.ini:2: [teams] default_team = 'the platform': expected a team name (1-63 of A-Z a-z 0-9 . _ -)"},
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
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(t); i++) {
		cs_config c, keep;
		char err[512];
		int rc;

		memset(&c, 0x5A, sizeof(c));
		keep = c;
		rc = cs_config_parse(t[i].text, strlen(t[i].text), "x.ini", &c, err, sizeof(err));
		if (rc != CS_EINVAL)
			fail_msg("case %zu: rc %d", i, rc);
		if (strcmp(err, t[i].err) != 0)
			fail_msg("case %zu:\n got  '%s'\n want '%s'", i, err, t[i].err);
		assert_memory_equal(&c, &keep, sizeof(c)); /* nothing half-written */
		assert_null(strstr(err, "hunter2"));
	}
}

static void test_file_errors(void **state)
{
	cs_config c;
	char err[512], line[400];
	int rc;

	(void)state;
	rc = cs_config_load(CFG_DIR "/unknown_key.ini", &c, err, sizeof(err));
	assert_int_equal(rc, CS_EINVAL);
	assert_string_equal(err,
	                    CFG_DIR "/unknown_key.ini:5: unknown key 'refresh' in [kubelet]; known keys: "
	                            "enabled, url, token_file, ca_file, insecure_skip_verify, refresh_s, timeout_s");
	rc = cs_config_load(CFG_DIR "/absent.ini", &c, err, sizeof(err));
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(err, "absent.ini: cannot read the config file"));
	rc = cs_config_load(CFG_DIR, &c, err, sizeof(err));
	assert_int_equal(rc, CS_EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(cs_config_load(CFG_DIR "/absent.ini", &c, NULL, 0), -ENOENT);

	/* longer than libinih's line buffer: refused, not split in two */
	memset(line, 0, sizeof(line));
	strcpy(line, "[teams]\ndefault_team = ");
	memset(line + strlen(line), 'a', 200);
	rc = cs_config_parse(line, strlen(line), "long.ini", &c, err, sizeof(err));
	assert_int_equal(rc, CS_EINVAL);
	assert_string_equal(err, "long.ini:2: line longer than 197 characters");
	/* a NUL byte */
	rc = cs_config_parse("[teams]\ndefault_team = a\0b\n", 26, "nul.ini", &c, err, sizeof(err));
	assert_int_equal(rc, CS_EINVAL);
	assert_string_equal(err, "nul.ini:2: NUL byte: not a text file");
	/* a short error buffer is still terminated */
	rc = cs_config_parse("[x]\n", 4, "x.ini", &c, err, 12);
	assert_int_equal(rc, CS_EINVAL);
	assert_string_equal(err, "x.ini:1: un");
	assert_int_equal(cs_config_parse(NULL, 1, NULL, &c, err, sizeof(err)), CS_EINVAL);
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
	cs_config c;
	char err[256];

	(void)state;
	assert_int_equal(cs_config_parse(text, strlen(text), "crlf.ini", &c, err, sizeof(err)), 0);
	assert_int_equal(c.teams.n_label_keys, 2);
	assert_string_equal(c.teams.label_keys[0], "owner");
	assert_string_equal(c.teams.label_keys[1], "team");
	assert_string_equal(c.teams.default_team, "infra");
	assert_string_equal(cs_config_service_team(&c, "sshd.service"), "infra");
	assert_int_equal(c.attribution.idle_policy, CS_CFG_IDLE_EQUAL);
	cs_config_free(&c);
}

static void test_validators(void **state)
{
	(void)state;
	assert_true(cs_cfg_valid_team("team-pay.eu_1"));
	assert_false(cs_cfg_valid_team(""));
	assert_false(cs_cfg_valid_team("a b"));
	assert_false(cs_cfg_valid_team("0123456789012345678901234567890123456789012345678901234567890123"));
	assert_true(cs_cfg_valid_namespace("kube-system"));
	assert_false(cs_cfg_valid_namespace("-a"));
	assert_false(cs_cfg_valid_namespace("A"));
	assert_false(cs_cfg_valid_namespace("a.b"));
	assert_true(cs_cfg_valid_label_key("team"));
	assert_true(cs_cfg_valid_label_key("app.kubernetes.io/part-of"));
	assert_true(cs_cfg_valid_label_key("example.com/Cost_Center.v2"));
	assert_false(cs_cfg_valid_label_key("/team"));
	assert_false(cs_cfg_valid_label_key("a..b/team"));
	assert_false(cs_cfg_valid_label_key("Example.com/team"));
	assert_false(cs_cfg_valid_label_key("team-"));
	assert_false(cs_cfg_valid_label_key("a/b/c"));
	assert_false(cs_cfg_valid_label_key(""));
}

static void test_agent_sections(void **state)
{
	static const char ini[] = "[agent]\ninterval = 2s\nworkloads = pod\nmax_series = 5000\ncountry = DE\n"
	                          "pue = 1.2\n[prometheus]\nlisten = 127.0.0.1:9999\n[statsd]\nenabled = true\n"
	                          "address = dd-agent:8125\ntags = env:prod,cluster:eu\nmtu = 512\n"
	                          "[jsonl]\nenabled = yes\npath = /var/log/carbonstat.jsonl\nmax_bytes = 100M\n"
	                          "keep = 3\nfsync = none\n[stdout]\nenabled = on\ntop = 5\n"
	                          "[grid]\nlive = true\napi_key = s3cret\nzone = DE\nttl = 30m\n";
	cs_config c;
	char err[512];

	(void)state;
	cs_config_init(&c);
	assert_true(c.agent.interval_s == 5 && c.prometheus.enabled && !c.statsd.enabled);
	assert_string_equal(c.prometheus.listen, ":9875");
	cs_config_free(&c);
	assert_int_equal(cs_config_parse(ini, sizeof(ini) - 1, "a.ini", &c, err, sizeof(err)), 0);
	assert_true(c.agent.interval_s == 2);
	assert_string_equal(c.agent.workloads, "pod");
	assert_int_equal(c.agent.max_series, 5000);
	assert_true(c.agent.pue == 1.2);
	assert_string_equal(c.prometheus.listen, "127.0.0.1:9999");
	assert_true(c.statsd.enabled && c.statsd.mtu == 512);
	assert_string_equal(c.statsd.address, "dd-agent:8125");
	assert_true(c.jsonl.enabled && c.jsonl.max_bytes == 100ull << 20 && c.jsonl.keep == 3);
	assert_int_equal(c.jsonl.fsync, CS_CFG_FSYNC_NONE);
	assert_true(c.out.enabled && c.out.top == 5);
	assert_true(c.grid.live && c.grid.ttl_s == 1800);
	assert_string_equal(c.grid.api_key, "s3cret");

	/* flags/env layer */
	assert_int_equal(cs_config_set(&c, "agent", "interval", "500ms", "--interval", err, sizeof(err)), 0);
	assert_true(c.agent.interval_s == 0.5);
	assert_int_equal(cs_config_set(&c, "agent", "interval", "0", "--interval", err, sizeof(err)), CS_EINVAL);
	assert_non_null(strstr(err, "--interval = '0': expected a duration"));
	assert_int_equal(cs_config_set(&c, "agent", "bogus", "1", "--bogus", err, sizeof(err)), CS_EINVAL);
	assert_non_null(strstr(err, "unknown key 'bogus' in [agent]"));
	assert_int_equal(cs_config_set(&c, "grid", "api_key", "bad key", "env", err, sizeof(err)), CS_EINVAL);
	assert_null(strstr(err, "bad key")); /* secrets never echoed */
	assert_int_equal(cs_config_set(&c, "prometheus", "listen", "nohost", "--listen", err, sizeof(err)),
	                 CS_EINVAL);
	assert_int_equal(cs_config_set(&c, "statsd", "address", ":8125", "--statsd", err, sizeof(err)), CS_EINVAL);
	{
		char *env[] = {"PATH=/bin", "CARBONSTAT_AGENT_NODE_NAME=node-7", "CARBONSTAT_STATSD_PREFIX=cs",
		               "CARBONSTAT_CONFIG=/x.ini", "CARBONSTAT_TEAMS_DEFAULT_TEAM=ops",
		               "CARBONSTAT_AGENT_SERVICE_HOST=10.0.0.1", "CARBONSTAT_PORT=tcp://10.0.0.1:9875",
		               "CARBONSTAT_PORT_9875_TCP_ADDR=10.0.0.1", "CARBONSTAT_SERVICE_PORT_METRICS=9875", NULL};
		char *bad[] = {"CARBONSTAT_AGENT_NOPE=1", NULL};
		char *badv[] = {"CARBONSTAT_JSONL_KEEP=0", NULL};

		assert_int_equal(cs_config_apply_env(&c, env, err, sizeof(err)), 0);
		assert_string_equal(c.agent.node_name, "node-7");
		assert_string_equal(c.statsd.prefix, "cs");
		assert_string_equal(c.teams.default_team, "ops");
		assert_int_equal(cs_config_apply_env(&c, bad, err, sizeof(err)), CS_EINVAL);
		assert_non_null(strstr(err, "CARBONSTAT_AGENT_NOPE"));
		assert_int_equal(cs_config_apply_env(&c, badv, err, sizeof(err)), CS_EINVAL);
		assert_non_null(strstr(err, "environment CARBONSTAT_JSONL_KEEP = '0'"));
	}
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		assert_non_null(f);
		cs_config_dump(&c, f);
		fclose(f);
		assert_non_null(strstr(buf, "[agent]\ninterval = 0.5s\n"));
		assert_non_null(strstr(buf, "; api_key = <set, hidden>"));
		assert_null(strstr(buf, "s3cret"));
		/* the dump is itself a valid config */
		{
			cs_config d;

			if (cs_config_parse(buf, len, "dump", &d, err, sizeof(err)) != 0)
				fail_msg("dump does not read back: %s\n%s", err, buf);
			assert_true(d.agent.interval_s == 0.5);
			cs_config_free(&d);
		}
		free(buf);
	}
	cs_config_free(&c);
	/* bad values in the file, named with their line */
	{
		static const char bad1[] = "[agent]\nworkloads = rack\n";
		static const char bad2[] = "[jsonl]\nmax_bytes = 12\n";
		static const char bad3[] = "[statsd]\nmtu = 70000\n";

		assert_int_equal(cs_config_parse(bad1, sizeof(bad1) - 1, "b.ini", &c, err, sizeof(err)), CS_EINVAL);
		assert_non_null(strstr(err, "b.ini:2: [agent] workloads = 'rack': expected container"));
		assert_int_equal(cs_config_parse(bad2, sizeof(bad2) - 1, "b.ini", &c, err, sizeof(err)), CS_EINVAL);
		assert_int_equal(cs_config_parse(bad3, sizeof(bad3) - 1, "b.ini", &c, err, sizeof(err)), CS_EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),        cmocka_unit_test(test_good_file),
	    cmocka_unit_test(test_agent_sections),
	    cmocka_unit_test(test_errors),          cmocka_unit_test(test_file_errors),
	    cmocka_unit_test(test_syntax_variants), cmocka_unit_test(test_validators),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
