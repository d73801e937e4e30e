/* sensors/cpu_arch.c - vendor/family/model (or arm64 part) -> microarchitecture.
 *
 * Owns the three small tables below and nothing else; sensors/cpu_arch.h
 * says where every number comes from. Only designs that run servers or cloud
 * VMs are listed: a laptop or desktop core is left unmapped (its TDP row, or
 * the generic model, describes it), so a map entry always means "CCF's
 * SPECpower servers of this design describe this CPU".
 */
#include <string.h>

#include <carbonstat/error.h>

#include "sensors/cpu_arch.h"

/* Any stepping. */
#define ANY_STEP (-1)

/* x86: vendor, family, model range and stepping range (inclusive). */
static const struct x86_row {
	const char *vendor;
	unsigned family, model_lo, model_hi;
	int step_lo, step_hi; /* ANY_STEP: every stepping */
	const char *core, *ccf;
} x86_rows[] = {
    /* Intel family 6. Model numbers as named in the kernel's
     * intel-family.h and the SDM Vol. 4 Table 2-1; steppings split model
     * 0x55 (SKYLAKE_X): 0-4 Skylake-SP, 5-7 Cascade Lake, 10-11 Cooper
     * Lake, and model 0x9e (KABYLAKE): 9 Kaby Lake, 10-13 Coffee Lake
     * (Xeon E-2100/E-2200). */
    {"GenuineIntel", 6, 0x2a, 0x2a, ANY_STEP, ANY_STEP, "Intel Sandy Bridge", "Sandy Bridge"},
    {"GenuineIntel", 6, 0x2d, 0x2d, ANY_STEP, ANY_STEP, "Intel Sandy Bridge-EP", "Sandy Bridge"},
    {"GenuineIntel", 6, 0x3a, 0x3a, ANY_STEP, ANY_STEP, "Intel Ivy Bridge", "Ivy Bridge"},
    {"GenuineIntel", 6, 0x3e, 0x3e, ANY_STEP, ANY_STEP, "Intel Ivy Bridge-EP", "Ivy Bridge"},
    {"GenuineIntel", 6, 0x3c, 0x3c, ANY_STEP, ANY_STEP, "Intel Haswell", "Haswell"},
    {"GenuineIntel", 6, 0x3f, 0x3f, ANY_STEP, ANY_STEP, "Intel Haswell-EP", "Haswell"},
    {"GenuineIntel", 6, 0x3d, 0x3d, ANY_STEP, ANY_STEP, "Intel Broadwell", "Broadwell"},
    {"GenuineIntel", 6, 0x47, 0x47, ANY_STEP, ANY_STEP, "Intel Broadwell", "Broadwell"},
    {"GenuineIntel", 6, 0x4f, 0x4f, ANY_STEP, ANY_STEP, "Intel Broadwell-EP", "Broadwell"},
    {"GenuineIntel", 6, 0x56, 0x56, ANY_STEP, ANY_STEP, "Intel Broadwell-DE", "Broadwell"},
    {"GenuineIntel", 6, 0x5e, 0x5e, ANY_STEP, ANY_STEP, "Intel Skylake", "Skylake"},
    {"GenuineIntel", 6, 0x55, 0x55, 0, 4, "Intel Skylake-SP", "Skylake"},
    {"GenuineIntel", 6, 0x55, 0x55, 5, 7, "Intel Cascade Lake", "Cascade Lake"},
    {"GenuineIntel", 6, 0x55, 0x55, 10, 11, "Intel Cooper Lake", NULL},
    {"GenuineIntel", 6, 0x9e, 0x9e, 9, 9, "Intel Kaby Lake (Skylake core)", "Skylake"},
    {"GenuineIntel", 6, 0x9e, 0x9e, 10, 13, "Intel Coffee Lake", "Coffee Lake"},
    {"GenuineIntel", 6, 0x6a, 0x6a, ANY_STEP, ANY_STEP, "Intel Ice Lake-SP", "Ice Lake"},
    {"GenuineIntel", 6, 0x6c, 0x6c, ANY_STEP, ANY_STEP, "Intel Ice Lake-D", "Ice Lake"},
    {"GenuineIntel", 6, 0x8f, 0x8f, ANY_STEP, ANY_STEP, "Intel Sapphire Rapids", "Sapphire Rapids"},
    {"GenuineIntel", 6, 0xcf, 0xcf, ANY_STEP, ANY_STEP, "Intel Emerald Rapids", "Emerald Rapids"},
    {"GenuineIntel", 6, 0xad, 0xad, ANY_STEP, ANY_STEP, "Intel Granite Rapids", "Granite Rapids"},
    {"GenuineIntel", 6, 0xae, 0xae, ANY_STEP, ANY_STEP, "Intel Granite Rapids-D", "Granite Rapids"},
    {"GenuineIntel", 6, 0xaf, 0xaf, ANY_STEP, ANY_STEP, "Intel Sierra Forest", NULL},
    /* AMD: the kernel's Zen ranges (amd.c), narrowed to the server dies
     * the PPRs name; CCF's EPYC generations are those dies. */
    {"AuthenticAMD", 0x17, 0x00, 0x0f, ANY_STEP, ANY_STEP, "AMD Zen (Naples)", "EPYC 1st Gen"},
    {"AuthenticAMD", 0x17, 0x30, 0x3f, ANY_STEP, ANY_STEP, "AMD Zen 2 (Rome)", "EPYC 2nd Gen"},
    {"AuthenticAMD", 0x19, 0x00, 0x0f, ANY_STEP, ANY_STEP, "AMD Zen 3 (Milan)", "EPYC 3rd Gen"},
    {"AuthenticAMD", 0x19, 0x10, 0x1f, ANY_STEP, ANY_STEP, "AMD Zen 4 (Genoa)", "EPYC 4th Gen"},
    {"AuthenticAMD", 0x19, 0xa0, 0xaf, ANY_STEP, ANY_STEP, "AMD Zen 4c (Bergamo/Siena)", "EPYC 4th Gen"},
    {"AuthenticAMD", 0x1a, 0x00, 0x1f, ANY_STEP, ANY_STEP, "AMD Zen 5 (Turin)", "EPYC 5th Gen"},
};

/* Arm Ltd (implementer 0x41) Neoverse parts, as AWS's Graviton generations:
 * CCF's coefficient rows are named after those (and all four carry the EPYC
 * 2nd Gen figures, CCF's stated assumption). Ampere Altra is a Neoverse-N1
 * too, so it gets Graviton2's row; the core name says which core it is. */
static const struct arm_row {
	unsigned impl, part;
	const char *core, *ccf;
} arm_rows[] = {
    {0x41, 0xd0c, "Arm Neoverse-N1 (Graviton2's core)", "Graviton2"},
    {0x41, 0xd40, "Arm Neoverse-V1 (Graviton3's core)", "Graviton3"},
    {0x41, 0xd4f, "Arm Neoverse-V2 (Graviton4's core)", "Graviton4"},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int found(cs_cpu_arch *out, const char *core, const char *ccf)
{
	out->core = core;
	out->ccf = ccf;
	return 0;
}

int cs_cpu_arch_of(const cs_cpuinfo *ci, cs_cpu_arch *out)
{
	if (!ci || !out)
		return CS_EINVAL;
	memset(out, 0, sizeof *out);
	if (ci->x86_fms) {
		for (size_t i = 0; i < N_OF(x86_rows); i++) {
			const struct x86_row *r = &x86_rows[i];

			if (strcmp(r->vendor, ci->vendor_id) || r->family != ci->x86_family ||
			    ci->x86_model < r->model_lo || ci->x86_model > r->model_hi)
				continue;
			if (r->step_lo == ANY_STEP ||
			    (ci->x86_stepping >= r->step_lo && ci->x86_stepping <= r->step_hi))
				return found(out, r->core, r->ccf);
		}
	} else if (ci->arm_implementer) {
		for (size_t i = 0; i < N_OF(arm_rows); i++) {
			const struct arm_row *r = &arm_rows[i];

			if (r->impl == ci->arm_implementer && r->part == ci->arm_part)
				return found(out, r->core, r->ccf);
		}
	}
	return CS_ENOTFOUND;
}
