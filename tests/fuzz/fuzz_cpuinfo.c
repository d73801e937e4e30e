/* fuzz_cpuinfo.c - libFuzzer target for /proc/cpuinfo identification and the
 * microarchitecture map.
 *
 * fuzz_procfs covers the model name, CPU and package counts; this target
 * covers what the CCF microarchitecture model keys on: vendor_id, cpu
 * family, model, stepping (first CPU only) and arm64 implementer/part, then
 * cs_cpu_arch_of and the coefficient lookup. The raw bytes are parsed in
 * place as a read buffer would be. Invariants, checked with abort() so they
 * hold in release builds too:
 *   - return codes are only the documented ones; the output is untouched on
 *     failure;
 *   - vendor_id is NUL-terminated inside its array with no control byte;
 *   - family and model are within CPUID's printable range (<= 511) and 0
 *     unless x86_fms; stepping is -1 or <= 511;
 *   - a mapped CPU has a core name; a CCF name it gives keys a row of AWS's
 *     coefficient file (the model sensor's fallback file), with
 *     0 <= min <= max watts per vCPU;
 *   - parsing is deterministic (a second parse gives the same bytes).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "io/procstat.h"
#include "sensors/cpu_arch.h"
#include "data/tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort on a broken invariant, in release builds too. */
static void check(bool ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	cs_cpuinfo ci, again;
	cs_cpu_arch a;
	size_t vlen;
	int rc;

	memset(&ci, 0x5a, sizeof ci);
	rc = cs_cpuinfo_model(buf, size, &ci);
	check(rc == 0 || rc == CS_EINVAL);
	if (rc) {
		for (size_t i = 0; i < sizeof ci; i++)
			check(((const unsigned char *)&ci)[i] == 0x5a);
		return 0;
	}
	vlen = strnlen(ci.vendor_id, sizeof ci.vendor_id);
	check(vlen < sizeof ci.vendor_id);
	for (size_t i = 0; i < vlen; i++)
		check((unsigned char)ci.vendor_id[i] >= ' ' && ci.vendor_id[i] != 0x7f);
	check(ci.x86_family <= 511 && ci.x86_model <= 511);
	check(ci.x86_fms || (ci.x86_family == 0 && ci.x86_model == 0));
	check(ci.x86_stepping >= -1 && ci.x86_stepping <= 511);

	memset(&again, 0, sizeof again);
	check(cs_cpuinfo_model(buf, size, &again) == 0);
	check(!strcmp(again.vendor_id, ci.vendor_id) && again.x86_family == ci.x86_family &&
	      again.x86_model == ci.x86_model && again.x86_stepping == ci.x86_stepping && again.x86_fms == ci.x86_fms &&
	      again.arm_part == ci.arm_part);

	rc = cs_cpu_arch_of(&ci, &a);
	check(rc == 0 || rc == CS_ENOTFOUND);
	if (rc) {
		check(!a.core && !a.ccf);
		return 0;
	}
	check(a.core && a.core[0]);
	if (a.ccf) {
		const struct cs_ccf_use *row = cs_ccf_use_find(CS_PROVIDER_AWS, a.ccf);

		check(row);
		check(row->min_w_per_vcpu >= 0 && row->max_w_per_vcpu >= row->min_w_per_vcpu);
	}
	return 0;
}
