/* Fuzz target: cgroup counter files (attribution/cgroup_stat.c): v2 cpu.stat,
 * v1 cpuacct.usage and memory.stat key lookup, on exactly the bytes one pread
 * would return (not NUL-terminated). The first byte picks the parser so one
 * corpus covers all three; outputs are written only on success. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attribution/cgroup_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf;
	size_t len;
	uint64_t v = 77;
	cs_cgstat_cpu c = {1, 2, 3};

	if (size < 1)
		return 0;
	buf = (const char *)data + 1;
	len = size - 1;
	switch (data[0] % 4) {
	case 0:
		if (cs_cgstat_parse_cpu(buf, len, &c) != 0 && (c.usage_usec != 1 || c.user_usec != 2))
			abort();
		break;
	case 1:
		if (cs_cgstat_parse_cpuacct(buf, len, &v) != 0 && v != 77)
			abort();
		break;
	case 2:
		if (cs_cgstat_parse_memstat(buf, len, "inactive_file", &v) != 0 && v != 77)
			abort();
		break;
	default:
		if (cs_cgstat_parse_memstat(buf, len, "total_inactive_file", &v) != 0 && v != 77)
			abort();
		break;
	}
	return 0;
}
