/* tests/unit/test_cpu_arch.c - /proc/cpuinfo identification -> microarchitecture.
 *
 * Each case is a cpuinfo text as the kernel prints it (first CPU only: the
 * map reads the first CPU's fields), parsed by cs_cpuinfo_model and mapped
 * by cs_cpu_arch_of; every CCF name it gives must key a row of the generated
 * coefficient table. Family/model/stepping values are the ones Intel's SDM
 * Vol. 4 Table 2-1, AMD's PPRs and Arm's TRMs give for these parts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <carbonstat/error.h>

#include "sensors/cpu_arch.h"
#include "data/tables.h"

/* Map an x86 CPU; want_core NULL: not mapped. */
static void check_x86(const char *vendor, unsigned family, unsigned model, int stepping, const char *want_core,
                      const char *want_ccf)
{
	char text[512];
	cs_cpuinfo ci;
	cs_cpu_arch a;
	int n;

	n = snprintf(text, sizeof text, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n", vendor,
	             family, model);
	if (stepping >= 0)
		snprintf(text + n, sizeof text - (size_t)n, "stepping\t: %d\n", stepping);
	assert_int_equal(cs_cpuinfo_model(text, strlen(text), &ci), 0);
	assert_true(ci.x86_fms);
	assert_int_equal(ci.x86_family, family);
	assert_int_equal(ci.x86_model, model);
	assert_int_equal(ci.x86_stepping, stepping);
	if (!want_core) {
		assert_int_equal(cs_cpu_arch_of(&ci, &a), CS_ENOTFOUND);
		assert_null(a.core);
		return;
	}
	assert_int_equal(cs_cpu_arch_of(&ci, &a), 0);
	assert_string_equal(a.core, want_core);
	if (want_ccf) {
		assert_string_equal(a.ccf, want_ccf);
		/* the name keys a row of AWS's file, the model sensor's fallback */
		assert_non_null(cs_ccf_use_find(CS_PROVIDER_AWS, a.ccf));
	} else {
		assert_null(a.ccf);
	}
}

static void test_intel(void **state)
{
	(void)state;
	check_x86("GenuineIntel", 6, 0x2d, 7, "Intel Sandy Bridge-EP", "Sandy Bridge");
	check_x86("GenuineIntel", 6, 0x3e, 4, "Intel Ivy Bridge-EP", "Ivy Bridge");
	check_x86("GenuineIntel", 6, 0x3f, 2, "Intel Haswell-EP", "Haswell");
	check_x86("GenuineIntel", 6, 0x4f, 1, "Intel Broadwell-EP", "Broadwell");
	/* model 85 (0x55) by stepping */
	check_x86("GenuineIntel", 6, 85, 4, "Intel Skylake-SP", "Skylake");
	check_x86("GenuineIntel", 6, 85, 7, "Intel Cascade Lake", "Cascade Lake");
	check_x86("GenuineIntel", 6, 85, 11, "Intel Cooper Lake", NULL); /* no CCF row */
	check_x86("GenuineIntel", 6, 85, 8, NULL, NULL);                 /* no such part */
	check_x86("GenuineIntel", 6, 85, -1, NULL, NULL);                /* stepping unknown */
	check_x86("GenuineIntel", 6, 0x9e, 10, "Intel Coffee Lake", "Coffee Lake");
	check_x86("GenuineIntel", 6, 106, 6, "Intel Ice Lake-SP", "Ice Lake");
	check_x86("GenuineIntel", 6, 143, 8, "Intel Sapphire Rapids", "Sapphire Rapids");
	check_x86("GenuineIntel", 6, 207, 2, "Intel Emerald Rapids", "Emerald Rapids");
	check_x86("GenuineIntel", 6, 173, 1, "Intel Granite Rapids", "Granite Rapids");
	check_x86("GenuineIntel", 6, 6, 3, NULL, NULL);  /* QEMU's default model */
	check_x86("GenuineIntel", 15, 6, 3, NULL, NULL); /* NetBurst */
	/* family 6 model 106 from another vendor is not Ice Lake */
	check_x86("CentaurHauls", 6, 106, 6, NULL, NULL);
}

static void test_amd(void **state)
{
	(void)state;
	check_x86("AuthenticAMD", 23, 0x01, 2, "AMD Zen (Naples)", "EPYC 1st Gen");
	check_x86("AuthenticAMD", 23, 0x31, 0, "AMD Zen 2 (Rome)", "EPYC 2nd Gen");
	check_x86("AuthenticAMD", 25, 0x01, 1, "AMD Zen 3 (Milan)", "EPYC 3rd Gen");
	check_x86("AuthenticAMD", 25, 17, 1, "AMD Zen 4 (Genoa)", "EPYC 4th Gen"); /* this VM */
	check_x86("AuthenticAMD", 25, 0xa0, 2, "AMD Zen 4c (Bergamo/Siena)", "EPYC 4th Gen");
	check_x86("AuthenticAMD", 26, 0x02, 1, "AMD Zen 5 (Turin)", "EPYC 5th Gen");
	check_x86("AuthenticAMD", 25, 0x21, 0, NULL, NULL); /* Vermeer: desktop Zen 3 */
	check_x86("AuthenticAMD", 16, 0x09, 1, NULL, NULL); /* K10 */
}

static void test_arm_and_none(void **state)
{
	static const char n1[] = "processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n";
	static const char v1[] = "processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd40\n";
	static const char v2[] = "processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd4f\n";
	static const char a72[] = "processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd08\n";
	static const char ppc[] = "processor\t: 0\ncpu\t\t: POWER9 (architected)\n";
	static const char badfam[] = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 2x5\nmodel\t\t: 17\n";
	cs_cpuinfo ci;
	cs_cpu_arch a;

	(void)state;
	assert_int_equal(cs_cpuinfo_model(n1, strlen(n1), &ci), 0);
	assert_false(ci.x86_fms);
	assert_int_equal(cs_cpu_arch_of(&ci, &a), 0);
	assert_string_equal(a.ccf, "Graviton2");
	assert_int_equal(cs_cpuinfo_model(v1, strlen(v1), &ci), 0);
	assert_int_equal(cs_cpu_arch_of(&ci, &a), 0);
	assert_string_equal(a.ccf, "Graviton3");
	assert_int_equal(cs_cpuinfo_model(v2, strlen(v2), &ci), 0);
	assert_int_equal(cs_cpu_arch_of(&ci, &a), 0);
	assert_string_equal(a.ccf, "Graviton4");
	assert_int_equal(cs_cpuinfo_model(a72, strlen(a72), &ci), 0);
	assert_int_equal(cs_cpu_arch_of(&ci, &a), CS_ENOTFOUND);
	assert_int_equal(cs_cpuinfo_model(ppc, strlen(ppc), &ci), 0);
	assert_int_equal(cs_cpu_arch_of(&ci, &a), CS_ENOTFOUND);
	/* a malformed family leaves the identification unknown */
	assert_int_equal(cs_cpuinfo_model(badfam, strlen(badfam), &ci), 0);
	assert_false(ci.x86_fms);
	assert_int_equal(ci.x86_family, 0);
	assert_int_equal(ci.x86_model, 0);
	assert_int_equal(cs_cpu_arch_of(&ci, &a), CS_ENOTFOUND);
	assert_int_equal(cs_cpu_arch_of(NULL, &a), CS_EINVAL);
	assert_int_equal(cs_cpu_arch_of(&ci, NULL), CS_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_intel),
	    cmocka_unit_test(test_amd),
	    cmocka_unit_test(test_arm_and_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
