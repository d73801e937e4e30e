/* Fuzz target: mountinfo parsing (io/mountinfo.c) on exactly the bytes a
 * read returns (not NUL-terminated). The first byte picks what is run: one
 * line, or the cgroup look-up over a whole text (v2, v1 cpuacct, v1 memory).
 * Outputs are written only on success; a found mount has absolute paths and
 * NUL-terminated fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/mountinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const cs_mount *m)
{
	if (!memchr(m->root, '\0', sizeof m->root) || !memchr(m->point, '\0', sizeof m->point) ||
	    !memchr(m->fstype, '\0', sizeof m->fstype) || !memchr(m->super_opts, '\0', sizeof m->super_opts))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ctrl[] = {NULL, "cpuacct", "memory"};
	const char *buf;
	size_t len;
	cs_mount m;
	int rc;

	if (size < 1)
		return 0;
	buf = (const char *)data + 1;
	len = size - 1;
	memset(&m, 0x5a, sizeof m);
	if (data[0] % 4 == 3) {
		rc = cs_mountinfo_parse_line(buf, len, &m);
	} else {
		rc = cs_mountinfo_find_cgroup(buf, len, ctrl[data[0] % 4], &m);
		if (rc == 0 && strcmp(m.fstype, data[0] % 4 ? "cgroup" : "cgroup2") != 0)
			abort();
	}
	if (rc == 0)
		check(&m);
	else if (m.root[0] != 0x5a)
		abort(); /* written on failure */
	return 0;
}
