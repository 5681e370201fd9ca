/*
 * walltime.c - wall-clock instants (see walltime.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "walltime.h"

/* n decimal digits at *p into *v; false unless all n are digits. */
static bool digits(const char **p, unsigned n, int64_t *v)
{
	*v = 0;
	while (n--) {
		if (**p < '0' || **p > '9')
			return false;
		*v = *v * 10 + (**p - '0');
		(*p)++;
	}
	return true;
}

/* ".ddd" (1 to 9 digits) into nanoseconds; no fraction is 0. */
static bool fraction(const char **p, int64_t *ns)
{
	unsigned n = 0;
	int64_t scale = 100000000;

	*ns = 0;
	if (**p != '.')
		return true;
	(*p)++;
	while (**p >= '0' && **p <= '9') {
		if (++n > 9)
			return false;
		*ns += (**p - '0') * scale;
		scale /= 10;
		(*p)++;
	}
	return n > 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int month_days(int64_t y, int64_t m)
{
	static const int md[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : md[m - 1];
}

/* "Z" or "+hh:mm"/"-hh:mm" into seconds east of UTC. */
static bool zone(const char **p, int64_t *east_s)
{
	int64_t hh, mm;
	int sign;

	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		*east_s = 0;
		return true;
	}
	if (**p != '+' && **p != '-')
		return false;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (!digits(p, 2, &hh) || *(*p)++ != ':' || !digits(p, 2, &mm) ||
	    hh > 23 || mm > 59)
		return false;
	*east_s = sign * (hh * 3600 + mm * 60);
	return true;
}

static int parse_rfc3339(const char *p, wall_ns *t)
{
	int64_t y, mo, d, h, mi, s, frac, east;

	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
	    *p++ != '-' || !digits(&p, 2, &d))
		return -EINVAL;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -EINVAL;
	p++;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) ||
	    *p++ != ':' || !digits(&p, 2, &s) || !fraction(&p, &frac) ||
	    !zone(&p, &east) || *p)
		return -EINVAL;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) ||
	    h > 23 || mi > 59 || s > 59)
		return -EINVAL;
	s += days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 - east;
	if (s < 0 || s > INT64_MAX / 1000000000 - 1)
		return -EINVAL;
	*t = s * 1000000000 + frac;
	return 0;
}

static int parse_epoch(const char *p, wall_ns *t)
{
	int64_t s = 0, frac;
	unsigned n = 0;

	while (*p >= '0' && *p <= '9') {
		if (++n > 11)		/* beyond year 5000 */
			return -EINVAL;
		s = s * 10 + (*p++ - '0');
	}
	if (!n || !fraction(&p, &frac) || *p)
		return -EINVAL;
	*t = s * 1000000000 + frac;
	return 0;
}

int walltime_parse(const char *s, wall_ns *t)
{
	if (!s || !*s)
		return -EINVAL;
	if (*s == '@')
		return parse_epoch(s + 1, t);
	return parse_rfc3339(s, t);
}

const char *walltime_format(wall_ns t, char *buf, size_t len)
{
	time_t sec = (time_t)(t >= 0 ? t / 1000000000 : (t - 999999999) / 1000000000);
	long us = (long)((t - (int64_t)sec * 1000000000) / 1000);
	struct tm tm;

	if (!gmtime_r(&sec, &tm)) {
		snprintf(buf, len, "?");
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, us);
	return buf;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

wall_ns walltime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts_ns(&ts);
}

int64_t walltime_mono_offset(void)
{
	struct timespec m0, r, m1;
	int64_t best_gap = INT64_MAX, best = 0;
	int i;

	for (i = 0; i < 5; i++) {
		clock_gettime(CLOCK_MONOTONIC, &m0);
		clock_gettime(CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_MONOTONIC, &m1);
		if (ts_ns(&m1) - ts_ns(&m0) < best_gap) {
			best_gap = ts_ns(&m1) - ts_ns(&m0);
			best = ts_ns(&r) - (ts_ns(&m0) + best_gap / 2);
		}
	}
	return best;
}

mono_ns walltime_to_mono(wall_ns t, int64_t offset_ns)
{
	int64_t m = t - offset_ns;

	return m > 0 ? (mono_ns)m : 0;
}

wall_ns walltime_from_mono(mono_ns m, int64_t offset_ns)
{
	return (wall_ns)m + offset_ns;
}
