/* ledger/period.c - see period.h. */
#include "ledger/period.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "carbonstat/error.h"

int64_t cs_lg_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void cs_lg_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *s, int n, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(unsigned y, unsigned m)
{
	static const unsigned md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && leap(y) ? 29 : md[m - 1];
}

/* "YYYY-MM-DD" at s; 0 or CS_EINVAL. */
static int parse_date(const char *s, unsigned *y, unsigned *m, unsigned *d)
{
	if (!digits(s, 4, y) || s[4] != '-' || !digits(s + 5, 2, m) || s[7] != '-' || !digits(s + 8, 2, d))
		return CS_EINVAL;
	if (*y < 1970 || *y > 9999 || *m < 1 || *m > 12 || *d < 1 || *d > month_days(*y, *m))
		return CS_EINVAL;
	return 0;
}

int cs_lg_parse_rfc3339_ms(const char *s, int64_t *out_ms)
{
	unsigned y, mo, d, h, mi, sec, frac = 0;
	const char *p;
	int nfrac = 0;

	if (!s || strlen(s) < 20 || parse_date(s, &y, &mo, &d) != 0)
		return CS_EINVAL;
	if ((s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) ||
	    s[16] != ':' || !digits(s + 17, 2, &sec) || h > 23 || mi > 59 || sec > 59)
		return CS_EINVAL;
	p = s + 19;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (nfrac < 3)
				frac = frac * 10 + (unsigned)(*p - '0');
			nfrac++;
			p++;
		}
		if (nfrac == 0 || nfrac > 9)
			return CS_EINVAL;
		for (int i = nfrac; i < 3; i++)
			frac *= 10;
	}
	if (!((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') && strcmp(p, "+00:00") != 0)
		return CS_EINVAL;
	*out_ms = ((cs_lg_days_from_civil(y, mo, d) * 86400) + (int64_t)h * 3600 + mi * 60 + sec) * 1000 + frac;
	return 0;
}

int cs_lg_parse_time(const char *s, double now_s, int64_t *out_s)
{
	unsigned y, mo, d, h = 0, mi = 0;
	size_t n;
	int64_t ms;

	if (!s)
		return CS_EINVAL;
	if (!strcmp(s, "now")) {
		*out_s = (int64_t)now_s;
		return 0;
	}
	n = strlen(s);
	if (n >= 20 && cs_lg_parse_rfc3339_ms(s, &ms) == 0) {
		*out_s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
		return 0;
	}
	if (n < 10 || parse_date(s, &y, &mo, &d) != 0)
		return CS_EINVAL;
	if (n == 10)
		;
	else if (n >= 13 && (s[10] == 'T' || s[10] == ' ') && digits(s + 11, 2, &h) && h <= 23 &&
	         (n == 13 || (n == 16 && s[13] == ':' && digits(s + 14, 2, &mi) && mi <= 59) ||
	          (n == 14 && s[13] == 'Z') ||
	          (n == 17 && s[13] == ':' && digits(s + 14, 2, &mi) && mi <= 59 && s[16] == 'Z')))
		;
	else
		return CS_EINVAL;
	*out_s = cs_lg_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60;
	return 0;
}

int cs_lg_parse_period(const char *s, cs_lg_period *out)
{
	unsigned y, m, py, pm, ny, nm;

	if (!s || strlen(s) != 7 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || m < 1 || m > 12 ||
	    y < 1971 || y > 9998)
		return CS_EINVAL;
	py = m == 1 ? y - 1 : y;
	pm = m == 1 ? 12 : m - 1;
	ny = m == 12 ? y + 1 : y;
	nm = m == 12 ? 1 : m + 1;
	out->start = cs_lg_days_from_civil(y, m, 1) * 86400;
	out->end = cs_lg_days_from_civil(ny, nm, 1) * 86400;
	out->prev_start = cs_lg_days_from_civil(py, pm, 1) * 86400;
	out->prev_end = out->start;
	snprintf(out->label, sizeof(out->label), "%04u-%02u", y, m);
	snprintf(out->prev_label, sizeof(out->prev_label), "%04u-%02u", py, pm);
	return 0;
}

static int64_t floor_to(int64_t t, int64_t q)
{
	int64_t r = t % q;

	return r < 0 ? t - r - q : t - r;
}

int64_t cs_lg_hour_of(int64_t t_s)
{
	return floor_to(t_s, 3600);
}

int64_t cs_lg_day_of(int64_t t_s)
{
	return floor_to(t_s, 86400);
}

void cs_lg_fmt_hour(int64_t t_s, char *out, size_t cap)
{
	int64_t y, day = cs_lg_day_of(t_s) / 86400;
	unsigned m, d;
	int64_t sod = t_s - day * 86400;

	cs_lg_civil_from_days(day, &y, &m, &d);
	snprintf(out, cap, "%04lld-%02u-%02uT%02u:%02uZ", (long long)y, m, d, (unsigned)(sod / 3600),
	         (unsigned)(sod % 3600 / 60));
}

void cs_lg_fmt_day(int64_t t_s, char *out, size_t cap)
{
	int64_t y;
	unsigned m, d;

	cs_lg_civil_from_days(cs_lg_day_of(t_s) / 86400, &y, &m, &d);
	snprintf(out, cap, "%04lld-%02u-%02u", (long long)y, m, d);
}
