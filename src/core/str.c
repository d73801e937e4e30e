/* core/str.c - see str.h. */
#include "core/str.h"

#include <string.h>

bool cs_memcpy_str(char *dst, size_t cap, const char *src, size_t n)
{
	bool fit = n < cap;

	if (cap == 0)
		return n == 0;
	if (!fit)
		n = cap - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
	return fit;
}

bool cs_strcpy_fit(char *dst, size_t cap, const char *src)
{
	if (!src)
		src = "";
	return cs_memcpy_str(dst, cap, src, strlen(src));
}

void cs_csv_field(FILE *f, const char *s)
{
	if (!s)
		s = "";
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}
