/* ledger/clip.c - see clip.h. */
#include "ledger/clip.h"

#include <string.h>

const char *cs_lg_clip(const char *s, size_t max, char *out, size_t cap)
{
	size_t i = 0, n;

	if (!cap)
		return out;
	if (!s)
		s = "";
	if (max > cap - 1)
		max = cap - 1;
	for (; s[i] && i < max; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
	n = i;
	if (s[i] && n >= 3)
		memcpy(out + n - 3, "...", 4);
	return out;
}
