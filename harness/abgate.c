/*
 * abgate.c - the gate over repeats (see abgate.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "abgate.h"
#include "abtest.h"

/*
 * Defaults from A/A runs on a shared 2-core machine (README, "A/B of
 * firewall builds"): the metrics that move least between repeats gate,
 * and pairs, whose ratios move far less than separate runs, gate tighter.
 */
static const struct {
	const char *name, *unit;
	enum ab_dir dir;
	double tol;		/* interleaved */
	double tol_paired;	/* builds side by side */
} metric[ABG__COUNT] = {
	[ABG_CONNECT_P50] = { "connect_p50", "us", AB_HIGHER_WORSE, 3, 1 },
	[ABG_LATENCY_P50] = { "latency_p50", "us", AB_HIGHER_WORSE, 3, 2 },
	[ABG_LATENCY_P99] = { "latency_p99", "us", AB_HIGHER_WORSE, ABG_OFF, ABG_OFF },
	[ABG_ACHIEVED] = { "achieved", "/s", AB_LOWER_WORSE, 2, 2 },
	[ABG_ERRORS] = { "errors", "%", AB_HIGHER_WORSE, 0.1, 0.1 },
	[ABG_COST] = { "cost", "us", AB_HIGHER_WORSE, ABG_OFF, ABG_OFF },
	[ABG_KNEE] = { "knee", "/s", AB_LOWER_WORSE, ABG_OFF, ABG_OFF },
};

#define CONF 0.95

void abg_defaults(struct abg_opts *o)
{
	unsigned i;

	for (i = 0; i < ABG__COUNT; i++)
		o->tol[i] = ABG_DEFAULT;
}

const char *abg_metric_name(enum abg_metric m)
{
	return m < ABG__COUNT ? metric[m].name : "?";
}

int abg_set_tolerance(struct abg_opts *o, const char *arg, char *why, size_t len)
{
	const char *eq = strchr(arg, '=');
	char *end;
	double v;
	unsigned i;

	for (i = 0; eq && i < ABG__COUNT; i++)
		if (strlen(metric[i].name) == (size_t)(eq - arg) &&
		    !strncmp(arg, metric[i].name, (size_t)(eq - arg)))
			break;
	if (!eq || i == ABG__COUNT) {
		snprintf(why, len, "METRIC=PCT or METRIC=off, METRIC one of connect_p50, "
			 "latency_p50, latency_p99, achieved, errors, cost, knee");
		return -1;
	}
	if (!strcmp(eq + 1, "off")) {
		o->tol[i] = ABG_OFF;
		return 0;
	}
	v = strtod(eq + 1, &end);
	if (end == eq + 1 || *end || !(v >= 0 && v <= 1000)) {
		snprintf(why, len, "a tolerance from 0 to 1000 (percent; errors: points) or off");
		return -1;
	}
	o->tol[i] = v;
	return 0;
}

void abg_select(const struct results *res, const char *name, struct results *out)
{
	unsigned i;

	out->nrows = out->nsat = 0;
	for (i = 0; i < res->nrows; i++)
		if (!strcmp(res->row[i].build, name))
			out->row[out->nrows++] = res->row[i];
	for (i = 0; i < res->nsat; i++)
		if (!strcmp(res->sat[i].build, name))
			out->sat[out->nsat++] = res->sat[i];
}

static bool same_round(const struct rrow *a, const struct rrow *b)
{
	return !strcmp(a->profile, b->profile) && a->closed == b->closed && a->target == b->target;
}

/* Finished rounds of res like key: their count. */
static unsigned count_like(const struct results *res, const struct rrow *key)
{
	unsigned i, n = 0;

	for (i = 0; i < res->nrows; i++)
		n += !res->row[i].interrupted && same_round(&res->row[i], key);
	return n;
}

bool abg_has_repeats(const struct results *base, const struct results *cur)
{
	unsigned i;

	for (i = 0; i < base->nrows; i++)
		if (count_like(base, &base->row[i]) >= 2 && count_like(cur, &base->row[i]) >= 2)
			return true;
	return false;
}

static double value(const struct rrow *r, enum abg_metric m)
{
	switch (m) {
	case ABG_CONNECT_P50: return r->connect_p50_us;
	case ABG_LATENCY_P50: return r->p50_us;
	case ABG_LATENCY_P99: return r->p99_us;
	case ABG_ACHIEVED: return r->achieved;
	case ABG_COST: return r->cost_us;
	default: return NAN;
	}
}

/* One side's values of metric m for rounds like key (positive ones only). */
static unsigned values(const struct results *res, const struct rrow *key, enum abg_metric m,
		       double *v, unsigned max)
{
	unsigned i, n = 0;

	for (i = 0; i < res->nrows && n < max; i++) {
		const struct rrow *r = &res->row[i];
		double x = value(r, m);

		if (!r->interrupted && same_round(r, key) && isfinite(x) && x > 0)
			v[n++] = x;
	}
	return n;
}

static void errors_of(const struct results *res, const struct rrow *key,
		      uint64_t *err, uint64_t *started)
{
	unsigned i;

	*err = *started = 0;
	for (i = 0; i < res->nrows; i++)
		if (!res->row[i].interrupted && same_round(&res->row[i], key)) {
			*err += res->row[i].errors;
			*started += res->row[i].started;
		}
}

/*
 * Builds side by side: every finished round like key, on both sides, is
 * one of a pair (and the two sides come from one run).
 */
static bool is_paired(const struct results *base, const struct results *cur,
		      const struct rrow *key)
{
	const struct results *side[2] = { base, cur };
	unsigned s, i, n = 0;

	for (s = 0; s < 2; s++)
		for (i = 0; i < side[s]->nrows; i++) {
			const struct rrow *r = &side[s]->row[i];

			if (r->interrupted || !same_round(r, key))
				continue;
			if (!r->pair || strcmp(r->run, key->run))
				return false;
			n++;
		}
	return n > 0;
}

/* The values of metric m of the pairs both sides finished: their count. */
static unsigned pair_values(const struct results *base, const struct results *cur,
			    const struct rrow *key, enum abg_metric m, double *a, double *b,
			    unsigned max)
{
	unsigned i, j, n = 0;

	for (i = 0; i < base->nrows && n < max; i++) {
		const struct rrow *x = &base->row[i];

		if (x->interrupted || !same_round(x, key) || !(value(x, m) > 0))
			continue;
		for (j = 0; j < cur->nrows; j++) {
			const struct rrow *y = &cur->row[j];

			if (!y->interrupted && same_round(y, key) && y->pair == x->pair &&
			    isfinite(value(y, m)) && value(y, m) > 0 && isfinite(value(x, m))) {
				a[n] = value(x, m);
				b[n++] = value(y, m);
				break;
			}
		}
	}
	return n;
}

struct gating {
	const struct abg_opts *o;
	FILE *f;
	int rc;			/* 0, 1 */
	bool no_interval;	/* a gating metric had too few repeats */
	bool paired;		/* the last round compared was paired */
};

/* Metric m's tolerance: the one given, or the design's default. */
static double tolerance(const struct gating *g, enum abg_metric m)
{
	if (g->o->tol[m] != ABG_DEFAULT)
		return g->o->tol[m];
	return g->paired ? metric[m].tol_paired : metric[m].tol;
}

/* Judge one comparison and print its row. */
static void judge(struct gating *g, enum abg_metric m, const struct ab_cmp *c)
{
	enum ab_verdict v = AB_PASS;
	double tol = tolerance(g, m);
	char line[256];

	ab_verdict(c, metric[m].dir, tol < 0 ? 0 : tol, &v);
	if (tol >= 0 && v == AB_FAIL)
		g->rc = 1;
	if (tol >= 0 && v == AB_NO_INTERVAL)
		g->no_interval = true;
	if (ab_format_row(line, sizeof(line), metric[m].name, metric[m].unit, c, tol, v) >= 0)
		fprintf(g->f, "  %s\n", line);
}

static void compare_round(struct gating *g, const struct results *base,
			  const struct results *cur, const struct rrow *key)
{
	double a[AB_MAX_SAMPLES], b[AB_MAX_SAMPLES];
	uint64_t ea, sa, eb, sb;
	struct ab_cmp c;
	unsigned m, n, k;

	for (m = 0; m < ABG__COUNT; m++) {
		if (m == ABG_KNEE)
			continue;
		if (m == ABG_ERRORS) {
			errors_of(base, key, &ea, &sa);
			errors_of(cur, key, &eb, &sb);
			if (!ab_errors(ea, sa, eb, sb, CONF, &c))
				judge(g, m, &c);
			continue;
		}
		if (g->paired) {
			n = pair_values(base, cur, key, m, a, b, AB_MAX_SAMPLES);
			if (n && !ab_paired(a, b, n, CONF, &c))
				judge(g, m, &c);
			continue;
		}
		n = values(base, key, m, a, AB_MAX_SAMPLES);
		k = values(cur, key, m, b, AB_MAX_SAMPLES);
		if (n && k && !ab_shift(a, n, b, k, CONF, &c))
			judge(g, m, &c);
	}
}

/* The knees of one profile, one per repeat a side. */
static void compare_knees(struct gating *g, const struct results *base,
			  const struct results *cur, const char *profile)
{
	double a[RESULTS_MAX_SAT], b[RESULTS_MAX_SAT];
	unsigned i, n = 0, k = 0;
	struct ab_cmp c;

	for (i = 0; i < base->nsat; i++)
		if (!strcmp(base->sat[i].profile, profile) && base->sat[i].rate > 0)
			a[n++] = base->sat[i].rate;
	for (i = 0; i < cur->nsat; i++)
		if (!strcmp(cur->sat[i].profile, profile) && cur->sat[i].rate > 0)
			b[k++] = cur->sat[i].rate;
	if (!n)
		return;
	fprintf(g->f, "%s, knee: %u against %u repeats\n", profile, n, k);
	if (!k) {
		fprintf(g->f, "  knee: none in the current run: fail\n");
		g->rc = 1;
	} else if (!ab_shift(a, n, b, k, CONF, &c)) {
		judge(g, ABG_KNEE, &c);
	}
}

/* Is key the first finished round of its kind in res? */
static bool first_of_kind(const struct results *res, unsigned i)
{
	unsigned j;

	for (j = 0; j < i; j++)
		if (!res->row[j].interrupted && same_round(&res->row[j], &res->row[i]))
			return false;
	return !res->row[i].interrupted;
}

static bool first_knee(const struct results *res, unsigned i)
{
	unsigned j;

	for (j = 0; j < i; j++)
		if (!strcmp(res->sat[j].profile, res->sat[i].profile))
			return false;
	return true;
}

int abg_gate(const struct results *base, const struct results *cur,
	     const struct abg_opts *o, FILE *f, char *err, size_t errlen)
{
	struct gating g = { o, f, 0, false, false };
	bool any_paired = false;
	char head[160];
	unsigned i, compared = 0;

	if (ab_format_head(head, sizeof(head)) < 0)
		head[0] = '\0';
	for (i = 0; i < base->nrows; i++) {
		const struct rrow *key = &base->row[i];

		if (!first_of_kind(base, i))
			continue;
		g.paired = is_paired(base, cur, key);
		any_paired |= g.paired;
		fprintf(f, "%s, %s%.0f%s: %u against %u repeats, %s\n", key->profile,
			key->closed ? "c=" : "", key->target, key->closed ? "" : "/s",
			count_like(base, key), count_like(cur, key),
			g.paired ? "paired (side by side: per-pair ratios, Wilcoxon signed-rank)"
				 : "interleaved (Hodges-Lehmann, Mann-Whitney)");
		if (!count_like(cur, key)) {
			fprintf(f, "  missing in the current run: fail\n");
			g.rc = 1;
			continue;
		}
		fprintf(f, "  %s\n", head);
		compare_round(&g, base, cur, key);
		compared++;
	}
	g.paired = false;	/* knees are per run, never paired */
	for (i = 0; i < base->nsat; i++)
		if (first_knee(base, i)) {
			compare_knees(&g, base, cur, base->sat[i].profile);
			compared++;
		}
	if (!compared && !g.rc) {
		snprintf(err, errlen, "no finished round of the baseline to compare");
		return 2;
	}
	if (g.no_interval && !g.rc) {
		if (any_paired)
			snprintf(err, errlen, "too few pairs for a %.0f%% interval on a gating metric: "
				 "at least %u (--repeat)", 100 * CONF, ab_min_pairs(CONF));
		else
			snprintf(err, errlen, "too few repeats for a %.0f%% interval on a gating metric: "
				 "at least %u a side (--repeat)", 100 * CONF, ab_min_repeats(CONF));
		return 2;
	}
	fprintf(f, "%s\n", g.rc ? "FAIL: a metric is worse beyond its tolerance, with 95% confidence"
				: "pass: no gating metric is worse beyond its tolerance");
	return g.rc;
}
