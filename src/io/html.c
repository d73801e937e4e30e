/* io/html.c - see html.h. */
#include "io/html.h"

void cs_html_esc(FILE *f, const char *s, bool apos)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'':
			if (apos) {
				fputs("&#39;", f);
				break;
			}
			/* fall through */
		default: fputc(*s, f); break;
		}
	}
}
