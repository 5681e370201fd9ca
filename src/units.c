/*
 * units.c - strict number parsing (see units.h).
 *
 * Decimal values are parsed as an integer and a fraction of up to nine
 * digits and scaled in integer arithmetic, so "0.001s" is exactly 1000000 ns
 * and no value passes through floating point.
 */
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "units.h"

struct suffix {
	const char *name;
	uint64_t mult;
};

/*
 * Parse "digits[.digits]suffix" where suffix is one of @sfx (or none, which
 * means @none_mult).  The result is the value times the multiplier,
 * rounded down.
 */
static int parse_scaled(const char *s, const struct suffix *sfx,
			uint64_t none_mult, uint64_t *out)
{
	unsigned __int128 ip = 0, frac = 0, fdiv = 1, v, mult = 0;
	const char *p = s;
	int ndig = 0;

	if (!s)
		return -EINVAL;
	while (*p >= '0' && *p <= '9') {
		ip = ip * 10 + (unsigned)(*p - '0');
		if (ip > UINT64_MAX)
			return -ERANGE;
		p++;
		ndig++;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (fdiv < 1000000000000000000ULL) {
				frac = frac * 10 + (unsigned)(*p - '0');
				fdiv *= 10;
			}
			p++;
			ndig++;
		}
	}
	if (ndig == 0)
		return -EINVAL;
	if (*p == '\0') {
		mult = none_mult;
	} else {
		for (; sfx && sfx->name; sfx++) {
			if (strcmp(p, sfx->name) == 0) {
				mult = sfx->mult;
				break;
			}
		}
		if (!mult)
			return -EINVAL;
	}
	v = ip * mult + frac * mult / fdiv;
	if (v > UINT64_MAX)
		return -ERANGE;
	*out = (uint64_t)v;
	return 0;
}

static int in_range(int rc, uint64_t v, uint64_t min, uint64_t max)
{
	if (rc)
		return rc;
	return (v < min || v > max) ? -ERANGE : 0;
}

static const struct suffix count_sfx[] = {
	{ "k", 1000ULL }, { "K", 1000ULL },
	{ "M", 1000000ULL }, { "G", 1000000000ULL },
	{ NULL, 0 }
};

int units_parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	int rc = parse_scaled(s, count_sfx, 1, &v);

	rc = in_range(rc, v, min, max);
	if (!rc)
		*out = v;
	return rc;
}

static const struct suffix dur_sfx[] = {
	{ "ns", 1ULL }, { "us", 1000ULL }, { "ms", 1000000ULL },
	{ "s", 1000000000ULL }, { "m", 60000000000ULL },
	{ "h", 3600000000000ULL },
	{ NULL, 0 }
};

int units_parse_duration_ns(const char *s, uint64_t min, uint64_t max,
			    uint64_t *out)
{
	uint64_t v = 0;
	int rc = parse_scaled(s, dur_sfx, 1000000000ULL, &v);

	rc = in_range(rc, v, min, max);
	if (!rc)
		*out = v;
	return rc;
}

static const struct suffix rate_sfx[] = {
	{ "k", 1000000ULL }, { "K", 1000000ULL }, { "M", 1000000000ULL },
	{ NULL, 0 }
};

int units_parse_rate_milli(const char *s, uint64_t min, uint64_t max,
			   uint64_t *out)
{
	uint64_t v = 0;
	int rc = parse_scaled(s, rate_sfx, 1000, &v);

	rc = in_range(rc, v, min, max);
	if (!rc)
		*out = v;
	return rc;
}

int units_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s || *s == ' ' || *s == '\t')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || end == s || errno == ERANGE || !isfinite(v))
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* One decimal CPU number: digits only, at most five. */
static int cpu_number(const char **p, unsigned *v)
{
	const char *s = *p;
	unsigned x = 0;
	int k = 0;

	while (*s >= '0' && *s <= '9' && k < 6) {
		x = x * 10 + (unsigned)(*s++ - '0');
		k++;
	}
	if (k == 0 || k > 5)
		return -EINVAL;
	*p = s;
	*v = x;
	return 0;
}

int units_parse_cpulist(const char *s, unsigned max, unsigned short *out,
			unsigned outlen, unsigned *n)
{
	unsigned lo, hi, c, i, k = 0;

	for (;;) {
		if (cpu_number(&s, &lo))
			return -EINVAL;
		hi = lo;
		if (*s == '-') {
			s++;
			if (cpu_number(&s, &hi) || hi < lo)
				return -EINVAL;
		}
		if (*s != ',' && *s != '\0')
			return -EINVAL;
		if (hi >= max)
			return -ERANGE;
		for (c = lo; c <= hi; c++) {
			for (i = 0; i < k && out[i] != c; i++)
				;
			if (i < k)
				continue;
			if (k == outlen)
				return -ERANGE;
			out[k++] = (unsigned short)c;
		}
		if (*s == '\0')
			break;
		s++;
	}
	*n = k;
	return 0;
}

const char *units_fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 100 * NS_PER_US)
		snprintf(buf, len, "%.1fus", (double)ns / 1e3);
	else if (ns < NS_PER_MS)
		snprintf(buf, len, "%.0fus", (double)ns / 1e3);
	else if (ns < 100 * NS_PER_MS)
		snprintf(buf, len, "%.2fms", (double)ns / 1e6);
	else if (ns < NS_PER_S)
		snprintf(buf, len, "%.0fms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", (double)ns / 1e9);
	return buf;
}
