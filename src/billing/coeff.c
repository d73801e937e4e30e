/* billing/coeff.c - per-unit coefficients (see coeff.h for sources). */
#include "billing/coeff.h"

#include <string.h>

void cs_bill_vcpu_watts(cs_provider p, double *min_w, double *max_w)
{
	switch (p) {
	case CS_PROVIDER_AWS: *min_w = 0.74; *max_w = 3.5; break;
	case CS_PROVIDER_GCP: *min_w = 0.71; *max_w = 4.26; break;
	case CS_PROVIDER_AZURE: *min_w = 0.78; *max_w = 3.76; break;
	default:
		/* mean of the three */
		*min_w = (0.74 + 0.71 + 0.78) / 3;
		*max_w = (3.5 + 4.26 + 3.76) / 3;
		break;
	}
}

/* CCF COMPUTE_PROCESSOR_TYPES (packages/core): GPU min/max watts. Longer
 * tokens first so "A100" is not read as "A10G" and "P40" not as "P4". */
static const cs_bill_gpu gpus[] = {
	{"A100", "NVIDIA A100", 46, 407},   {"V100", "NVIDIA Tesla V100", 35, 306},
	{"P100", "NVIDIA Tesla P100", 36, 306}, {"A10G", "NVIDIA A10G", 18, 153},
	{"K80", "NVIDIA Tesla K80", 35, 306},   {"M60", "NVIDIA Tesla M60", 35, 306},
	{"P40", "NVIDIA Tesla P40", 30, 255},   {"T4", "NVIDIA T4", 8, 71},
	{"P4", "NVIDIA Tesla P4", 9, 76.5},     {"V520", "AMD Radeon Pro V520", 26, 229},
};

static int is_word_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

const cs_bill_gpu *cs_bill_gpu_in_text(const char *s, size_t n)
{
	for (size_t g = 0; g < sizeof gpus / sizeof gpus[0]; g++) {
		size_t tl = strlen(gpus[g].token);

		for (size_t i = 0; i + tl <= n; i++) {
			if (memcmp(s + i, gpus[g].token, tl))
				continue;
			/* a whole word: "T4" but not "T4G" or "ST4" */
			if ((i == 0 || !is_word_char(s[i - 1])) && (i + tl == n || !is_word_char(s[i + tl])))
				return &gpus[g];
		}
	}
	return NULL;
}

/* Managed disk tiers: Premium SSD (P), Standard SSD (E), Standard HDD (S). */
static const struct {
	const char *tier;
	double gb;
} disks[] = {
	{"1", 4},       {"2", 8},       {"3", 16},       {"4", 32},       {"6", 64},       {"10", 128},
	{"15", 256},    {"20", 512},    {"30", 1024},    {"40", 2048},    {"50", 4096},    {"60", 8192},
	{"70", 16384},  {"80", 32767},
};

double cs_bill_azure_disk_gb(const char *t, size_t n, int *ssd)
{
	if (n < 2 || n > 3 || (t[0] != 'P' && t[0] != 'E' && t[0] != 'S'))
		return 0;
	for (size_t i = 0; i < sizeof disks / sizeof disks[0]; i++) {
		if (strlen(disks[i].tier) == n - 1 && !memcmp(disks[i].tier, t + 1, n - 1)) {
			/* Standard HDD starts at S4 */
			if (t[0] == 'S' && disks[i].gb < 32)
				return 0;
			*ssd = t[0] != 'S';
			return disks[i].gb;
		}
	}
	return 0;
}
