/* io/html.h - text written into an HTML page, escaped.
 *
 * The ledger's and the planner's HTML reports put names from the user's
 * files (teams, inventories, regions) into their pages; both escape them the
 * same way, here. The apostrophe is escaped only where a page always did
 * (the ledger's), so that neither page's bytes change.
 */
#ifndef CS_IO_HTML_H
#define CS_IO_HTML_H

#include <stdbool.h>
#include <stdio.h>

/* Writes s to f with & < > " (and ' when apos) as character references. */
void cs_html_esc(FILE *f, const char *s, bool apos);

#endif
