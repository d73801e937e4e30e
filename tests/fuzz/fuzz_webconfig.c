/* fuzz_webconfig.c - libFuzzer target for exporters/webconfig (libyaml underneath).
 *
 * Structure only (CS_WEBCONFIG_NO_FILES): the fuzzer never opens the files
 * the input names. A success must give a consistent config (TLS has both
 * paths, client verification has its CA, every user a unique non-empty name
 * and a bcrypt-shaped hash, no file contents loaded); a failure must give
 * exactly one line that starts with "web-config <name>:".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exporters/webconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cs_webconfig w;
	char err[512];
	size_t i, j;

	if (cs_webconfig_parse((const char *)data, size, "f.yml", "/etc/carbonstat", CS_WEBCONFIG_NO_FILES, &w, err,
	                       sizeof(err)) != 0) {
		if (strncmp(err, "web-config f.yml:", 17) != 0 || strchr(err, '\n'))
			abort();
		return 0;
	}
	if (w.tls && (!w.cert_file || !w.key_file || w.cert_file[0] != '/' || w.key_file[0] != '/'))
		abort();
	if (!w.tls && (w.cert_file || w.key_file || w.ca_file || w.client_auth != CS_WEBCONFIG_NO_CLIENT_CERT))
		abort();
	if ((w.client_auth == CS_WEBCONFIG_REQUIRE_AND_VERIFY) != (w.ca_file != NULL))
		abort();
	if (w.cert_pem || w.key_pem || w.ca_pem || w.nusers > CS_WEBCONFIG_USERS_MAX)
		abort();
	for (i = 0; i < w.nusers; i++) {
		if (!w.users[i].name[0] || strlen(w.users[i].name) >= CS_WEBCONFIG_NAME_MAX ||
		    strchr(w.users[i].name, ':') || !cs_webconfig_valid_bcrypt(w.users[i].hash))
			abort();
		if (cs_webconfig_user_find(&w, w.users[i].name) != &w.users[i])
			abort();
		for (j = 0; j < i; j++)
			if (!strcmp(w.users[i].name, w.users[j].name))
				abort();
	}
	if (!cs_webconfig_equal(&w, &w))
		abort();
	cs_webconfig_free(&w);
	return 0;
}
