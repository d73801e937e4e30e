/* plan/report_html.c - placeholder, filled below. */
#include "plan/report.h"

void plan_write_html(FILE *f, const plan_report_in *in)
{
	(void)in;
	fputs("<!doctype html>\n", f);
}
