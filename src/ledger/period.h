/* ledger/period.h - UTC calendar arithmetic for hours, days and months.
 *
 * The ledger keys everything by epoch seconds of an hour's start (UTC), and
 * reports by calendar month. These are the only conversions between the
 * two: proleptic Gregorian civil dates from day numbers (Howard Hinnant's
 * days_from_civil), no time zone, no locale, no libc state, so the same
 * input gives the same hours on every machine. Timestamps the agent writes
 * are RFC 3339 UTC.
 */
#ifndef CS_LEDGER_PERIOD_H
#define CS_LEDGER_PERIOD_H

#include <stddef.h>
#include <stdint.h>

/* Days since 1970-01-01 of a civil date (month 1..12, day 1..31). */
int64_t cs_lg_days_from_civil(int64_t y, unsigned m, unsigned d);
/* The civil date of a day number. */
void cs_lg_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* "2026-09-21T14:13:25.000Z", "...25Z", "...25.123456Z", "+00:00" for Z
 * -> ms since the epoch. 0 or CS_EINVAL. */
int cs_lg_parse_rfc3339_ms(const char *s, int64_t *out_ms);

/* A time given on the command line: RFC 3339 as above, "2026-11-05" (its
 * midnight UTC), "2026-11-05T13" or "2026-11-05T13:00" (UTC), or "now".
 * now_s is what "now" means. 0 or CS_EINVAL. */
int cs_lg_parse_time(const char *s, double now_s, int64_t *out_s);

/* A report period: "2026-11" (a month) -> [start, end) in epoch s, and the
 * previous period of the same kind. 0 or CS_EINVAL. */
typedef struct cs_lg_period {
	int64_t start, end;           /* epoch s, hour-aligned */
	int64_t prev_start, prev_end; /* the month before */
	char label[16];               /* "2026-11" */
	char prev_label[16];
} cs_lg_period;
int cs_lg_parse_period(const char *s, cs_lg_period *out);

/* Start of the hour / day holding t (epoch s, floor, also before 1970). */
int64_t cs_lg_hour_of(int64_t t_s);
int64_t cs_lg_day_of(int64_t t_s);

/* "2026-11-05T13:00Z" / "2026-11-05" into out[cap]. */
void cs_lg_fmt_hour(int64_t t_s, char *out, size_t cap);
void cs_lg_fmt_day(int64_t t_s, char *out, size_t cap);

#endif
