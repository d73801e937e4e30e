/* fuzz_procfs.c - libFuzzer target for the procfs parsers and the CPU-name
 * normaliser / TDP lookup.
 *
 * The raw bytes are parsed in place (no copy, no terminator) as a pread
 * buffer would be, by cs_procstat_parse, cs_procstat_parse_cpus,
 * cs_meminfo_parse and cs_cpuinfo_model; the model name found (and the input
 * itself, up to its first NUL) then goes through cs_cpu_name_normalise and
 * cs_cpu_tdp_find against the built-in table. Invariants, checked with
 * abort() so they hold in release builds too:
 *   - return codes are only the documented ones; outputs untouched on failure;
 *   - utilisation between two parsed lines is in [0, 1];
 *   - memory used fraction in [0, 1], MemTotal > 0;
 *   - the CPU model is NUL-terminated inside its array with no control byte,
 *     and there is at least one package;
 *   - the normalised name fits, has no '@', no control byte, no doubled,
 *     leading or trailing blank, and its length is the return value;
 *   - a TDP row found has a key that occurs in the name's key.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "io/procstat.h"
#include "sensors/model_sensor.h"
#include "data/tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                                       \
	do {                                                                                                           \
		if (!(x))                                                                                              \
			abort();                                                                                       \
	} while (0)

static void check_name(const char *name)
{
	char out[128], key[256];
	const cs_cpu_tdp *row;
	cs_cpu_tdp_list builtin = cs_cpu_tdp_builtin();
	size_t kn = 0;
	int rc = cs_cpu_name_normalise(name, out, sizeof out);

	CHECK(rc == CS_ERANGE || rc >= 0);
	if (rc < 0)
		return;
	CHECK((size_t)rc == strlen(out));
	CHECK(!strchr(out, '@'));
	CHECK(rc == 0 || (out[0] != ' ' && out[rc - 1] != ' '));
	CHECK(!strstr(out, "  "));
	for (int i = 0; i < rc; i++)
		CHECK((unsigned char)out[i] > ' ' || out[i] == ' ');
	row = cs_cpu_tdp_find(&builtin, out);
	if (!row)
		return;
	for (const char *p = out; *p && kn + 1 < sizeof key; p++) {
		char c = *p;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			key[kn++] = c;
	}
	key[kn] = '\0';
	CHECK(cs_cpu_tdp_key(&builtin, row)[0] && strstr(key, cs_cpu_tdp_key(&builtin, row)));
	CHECK(row->tdp_w > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	cs_cpu_times total = {.user = 42}, cpus[64];
	cs_meminfo m = {.total_kb = 42};
	cs_cpuinfo ci;
	size_t n = 1000;
	int rc_total, rc_cpus, rc;
	char *name;

	/* /proc/stat */
	rc_total = cs_procstat_parse(buf, size, &total);
	CHECK(rc_total == 0 || rc_total == CS_EINVAL || rc_total == CS_ERANGE);
	if (rc_total)
		CHECK(total.user == 42);
	else
		CHECK(total.cpu == -1);
	rc_cpus = cs_procstat_parse_cpus(buf, size, cpus, 64, &n);
	CHECK(rc_cpus == 0 || rc_cpus == CS_EINVAL || rc_cpus == CS_ERANGE || rc_cpus == CS_ENOMEM);
	if (rc_cpus) {
		CHECK(n == 1000);
	} else {
		CHECK(n <= 64);
		for (size_t i = 0; i < n; i++)
			CHECK(cpus[i].cpu >= 0);
	}
	if (rc_total == 0 && rc_cpus == 0 && n > 0) {
		double u = -1;

		rc = cs_cpu_util(&cpus[0], &total, &u);
		CHECK(rc == 0 || rc == CS_ENODATA);
		CHECK(rc ? u == -1 : (u >= 0 && u <= 1));
		rc = cs_cpu_util(&total, &cpus[n - 1], &u);
		CHECK(rc == 0 || rc == CS_ENODATA);
		CHECK(u == -1 || (u >= 0 && u <= 1));
	}

	/* /proc/meminfo */
	rc = cs_meminfo_parse(buf, size, &m);
	CHECK(rc == 0 || rc == CS_EINVAL || rc == CS_ERANGE);
	if (rc) {
		CHECK(m.total_kb == 42);
	} else {
		double f = cs_meminfo_used_fraction(&m);

		CHECK(m.total_kb > 0);
		CHECK(f >= 0 && f <= 1);
	}

	/* /proc/cpuinfo, and its model through the normaliser */
	rc = cs_cpuinfo_model(buf, size, &ci);
	CHECK(rc == 0 || rc == CS_EINVAL);
	if (rc == 0) {
		size_t len = strnlen(ci.model, sizeof ci.model);

		CHECK(len < sizeof ci.model);
		for (size_t i = 0; i < len; i++)
			CHECK((unsigned char)ci.model[i] >= ' ' && ci.model[i] != 0x7f);
		CHECK(ci.packages >= 1);
		CHECK(ci.ncpu > 0 || ci.model[0]);
		check_name(ci.model);
	}

	/* the raw input as a model name */
	name = malloc(size + 1);
	if (!name)
		return 0;
	memcpy(name, data, size);
	name[size] = '\0';
	check_name(name);
	free(name);
	return 0;
}
