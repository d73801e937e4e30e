/* plan/report.h - a plan as people read it: the assumptions behind it, the
 * text report and the self-contained HTML page. (JSON and CSV are the
 * CLI's, src/cli/cmd_plan.c: the JSON reuses estimate's serializer for
 * every option, the CSV the CLI's field writer.)
 *
 * Every format prints the same things: per group the current figures, the
 * recommended option and why (what moved: grid, hardware, count; the
 * throughput ratio and its source; the price and its source), the
 * carbon-cost front, the best option left unranked for an unknown input;
 * then the fleet before and after, by place, with the change split into
 * grid, hardware and rightsizing; then every assumption with its source.
 */
#ifndef CS_PLAN_REPORT_H
#define CS_PLAN_REPORT_H

#include <stdio.h>

#include "plan/plan.h"

/* What a report is made from. */
typedef struct plan_report_in {
	const plan_inventory *inv;
	const plan_opts *opts;
	const plan_prices *prices;
	const plan_result *res;
	const char *families; /* --families as given, NULL if not */
	const char *regions;  /* --regions as given, NULL if not */
} plan_report_in;

/* One assumption: what it is about, what it says, where it comes from. */
typedef struct plan_note {
	const char *topic;
	char text[640];
	char source[320];
} plan_note;

#define PLAN_NOTES_MAX 16

/* The assumptions behind a plan, in reading order; returns how many. */
size_t plan_notes(const plan_report_in *in, plan_note *out, size_t cap);

/* "region+type+count", or "keep" when nothing moves. */
const char *plan_moves_name(unsigned moves, char *buf, size_t cap);

/* The report as text (the default) and as one HTML page (inline CSS and
 * SVG, no script, no external URL). */
void plan_write_text(FILE *f, const plan_report_in *in);
void plan_write_html(FILE *f, const plan_report_in *in);

#endif
