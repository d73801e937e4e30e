/* sensors/cpu_arch.h - the CPU microarchitecture of this host, from /proc/cpuinfo.
 *
 * Maps what the kernel prints from CPUID (x86 "vendor_id", "cpu family",
 * "model", "stepping") or from MIDR (arm64 "CPU implementer", "CPU part") to
 * a core design and to the microarchitecture name Cloud Carbon Footprint's
 * coefficient files use ("EPYC 4th Gen", "Ice Lake", "Graviton2"), so the
 * model sensor can key a CCF min/max row (data/tables.h, cs_ccf_use_find)
 * when the instance type is unknown. A model name string ("AMD EPYC") does
 * not say the generation inside a VM; family and model do.
 *
 * Sources of the numbers (cited, not copied; see cpu_arch.c for each row):
 *  - Intel: Intel 64 and IA-32 Architectures Software Developer's Manual,
 *    Vol. 4, Table 2-1 "CPUID Signature Values of DisplayFamily_DisplayModel",
 *    and the Linux kernel's arch/x86/include/asm/intel-family.h (INTEL_*
 *    model names); the Skylake-SP / Cascade Lake / Cooper Lake split of model
 *    0x55 by stepping is the kernel's (arch/x86/kernel/cpu/intel.c and the
 *    steppings Intel's specification updates list).
 *  - AMD: the Processor Programming Reference (PPR) of each family (17h, 19h,
 *    1Ah) and the kernel's Zen generation ranges (arch/x86/kernel/cpu/amd.c,
 *    X86_FEATURE_ZEN1..ZEN5 set by family/model range).
 *  - Arm: the Arm Neoverse N1/V1/V2 Technical Reference Manuals (MIDR_EL1
 *    part numbers 0xd0c, 0xd40, 0xd4f) and the kernel's
 *    arch/arm64/include/asm/cputype.h; AWS documents Graviton2/3/4 as
 *    Neoverse N1/V1/V2.
 */
#ifndef CS_SENSORS_CPU_ARCH_H
#define CS_SENSORS_CPU_ARCH_H

#include "io/procstat.h"

/* What cs_cpu_arch_of found. Strings are static. */
typedef struct cs_cpu_arch {
	const char *core; /* core design: "AMD Zen 4 (Genoa)", "Intel Ice Lake-SP" */
	const char *ccf;  /* CCF's name for its coefficient row: "EPYC 4th Gen";
	                   * NULL when the core is known but CCF has no row
	                   * (Cooper Lake, Sierra Forest) */
} cs_cpu_arch;

/* The microarchitecture of ci's first CPU. 0, or CS_ENOTFOUND when the
 * vendor/family/model (or implementer/part) is not one we map (out->core
 * NULL then); CS_EINVAL for NULL arguments. */
int cs_cpu_arch_of(const cs_cpuinfo *ci, cs_cpu_arch *out);

#endif
