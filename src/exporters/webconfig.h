/* exporters/webconfig.h - the web-config file of the Prometheus endpoint.
 *
 * Same YAML format as node_exporter's --web.config.file (Prometheus
 * exporter-toolkit), so one file and one habit serve both:
 *
 *   tls_server_config:
 *     cert_file: server.crt             # PEM, may hold the chain
 *     key_file: server.key              # PEM, unencrypted
 *     client_auth_type: RequireAndVerifyClientCert   # or NoClientCert (default)
 *     client_ca_file: clients-ca.crt    # required with RequireAndVerifyClientCert
 *   basic_auth_users:
 *     prometheus: $2y$10$...            # bcrypt hash ($2a$, $2b$ or $2y$)
 *
 * Read with libyaml's document loader, then checked strictly: an unknown
 * key (including node_exporter keys carbonstat does not implement, such as
 * min_version or http_server_config), a key given twice, a wrong type, a
 * hash that is not bcrypt, a missing cert/key pair or an unreadable file is
 * an error of one line, "web-config FILE:LINE: problem; fix", and nothing of
 * the file is used. An empty file (or only comments) means plain HTTP
 * without authentication, as for node_exporter.
 *
 * Relative cert_file/key_file/client_ca_file paths are relative to the
 * directory of the web-config file (as node_exporter resolves them). The
 * files are read into memory at load: the HTTP server hands them to
 * libmicrohttpd (MHD_OPTION_HTTPS_MEM_*), and a reload re-reads them, so a
 * rotated certificate is picked up on SIGHUP. Key material is wiped when the
 * config is freed.
 *
 * Pure apart from reading the files; no global state; not thread-safe for
 * one instance (each server owns its own, read-only once loaded).
 */
#ifndef CS_EXPORTERS_WEBCONFIG_H
#define CS_EXPORTERS_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/mem.h"

#define CS_WEBCONFIG_FILE_MAX  (1u << 20) /* web-config, cert, key or CA file larger than this is refused */
#define CS_WEBCONFIG_USERS_MAX 1024       /* basic_auth_users entries */
#define CS_WEBCONFIG_NAME_MAX  256        /* a user name, in bytes */

/* Flags of cs_webconfig_parse / cs_webconfig_load. */
#define CS_WEBCONFIG_NO_FILES                                                                                          \
	0x1u /* check the structure only, never open the cert/key/CA                                                   \
	      * files (the fuzzer; --check-config could too) */

typedef enum cs_webconfig_client_auth {
	CS_WEBCONFIG_NO_CLIENT_CERT = 0, /* "NoClientCert" (default) */
	CS_WEBCONFIG_REQUIRE_AND_VERIFY, /* "RequireAndVerifyClientCert" */
} cs_webconfig_client_auth;

typedef struct cs_webconfig_user {
	char *name; /* in the cs_webconfig's mem */
	char *hash; /* in its mem; a bcrypt hash, 60 chars */
} cs_webconfig_user;

typedef struct cs_webconfig {
	cs_pool mem;                          /* the paths, the users and their strings */
	bool tls;                             /* tls_server_config with cert and key */
	char *cert_file, *key_file, *ca_file; /* resolved paths (in mem; NULL when unset) */
	char *cert_pem, *key_pem, *ca_pem;    /* their contents, NUL-terminated (owned, each as read;
	                                       * key_pem is wiped before it is freed; NULL when
	                                       * unset or with CS_WEBCONFIG_NO_FILES) */
	cs_webconfig_client_auth client_auth;
	cs_webconfig_user *users; /* in mem; in file order, names unique */
	size_t nusers;
} cs_webconfig;

/* Parses buf (len bytes, need not be NUL-terminated). name is what messages
 * call the file ("<string>" if NULL); basedir anchors relative paths (NULL:
 * the current directory). On success *out is overwritten (free it with
 * cs_webconfig_free); on error returns CS_EINVAL (bad content), CS_ERANGE
 * (too large), CS_ENOMEM or a negative errno (an unreadable cert/key/CA
 * file), writes one line to err, and leaves *out untouched. */
int cs_webconfig_parse(const char *buf, size_t len, const char *name, const char *basedir, unsigned flags,
                       cs_webconfig *out, char *err, size_t errcap);

/* Reads the file at path and parses it, with basedir = its directory. */
int cs_webconfig_load(const char *path, unsigned flags, cs_webconfig *out, char *err, size_t errcap);

/* Frees everything (wiping the key) and zeroes w. NULL is a no-op. */
void cs_webconfig_free(cs_webconfig *w);

/* Same TLS material and users (a reload that changes nothing keeps the
 * running server). */
bool cs_webconfig_equal(const cs_webconfig *a, const cs_webconfig *b);

/* The user called name, or NULL. */
const cs_webconfig_user *cs_webconfig_user_find(const cs_webconfig *w, const char *name);

/* Is s a bcrypt hash crypt() checks ($2a$/$2b$/$2y$, cost 04..31, 53 chars
 * of bcrypt's base64)? */
bool cs_webconfig_valid_bcrypt(const char *s);

#endif
