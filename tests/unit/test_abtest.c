/*
 * Unit tests: harness/abtest.c - Hodges-Lehmann shifts, Mann-Whitney
 * intervals, Fisher's exact test, verdicts and the table.
 *
 * Reference values: the two-sided 5% critical values of U from the usual
 * Mann-Whitney tables (and by enumerating every ordering of small samples);
 * Fisher's tea-tasting table (p = 0.4857 two-sided, 0.2429 one-sided) and
 * the 2x2 example of Fisher's test on Wikipedia (p = 0.002759); the
 * two-sided 5% critical values of Wilcoxon's signed-rank T (n = 6..20).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "abtest.h"

#define N_(a) (sizeof(a) / sizeof((a)[0]))

/* Critical U (two-sided, 5%) is k - 1: the bounds are the k-th differences. */
static void test_mw_critical_values(void **state)
{
	static const struct { unsigned n, m; int crit; double level; } t[] = {
		{ 3, 3, -1, 0 },		/* no 95% interval */
		{ 3, 4, -1, 0 },
		{ 2, 7, -1, 0 },
		{ 4, 4, 0, 0.971428571 },	/* 1 - 2/70 */
		{ 3, 5, 0, 0.964285714 },	/* 1 - 2/56 */
		{ 2, 8, 0, 0.955555556 },	/* 1 - 2/45 */
		{ 5, 5, 2, 0.968253968 },	/* 1 - 2*4/252 */
		{ 6, 4, 2, 0.961904762 },
		{ 6, 6, 5, 0.958874459 },
		{ 7, 7, 8, 0.962121212 },
		{ 8, 8, 13, 0.950116550 },
		{ 9, 9, 17, 0.960016454 },
		{ 10, 10, 23, 0.956742947 },
		{ 20, 20, 127, -1 },
		{ 1, 39, 0, 0.95 },		/* P(U = 0) = 1/40: exactly 2.5% */
	};
	unsigned i, k;
	double level;

	(void)state;
	for (i = 0; i < N_(t); i++) {
		assert_int_equal(ab_mw_rank(t[i].n, t[i].m, 0.95, &k, &level), 0);
		assert_int_equal((int)k - 1, t[i].crit);
		if (t[i].level >= 0)
			assert_true(fabs(level - t[i].level) < 1e-8);
		/* the same for the sizes swapped */
		assert_int_equal(ab_mw_rank(t[i].m, t[i].n, 0.95, &k, &level), 0);
		assert_int_equal((int)k - 1, t[i].crit);
	}
	assert_int_equal(ab_min_repeats(0.95), 4);
	assert_int_equal(ab_min_repeats(0.90), 3);	/* 3+3: 1 - 2/20, just 90% */
	assert_int_equal(ab_min_repeats(0.99), 5);	/* 4+4: 1/70 > 0.5% */
}

static void test_mw_cdf(void **state)
{
	double p;

	(void)state;
	/* n = m = 5: counts of U = 0..5 are 1 1 2 3 5 7 of 252 */
	assert_int_equal(ab_mw_cdf(5, 5, 0, &p), 0);
	assert_true(fabs(p - 1.0 / 252) < 1e-12);
	assert_int_equal(ab_mw_cdf(5, 5, 5, &p), 0);
	assert_true(fabs(p - 19.0 / 252) < 1e-12);
	assert_int_equal(ab_mw_cdf(5, 5, 12, &p), 0);	/* the median of 0..25 */
	assert_true(fabs(p - 0.5) < 1e-12);
	assert_int_equal(ab_mw_cdf(5, 5, 25, &p), 0);
	assert_true(fabs(p - 1) < 1e-12);
	assert_int_equal(ab_mw_cdf(0, 5, 0, &p), -EINVAL);
	assert_int_equal(ab_mw_cdf(51, 51, 0, &p), -E2BIG);
}

/* Past AB_EXACT_MAX_NM: the normal approximation, checked against the exact rank. */
static void test_mw_normal(void **state)
{
	unsigned k;
	double level;

	(void)state;
	assert_int_equal(ab_mw_rank(51, 51, 0.95, &k, &level), 0);
	assert_int_equal(k, 1008);		/* the exact distribution gives 1008 too */
	assert_true(fabs(level - 0.95011669) < 1e-6);
	assert_int_equal(ab_mw_rank(60, 45, 0.95, &k, &level), 0);
	assert_true(k == 1047 || k == 1048);	/* exact: 1048 */
	assert_int_equal(ab_mw_rank(1000, 3, 0.95, &k, &level), 0);
	assert_int_equal(k, 518);
	assert_int_equal(ab_mw_rank(1001, 3, 0.95, &k, &level), -E2BIG);
}

/* log2 values 0..3 against 1..4: differences -2..4, the median 1. */
static void test_hl_by_hand(void **state)
{
	const double a[] = { 1, 2, 4, 8 }, b[] = { 16, 2, 8, 4 };
	struct ab_cmp c;

	(void)state;
	assert_int_equal(ab_shift(a, 4, b, 4, 0.95, &c), 0);
	assert_int_equal(c.kind, AB_SHIFT);
	assert_true(fabs(c.est - 100) < 1e-9);		/* x2 */
	assert_true(c.has_ci);
	assert_int_equal(c.k, 1);			/* min and max difference */
	assert_true(fabs(c.lo - -75) < 1e-9);		/* x1/4 */
	assert_true(fabs(c.hi - 1500) < 1e-9);		/* x16 */
	assert_true(fabs(c.level - 68.0 / 70) < 1e-12);
	assert_true(fabs(c.base - 3) < 1e-12);		/* median of 1 2 4 8 */
	assert_true(fabs(c.cur - 6) < 1e-12);
	assert_true(c.exact);
}

/* A sample against itself times 1.10: the estimate is +10% exactly. */
static void test_hl_shift(void **state)
{
	const double a[] = { 27.8, 27.2, 29.9, 26.1, 28.4 };
	double b[5];
	unsigned i;
	struct ab_cmp c;

	(void)state;
	for (i = 0; i < 5; i++)
		b[i] = a[(i + 2) % 5] * 1.10;
	assert_int_equal(ab_shift(a, 5, b, 5, 0.95, &c), 0);
	assert_true(fabs(c.est - 10) < 1e-9);
	assert_true(c.has_ci && c.lo < 10 && c.hi > 10);
	assert_int_equal(c.k, 3);
	assert_true(fabs(c.level - 0.968253968) < 1e-8);
	/* the interval is the 3rd and 23rd of the 25 pairwise ratios */
	{
		double d[25], lo, hi;
		unsigned j, n = 0;

		for (i = 0; i < 5; i++)
			for (j = 0; j < 5; j++)
				d[n++] = b[j] / a[i];
		for (i = 0; i < 25; i++)	/* selection sort: independent of qsort */
			for (j = i + 1; j < 25; j++)
				if (d[j] < d[i]) {
					double t = d[i];

					d[i] = d[j], d[j] = t;
				}
		lo = 100 * (d[2] - 1);
		hi = 100 * (d[22] - 1);
		assert_true(fabs(c.lo - lo) < 1e-9);
		assert_true(fabs(c.hi - hi) < 1e-9);
	}
}

/*
 * One outlier in the current build (x4) leaves the estimate at +5.5%: it
 * widens the interval on its own side only, so the +5% is still caught.
 */
static void test_hl_outlier(void **state)
{
	const double a[] = { 100, 101, 99, 100.5, 99.5 };
	const double b[] = { 105, 106, 104, 105.5, 400 };
	struct ab_cmp c;
	enum ab_verdict v;

	(void)state;
	assert_int_equal(ab_shift(a, 5, b, 5, 0.95, &c), 0);
	assert_true(fabs(c.est - 5.5) < 1e-9);		/* 105.5/100 */
	assert_true(fabs(c.lo - 100 * (105.0 / 101 - 1)) < 1e-9);	/* 105/101 */
	assert_true(fabs(c.hi - 300) < 1e-9);		/* 400/100 */
	assert_int_equal(ab_verdict(&c, AB_HIGHER_WORSE, 3, &v), 0);
	assert_int_equal(v, AB_FAIL);
}

static void test_shift_too_few(void **state)
{
	const double a[] = { 10, 11, 12 }, b[] = { 20, 21, 22 };
	struct ab_cmp c;
	enum ab_verdict v;
	char buf[160];

	(void)state;
	assert_int_equal(ab_shift(a, 3, b, 3, 0.95, &c), 0);
	assert_false(c.has_ci);
	assert_true(c.est > 80);	/* the estimate is there */
	assert_int_equal(ab_verdict(&c, AB_HIGHER_WORSE, 5, &v), 0);
	assert_int_equal(v, AB_NO_INTERVAL);
	assert_true(ab_format_estimate(buf, sizeof(buf), &c) > 0);
	assert_non_null(strstr(buf, "no interval: 3+3 repeats, a 95% interval needs 4+4"));
	assert_int_equal(ab_shift(a, 1, b, 1, 0.95, &c), 0);
	assert_false(c.has_ci);
	assert_int_equal(ab_shift(a, 2, b, 3, 0.95, &c), 0);
	assert_false(c.has_ci);
}

static void test_shift_bad_input(void **state)
{
	const double ok[] = { 1, 2, 3, 4 };
	const double zero[] = { 1, 0, 3, 4 }, neg[] = { 1, -2, 3, 4 };
	const double nan_[] = { 1, NAN, 3, 4 }, inf[] = { 1, INFINITY, 3, 4 };
	struct ab_cmp c;

	(void)state;
	assert_int_equal(ab_shift(ok, 4, zero, 4, 0.95, &c), -EINVAL);
	assert_int_equal(ab_shift(neg, 4, ok, 4, 0.95, &c), -EINVAL);
	assert_int_equal(ab_shift(ok, 4, nan_, 4, 0.95, &c), -EINVAL);
	assert_int_equal(ab_shift(inf, 4, ok, 4, 0.95, &c), -EINVAL);
	assert_int_equal(ab_shift(ok, 0, ok, 4, 0.95, &c), -ENODATA);
	assert_int_equal(ab_shift(ok, 4, ok, 4, 1.0, &c), -EINVAL);
	assert_int_equal(ab_shift(ok, 4, ok, 4, 0, &c), -EINVAL);
	assert_int_equal(ab_shift(ok, 4, ok, 4, NAN, &c), -EINVAL);
	assert_int_equal(ab_shift(ok, AB_MAX_SAMPLES + 1, ok, 4, 0.95, &c), -E2BIG);
}

static void test_fisher_textbook(void **state)
{
	double two, gt, lt;

	(void)state;
	/* tea tasting: 3 of 4 against 1 of 4 */
	assert_int_equal(ab_fisher(3, 4, 1, 4, &two, &gt, &lt), 0);
	assert_true(fabs(two - 34.0 / 70) < 1e-9);
	assert_true(fabs(lt - 17.0 / 70) < 1e-9);
	assert_true(fabs(gt - 69.0 / 70) < 1e-9);
	/* 1 of 10 against 11 of 14 */
	assert_int_equal(ab_fisher(1, 10, 11, 14, &two, &gt, &lt), 0);
	assert_true(fabs(two - 0.0027594562) < 1e-9);
	assert_true(fabs(gt - 0.0013797281) < 1e-9);
	/* no error anywhere: nothing to tell */
	assert_int_equal(ab_fisher(0, 30000, 0, 30000, &two, &gt, &lt), 0);
	assert_true(fabs(two - 1) < 1e-12 && fabs(gt - 1) < 1e-12);
	/* large counts, checked with exact rational arithmetic */
	assert_int_equal(ab_fisher(2, 30000, 15, 30000, &two, &gt, &lt), 0);
	assert_true(fabs(two - 0.0023467419) < 1e-8);
	assert_true(fabs(gt - 0.0011733710) < 1e-8);
	assert_int_equal(ab_fisher(0, 1000, 5, 1000, &two, &gt, &lt), 0);
	assert_true(fabs(two - 0.0621875785) < 1e-8);
	assert_int_equal(ab_fisher(5, 4, 0, 4, &two, &gt, &lt), -EINVAL);
	assert_int_equal(ab_fisher(0, 0, 0, 4, &two, &gt, &lt), -ENODATA);
}

static void test_errors_verdict(void **state)
{
	struct ab_cmp c;
	enum ab_verdict v;

	(void)state;
	/* 2 against 15 of 30000: +0.043 points, significant */
	assert_int_equal(ab_errors(2, 30000, 15, 30000, 0.95, &c), 0);
	assert_int_equal(c.kind, AB_SHARE);
	assert_true(fabs(c.est - 100 * 13.0 / 30000) < 1e-12);
	/* Newcombe's interval, computed independently from Wilson's formula */
	assert_true(c.has_ci);
	assert_true(fabs(c.lo - 0.0168930105) < 1e-9);
	assert_true(fabs(c.hi - 0.0761778675) < 1e-9);
	assert_int_equal(ab_verdict(&c, AB_HIGHER_WORSE, 0, &v), 0);
	assert_int_equal(v, AB_FAIL);
	assert_int_equal(ab_verdict(&c, AB_HIGHER_WORSE, 0.1, &v), 0);
	assert_int_equal(v, AB_PASS);			/* under 0.1 points */
	/*
	 * 0 against 5 of 1000: the approximate interval lies above zero
	 * (+0.022..+1.165 points) but the exact test does not agree (one-sided
	 * p = 0.031 > 2.5%): no failure on an approximation's word.
	 */
	assert_int_equal(ab_errors(0, 1000, 5, 1000, 0.95, &c), 0);
	assert_true(fabs(c.lo - 0.0221110656) < 1e-9);
	assert_true(fabs(c.hi - 1.1650955373) < 1e-9);
	assert_true(fabs(c.p_greater - 0.0310937893) < 1e-9);
	assert_int_equal(ab_verdict(&c, AB_HIGHER_WORSE, 0, &v), 0);
	assert_int_equal(v, AB_PASS);
	/* no errors either side: an interval around zero, a pass */
	assert_int_equal(ab_errors(0, 30000, 0, 30000, 0.95, &c), 0);
	assert_true(fabs(c.lo - -0.0128032233) < 1e-9);
	assert_true(fabs(c.hi - 0.0128032233) < 1e-9);
	assert_int_equal(ab_verdict(&c, AB_HIGHER_WORSE, 0, &v), 0);
	assert_int_equal(v, AB_PASS);
	/* fewer errors now */
	assert_int_equal(ab_errors(40, 30000, 2, 30000, 0.95, &c), 0);
	assert_int_equal(ab_verdict(&c, AB_HIGHER_WORSE, 0.01, &v), 0);
	assert_int_equal(v, AB_BETTER);
}

static struct ab_cmp shift_ci(double lo, double hi)
{
	struct ab_cmp c = { .kind = AB_SHIFT, .n = 5, .m = 5, .has_ci = true,
			    .lo = lo, .hi = hi, .est = (lo + hi) / 2,
			    .level = 0.968, .conf = 0.95 };
	return c;
}

static void test_verdict_rules(void **state)
{
	static const struct {
		double lo, hi, tol;
		enum ab_dir dir;
		enum ab_verdict want;
	} t[] = {
		{ 51, 58, 5, AB_HIGHER_WORSE, AB_FAIL },
		{ 4, 8, 5, AB_HIGHER_WORSE, AB_PASS },		/* straddles +5 */
		{ 5, 8, 5, AB_HIGHER_WORSE, AB_PASS },		/* touching is not beyond */
		{ -3, 3, 5, AB_HIGHER_WORSE, AB_PASS },
		{ -9, -6, 5, AB_HIGHER_WORSE, AB_BETTER },
		{ -9, -6, 5, AB_LOWER_WORSE, AB_FAIL },	/* the rate fell */
		{ 6, 9, 5, AB_LOWER_WORSE, AB_BETTER },
		{ -6, -4, 5, AB_LOWER_WORSE, AB_PASS },
		{ 0.5, 1, 0, AB_HIGHER_WORSE, AB_FAIL },	/* zero tolerance */
	};
	unsigned i;
	enum ab_verdict v;
	struct ab_cmp c;

	(void)state;
	for (i = 0; i < N_(t); i++) {
		c = shift_ci(t[i].lo, t[i].hi);
		assert_int_equal(ab_verdict(&c, t[i].dir, t[i].tol, &v), 0);
		assert_int_equal(v, t[i].want);
	}
	assert_int_equal(ab_verdict(&c, AB_HIGHER_WORSE, -1, &v), -EINVAL);
	assert_int_equal(ab_verdict(&c, AB_HIGHER_WORSE, NAN, &v), -EINVAL);
	assert_int_equal(ab_verdict(&c, (enum ab_dir)7, 5, &v), -EINVAL);
	assert_string_equal(ab_verdict_name(AB_FAIL), "FAIL");
	assert_string_equal(ab_verdict_name(AB_NO_INTERVAL), "no interval");
}

/* The example of the connect p50 that went from ~27.5 us to 42.6 us. */
static void test_format(void **state)
{
	const double a[] = { 27.8, 27.2, 27.5, 27.9, 27.1 };
	const double b[] = { 42.6, 42.6, 42.1, 43.0, 42.4 };
	struct ab_cmp c;
	enum ab_verdict v;
	char buf[256], head[256];

	(void)state;
	assert_int_equal(ab_shift(a, 5, b, 5, 0.95, &c), 0);
	assert_int_equal(ab_verdict(&c, AB_HIGHER_WORSE, 5, &v), 0);
	assert_int_equal(v, AB_FAIL);
	assert_true(ab_format_estimate(buf, sizeof(buf), &c) > 0);
	assert_string_equal(buf, "+54.8% (96.8% CI +52.0..+57.2%)");
	assert_true(ab_format_head(head, sizeof(head)) > 0);
	assert_true(ab_format_row(buf, sizeof(buf), "connect_p50", "us", &c, 5, v) > 0);
	assert_string_equal(buf, "connect_p50        27.5us     42.6us    +54.8% +52.0..+57.2%           96.8%        5%  FAIL");
	/* columns line up with the head */
	assert_int_equal(strstr(head, "verdict") - head, strstr(buf, "FAIL") - buf);
	assert_int_equal(ab_format_row(buf, 20, "connect_p50", "us", &c, 5, v), -ENOSPC);
	assert_int_equal(ab_errors(2, 30000, 15, 30000, 0.95, &c), 0);
	assert_true(ab_format_estimate(buf, sizeof(buf), &c) > 0);
	assert_non_null(strstr(buf, "+0.043 pp (95.0% CI +0.0"));
	assert_non_null(strstr(buf, "Fisher p=0.0023"));
	assert_int_equal(ab_verdict(&c, AB_HIGHER_WORSE, 0.1, &v), 0);
	assert_true(ab_format_row(buf, sizeof(buf), "errors", NULL, &c, 0.1, v) > 0);
	assert_string_equal(buf, "errors           0.00667%      0.05%  +0.043pp +0.017..+0.076pp        95.0%     0.1pp  pass");
}

/*
 * Wilcoxon signed-rank, two-sided 5%: the critical T of the usual tables
 * (n = 6: 0, 7: 2, 8: 3, ... 20: 52) is k - 1; n = 5 has none.
 */
static void test_sr_critical_values(void **state)
{
	static const struct { unsigned n; int crit; } t[] = {
		{ 4, -1 }, { 5, -1 }, { 6, 0 }, { 7, 2 }, { 8, 3 }, { 9, 5 }, { 10, 8 },
		{ 11, 10 }, { 12, 13 }, { 13, 17 }, { 14, 21 }, { 15, 25 }, { 16, 29 },
		{ 17, 34 }, { 18, 40 }, { 19, 46 }, { 20, 52 },
	};
	unsigned i, k;
	double level;

	(void)state;
	for (i = 0; i < N_(t); i++) {
		assert_int_equal(ab_sr_rank(t[i].n, 0.95, &k, &level), 0);
		assert_int_equal((int)k - 1, t[i].crit);
	}
	assert_int_equal(ab_sr_rank(6, 0.95, &k, &level), 0);
	assert_true(fabs(level - (1 - 2.0 / 64)) < 1e-12);
	assert_int_equal(ab_min_pairs(0.95), 6);
	assert_int_equal(ab_min_pairs(0.90), 5);	/* 1 - 2/32 = 93.75% */
}

/* n = 3: the 8 sign patterns give T+ = 0, 1, 2, 3, 3, 4, 5, 6. */
static void test_sr_cdf(void **state)
{
	static const double want[] = { 1, 2, 3, 5, 6, 7, 8 };
	unsigned t;
	double p;

	(void)state;
	for (t = 0; t < N_(want); t++) {
		assert_int_equal(ab_sr_cdf(3, t, &p), 0);
		assert_true(fabs(p - (want[t] / 8)) < 1e-12);
	}
	assert_int_equal(ab_sr_cdf(10, 8, &p), 0);	/* tables: 0.0244 */
	assert_true(fabs(p - (25.0 / 1024)) < 1e-12);
	assert_int_equal(ab_sr_cdf(0, 0, &p), -EINVAL);
}

/*
 * By hand: log ratios d = -0.01, 0.01, 0.02, 0.03, 0.04, 0.10.  The 21
 * Walsh averages, sorted (in hundredths): -1, 0, .5, 1, 1, 1.5, 1.5, 2, 2,
 * 2.5, 2.5, 3, 3, 3.5, 4, 4.5, 5.5, 6, 6.5, 7, 10; the median (11th) is
 * 2.5, and with 6 pairs k = 1: the interval is the extremes, -1 .. 10.
 */
static void test_paired_by_hand(void **state)
{
	static const double d[] = { -0.01, 0.01, 0.02, 0.03, 0.04, 0.10 };
	static const double noise[] = { 1.0, 1.3, 0.8, 1.1, 0.9, 1.2 };
	double base[6], cur[6];
	struct ab_cmp c;
	unsigned i;

	(void)state;
	for (i = 0; i < 6; i++) {
		base[i] = 30 * noise[i];
		cur[i] = base[i] * exp(d[i]);
	}
	assert_int_equal(ab_paired(base, cur, 6, 0.95, &c), 0);
	assert_int_equal(c.kind, AB_PAIRED);
	assert_int_equal(c.n, 6);
	assert_true(fabs(c.est - (100 * expm1(0.025))) < 1e-9);
	assert_true(c.has_ci);
	assert_int_equal(c.k, 1);
	assert_true(fabs(c.lo - (100 * expm1(-0.01))) < 1e-9);
	assert_true(fabs(c.hi - (100 * expm1(0.10))) < 1e-9);
	assert_true(fabs(c.level - (1 - 2.0 / 64)) < 1e-12);
}

/*
 * What pairing is for: every round's noise (here +-30%) falls on both
 * builds alike, so a 5% shift is found exactly, where the unpaired
 * comparison of the same values has an interval far wider than 5%.
 */
static void test_paired_cancels_noise(void **state)
{
	static const double noise[] = { 1.0, 1.3, 0.7, 1.1, 0.9, 1.25, 0.8, 1.05 };
	double base[8], cur[8];
	struct ab_cmp p, u;
	enum ab_verdict v;
	unsigned i;

	(void)state;
	for (i = 0; i < 8; i++) {
		base[i] = 30 * noise[i];
		cur[i] = base[i] * 1.05;
	}
	assert_int_equal(ab_paired(base, cur, 8, 0.95, &p), 0);
	assert_true(p.has_ci);
	assert_true(fabs(p.est - (5)) < 1e-9);
	assert_true(fabs(p.lo - (5)) < 1e-9);
	assert_true(fabs(p.hi - (5)) < 1e-9);
	assert_int_equal(ab_verdict(&p, AB_HIGHER_WORSE, 3, &v), 0);
	assert_int_equal(v, AB_FAIL);
	assert_int_equal(ab_shift(base, 8, cur, 8, 0.95, &u), 0);
	assert_true(u.has_ci && u.hi - u.lo > 20);
	assert_int_equal(ab_verdict(&u, AB_HIGHER_WORSE, 3, &v), 0);
	assert_int_equal(v, AB_PASS);
}

static void test_paired_too_few(void **state)
{
	static const double a[] = { 10, 11, 12, 13, 14 }, b[] = { 11, 12, 13, 14, 15 };
	struct ab_cmp c;
	enum ab_verdict v;
	char buf[160];

	(void)state;
	assert_int_equal(ab_paired(a, b, 5, 0.95, &c), 0);
	assert_false(c.has_ci);
	assert_true(c.est > 0);
	assert_int_equal(ab_verdict(&c, AB_HIGHER_WORSE, 0, &v), 0);
	assert_int_equal(v, AB_NO_INTERVAL);
	assert_true(ab_format_estimate(buf, sizeof(buf), &c) > 0);
	assert_non_null(strstr(buf, "5 pairs"));
	assert_non_null(strstr(buf, "needs 6"));
	assert_int_equal(ab_paired(a, b, 0, 0.95, &c), -ENODATA);
	assert_int_equal(ab_paired((const double[]){ 1, -1 }, b, 2, 0.95, &c), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mw_critical_values),
		cmocka_unit_test(test_mw_cdf),
		cmocka_unit_test(test_mw_normal),
		cmocka_unit_test(test_hl_by_hand),
		cmocka_unit_test(test_hl_shift),
		cmocka_unit_test(test_hl_outlier),
		cmocka_unit_test(test_shift_too_few),
		cmocka_unit_test(test_shift_bad_input),
		cmocka_unit_test(test_fisher_textbook),
		cmocka_unit_test(test_errors_verdict),
		cmocka_unit_test(test_verdict_rules),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_sr_critical_values),
		cmocka_unit_test(test_sr_cdf),
		cmocka_unit_test(test_paired_by_hand),
		cmocka_unit_test(test_paired_cancels_noise),
		cmocka_unit_test(test_paired_too_few),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
