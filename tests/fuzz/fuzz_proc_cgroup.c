/* Fuzz target: /proc/<pid>/cgroup parsing (io/proc_cgroup.c) on exactly the
 * bytes a read returns (not NUL-terminated). The first byte picks the
 * hierarchy asked for (v2, v1 cpuacct, a named one, "CPU": cpuacct else v2)
 * and, in its high bits, a small output size to hit CS_ERANGE. A found path
 * is absolute and fits; nothing is written on failure. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/proc_cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ctrl[] = {NULL, "cpuacct", "name=systemd"};
	char path[300];
	size_t cap;
	int rc;

	if (size < 1)
		return 0;
	cap = data[0] & 0x80 ? 8 : sizeof path;
	memset(path, 0x5a, sizeof path);
	if (data[0] % 4 == 3)
		rc = cs_proc_cgroup_cpu((const char *)data + 1, size - 1, path, cap);
	else
		rc = cs_proc_cgroup_find((const char *)data + 1, size - 1, ctrl[data[0] % 4], path, cap);
	if (rc == 0 && (path[0] != '/' || !memchr(path, '\0', cap)))
		abort();
	if (rc != 0 && (unsigned char)path[0] != 0x5a)
		abort();
	return 0;
}
