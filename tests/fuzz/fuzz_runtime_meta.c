/* fuzz_runtime_meta.c - libFuzzer target for the container runtimes' state
 * file parsers (Docker config.v2.json, OCI config.json): any input is parsed
 * both ways; a name that comes out is non-empty, NUL-terminated inside its
 * field and free of control characters. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attribution/runtime_meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

static void check(int rc, const cs_rtmeta_names *nm)
{
	check_field(nm->container, sizeof nm->container);
	check_field(nm->pod, sizeof nm->pod);
	check_field(nm->namespace_, sizeof nm->namespace_);
	if (rc == 0 && !nm->container[0])
		abort();
	if (rc != 0 && nm->container[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cs_rtmeta_names nm;

	check(cs_rtmeta_parse_docker((const char *)data, size, &nm), &nm);
	check(cs_rtmeta_parse_oci((const char *)data, size, &nm), &nm);
	return 0;
}
