/* billing/coeff.c - per-unit coefficients (see coeff.h for sources). */
#include "billing/coeff.h"

#include <string.h>

void cs_bill_vcpu_watts(cs_provider p, double *min_w, double *max_w)
{
	switch (p) {
	case CS_PROVIDER_AWS:
		*min_w = 0.74;
		*max_w = 3.5;
		break;
	case CS_PROVIDER_GCP:
		*min_w = 0.71;
		*max_w = 4.26;
		break;
	case CS_PROVIDER_AZURE:
		*min_w = 0.78;
		*max_w = 3.76;
		break;
	default:
		/* mean of the three */
		*min_w = (0.74 + 0.71 + 0.78) / 3;
		*max_w = (3.5 + 4.26 + 3.76) / 3;
		break;
	}
}

static int is_word_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

const cs_gpu *cs_bill_gpu_in_text(const char *s, size_t n)
{
	for (size_t g = 0; g < cs_gpu_count(); g++) {
		const char *tok = cs_gpu_token(cs_gpu_at(g));
		size_t tl = strlen(tok);

		for (size_t i = 0; i + tl <= n; i++) {
			if (!tl || memcmp(s + i, tok, tl))
				continue;
			/* a whole word: "T4" but not "T4G" or "ST4" */
			if ((i == 0 || !is_word_char(s[i - 1])) && (i + tl == n || !is_word_char(s[i + tl])))
				return cs_gpu_at(g);
		}
	}
	return NULL;
}

/* Managed disk tiers: Premium SSD (P), Standard SSD (E), Standard HDD (S). */
static const struct {
	const char *tier;
	double gb;
} disks[] = {
    {"1", 4},    {"2", 8},     {"3", 16},    {"4", 32},    {"6", 64},    {"10", 128},   {"15", 256},
    {"20", 512}, {"30", 1024}, {"40", 2048}, {"50", 4096}, {"60", 8192}, {"70", 16384}, {"80", 32767},
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
