/*
 * abtest.c - shifts, intervals and verdicts between two builds (see abtest.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abtest.h"

#define REL_EPS 1e-9		/* P(U <= c) == alpha/2 up to rounding counts */

static double phi(double x)
{
	return 0.5 * erfc(-x / M_SQRT2);
}

/* The x with phi(x) = p, 0 < p < 1, by bisection (no table, no series). */
static double phi_inv(double p)
{
	double lo = -40, hi = 40;
	int i;

	for (i = 0; i < 200; i++) {
		double mid = 0.5 * (lo + hi);

		if (phi(mid) < p)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of v[0..n), n >= 1, sorted in place. */
static double median_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* --- Mann-Whitney U under the null ---------------------------------------- */

/*
 * Counts of the orderings of n x's and m y's by U = #{(x, y): x > y}, for
 * u = 0..n*m, into a new array.  The largest element is an x (it beats all
 * b y's) or a y:  f(a, b, u) = f(a-1, b, u-b) + f(a, b-1, u), with
 * f(0, b, 0) = f(a, 0, 0) = 1.  Only additions of non-negative numbers,
 * so the relative rounding error stays near n*m ulps.  Rolled over a; the
 * caller passes m <= n so a layer is (m+1)(n*m+1) doubles.
 */
static double *mw_counts(unsigned n, unsigned m)
{
	size_t w = (size_t)n * m + 1, b, u, a;
	double *prev = calloc((m + 1) * w, sizeof(double));
	double *cur = calloc((m + 1) * w, sizeof(double)), *t, *res = NULL;

	if (!prev || !cur)
		goto out;
	for (b = 0; b <= m; b++)
		prev[b * w] = 1;
	for (a = 1; a <= n; a++) {
		memset(cur, 0, (m + 1) * w * sizeof(double));
		cur[0] = 1;
		for (b = 1; b <= m; b++)
			for (u = 0; u <= a * b; u++)
				cur[b * w + u] = (u >= b ? prev[b * w + u - b] : 0) +
						 cur[(b - 1) * w + u];
		t = prev, prev = cur, cur = t;
	}
	res = malloc(w * sizeof(double));
	if (res)
		memcpy(res, prev + (size_t)m * w, w * sizeof(double));
out:
	free(prev);
	free(cur);
	return res;
}

int ab_mw_cdf(unsigned n, unsigned m, unsigned u, double *p)
{
	double *f, below = 0, total = 0;
	size_t i, nm = (size_t)n * m;

	if (!n || !m)
		return -EINVAL;
	if (nm > AB_EXACT_MAX_NM)
		return -E2BIG;
	f = n >= m ? mw_counts(n, m) : mw_counts(m, n);
	if (!f)
		return -ENOMEM;
	for (i = 0; i <= nm; i++) {
		total += f[i];
		if (i <= u)
			below += f[i];
	}
	*p = below / total;
	free(f);
	return 0;
}

static int mw_rank_exact(unsigned n, unsigned m, double alpha2, unsigned *k,
			 double *level)
{
	double *f = n >= m ? mw_counts(n, m) : mw_counts(m, n), total = 0, cum = 0;
	size_t i, nm = (size_t)n * m;

	if (!f)
		return -ENOMEM;
	for (i = 0; i <= nm; i++)
		total += f[i];
	*k = 0;
	*level = 0;
	for (i = 0; i <= nm / 2; i++) {
		cum += f[i];
		if (cum / total > alpha2 * (1 + REL_EPS))
			break;
		*k = (unsigned)i + 1;
		*level = 1 - 2 * cum / total;
	}
	free(f);
	return 0;
}

/* U ~ N(nm/2, nm(n+m+1)/12), with a continuity correction; no ties term. */
static void mw_rank_normal(unsigned n, unsigned m, double alpha2, unsigned *k,
			   double *level)
{
	double nm = (double)n * m, mu = nm / 2;
	double sd = sqrt(nm * ((double)n + m + 1) / 12);
	double c = floor(mu + phi_inv(alpha2) * sd - 0.5);

	*k = 0;
	*level = 0;
	if (c < 0)
		return;
	*k = (unsigned)c + 1;
	*level = 1 - 2 * phi((c + 0.5 - mu) / sd);
}

int ab_mw_rank(unsigned n, unsigned m, double conf, unsigned *k, double *level)
{
	double alpha2 = (1 - conf) / 2;

	if (!(conf > 0 && conf < 1) || !n || !m)
		return -EINVAL;
	if (n > AB_MAX_SAMPLES || m > AB_MAX_SAMPLES)
		return -E2BIG;
	if ((size_t)n * m > AB_EXACT_MAX_NM) {
		mw_rank_normal(n, m, alpha2, k, level);
		return 0;
	}
	return mw_rank_exact(n, m, alpha2, k, level);
}

unsigned ab_min_repeats(double conf)
{
	unsigned K, k;
	double level;

	for (K = 1; K <= AB_MAX_SAMPLES; K++)
		if (!ab_mw_rank(K, K, conf, &k, &level) && k)
			return K;
	return 0;
}

/* --- shift ------------------------------------------------------------------ */

static int check_side(const double *v, unsigned n)
{
	unsigned i;

	if (!n)
		return -ENODATA;
	if (n > AB_MAX_SAMPLES)
		return -E2BIG;
	for (i = 0; i < n; i++)
		if (!isfinite(v[i]) || !(v[i] > 0))
			return -EINVAL;
	return 0;
}

static double raw_median(const double *v, unsigned n, double *tmp)
{
	memcpy(tmp, v, n * sizeof(*v));
	return median_sort(tmp, n);
}

static double pct(double log_ratio)
{
	return 100 * expm1(log_ratio);
}

int ab_shift(const double *base, unsigned n, const double *cur, unsigned m,
	     double conf, struct ab_cmp *out)
{
	size_t nm = (size_t)n * m, i, j;
	double *d;
	int err;

	if (!(conf > 0 && conf < 1))
		return -EINVAL;
	if ((err = check_side(base, n)) || (err = check_side(cur, m)))
		return err;
	d = malloc((nm > n + m ? nm : n + m) * sizeof(*d));
	if (!d)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	out->kind = AB_SHIFT;
	out->n = n;
	out->m = m;
	out->conf = conf;
	out->base = raw_median(base, n, d);
	out->cur = raw_median(cur, m, d);
	for (i = 0; i < n; i++)
		for (j = 0; j < m; j++)
			d[i * m + j] = log(cur[j]) - log(base[i]);
	out->est = pct(median_sort(d, nm));
	err = ab_mw_rank(n, m, conf, &out->k, &out->level);
	if (!err && out->k) {
		out->has_ci = true;
		out->exact = nm <= AB_EXACT_MAX_NM;
		out->lo = pct(d[out->k - 1]);
		out->hi = pct(d[nm - out->k]);
	}
	free(d);
	return err;
}

/* --- pairs ------------------------------------------------------------------- */

/*
 * P(T+ = t) for t = 0..n(n+1)/2, into a new array: each rank r joins the
 * positive ones or not, with probability 1/2, so p_r(t) = (p_{r-1}(t) +
 * p_{r-1}(t-r)) / 2, rolled in place from the top down.
 */
static double *sr_probs(unsigned n)
{
	size_t top = (size_t)n * (n + 1) / 2, t, r;
	double *p = calloc(top + 1, sizeof(double));

	if (!p)
		return NULL;
	p[0] = 1;
	for (r = 1; r <= n; r++)
		for (t = r * (r + 1) / 2; ; t--) {
			p[t] = 0.5 * (p[t] + (t >= r ? p[t - r] : 0));
			if (!t)
				break;
		}
	return p;
}

int ab_sr_cdf(unsigned n, unsigned t, double *out)
{
	size_t top = (size_t)n * (n + 1) / 2, i;
	double *p, cum = 0;

	if (!n)
		return -EINVAL;
	if (n > AB_SR_EXACT_MAX_N)
		return -E2BIG;
	p = sr_probs(n);
	if (!p)
		return -ENOMEM;
	for (i = 0; i <= top && i <= t; i++)
		cum += p[i];
	*out = fmin(cum, 1);
	free(p);
	return 0;
}

/* T+ ~ N(n(n+1)/4, n(n+1)(2n+1)/24), with a continuity correction. */
static void sr_rank_normal(unsigned n, double alpha2, unsigned *k, double *level)
{
	double N = n, mu = N * (N + 1) / 4, sd = sqrt(N * (N + 1) * (2 * N + 1) / 24);
	double c = floor(mu + phi_inv(alpha2) * sd - 0.5);

	*k = 0;
	*level = 0;
	if (c < 0)
		return;
	*k = (unsigned)c + 1;
	*level = 1 - 2 * phi((c + 0.5 - mu) / sd);
}

int ab_sr_rank(unsigned n, double conf, unsigned *k, double *level)
{
	double alpha2 = (1 - conf) / 2, *p, cum = 0;
	size_t top = (size_t)n * (n + 1) / 2, i;

	if (!(conf > 0 && conf < 1) || !n)
		return -EINVAL;
	if (n > AB_MAX_SAMPLES)
		return -E2BIG;
	if (n > AB_SR_EXACT_MAX_N) {
		sr_rank_normal(n, alpha2, k, level);
		return 0;
	}
	p = sr_probs(n);
	if (!p)
		return -ENOMEM;
	*k = 0;
	*level = 0;
	for (i = 0; i <= top / 2; i++) {
		cum += p[i];
		if (cum > alpha2 * (1 + REL_EPS))
			break;
		*k = (unsigned)i + 1;
		*level = 1 - 2 * cum;
	}
	free(p);
	return 0;
}

unsigned ab_min_pairs(double conf)
{
	unsigned n, k;
	double level;

	for (n = 1; n <= AB_MAX_SAMPLES; n++)
		if (!ab_sr_rank(n, conf, &k, &level) && k)
			return n;
	return 0;
}

int ab_paired(const double *base, const double *cur, unsigned n, double conf,
	      struct ab_cmp *out)
{
	size_t nw = (size_t)n * (n + 1) / 2, i, j, w = 0;
	double *d, *walsh;
	int err;

	if (!(conf > 0 && conf < 1))
		return -EINVAL;
	if ((err = check_side(base, n)) || (err = check_side(cur, n)))
		return err;
	d = malloc(n * sizeof(*d));
	walsh = malloc(nw * sizeof(*walsh));
	if (!d || !walsh) {
		err = -ENOMEM;
		goto out;
	}
	memset(out, 0, sizeof(*out));
	out->kind = AB_PAIRED;
	out->n = out->m = n;
	out->conf = conf;
	out->base = raw_median(base, n, d);
	out->cur = raw_median(cur, n, d);
	for (i = 0; i < n; i++)
		d[i] = log(cur[i]) - log(base[i]);
	for (i = 0; i < n; i++)
		for (j = i; j < n; j++)
			walsh[w++] = 0.5 * (d[i] + d[j]);
	out->est = pct(median_sort(walsh, nw));
	err = ab_sr_rank(n, conf, &out->k, &out->level);
	if (!err && out->k) {
		out->has_ci = true;
		out->exact = n <= AB_SR_EXACT_MAX_N;
		out->lo = pct(walsh[out->k - 1]);
		out->hi = pct(walsh[nw - out->k]);
	}
out:
	free(d);
	free(walsh);
	return err;
}

/* --- errors ------------------------------------------------------------------ */

static double lchoose(double a, double b)
{
	int s;

	return lgamma_r(a + 1, &s) - lgamma_r(b + 1, &s) - lgamma_r(a - b + 1, &s);
}

#define FISHER_MAX_SUPPORT 10000000ULL

/*
 * Given the K errors of both builds, the current's count X is
 * hypergeometric: P(x) = C(K, x) C(N-K, nc-x) / C(N, nc).  Two-sided: the
 * tables no more likely than the one seen (as R's fisher.test does).
 */
int ab_fisher(uint64_t a, uint64_t na, uint64_t c, uint64_t nc,
	      double *two_sided, double *greater, double *less)
{
	uint64_t N = na + nc, K = a + c, lo, hi, x;
	double lnorm, lobs, two = 0, gt = 0, lt = 0;

	if (!na || !nc)
		return -ENODATA;
	if (a > na || c > nc || N < na)
		return -EINVAL;
	lo = K > na ? K - na : 0;
	hi = K < nc ? K : nc;
	if (hi - lo >= FISHER_MAX_SUPPORT)
		return -E2BIG;
	lnorm = lchoose((double)N, (double)nc);
	lobs = lchoose((double)K, (double)c) + lchoose((double)(N - K), (double)(nc - c)) - lnorm;
	for (x = lo; x <= hi; x++) {
		double lp = lchoose((double)K, (double)x) +
			    lchoose((double)(N - K), (double)(nc - x)) - lnorm;
		double p = exp(lp);

		if (lp <= lobs + 1e-7)
			two += p;
		if (x >= c)
			gt += p;
		if (x <= c)
			lt += p;
	}
	*two_sided = fmin(two, 1);
	*greater = fmin(gt, 1);
	*less = fmin(lt, 1);
	return 0;
}

/* Wilson's score interval of x out of n. */
static void wilson(double x, double n, double z, double *l, double *u)
{
	double p = x / n, z2 = z * z, den = 1 + z2 / n;
	double mid = (p + z2 / (2 * n)) / den;
	double half = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / den;

	*l = fmax(mid - half, 0);
	*u = fmin(mid + half, 1);
}

int ab_errors(uint64_t base_err, uint64_t base_started, uint64_t cur_err,
	      uint64_t cur_started, double conf, struct ab_cmp *out)
{
	double p1, p2, l1, u1, l2, u2, z;
	int err;

	if (!(conf > 0 && conf < 1))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	err = ab_fisher(base_err, base_started, cur_err, cur_started,
			&out->p_two_sided, &out->p_greater, &out->p_less);
	if (err)
		return err;
	out->kind = AB_SHARE;
	out->conf = conf;
	out->base_err = base_err;
	out->base_started = base_started;
	out->cur_err = cur_err;
	out->cur_started = cur_started;
	p1 = (double)base_err / (double)base_started;
	p2 = (double)cur_err / (double)cur_started;
	z = -phi_inv((1 - conf) / 2);
	wilson((double)base_err, (double)base_started, z, &l1, &u1);
	wilson((double)cur_err, (double)cur_started, z, &l2, &u2);
	out->base = 100 * p1;
	out->cur = 100 * p2;
	out->est = 100 * (p2 - p1);
	out->lo = 100 * (p2 - p1 - sqrt((p2 - l2) * (p2 - l2) + (u1 - p1) * (u1 - p1)));
	out->hi = 100 * (p2 - p1 + sqrt((u2 - p2) * (u2 - p2) + (p1 - l1) * (p1 - l1)));
	out->has_ci = true;
	out->level = conf;
	return 0;
}

/* --- verdict and text ---------------------------------------------------------- */

int ab_verdict(const struct ab_cmp *c, enum ab_dir dir, double tol,
	       enum ab_verdict *out)
{
	bool up, down;
	double alpha2 = (1 - c->level) / 2;

	if (!isfinite(tol) || tol < 0 || (dir != AB_HIGHER_WORSE && dir != AB_LOWER_WORSE))
		return -EINVAL;
	if (!c->has_ci) {
		*out = AB_NO_INTERVAL;
		return 0;
	}
	up = c->lo > tol;	/* wholly above +tol */
	down = c->hi < -tol;	/* wholly below -tol */
	if (c->kind == AB_SHARE) {	/* and the exact test agrees */
		up = up && c->p_greater <= alpha2;
		down = down && c->p_less <= alpha2;
	}
	if (dir == AB_HIGHER_WORSE)
		*out = up ? AB_FAIL : down ? AB_BETTER : AB_PASS;
	else
		*out = down ? AB_FAIL : up ? AB_BETTER : AB_PASS;
	return 0;
}

const char *ab_verdict_name(enum ab_verdict v)
{
	switch (v) {
	case AB_PASS: return "pass";
	case AB_FAIL: return "FAIL";
	case AB_BETTER: return "better";
	case AB_NO_INTERVAL: return "no interval";
	}
	return "?";
}

static int done(int n, size_t len)
{
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int ab_format_estimate(char *buf, size_t len, const struct ab_cmp *c)
{
	unsigned need = ab_min_repeats(c->conf);

	if (c->kind == AB_SHARE)
		return done(snprintf(buf, len, "%+.3f pp (%.1f%% CI %+.3f..%+.3f pp, Fisher p=%.2g)",
				     c->est, 100 * c->level, c->lo, c->hi, c->p_two_sided), len);
	if (!c->has_ci && c->kind == AB_PAIRED)
		return done(snprintf(buf, len, "%+.1f%% (no interval: %u pairs, a %.0f%% interval needs %u or more)",
				     c->est, c->n, 100 * c->conf, ab_min_pairs(c->conf)), len);
	if (!c->has_ci)
		return done(snprintf(buf, len, "%+.1f%% (no interval: %u+%u repeats, a %.0f%% interval needs %u+%u or more)",
				     c->est, c->n, c->m, 100 * c->conf, need, need), len);
	return done(snprintf(buf, len, "%+.1f%% (%.1f%% CI %+.1f..%+.1f%%)",
			     c->est, 100 * c->level, c->lo, c->hi), len);
}

#define ROW_FMT "%-14s %10s %10s %9s %-22s %6s %9s  %s"

int ab_format_head(char *buf, size_t len)
{
	return done(snprintf(buf, len, ROW_FMT, "metric", "baseline", "current",
			     "estimate", "interval", "level", "tolerance", "verdict"), len);
}

static void fmt_value(char *buf, size_t len, double v, const char *unit, int digits)
{
	if (fabs(v) >= 1e4)
		snprintf(buf, len, "%.0f%s", v, unit);
	else
		snprintf(buf, len, "%.*g%s", digits, v, unit);
}

int ab_format_row(char *buf, size_t len, const char *metric, const char *unit,
		  const struct ab_cmp *c, double tol, enum ab_verdict v)
{
	bool share = c->kind == AB_SHARE;
	const char *u = share ? "%" : unit ? unit : "";
	const char *d = share ? "pp" : "%";
	char b[24], cu[24], e[16], iv[40], lv[8], t[16];

	fmt_value(b, sizeof(b), c->base, u, share ? 3 : 4);
	fmt_value(cu, sizeof(cu), c->cur, u, share ? 3 : 4);
	snprintf(e, sizeof(e), share ? "%+.3f%s" : "%+.1f%s", c->est, d);
	if (tol < 0)
		snprintf(t, sizeof(t), "off");	/* shown, not gated */
	else
		snprintf(t, sizeof(t), "%.3g%s", tol, d);
	if (c->has_ci) {
		snprintf(iv, sizeof(iv), share ? "%+.3f..%+.3f%s" : "%+.1f..%+.1f%s",
			 c->lo, c->hi, d);
		snprintf(lv, sizeof(lv), "%.1f%%", 100 * c->level);
	} else {
		if (c->kind == AB_PAIRED)
			snprintf(iv, sizeof(iv), "none (%u pairs)", c->n);
		else
			snprintf(iv, sizeof(iv), "none (%u+%u repeats)", c->n, c->m);
		snprintf(lv, sizeof(lv), "-");
	}
	return done(snprintf(buf, len, ROW_FMT, metric, b, cu, e, iv, lv, t,
			     tol < 0 ? "not gated" : ab_verdict_name(v)), len);
}
