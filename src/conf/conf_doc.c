/* conf/conf_doc.c - what the section tables say about themselves: the
 * effective configuration (--check-config), the flags' --help lines and the
 * key reference (docs/agent.md is this output, checked by a test). */
#include "conf/conf_impl.h"

#include <string.h>

void cs_conf_dump(const cs_conf *c, FILE *f)
{
	char val[CS_CONF_LINE_MAX + 1];

	fprintf(f, "; effective configuration (defaults < %s < environment < flags)\n",
	        c->source[0] ? c->source : "no file");
	for (size_t i = 0; i < c->n; i++) {
		const cs_conf_section *s = c->secs[i];

		fprintf(f, "\n[%s]\n", s->name);
		for (size_t j = 0; j < s->nkeys; j++) {
			const cs_conf_key *k = &s->keys[j];
			bool set;

			if (k->type == CS_CONF_MAP)
				continue;
			set = conf_format(k, c->data[i], val, sizeof(val));
			/* secrets and keys unset by default are comments; a key emptied
			 * against a default is written empty: the dump reads back */
			if (set && (k->flags & CS_CONF_SECRET))
				fprintf(f, "; %s = <set, hidden>\n", k->name);
			else if (!set && k->def && k->def[0])
				fprintf(f, "%s =\n", k->name);
			else if (!set)
				fprintf(f, "; %s = (unset)\n", k->name);
			else
				fprintf(f, "%s = %s\n", k->name, val);
		}
		for (size_t j = 0; j < s->nkeys; j++) {
			const cs_conf_map *m = (const cs_conf_map *)((const char *)c->data[i] + s->keys[j].off);

			if (s->keys[j].type != CS_CONF_MAP)
				continue;
			fprintf(f, "\n[%s.%s]\n", s->name, s->keys[j].name);
			for (size_t e = 0; e < m->n; e++)
				fprintf(f, "%s = %s\n", m->v[e].key, m->v[e].value);
		}
	}
}

/* text with each "\n" followed by indent blanks. */
static void doc_indented(FILE *f, const char *text, int indent)
{
	for (const char *p = text; *p; p++) {
		fputc(*p, f);
		if (*p == '\n')
			fprintf(f, "%*s", indent, "");
	}
}

void cs_conf_help(const cs_conf_section *const *secs, size_t n, FILE *f)
{
	enum { COL = 21 }; /* "  --flag ARG" padded: help starts in column 23 */

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < secs[i]->nflags; j++) {
			const cs_conf_flag *fl = &secs[i]->flags[j];
			const cs_conf_key *k = conf_key(secs[i], fl->key);
			const char *help = fl->help ? fl->help : k ? k->help : "";
			char left[64];

			snprintf(left, sizeof(left), "--%s%s%s", fl->name, fl->arg ? " " : "", fl->arg ? fl->arg : "");
			if (strlen(left) < COL)
				fprintf(f, "  %-*s", COL, left);
			else
				fprintf(f, "  %s\n%*s", left, COL + 2, "");
			doc_indented(f, help, COL + 2);
			fputc('\n', f);
		}
	}
}

/* A Markdown table cell: '|' escaped, newlines as blanks. */
static void doc_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else
			fputc(*s == '\n' ? ' ' : *s, f);
	}
}

void cs_conf_reference(const cs_conf_section *const *secs, size_t n, FILE *f)
{
	char d[512];

	for (size_t i = 0; i < n; i++) {
		const cs_conf_section *s = secs[i];

		fprintf(f, "#### `[%s]`\n\n| key | value | default | flag | meaning |\n|---|---|---|---|---|\n",
		        s->name);
		for (size_t j = 0; j < s->nkeys; j++) {
			const cs_conf_key *k = &s->keys[j];

			if (k->type == CS_CONF_MAP)
				continue;
			conf_describe(k, d, sizeof(d));
			fprintf(f, "| `%s` | ", k->name);
			doc_cell(f, d);
			fprintf(f, "%s%s | ", k->flags & CS_CONF_SECRET ? " (secret)" : "",
			        k->flags & CS_CONF_REQUIRED ? " (required)" : "");
			if (k->def && k->def[0])
				fprintf(f, "`%s`", k->def);
			else
				fprintf(f, "(unset)");
			fprintf(f, " | ");
			for (size_t g = 0, shown = 0; g < s->nflags; g++) {
				const cs_conf_flag *fl = &s->flags[g];

				if (strcmp(fl->key, k->name) != 0 &&
				    !(fl->enable && s->enabled && strcmp(s->enabled, k->name) == 0))
					continue;
				fprintf(f, "%s`--%s%s%s`", shown++ ? ", " : "", fl->name, fl->arg ? " " : "",
				        fl->arg ? fl->arg : "");
			}
			fprintf(f, " | ");
			doc_cell(f, k->help ? k->help : "");
			fprintf(f, " |\n");
		}
		for (size_t j = 0; j < s->nkeys; j++) {
			const cs_conf_key *k = &s->keys[j];

			if (k->type != CS_CONF_MAP)
				continue;
			conf_describe(k, d, sizeof(d));
			fprintf(f, "\n`[%s.%s]`: ", s->name, k->name);
			doc_cell(f, k->help ? k->help : "");
			fprintf(f, "; one `name = value` line each, the value %s.\n", d);
		}
		fprintf(f, "\n");
	}
}
