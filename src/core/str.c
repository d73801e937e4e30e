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

bool cs_str_valid(const char *s, size_t cap, bool (*ok)(char c))
{
	size_t n;

	if (!s)
		return false;
	for (n = 0; s[n]; n++)
		if (n + 1 >= cap || !ok(s[n]))
			return false;
	return n > 0;
}

int cs_name_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (names[i] && strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

const char *cs_name_at(const char *const *names, size_t n, size_t i, const char *other)
{
	return i < n && names[i] ? names[i] : other;
}
