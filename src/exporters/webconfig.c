/* exporters/webconfig.c - see webconfig.h.
 *
 * libyaml's document loader builds the node tree (anchors and aliases
 * resolved, no recursion on our side: the format is two levels deep), then
 * one walk checks every key against a table. Errors are formatted into the
 * caller's buffer as they are found and the walk stops at the first.
 */
#include "exporters/webconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "carbonstat/error.h"

/* How to make a hash, in the messages. */
#define HASH_HINT "make one with: htpasswd -nbBC 10 \"\" PASSWORD | cut -d: -f2"
#define PATH_HINT "fix the path (relative paths start at the web-config file's directory)"

/* One parse: where messages go and what they call the file. */
typedef struct wc_parse {
	const char *name;    /* file name in messages */
	const char *basedir; /* anchor of relative paths; NULL = cwd */
	unsigned flags;
	yaml_document_t *doc;
	char *err;
	size_t errcap;
} wc_parse;

__attribute__((format(printf, 4, 5))) static int fail(wc_parse *p, int rc, const yaml_node_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || p->errcap == 0)
		return rc;
	if (at)
		n = snprintf(p->err, p->errcap, "web-config %s:%lu: ", p->name, (unsigned long)at->start_mark.line + 1);
	else
		n = snprintf(p->err, p->errcap, "web-config %s: ", p->name);
	if (n < 0 || (size_t)n >= p->errcap)
		return rc;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errcap - (size_t)n, fmt, ap);
	va_end(ap);
	/* keys and values from the file are quoted as they are: keep it one line */
	for (char *c = p->err; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return rc;
}

/* ---- files ------------------------------------------------------------------------ */

/* Reads a whole regular file (at most max bytes) into a NUL-terminated heap
 * buffer. 0, a negative errno, CS_ERANGE (too large) or CS_ENOMEM. */
static int read_whole(const char *path, size_t max, char **out, size_t *outlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), rc = 0;
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		goto out;
	}
	cap = S_ISREG(st.st_mode) && st.st_size >= 0 && (uint64_t)st.st_size <= max ? (size_t)st.st_size + 1 : 4096;
	buf = malloc(cap + 1);
	if (!buf) {
		rc = CS_ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *g;

			if (cap > max) {
				rc = CS_ERANGE;
				goto out;
			}
			cap *= 2;
			g = realloc(buf, cap + 1);
			if (!g) {
				rc = CS_ENOMEM;
				goto out;
			}
			buf = g;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		rc = CS_ERANGE;
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

/* basedir/rel, or rel when absolute or without a basedir, owned by mem.
 * NULL on ENOMEM. */
static char *resolve(cs_pool *mem, const char *basedir, const char *rel)
{
	size_t bl, rl = strlen(rel);
	char *s;

	if (rel[0] == '/' || !basedir || !basedir[0])
		return cs_pool_strndup(mem, rel, rl);
	bl = strlen(basedir);
	s = cs_pool_calloc(mem, bl + 1 + rl + 1, 1);
	if (!s)
		return NULL;
	memcpy(s, basedir, bl);
	s[bl] = '/';
	memcpy(s + bl + 1, rel, rl + 1);
	return s;
}

/* What kind of PEM a file must hold. */
typedef enum pem_kind { PEM_CERT, PEM_KEY } pem_kind;

/* Reads the file a key names into *pem, checking it looks like what MHD
 * (GnuTLS) will want, so a wrong file fails here with its line rather than
 * as "TLS setup failed" at start. */
static int load_pem(wc_parse *p, const yaml_node_t *at, const char *key, const char *path, pem_kind kind, char **pem)
{
	size_t len = 0;
	char *buf = NULL;
	int rc = read_whole(path, CS_WEBCONFIG_FILE_MAX, &buf, &len);

	if (rc == CS_ERANGE)
		return fail(p, rc, at, "%s %s is larger than %u bytes; give the PEM file itself", key, path,
		            CS_WEBCONFIG_FILE_MAX);
	if (rc)
		return fail(p, rc, at, "cannot read %s %s: %s; %s", key, path, cs_strerror(rc), PATH_HINT);
	if (memchr(buf, '\0', len) || !strstr(buf, "-----BEGIN ")) {
		rc = fail(p, CS_EINVAL, at, "%s %s is not a PEM file (no -----BEGIN line); give a PEM %s", key, path,
		          kind == PEM_KEY ? "private key" : "certificate");
	} else if (kind == PEM_CERT && !strstr(buf, "-----BEGIN CERTIFICATE-----")) {
		rc =
		    fail(p, CS_EINVAL, at,
		         "%s %s holds no certificate (-----BEGIN CERTIFICATE-----); give a PEM certificate", key, path);
	} else if (kind == PEM_KEY && !strstr(buf, "PRIVATE KEY-----")) {
		rc = fail(p, CS_EINVAL, at,
		          "%s %s holds no private key (-----BEGIN ... PRIVATE KEY-----); give the PEM key", key, path);
	} else if (kind == PEM_KEY && (strstr(buf, "ENCRYPTED PRIVATE KEY") || strstr(buf, "Proc-Type: 4,ENCRYPTED"))) {
		rc = fail(p, CS_EINVAL, at,
		          "%s %s is encrypted; give an unencrypted key (openssl pkey -in KEY -out NEW)", key, path);
	}
	if (rc) {
		explicit_bzero(buf, len);
		free(buf);
		return rc;
	}
	*pem = buf;
	return 0;
}

/* ---- YAML nodes ------------------------------------------------------------------- */

static yaml_node_t *node_at(wc_parse *p, int id)
{
	return yaml_document_get_node(p->doc, id);
}

static bool is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return n->data.scalar.length == 0 || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

/* A non-empty string scalar without NUL bytes, for key `what`. */
static int want_string(wc_parse *p, const yaml_node_t *n, const char *what, const char **out)
{
	if (n->type != YAML_SCALAR_NODE || is_null(n) || n->data.scalar.length == 0)
		return fail(p, CS_EINVAL, n, "%s must be a non-empty string; give a value", what);
	if (memchr(n->data.scalar.value, '\0', n->data.scalar.length))
		return fail(p, CS_EINVAL, n, "%s contains a NUL byte; remove it", what);
	*out = (const char *)n->data.scalar.value;
	return 0;
}

/* The key of a mapping pair as a string; NULL (error set) otherwise. */
static const char *key_string(wc_parse *p, const yaml_node_t *k, int *rc)
{
	if (k->type != YAML_SCALAR_NODE || memchr(k->data.scalar.value, '\0', k->data.scalar.length)) {
		*rc = fail(p, CS_EINVAL, k, "keys must be plain strings; check the indentation");
		return NULL;
	}
	return (const char *)k->data.scalar.value;
}

/* ---- sections --------------------------------------------------------------------- */

static const char *const tls_known = "cert_file, key_file, client_auth_type, client_ca_file";

/* node_exporter keys carbonstat does not implement: named as such, not as typos. */
static const char *const tls_unsupported[] = {"cert",
                                              "key",
                                              "client_ca",
                                              "min_version",
                                              "max_version",
                                              "cipher_suites",
                                              "curve_preferences",
                                              "prefer_server_cipher_suites",
                                              "client_allowed_sans"};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

static int parse_tls(wc_parse *p, const yaml_node_t *sec_key, const yaml_node_t *sec, cs_webconfig *w)
{
	const yaml_node_pair_t *pair;
	const yaml_node_t *at[4] = {NULL, NULL, NULL, NULL}; /* cert, key, ca, auth: where set */
	const char *val[4] = {NULL, NULL, NULL, NULL};
	static const char *const keys[4] = {"cert_file", "key_file", "client_ca_file", "client_auth_type"};
	int rc = 0, i;

	if (is_null(sec))
		return 0; /* "tls_server_config:" alone: no TLS, as node_exporter */
	if (sec->type != YAML_MAPPING_NODE)
		return fail(p, CS_EINVAL, sec, "tls_server_config must be a mapping (cert_file: ..., key_file: ...)");
	for (pair = sec->data.mapping.pairs.start; pair < sec->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = node_at(p, pair->key), *v = node_at(p, pair->value);
		const char *name = key_string(p, k, &rc);

		if (!name)
			return rc;
		for (i = 0; i < 4 && strcmp(name, keys[i]); i++)
			;
		if (i == 4) {
			if (in_list(name, tls_unsupported, sizeof(tls_unsupported) / sizeof(tls_unsupported[0])))
				return fail(p, CS_EINVAL, k,
				            "tls_server_config key '%s' is not supported by carbonstat; remove it "
				            "(supported: %s)",
				            name, tls_known);
			return fail(p, CS_EINVAL, k, "unknown key '%s' in tls_server_config; known keys: %s", name,
			            tls_known);
		}
		if (at[i])
			return fail(p, CS_EINVAL, k, "key '%s' given twice in tls_server_config; keep one", name);
		at[i] = k;
		rc = want_string(p, v, name, &val[i]);
		if (rc)
			return rc;
	}
	if (!val[0] && !val[1] && !val[2] && !val[3])
		return 0; /* an empty mapping: no TLS */
	if (!val[0] || !val[1])
		return fail(p, CS_EINVAL, sec_key, "tls_server_config needs both cert_file and key_file; add %s",
		            val[0] ? "key_file" : "cert_file");
	if (val[3]) {
		if (!strcmp(val[3], "RequireAndVerifyClientCert"))
			w->client_auth = CS_WEBCONFIG_REQUIRE_AND_VERIFY;
		else if (!strcmp(val[3], "NoClientCert"))
			w->client_auth = CS_WEBCONFIG_NO_CLIENT_CERT;
		else
			return fail(p, CS_EINVAL, at[3],
			            "client_auth_type '%s' is not supported; use NoClientCert or "
			            "RequireAndVerifyClientCert",
			            val[3]);
	}
	if (w->client_auth == CS_WEBCONFIG_REQUIRE_AND_VERIFY && !val[2])
		return fail(p, CS_EINVAL, at[3],
		            "client_auth_type RequireAndVerifyClientCert needs client_ca_file; add the CA that signs "
		            "the client certificates");
	if (val[2] && w->client_auth != CS_WEBCONFIG_REQUIRE_AND_VERIFY)
		return fail(p, CS_EINVAL, at[2],
		            "client_ca_file is set but client_auth_type is not RequireAndVerifyClientCert; set "
		            "client_auth_type: RequireAndVerifyClientCert or remove client_ca_file");
	w->tls = true;
	w->cert_file = resolve(&w->mem, p->basedir, val[0]);
	w->key_file = resolve(&w->mem, p->basedir, val[1]);
	w->ca_file = val[2] ? resolve(&w->mem, p->basedir, val[2]) : NULL;
	if (!w->cert_file || !w->key_file || (val[2] && !w->ca_file))
		return fail(p, CS_ENOMEM, sec_key, "out of memory");
	if (p->flags & CS_WEBCONFIG_NO_FILES)
		return 0;
	rc = load_pem(p, at[0], "cert_file", w->cert_file, PEM_CERT, &w->cert_pem);
	if (!rc)
		rc = load_pem(p, at[1], "key_file", w->key_file, PEM_KEY, &w->key_pem);
	if (!rc && w->ca_file)
		rc = load_pem(p, at[2], "client_ca_file", w->ca_file, PEM_CERT, &w->ca_pem);
	return rc;
}

bool cs_webconfig_valid_bcrypt(const char *s)
{
	static const char b64[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t i;

	if (!s || strlen(s) != 60 || s[0] != '$' || s[1] != '2' || (s[2] != 'a' && s[2] != 'b' && s[2] != 'y') ||
	    s[3] != '$' || s[6] != '$')
		return false;
	if (s[4] < '0' || s[4] > '3' || s[5] < '0' || s[5] > '9')
		return false;
	i = (size_t)(s[4] - '0') * 10 + (size_t)(s[5] - '0');
	if (i < 4 || i > 31)
		return false;
	for (i = 7; i < 60; i++)
		if (!s[i] || !strchr(b64, s[i]))
			return false;
	return true;
}

static int parse_users(wc_parse *p, const yaml_node_t *sec, cs_webconfig *w)
{
	const yaml_node_pair_t *pair;
	size_t n;
	int rc = 0;

	if (is_null(sec))
		return 0;
	if (sec->type != YAML_MAPPING_NODE)
		return fail(p, CS_EINVAL, sec, "basic_auth_users must map user names to bcrypt hashes (name: $2y$...)");
	n = (size_t)(sec->data.mapping.pairs.top - sec->data.mapping.pairs.start);
	if (n > CS_WEBCONFIG_USERS_MAX)
		return fail(p, CS_ERANGE, sec, "basic_auth_users has %zu users, more than %u; remove some", n,
		            CS_WEBCONFIG_USERS_MAX);
	if (n == 0)
		return 0;
	w->users = cs_pool_calloc(&w->mem, n, sizeof(*w->users));
	if (!w->users)
		return fail(p, CS_ENOMEM, sec, "out of memory");
	for (pair = sec->data.mapping.pairs.start; pair < sec->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = node_at(p, pair->key), *v = node_at(p, pair->value);
		const char *name = key_string(p, k, &rc), *hash;
		cs_webconfig_user *u;

		if (!name)
			return rc;
		if (k->data.scalar.length == 0 || k->data.scalar.length >= CS_WEBCONFIG_NAME_MAX || strchr(name, ':'))
			return fail(p, CS_EINVAL, k, "user name must be 1..%d bytes without ':'; rename it",
			            CS_WEBCONFIG_NAME_MAX - 1);
		if (cs_webconfig_user_find(w, name))
			return fail(p, CS_EINVAL, k, "user '%s' given twice in basic_auth_users; keep one", name);
		if (v->type != YAML_SCALAR_NODE || is_null(v))
			return fail(p, CS_EINVAL, v, "the password of user '%s' must be a bcrypt hash; %s", name,
			            HASH_HINT);
		hash = (const char *)v->data.scalar.value;
		if (v->data.scalar.length != strlen(hash) || !cs_webconfig_valid_bcrypt(hash))
			return fail(p, CS_EINVAL, v,
			            "the password of user '%s' is not a bcrypt hash ($2y$, $2b$ or $2a$, 60 chars; "
			            "plain passwords are not accepted); %s",
			            name, HASH_HINT);
		u = &w->users[w->nusers];
		u->name = cs_pool_strndup(&w->mem, name, strlen(name));
		u->hash = cs_pool_strndup(&w->mem, hash, strlen(hash));
		if (!u->name || !u->hash)
			return fail(p, CS_ENOMEM, k, "out of memory");
		w->nusers++;
	}
	return 0;
}

static int parse_root(wc_parse *p, const yaml_node_t *root, cs_webconfig *w)
{
	const yaml_node_pair_t *pair;
	const yaml_node_t *seen_tls = NULL, *seen_users = NULL;
	int rc = 0;

	if (is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return fail(p, CS_EINVAL, root,
		            "the file must be a mapping with tls_server_config and/or basic_auth_users; see "
		            "docs/metrics.md");
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = node_at(p, pair->key), *v = node_at(p, pair->value);
		const char *name = key_string(p, k, &rc);

		if (!name)
			return rc;
		if (!strcmp(name, "tls_server_config")) {
			if (seen_tls)
				return fail(p, CS_EINVAL, k, "key 'tls_server_config' given twice; keep one");
			seen_tls = k;
			rc = parse_tls(p, k, v, w);
		} else if (!strcmp(name, "basic_auth_users")) {
			if (seen_users)
				return fail(p, CS_EINVAL, k, "key 'basic_auth_users' given twice; keep one");
			seen_users = k;
			rc = parse_users(p, v, w);
		} else if (!strcmp(name, "http_server_config") || !strcmp(name, "rate_limit")) {
			return fail(p, CS_EINVAL, k,
			            "key '%s' is not supported by carbonstat; remove it (supported: tls_server_config, "
			            "basic_auth_users)",
			            name);
		} else {
			return fail(p, CS_EINVAL, k,
			            "unknown key '%s'; known keys: tls_server_config, basic_auth_users", name);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- entry points ----------------------------------------------------------------- */

int cs_webconfig_parse(const char *buf, size_t len, const char *name, const char *basedir, unsigned flags,
                       cs_webconfig *out, char *err, size_t errcap)
{
	wc_parse p = {name ? name : "<string>", basedir, flags, NULL, err, errcap};
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	cs_webconfig w;
	int rc;

	if (err && errcap)
		err[0] = '\0';
	memset(&w, 0, sizeof(w));
	if (len > CS_WEBCONFIG_FILE_MAX)
		return fail(&p, CS_ERANGE, NULL, "larger than %u bytes; is it the right file?", CS_WEBCONFIG_FILE_MAX);
	if (!yaml_parser_initialize(&parser))
		return fail(&p, CS_ENOMEM, NULL, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)(len ? buf : ""), len);
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_node_t at = {0};

		at.start_mark = parser.problem_mark;
		rc = fail(&p, parser.error == YAML_MEMORY_ERROR ? CS_ENOMEM : CS_EINVAL, &at,
		          "YAML error: %s%s%s; fix the syntax (indentation, quoting)",
		          parser.problem ? parser.problem : "malformed", parser.context ? " " : "",
		          parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return rc;
	}
	p.doc = &doc;
	if (yaml_document_get_root_node(&doc)) {
		/* a second document would be silently ignored: refuse it */
		if (!yaml_parser_load(&parser, &extra)) {
			yaml_node_t at = {0};

			at.start_mark = parser.problem_mark;
			rc = fail(&p, CS_EINVAL, &at, "YAML error: %s; fix the syntax (indentation, quoting)",
			          parser.problem ? parser.problem : "malformed");
			goto out;
		}
		if (yaml_document_get_root_node(&extra)) {
			rc = fail(&p, CS_EINVAL, yaml_document_get_root_node(&extra),
			          "a second YAML document; keep one (remove the '---' line)");
			yaml_document_delete(&extra);
			goto out;
		}
		yaml_document_delete(&extra);
		rc = parse_root(&p, yaml_document_get_root_node(&doc), &w);
	} else {
		rc = 0; /* empty file: plain HTTP, no auth */
	}
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (rc) {
		cs_webconfig_free(&w);
		return rc;
	}
	*out = w;
	return 0;
}

int cs_webconfig_load(const char *path, unsigned flags, cs_webconfig *out, char *err, size_t errcap)
{
	wc_parse p = {path, NULL, flags, NULL, err, errcap};
	char *buf = NULL, *dir;
	const char *slash = strrchr(path, '/');
	size_t len = 0;
	int rc = read_whole(path, CS_WEBCONFIG_FILE_MAX, &buf, &len);

	if (rc == CS_ERANGE)
		return fail(&p, rc, NULL, "larger than %u bytes; is it the right file?", CS_WEBCONFIG_FILE_MAX);
	if (rc)
		return fail(&p, rc, NULL, "cannot read: %s; fix [prometheus] web_config or --web-config",
		            cs_strerror(rc));
	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir) {
		free(buf);
		return fail(&p, CS_ENOMEM, NULL, "out of memory");
	}
	rc = cs_webconfig_parse(buf, len, path, dir, flags, out, err, errcap);
	free(dir);
	free(buf);
	return rc;
}

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void cs_webconfig_free(cs_webconfig *w)
{
	if (!w)
		return;
	free(w->cert_pem);
	free_secret(w->key_pem);
	free(w->ca_pem);
	cs_pool_free(&w->mem);
	memset(w, 0, sizeof(*w));
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

bool cs_webconfig_equal(const cs_webconfig *a, const cs_webconfig *b)
{
	if (a->tls != b->tls || a->client_auth != b->client_auth || a->nusers != b->nusers ||
	    !same_str(a->cert_pem, b->cert_pem) || !same_str(a->key_pem, b->key_pem) ||
	    !same_str(a->ca_pem, b->ca_pem) || !same_str(a->cert_file, b->cert_file) ||
	    !same_str(a->key_file, b->key_file) || !same_str(a->ca_file, b->ca_file))
		return false;
	for (size_t i = 0; i < a->nusers; i++)
		if (strcmp(a->users[i].name, b->users[i].name) || strcmp(a->users[i].hash, b->users[i].hash))
			return false;
	return true;
}

const cs_webconfig_user *cs_webconfig_user_find(const cs_webconfig *w, const char *name)
{
	for (size_t i = 0; i < w->nusers; i++)
		if (!strcmp(w->users[i].name, name))
			return &w->users[i];
	return NULL;
}
