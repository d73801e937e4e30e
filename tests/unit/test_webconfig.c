/* test_webconfig.c - the node_exporter-style web-config reader.
 *
 * The committed files of tests/fixtures/webconfig (TLS, basic auth, both,
 * client certificates, empty), relative and absolute paths, the committed
 * bcrypt hashes against libcrypt, and every error path with the line it
 * names: unknown and unsupported keys, duplicates, wrong types, bad
 * client-auth combinations, non-bcrypt passwords, YAML syntax, unreadable or
 * wrong PEM files. On error the output must be left untouched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "exporters/webconfig.h"
#include "fixture.h"

#ifndef CS_FIXTURES_DIR
#error "CS_FIXTURES_DIR must be defined (tests/CMakeLists.txt does)"
#endif
#define WC_DIR CS_FIXTURES_DIR "/webconfig"

#define HASH_PROM  "$2b$04$H3ItWu0ydw00gcr3V9ocSOMY9VQ4u41aC4o0nLrFwKlwqGe.wZWwO" /* s3cret */
#define HASH_ALICE "$2y$04$6g/LTZuyUJ6RONr9dRz5QOLiP7Iu8hMNku2Z7vN6jpVPNalXw6iIu" /* wonderland */

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected \"%s\" in \"%s\"", needle, hay);
}

static int parse(const char *text, unsigned flags, cs_webconfig *w, char *err, size_t cap)
{
	return cs_webconfig_parse(text, strlen(text), "t.yml", "/etc/carbonstat", flags, w, err, cap);
}

/* ---- valid files ------------------------------------------------------------------- */

static void test_tls_file(void **state)
{
	cs_webconfig w;
	char err[512] = "";

	(void)state;
	assert_int_equal(cs_webconfig_load(WC_DIR "/tls.yml", 0, &w, err, sizeof(err)), 0);
	assert_true(w.tls);
	assert_string_equal(w.cert_file, WC_DIR "/server.crt"); /* relative to the file's directory */
	assert_string_equal(w.key_file, WC_DIR "/server.key");
	assert_null(w.ca_file);
	assert_non_null(w.cert_pem);
	assert_true(strncmp(w.cert_pem, "-----BEGIN CERTIFICATE-----", 27) == 0);
	assert_non_null(strstr(w.key_pem, "PRIVATE KEY-----"));
	assert_null(w.ca_pem);
	assert_int_equal(w.client_auth, CS_WEBCONFIG_NO_CLIENT_CERT);
	assert_int_equal(w.nusers, 0);
	cs_webconfig_free(&w);
	assert_null(w.key_pem);
	cs_webconfig_free(&w); /* twice is fine */
	cs_webconfig_free(NULL);
}

static void test_auth_file(void **state)
{
	cs_webconfig w;
	char err[512] = "";
	struct crypt_data cd;

	(void)state;
	assert_int_equal(cs_webconfig_load(WC_DIR "/auth.yml", 0, &w, err, sizeof(err)), 0);
	assert_false(w.tls);
	assert_int_equal(w.nusers, 2);
	assert_string_equal(w.users[0].name, "prometheus");
	assert_string_equal(w.users[0].hash, HASH_PROM);
	assert_string_equal(w.users[1].name, "alice");
	assert_string_equal(w.users[1].hash, HASH_ALICE); /* quoted in the file */
	assert_ptr_equal(cs_webconfig_user_find(&w, "alice"), &w.users[1]);
	assert_null(cs_webconfig_user_find(&w, "bob"));
	assert_null(cs_webconfig_user_find(&w, "Alice"));
	/* the committed hashes are what the fixtures' comments say */
	memset(&cd, 0, sizeof(cd));
	assert_string_equal(crypt_rn("s3cret", HASH_PROM, &cd, sizeof(cd)), HASH_PROM);
	assert_string_equal(crypt_rn("wonderland", HASH_ALICE, &cd, sizeof(cd)), HASH_ALICE);
	assert_string_not_equal(crypt_rn("wonderlan", HASH_ALICE, &cd, sizeof(cd)), HASH_ALICE);
	cs_webconfig_free(&w);
}

static void test_mtls_and_empty(void **state)
{
	cs_webconfig w, again;
	char err[512] = "";

	(void)state;
	assert_int_equal(cs_webconfig_load(WC_DIR "/mtls.yml", 0, &w, err, sizeof(err)), 0);
	assert_true(w.tls);
	assert_int_equal(w.client_auth, CS_WEBCONFIG_REQUIRE_AND_VERIFY);
	assert_string_equal(w.ca_file, WC_DIR "/client-ca.crt");
	assert_non_null(strstr(w.ca_pem, "-----BEGIN CERTIFICATE-----"));
	/* equal to itself read again, not to another */
	assert_int_equal(cs_webconfig_load(WC_DIR "/mtls.yml", 0, &again, err, sizeof(err)), 0);
	assert_true(cs_webconfig_equal(&w, &again));
	cs_webconfig_free(&again);
	assert_int_equal(cs_webconfig_load(WC_DIR "/tls.yml", 0, &again, err, sizeof(err)), 0);
	assert_false(cs_webconfig_equal(&w, &again));
	cs_webconfig_free(&again);
	cs_webconfig_free(&w);

	assert_int_equal(cs_webconfig_load(WC_DIR "/empty.yml", 0, &w, err, sizeof(err)), 0);
	assert_false(w.tls);
	assert_int_equal(w.nusers, 0);
	cs_webconfig_free(&w);
	/* empty forms: nothing, a bare document, null sections, empty mappings */
	{
		static const char *const empties[] = {"",
		                                      "---\n",
		                                      "# only a comment\n",
		                                      "tls_server_config:\nbasic_auth_users:\n",
		                                      "tls_server_config: {}\nbasic_auth_users: {}\n",
		                                      "tls_server_config: ~\nbasic_auth_users: null\n"};

		for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
			assert_int_equal(parse(empties[i], 0, &w, err, sizeof(err)), 0);
			assert_false(w.tls);
			assert_int_equal(w.nusers, 0);
			cs_webconfig_free(&w);
		}
	}
}

static void test_paths(void **state)
{
	cs_webconfig w;
	char err[512] = "", cwd[1024];

	(void)state;
	/* structure only: paths resolved, files not opened */
	assert_int_equal(parse("tls_server_config:\n  cert_file: a.crt\n  key_file: /abs/b.key\n"
	                       "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: sub/ca.crt\n",
	                       CS_WEBCONFIG_NO_FILES, &w, err, sizeof(err)),
	                 0);
	assert_string_equal(w.cert_file, "/etc/carbonstat/a.crt");
	assert_string_equal(w.key_file, "/abs/b.key");
	assert_string_equal(w.ca_file, "/etc/carbonstat/sub/ca.crt");
	assert_null(w.cert_pem);
	assert_null(w.key_pem);
	cs_webconfig_free(&w);
	/* no basedir: relative to the current directory */
	assert_int_equal(cs_webconfig_parse("tls_server_config: {cert_file: a.crt, key_file: b.key}", 54, NULL, NULL,
	                                    CS_WEBCONFIG_NO_FILES, &w, err, sizeof(err)),
	                 0);
	assert_string_equal(w.cert_file, "a.crt");
	cs_webconfig_free(&w);
	/* a missing file is fine in structure-only mode */
	assert_int_equal(cs_webconfig_load(WC_DIR "/missing_cert.yml", CS_WEBCONFIG_NO_FILES, &w, err, sizeof(err)), 0);
	cs_webconfig_free(&w);
	/* loading through a relative path: the files next to it are found */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(CS_FIXTURES_DIR), 0);
	assert_int_equal(cs_webconfig_load("webconfig/tls_auth.yml", 0, &w, err, sizeof(err)), 0);
	assert_string_equal(w.cert_file, "webconfig/server.crt");
	assert_string_equal(w.key_file, "webconfig/./server.key");
	assert_non_null(w.key_pem);
	assert_int_equal(w.nusers, 1);
	cs_webconfig_free(&w);
	assert_int_equal(chdir("webconfig"), 0);
	assert_int_equal(cs_webconfig_load("tls.yml", 0, &w, err, sizeof(err)), 0);
	assert_string_equal(w.cert_file, "./server.crt");
	cs_webconfig_free(&w);
	assert_int_equal(chdir(cwd), 0);
}

static void test_bcrypt_shape(void **state)
{
	(void)state;
	assert_true(cs_webconfig_valid_bcrypt(HASH_PROM));
	assert_true(cs_webconfig_valid_bcrypt(HASH_ALICE));
	assert_true(cs_webconfig_valid_bcrypt("$2a$10$H3ItWu0ydw00gcr3V9ocSOMY9VQ4u41aC4o0nLrFwKlwqGe.wZWwO"));
	assert_false(cs_webconfig_valid_bcrypt("$2x$04$H3ItWu0ydw00gcr3V9ocSOMY9VQ4u41aC4o0nLrFwKlwqGe.wZWwO"));
	assert_false(cs_webconfig_valid_bcrypt("$2b$03$H3ItWu0ydw00gcr3V9ocSOMY9VQ4u41aC4o0nLrFwKlwqGe.wZWwO"));
	assert_false(cs_webconfig_valid_bcrypt("$2b$32$H3ItWu0ydw00gcr3V9ocSOMY9VQ4u41aC4o0nLrFwKlwqGe.wZWwO"));
	assert_false(cs_webconfig_valid_bcrypt("$2b$04$H3ItWu0ydw00gcr3V9ocSOMY9VQ4u41aC4o0nLrFwKlwqGe.wZWw"));
	assert_false(cs_webconfig_valid_bcrypt("$2b$04$H3ItWu0ydw00gcr3V9ocSOMY9VQ4u41aC4o0nLrFwKlwqGe.wZWw!"));
	assert_false(cs_webconfig_valid_bcrypt("$6$saltsalt$hash"));
	assert_false(cs_webconfig_valid_bcrypt("s3cret"));
	assert_false(cs_webconfig_valid_bcrypt(""));
	assert_false(cs_webconfig_valid_bcrypt(NULL));
}

/* ---- errors ------------------------------------------------------------------------ */

typedef struct bad_case {
	const char *text;
	const char *want; /* the whole message after "web-config t.yml:" */
} bad_case;

static void test_errors(void **state)
{
	static const bad_case cases[] = {
	    {"foo: 1\n", "1: unknown key 'foo'; known keys: tls_server_config, basic_auth_users"},
	    {"basic_auth_users: {}\nhttp_server_config:\n  http2: false\n",
	     "2: key 'http_server_config' is not supported by carbonstat; remove it (supported: "
	     "tls_server_config, basic_auth_users)"},
	    {"- a\n- b\n", "1: the file must be a mapping with tls_server_config and/or basic_auth_users; see "
	                   "docs/metrics.md"},
	    {"just text\n", "1: the file must be a mapping with tls_server_config and/or basic_auth_users; see "
	                    "docs/metrics.md"},
	    {"basic_auth_users: {}\nbasic_auth_users: {}\n", "2: key 'basic_auth_users' given twice; keep one"},
	    {"tls_server_config: {}\ntls_server_config: {}\n", "2: key 'tls_server_config' given twice; keep one"},
	    {"tls_server_config: yes\n", "1: tls_server_config must be a mapping (cert_file: ..., key_file: ...)"},
	    {"tls_server_config:\n  cert_file: a\n  key_file: b\n  cert_file: c\n",
	     "4: key 'cert_file' given twice in tls_server_config; keep one"},
	    {"tls_server_config:\n  cert_file: [a]\n  key_file: b\n",
	     "2: cert_file must be a non-empty string; give a value"},
	    {"tls_server_config:\n  cert_file: a\n  key_file:\n",
	     "3: key_file must be a non-empty string; give a value"},
	    {"tls_server_config:\n  cert_file: ''\n  key_file: b\n",
	     "2: cert_file must be a non-empty string; give a value"},
	    {"tls_server_config:\n  cert_file: \"a\\0b\"\n  key_file: b\n",
	     "2: cert_file contains a NUL byte; remove it"},
	    {"tls_server_config:\n  cert_file: a\n",
	     "1: tls_server_config needs both cert_file and key_file; add key_file"},
	    {"\ntls_server_config:\n  key_file: a\n",
	     "2: tls_server_config needs both cert_file and key_file; add cert_file"},
	    {"tls_server_config:\n  cert_file: a\n  key_file: b\n  certfile: c\n",
	     "4: unknown key 'certfile' in tls_server_config; known keys: cert_file, key_file, client_auth_type, "
	     "client_ca_file"},
	    {"tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n",
	     "4: tls_server_config key 'min_version' is not supported by carbonstat; remove it (supported: "
	     "cert_file, key_file, client_auth_type, client_ca_file)"},
	    {"tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAnyClientCert\n",
	     "4: client_auth_type 'RequireAnyClientCert' is not supported; use NoClientCert or "
	     "RequireAndVerifyClientCert"},
	    {"tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n",
	     "4: client_auth_type RequireAndVerifyClientCert needs client_ca_file; add the CA that signs the "
	     "client certificates"},
	    {"tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: ca.crt\n",
	     "4: client_ca_file is set but client_auth_type is not RequireAndVerifyClientCert; set "
	     "client_auth_type: RequireAndVerifyClientCert or remove client_ca_file"},
	    {"basic_auth_users:\n  - bob\n",
	     "2: basic_auth_users must map user names to bcrypt hashes (name: $2y$...)"},
	    {"basic_auth_users:\n  bob: secret\n",
	     "2: the password of user 'bob' is not a bcrypt hash ($2y$, $2b$ or $2a$, 60 chars; plain passwords "
	     "are not accepted); make one with: htpasswd -nbBC 10 \"\" PASSWORD | cut -d: -f2"},
	    {"basic_auth_users:\n  bob:\n",
	     "2: the password of user 'bob' must be a bcrypt hash; make one with: htpasswd -nbBC 10 \"\" PASSWORD "
	     "| cut -d: -f2"},
	    {"basic_auth_users:\n  bob: " HASH_PROM "\n  alice: " HASH_ALICE "\n  bob: " HASH_ALICE "\n",
	     "4: user 'bob' given twice in basic_auth_users; keep one"},
	    {"basic_auth_users:\n  \"a:b\": " HASH_PROM "\n",
	     "2: user name must be 1..255 bytes without ':'; rename it"},
	    {"basic_auth_users:\n  \"\": " HASH_PROM "\n", "2: user name must be 1..255 bytes without ':'; rename it"},
	    {"? [a]\n: b\n", "1: keys must be plain strings; check the indentation"},
	    {"tls_server_config:\n  cert_file: a\n key_file: b\n",
	     "3: YAML error: did not find expected key while parsing a block mapping; fix the syntax (indentation, "
	     "quoting)"},
	    {"tls_server_config:\n\tcert_file: a\n",
	     "2: YAML error: found character that cannot start any token while scanning for the next token; fix "
	     "the syntax (indentation, quoting)"},
	    {"basic_auth_users: {}\n---\nfoo: 1\n", "3: a second YAML document; keep one (remove the '---' line)"},
	    {"a: &x 1\nb: *y\n", "2: YAML error: found undefined alias; fix the syntax (indentation, quoting)"},
	};
	char err[512], want[640];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cs_webconfig w;
		int rc;

		memset(&w, 0x5a, sizeof(w)); /* must be left as it is */
		err[0] = '\0';
		rc = cs_webconfig_parse(cases[i].text, strlen(cases[i].text), "t.yml", "/etc/carbonstat", 0, &w, err,
		                        sizeof(err));
		if (rc == 0)
			fail_msg("case %zu accepted: %s", i, cases[i].text);
		assert_int_equal(rc, CS_EINVAL);
		tf_snprintf(want, sizeof(want), "web-config t.yml:%s", cases[i].want);
		if (strcmp(err, want) != 0)
			fail_msg("case %zu:\n got  %s\n want %s", i, err, want);
		for (size_t b = 0; b < sizeof(w); b++)
			assert_int_equal(((unsigned char *)&w)[b], 0x5a);
	}
}

static void test_limits(void **state)
{
	cs_webconfig w;
	char err[512];
	size_t big = CS_WEBCONFIG_FILE_MAX + 1, n = 0;
	char *buf = malloc(big + 1);

	(void)state;
	assert_non_null(buf);
	memset(buf, '#', big);
	assert_int_equal(cs_webconfig_parse(buf, big, NULL, NULL, 0, &w, err, sizeof(err)), CS_ERANGE);
	assert_string_equal(err, "web-config <string>: larger than 1048576 bytes; is it the right file?");
	/* too many users */
	n = (size_t)snprintf(buf, big, "basic_auth_users:\n");
	for (unsigned i = 0; i <= CS_WEBCONFIG_USERS_MAX; i++)
		n += (size_t)snprintf(buf + n, big - n, "  u%u: " HASH_PROM "\n", i);
	assert_int_equal(cs_webconfig_parse(buf, n, "many.yml", NULL, 0, &w, err, sizeof(err)), CS_ERANGE);
	assert_string_equal(err, "web-config many.yml:2: basic_auth_users has 1025 users, more than 1024; remove some");
	/* a small error buffer truncates, never overflows; NULL is fine too */
	{
		char tiny[16];

		assert_int_equal(parse("foo: 1\n", 0, &w, tiny, sizeof(tiny)), CS_EINVAL);
		assert_string_equal(tiny, "web-config t.ym");
		assert_int_equal(parse("foo: 1\n", 0, &w, NULL, 0), CS_EINVAL);
	}
	free(buf);
}

static void test_file_errors(void **state)
{
	cs_webconfig w;
	char err[640], dir[256], path[512];

	(void)state;
	assert_int_equal(cs_webconfig_load(WC_DIR "/missing_cert.yml", 0, &w, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "web-config " WC_DIR "/missing_cert.yml:2: cannot read cert_file " WC_DIR
	                         "/no-such.crt: No such file or directory; fix the path (relative paths start at the "
	                         "web-config file's directory)");
	assert_int_equal(cs_webconfig_load(WC_DIR "/wrong_key.yml", 0, &w, err, sizeof(err)), CS_EINVAL);
	assert_string_equal(err,
	                    "web-config " WC_DIR "/wrong_key.yml:4: key_file " WC_DIR
	                    "/client.crt holds no private key (-----BEGIN ... PRIVATE KEY-----); give the PEM key");
	assert_int_equal(cs_webconfig_load(WC_DIR "/nope.yml", 0, &w, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "web-config " WC_DIR "/nope.yml: cannot read: No such file or directory; fix "
	                         "[prometheus] web_config or --web-config");
	assert_int_equal(cs_webconfig_load(WC_DIR, 0, &w, err, sizeof(err)), -EISDIR);

	/* a copy of the fixtures with bad PEM files beside them */
	assert_int_equal(tf_mkdtemp(dir, sizeof(dir), "webconfig"), 0);
	assert_int_equal(tf_copy_tree(WC_DIR, dir), 0);
	tf_write_file(dir, "text.crt", "hello\n");
	tf_write_file(dir, "enc.key",
	              "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n");
	tf_write_file(dir, "key_as_cert.crt", "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n");
	tf_write_file(dir, "t1.yml", "tls_server_config:\n  cert_file: text.crt\n  key_file: server.key\n");
	tf_write_file(dir, "t2.yml", "tls_server_config:\n  cert_file: server.crt\n  key_file: enc.key\n");
	tf_write_file(dir, "t3.yml", "tls_server_config:\n  cert_file: key_as_cert.crt\n  key_file: server.key\n");
	tf_write_file(dir, "t4.yml",
	              "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
	              "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: missing-ca.crt\n");
	tf_write_file(dir, "t5.yml", "tls_server_config:\n  cert_file: .\n  key_file: server.key\n");

	tf_snprintf(path, sizeof(path), "%s/t1.yml", dir);
	assert_int_equal(cs_webconfig_load(path, 0, &w, err, sizeof(err)), CS_EINVAL);
	assert_contains(err, "t1.yml:2: cert_file ");
	assert_contains(err, "/text.crt is not a PEM file (no -----BEGIN line); give a PEM certificate");
	tf_snprintf(path, sizeof(path), "%s/t2.yml", dir);
	assert_int_equal(cs_webconfig_load(path, 0, &w, err, sizeof(err)), CS_EINVAL);
	assert_contains(err, "t2.yml:3: key_file ");
	assert_contains(err, "/enc.key is encrypted; give an unencrypted key (openssl pkey -in KEY -out NEW)");
	tf_snprintf(path, sizeof(path), "%s/t3.yml", dir);
	assert_int_equal(cs_webconfig_load(path, 0, &w, err, sizeof(err)), CS_EINVAL);
	assert_contains(err, "t3.yml:2: cert_file ");
	assert_contains(err, "holds no certificate (-----BEGIN CERTIFICATE-----); give a PEM certificate");
	tf_snprintf(path, sizeof(path), "%s/t4.yml", dir);
	assert_int_equal(cs_webconfig_load(path, 0, &w, err, sizeof(err)), -ENOENT);
	assert_contains(err, "t4.yml:5: cannot read client_ca_file ");
	tf_snprintf(path, sizeof(path), "%s/t5.yml", dir);
	assert_int_equal(cs_webconfig_load(path, 0, &w, err, sizeof(err)), -EISDIR);
	assert_contains(err, "t5.yml:2: cannot read cert_file ");
	assert_contains(err, "Is a directory");
	tf_rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tls_file), cmocka_unit_test(test_auth_file),    cmocka_unit_test(test_mtls_and_empty),
	    cmocka_unit_test(test_paths),    cmocka_unit_test(test_bcrypt_shape), cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_limits),   cmocka_unit_test(test_file_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
