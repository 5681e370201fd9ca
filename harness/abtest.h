/*
 * abtest.h - is the current build worse than the baseline, over repeats?
 *
 * Each build is run K times (interleaved, see order.h) and each run gives
 * one value per metric: connect p50, latency p50/p99, achieved rate, cost
 * per connection, knee.  On a shared 2-core machine these values wander by
 * several percent from run to run, with outliers (a neighbour's compile, a
 * timer storm), and K is small: 3 to 10 per side.  So the comparison must
 * hold with few values, not assume a normal shape, and not be carried away
 * by one bad run.
 *
 *   Shift.  Every metric is positive and its noise is multiplicative: a busy
 *   neighbour makes a 30 us connect 33 us and a 300 us one 330 us.  So we
 *   compare logarithms: the difference of logs is the log of a ratio, and
 *   the result reads as "current is +55% of baseline" whatever the unit or
 *   size.  The estimate is Hodges-Lehmann: the median of the n*m pairwise
 *   differences log(cur_j) - log(base_i).  It ignores single outliers (it
 *   is the median of many pairs), and with Gaussian noise it loses only 5%
 *   efficiency against the difference of means.  The interval is the
 *   distribution-free Mann-Whitney one: the k-th smallest and k-th largest
 *   pairwise difference, k taken from the exact null distribution of the
 *   Mann-Whitney U (computed here by dynamic programming, so any n, m
 *   works), or from its normal approximation when n*m > AB_EXACT_MAX_NM.
 *   It assumes only that the two builds' noise has the same shape, shifted
 *   in log (a multiplicative effect).  Because U takes few values with few
 *   repeats, the interval's actual confidence level is at least the one
 *   asked for and is reported (5+5 repeats: 96.8% for a 95% request).
 *   Smallest designs with a 95% interval: 4+4, 3+5, 2+8 repeats; with 3+3
 *   there is none (every ordering has probability 1/20 > 2.5%).
 *
 *   Pairs.  When both builds ran side by side in the same rounds (two
 *   devices in parallel, the client alternating its targets), round i gives
 *   one value per build under the same instant of machine noise, and the
 *   log ratio d_i = log(cur_i) - log(base_i) cancels what the round shares.
 *   The estimate is the one-sample Hodges-Lehmann: the median of the
 *   n(n+1)/2 Walsh averages (d_i + d_j)/2, i <= j.  The interval is the
 *   exact Wilcoxon signed-rank one: the k-th smallest and k-th largest
 *   Walsh average, k from the null distribution of the signed-rank sum T+
 *   (2^n equally likely sign patterns, counted by dynamic programming up
 *   to AB_SR_EXACT_MAX_N pairs, normal beyond).  It assumes only that the
 *   log ratios are symmetric about their centre.  With n pairs the smallest
 *   two-sided p is 2/2^n, so 5 pairs (1/16) have no 95% interval; 6 is the
 *   least (96.9%), 8 give 95.3%, 10 give 95.1%.
 *
 *   Errors.  Errors out of started connections, summed over a build's
 *   repeats, compared as shares: Fisher's exact test (conditional on the
 *   total number of errors, exact for any count, including zero), and the
 *   difference of shares in percentage points with Newcombe's hybrid score
 *   interval (from Wilson's intervals of each share; valid at 0 errors).
 *   Summing treats connections as independent; a build whose errors come in
 *   bursts in one repeat looks more certain than it is, which the per-repeat
 *   error shares in the round records let a person see.
 *
 *   Verdict.  A metric fails only when its whole interval lies beyond the
 *   tolerance in the bad direction, so noise alone fails about 2.5% of the
 *   time at a zero tolerance and far less with one; a real change smaller
 *   than the tolerance never fails.  Too few repeats for an interval is its
 *   own verdict, never a pass.
 *
 * Functions return 0 or -errno and print nothing: -EINVAL for a value that
 * is not finite and positive (or a bad count or level), -ENODATA for an
 * empty side, -E2BIG past AB_MAX_SAMPLES, -ENOMEM.
 */
#ifndef CR_ABTEST_H
#define CR_ABTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AB_MAX_SAMPLES 1000	/* values per side */
#define AB_EXACT_MAX_NM 2500	/* above this n*m, U's normal approximation */
#define AB_SR_EXACT_MAX_N 200	/* above this many pairs, T+'s normal approximation */

enum ab_kind {
	AB_SHIFT,		/* est/lo/hi: percent of the baseline */
	AB_SHARE,		/* est/lo/hi: percentage points of error share */
	AB_PAIRED,		/* est/lo/hi: percent of the baseline, from pairs */
};

struct ab_cmp {
	enum ab_kind kind;
	unsigned n, m;		/* baseline and current repeats (paired: n == m pairs) */
	double base, cur;	/* medians (shift) or error shares in % (share) */
	double est;		/* estimate of cur against base */
	bool has_ci;		/* false: too few repeats for an interval */
	double lo, hi;		/* the interval, when has_ci */
	double level;		/* its achieved confidence, 0..1 (0: none) */
	double conf;		/* the confidence asked for */
	unsigned k;		/* shift: rank of the bounds among the n*m (paired: Walsh averages) */
	bool exact;		/* shift: U's exact distribution was used */
	/* share only: Fisher's exact test, errors counted per build */
	uint64_t base_err, base_started, cur_err, cur_started;
	double p_two_sided;	/* any difference */
	double p_greater;	/* current's share is higher */
	double p_less;		/* current's share is lower */
};

enum ab_dir {
	AB_HIGHER_WORSE,	/* latency, connect, cost, errors */
	AB_LOWER_WORSE,		/* achieved rate, knee, capacity */
};

enum ab_verdict {
	AB_PASS,		/* no change beyond the tolerance shown */
	AB_FAIL,		/* wholly beyond the tolerance, bad direction */
	AB_BETTER,		/* wholly beyond the tolerance, good direction */
	AB_NO_INTERVAL,		/* too few repeats to tell */
};

/*
 * The shift of cur[] against base[], both > 0, at confidence conf (0.95).
 * With n or m below what conf needs, est is still given, has_ci is false.
 */
int ab_shift(const double *base, unsigned n, const double *cur, unsigned m,
	     double conf, struct ab_cmp *out);
/*
 * The shift of cur[i] against base[i], pair by pair (n pairs, all > 0),
 * at confidence conf.  With too few pairs, est is given, has_ci false.
 */
int ab_paired(const double *base, const double *cur, unsigned n, double conf,
	      struct ab_cmp *out);
/* Errors of each build against its started connections. */
int ab_errors(uint64_t base_err, uint64_t base_started, uint64_t cur_err,
	      uint64_t cur_started, double conf, struct ab_cmp *out);

/*
 * Mann-Whitney's interval ranks: *k is the rank (1-based, from each end)
 * of the pairwise differences that bound the interval, 0 when no interval
 * reaches conf; *level its achieved confidence.  P(U <= k-1) <= (1-conf)/2.
 */
int ab_mw_rank(unsigned n, unsigned m, double conf, unsigned *k, double *level);
/* P(U <= u) for sizes n, m under the null, exact (dynamic programming). */
int ab_mw_cdf(unsigned n, unsigned m, unsigned u, double *p);
/* The smallest K such that K+K repeats give an interval at conf. */
unsigned ab_min_repeats(double conf);
/*
 * Wilcoxon's signed-rank interval: *k is the rank (1-based, from each end)
 * of the Walsh averages that bound it, 0 when no interval reaches conf;
 * *level its achieved confidence.  P(T+ <= k-1) <= (1-conf)/2.
 */
int ab_sr_rank(unsigned n, double conf, unsigned *k, double *level);
/* P(T+ <= t) for n pairs under the null, exact (dynamic programming). */
int ab_sr_cdf(unsigned n, unsigned t, double *p);
/* The smallest number of pairs that gives an interval at conf. */
unsigned ab_min_pairs(double conf);
/* Fisher's exact test on base a of na vs current c of nc: p-values. */
int ab_fisher(uint64_t a, uint64_t na, uint64_t c, uint64_t nc,
	      double *two_sided, double *greater, double *less);

/* The verdict for a tolerance >= 0 (percent, or points for shares). */
int ab_verdict(const struct ab_cmp *c, enum ab_dir dir, double tol,
	       enum ab_verdict *out);
const char *ab_verdict_name(enum ab_verdict v);

/*
 * One sentence: "+55.0% (96.8% CI +51.0..+58.0%)", or with "no interval"
 * and the repeats needed.  Returns the length, or -ENOSPC when cut.
 */
int ab_format_estimate(char *buf, size_t len, const struct ab_cmp *c);
/* The table's head and one row per metric (unit follows the medians). */
int ab_format_head(char *buf, size_t len);
/* A tolerance below 0 is shown as "off" and the verdict as "not gated". */
int ab_format_row(char *buf, size_t len, const char *metric, const char *unit,
		  const struct ab_cmp *c, double tol, enum ab_verdict v);

#endif
