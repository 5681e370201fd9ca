/*
 * page.c - report.html (see page.h).
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "abgate.h"
#include "abtest.h"
#include "page.h"
#include "payload.h"
#include "results.h"
#include "svg.h"

#define MAX_FILE (256u << 20)
#define MAX_COLS 16
#define MAX_TARGETS 64
#define CLEAN_SHARE 0.95	/* achieved / offered of a clean round */

struct col {
	char run[64], profile[64], build[24];
};

struct page {
	const char *const *dirs;
	unsigned ndirs;
	struct results *res;
	json_object *round[RESULTS_MAX_ROWS];	/* the record of res->row[i] */
	json_object *knee[RESULTS_MAX_SAT];	/* of res->sat[i] */
	json_object *cap[RESULTS_MAX_SAT];	/* "capacity" records (run --capacity) */
	unsigned ncap;
	json_object *run[PAGE_MAX_DIRS];	/* run.json, NULL: none */
	char label[PAGE_MAX_DIRS][64];		/* the rows' run label of each dir */
	struct col col[MAX_COLS];
	unsigned ncol;
	bool many_runs, builds, repeats, paired;
	FILE *f;
};

/* --- loading --- */

/* The round and knee records of text, in file order, appended to pg. */
static int take_records(struct page *pg, const char *text, size_t len,
			unsigned *nround, unsigned *nknee)
{
	size_t off = 0;

	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t l = nl ? (size_t)(nl - (text + off)) : len - off;
		char *line = strndup(text + off, l);
		json_object *o = line ? json_tokener_parse(line) : NULL, *t;
		const char *type;

		free(line);
		off += l + 1;
		if (!o)
			continue;
		type = json_object_object_get_ex(o, "type", &t) ? json_object_get_string(t) : NULL;
		if (!type)
			type = "";
		if (!strcmp(type, "round") && *nround < RESULTS_MAX_ROWS)
			pg->round[(*nround)++] = o;
		else if (!strcmp(type, "saturation") && *nknee < RESULTS_MAX_SAT)
			pg->knee[(*nknee)++] = o;
		else if (!strcmp(type, "capacity") && pg->ncap < RESULTS_MAX_SAT)
			pg->cap[pg->ncap++] = o;
		else
			json_object_put(o);
	}
	return 0;
}

/*
 * Every directory: its rows through results_load (which refuses what is
 * not a run's file), then the same records whole, for what the rows
 * leave out (histograms, diagnoses, counters).
 */
static int load(struct page *pg, char *err, size_t errlen)
{
	unsigned i, nround = 0, nknee = 0;
	char path[PATH_MAX + 16], base[PATH_MAX];
	struct payload pl;
	int rc;

	for (i = 0; i < pg->ndirs; i++) {
		if (results_load(pg->dirs[i], pg->res, err, errlen))
			return -1;
		snprintf(path, sizeof(path), "%s/rounds.jsonl", pg->dirs[i]);
		rc = payload_load_max(path, MAX_FILE, &pl);
		if (rc) {
			snprintf(err, errlen, "%s: cannot read: %s", path, payload_strerror(rc));
			return -1;
		}
		take_records(pg, pl.data, pl.len, &nround, &nknee);
		payload_free(&pl);
		snprintf(path, sizeof(path), "%s/run.json", pg->dirs[i]);
		if (access(path, R_OK) == 0)
			pg->run[i] = json_object_from_file(path);
		snprintf(base, sizeof(base), "%s", pg->dirs[i]);
		snprintf(pg->label[i], sizeof(pg->label[i]), "%s", basename(base));
	}
	if (nround != pg->res->nrows || nknee != pg->res->nsat || pg->ncap != pg->res->ncap) {
		snprintf(err, errlen, "%s: rounds.jsonl changed while being read", pg->dirs[pg->ndirs - 1]);
		return -1;
	}
	return 0;
}

static bool same_col(const struct col *c, const char *run, const char *profile, const char *build)
{
	return !strcmp(c->run, run) && !strcmp(c->profile, profile) && !strcmp(c->build, build);
}

static int col_of(const struct page *pg, const struct rrow *r)
{
	unsigned k;

	for (k = 0; k < pg->ncol; k++)
		if (same_col(&pg->col[k], r->run, r->profile, r->build))
			return (int)k;
	return -1;
}

/* The columns (run, profile, build) in order of appearance. */
static void find_cols(struct page *pg)
{
	unsigned i;

	for (i = 0; i < pg->res->nrows; i++) {
		const struct rrow *r = &pg->res->row[i];
		struct col *c = &pg->col[pg->ncol];

		pg->builds |= *r->build != '\0';
		pg->repeats |= r->repeat > 1;
		pg->paired |= r->pair > 0;
		if (col_of(pg, r) >= 0 || pg->ncol == MAX_COLS)
			continue;
		snprintf(c->run, sizeof(c->run), "%s", r->run);
		snprintf(c->profile, sizeof(c->profile), "%s", r->profile);
		snprintf(c->build, sizeof(c->build), "%s", r->build);
		pg->many_runs |= pg->ncol && strcmp(c->run, pg->col[0].run);
		pg->ncol++;
	}
}

static const char *col_name(const struct page *pg, unsigned k, char *buf, size_t len)
{
	const struct col *c = &pg->col[k];

	snprintf(buf, len, "%s%s%s%s%s", c->profile, *c->build ? "/" : "", c->build,
		 pg->many_runs ? " @ " : "", pg->many_runs ? c->run : "");
	return buf;
}

static struct svg_style col_style(unsigned k, unsigned dash)
{
	return (struct svg_style){ .colour = k, .dash = dash, .marker = k };
}

/* --- numbers --- */

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The distinct offered rates of open-loop rounds, ascending. */
static unsigned targets(const struct page *pg, double *t, unsigned max)
{
	unsigned i, k, n = 0;

	for (i = 0; i < pg->res->nrows; i++) {
		const struct rrow *r = &pg->res->row[i];

		if (r->closed)
			continue;
		for (k = 0; k < n && fabs(t[k] - r->target) > 1e-6; k++)
			;
		if (k == n && n < max)
			t[n++] = r->target;
	}
	qsort(t, n, sizeof(*t), cmp_d);
	return n;
}

/* Rows of column k at target (open loop): their indices, up to max. */
static unsigned rows_at(const struct page *pg, unsigned k, double target, unsigned *idx,
			unsigned max)
{
	unsigned i, n = 0;

	for (i = 0; i < pg->res->nrows && n < max; i++) {
		const struct rrow *r = &pg->res->row[i];

		if (!r->closed && fabs(r->target - target) < 1e-6 && col_of(pg, r) == (int)k)
			idx[n++] = i;
	}
	return n;
}

/* o.a (or o.a.b) as a number; NAN when missing or not one. */
static double jnum(json_object *o, const char *a, const char *b)
{
	json_object *x;

	if (!o || !json_object_object_get_ex(o, a, &x) || (b && !json_object_object_get_ex(x, b, &x)) ||
	    !(json_object_is_type(x, json_type_int) || json_object_is_type(x, json_type_double)))
		return NAN;
	return json_object_get_double(x);
}

/* Element i of array a as a number; NAN when it is not one. */
static double jnum_at(json_object *a, size_t i)
{
	json_object *x = json_object_array_get_idx(a, i);

	if (!(json_object_is_type(x, json_type_int) || json_object_is_type(x, json_type_double)))
		return NAN;
	return json_object_get_double(x);
}

static bool clean(const struct rrow *r)
{
	return !r->interrupted && r->errors == 0 &&
	       (r->closed || r->achieved >= CLEAN_SHARE * r->target);
}

static double error_share(const struct rrow *r)
{
	return r->started ? (double)r->errors / (double)r->started : 0;
}

/* A share 0..1 in percent with the digits it needs: "100%", "32%", "4.1%", "0.05%". */
static const char *fmt_share(double share, char *buf, size_t len)
{
	double pc = 100 * share;

	snprintf(buf, len, pc >= 10 ? "%.0f%%" : pc >= 1 ? "%.1f%%" : "%.2g%%", pc);
	return buf;
}

/* The first diagnosis line of round i, or NULL. */
static const char *first_diagnosis(const struct page *pg, unsigned i)
{
	json_object *d;

	if (!json_object_object_get_ex(pg->round[i], "diagnosis", &d) ||
	    !json_object_is_type(d, json_type_array) || !json_object_array_length(d))
		return NULL;
	return json_object_get_string(json_object_array_get_idx(d, 0));
}

/* Why round i is not clean, as a clause. */
static void why_failed(const struct page *pg, unsigned i, char *buf, size_t len)
{
	const struct rrow *r = &pg->res->row[i];
	const char *d = first_diagnosis(pg, i);
	char pc[16];
	int n;

	if (r->interrupted)
		n = snprintf(buf, len, "the round was interrupted");
	else if (r->errors)
		n = snprintf(buf, len, "%s of connections failed (%llu of %llu)",
			     fmt_share(error_share(r), pc, sizeof(pc)), (unsigned long long)r->errors,
			     (unsigned long long)r->started);
	else
		n = snprintf(buf, len, "it achieved only %.0f/s (%s of offered)", r->achieved,
			     fmt_share(r->target > 0 ? r->achieved / r->target : 0, pc, sizeof(pc)));
	if (d && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ": %s", d);
}

/* A small sample of column k's line, to match a sentence to the plots. */
static void swatch(struct page *pg, unsigned k)
{
	const char *c = svg_colour(k);

	fprintf(pg->f, "<svg class=\"swatch\" width=\"30\" height=\"12\" viewBox=\"0 0 30 12\" aria-hidden=\"true\">"
		       "<path d=\"M1 6h28\" stroke=\"%s\" stroke-width=\"2\"/>", c);
	switch (k % SVG_MARKERS) {
	case 0: fprintf(pg->f, "<circle cx=\"15\" cy=\"6\" r=\"3.2\" fill=\"%s\"/>", c); break;
	case 1: fprintf(pg->f, "<rect x=\"12\" y=\"3\" width=\"6\" height=\"6\" fill=\"%s\"/>", c); break;
	case 2: fprintf(pg->f, "<path d=\"M15 1.6l3.8 6.6h-7.6z\" fill=\"%s\"/>", c); break;
	case 3: fprintf(pg->f, "<path d=\"M15 2l4 4l-4 4l-4 -4z\" fill=\"%s\"/>", c); break;
	default: fprintf(pg->f, "<path d=\"M11.5 2.5l7 7m0 -7l-7 7\" stroke=\"%s\" stroke-width=\"2\"/>", c);
	}
	fprintf(pg->f, "</svg> ");
}

/* Column k's knee sentence, when it has knees: true. */
static bool knee_sentence(struct page *pg, unsigned k)
{
	const struct col *c = &pg->col[k];
	double rates[RESULTS_MAX_SAT], rate;
	unsigned i, n = 0, last = 0;
	json_object *x;

	for (i = 0; i < pg->res->nsat; i++)
		if (same_col(c, pg->res->sat[i].run, pg->res->sat[i].profile, pg->res->sat[i].build)) {
			rates[n++] = pg->res->sat[i].rate;
			last = i;
		}
	if (!n)
		return false;
	rate = median(rates, n);
	fprintf(pg->f, "knee at <b>%.0f/s</b>%s", rate, n > 1 ? " (median of the repeats)" : "");
	if (json_object_object_get_ex(pg->knee[last], "failed_rate", &x))
		fprintf(pg->f, "; the next rate, %.0f/s, failed: ", json_object_get_double(x));
	else
		fprintf(pg->f, "; then: ");
	svg_escape(pg->f, pg->res->sat[last].reason);
	if (json_object_object_get_ex(pg->knee[last], "detail", &x)) {
		fprintf(pg->f, " (");
		svg_escape(pg->f, json_object_get_string(x));
		fprintf(pg->f, ")");
	}
	return true;
}

/* The first round of column k at t[i] that is not clean: its index, or -1. */
static int first_unclean(const struct page *pg, unsigned k, double target)
{
	unsigned idx[RESULTS_MAX_ROWS], n = rows_at(pg, k, target, idx, RESULTS_MAX_ROWS), j;

	for (j = 0; j < n; j++)
		if (!clean(&pg->res->row[idx[j]]))
			return (int)idx[j];
	return n ? -2 : -1;	/* -2: all clean */
}

/* " (latency p50 X, p99 Y there)": clean is not fast, so say how fast. */
static void latency_there(struct page *pg, unsigned k, double target)
{
	unsigned idx[RESULTS_MAX_ROWS], n = rows_at(pg, k, target, idx, RESULTS_MAX_ROWS), j;
	double *v = malloc(2 * RESULTS_MAX_ROWS * sizeof(double)), *w = v + RESULTS_MAX_ROWS;
	char a[24], b[24];

	for (j = 0; v && j < n; j++) {
		v[j] = pg->res->row[idx[j]].p50_us;
		w[j] = pg->res->row[idx[j]].p99_us;
	}
	if (v && n)
		fprintf(pg->f, " (latency p50 %s, p99 %s there%s)",
			results_fmt_us(median(v, n), a, sizeof(a)), results_fmt_us(median(w, n), b, sizeof(b)),
			n > 1 ? ", medians of the repeats" : "");
	free(v);
}

/* Column k's open-loop sentence: the highest clean rate and what failed above it. */
static void rate_sentence(struct page *pg, unsigned k)
{
	double t[MAX_TARGETS], best = NAN;
	unsigned nt = targets(pg, t, MAX_TARGETS), i;
	int bad = -1;
	char why[768];

	for (i = 0; i < nt; i++)
		if (first_unclean(pg, k, t[i]) == -2)
			best = t[i];
	for (i = 0; i < nt && bad < 0; i++)	/* the first failure above it, */
		if ((isnan(best) || t[i] > best) && first_unclean(pg, k, t[i]) >= 0)
			bad = first_unclean(pg, k, t[i]);
	for (i = 0; i < nt && bad < 0; i++)	/* else the first below it */
		if (first_unclean(pg, k, t[i]) >= 0)
			bad = first_unclean(pg, k, t[i]);
	if (isnan(best) && bad < 0) {
		fprintf(pg->f, "no open-loop round");
		return;
	}
	if (isnan(best))
		fprintf(pg->f, "<b>no clean rate</b>");
	else if (bad < 0)
		fprintf(pg->f, "clean at every offered rate, up to <b>%.0f/s</b>", best);
	else
		fprintf(pg->f, "highest clean rate <b>%.0f/s</b>", best);
	if (!isnan(best))
		latency_there(pg, k, best);
	if (bad < 0)
		return;
	why_failed(pg, (unsigned)bad, why, sizeof(why));
	fprintf(pg->f, "; at %.0f/s", pg->res->row[bad].target);
	if (pg->repeats)
		fprintf(pg->f, " (repeat %u)", pg->res->row[bad].repeat);
	fprintf(pg->f, ", ");
	svg_escape(pg->f, why);
}

/* The baseline build: the first one named. */
static const char *baseline(const struct page *pg)
{
	unsigned k;

	for (k = 0; k < pg->ncol; k++)
		if (*pg->col[k].build)
			return pg->col[k].build;
	return "";
}

/* Connect or latency p50 of the finished rows idx[0..n), positive ones. */
static unsigned p50s(const struct page *pg, const unsigned *idx, unsigned n, bool connect,
		     double *v)
{
	unsigned j, m = 0;

	for (j = 0; j < n; j++) {
		const struct rrow *r = &pg->res->row[idx[j]];
		double x = connect ? r->connect_p50_us : r->p50_us;

		if (!r->interrupted && isfinite(x) && x > 0)
			v[m++] = x;
	}
	return m;
}

/* Rows idx[0..n) all carry a pair number (builds side by side). */
static bool all_paired(const struct page *pg, const unsigned *idx, unsigned n)
{
	unsigned j;

	for (j = 0; j < n; j++)
		if (!pg->res->row[idx[j]].pair)
			return false;
	return n > 0;
}

/*
 * Pairs of ib[] and ik[] with the same pair number: their indices put back
 * into ib[] and ik[] in matching order; the count.
 */
static unsigned match_pairs(const struct page *pg, unsigned *ib, unsigned nb,
			    unsigned *ik, unsigned nk)
{
	unsigned i, j, n = 0;

	for (i = 0; i < nb; i++)
		for (j = 0; j < nk; j++)
			if (pg->res->row[ib[i]].pair == pg->res->row[ik[j]].pair) {
				unsigned t = ik[n];

				ib[n] = ib[i];
				ik[n] = ik[j];
				ik[j] = t;
				n++;
				break;
			}
	return n;
}

/*
 * Column k against its baseline column b at target: one clause per p50,
 * pair by pair when the builds ran side by side, as the gate does (abtest.h).
 */
static void shift_clause(struct page *pg, unsigned b, unsigned k, double target)
{
	static const char *const what[2] = { "connect p50", "latency p50" };
	unsigned ib[RESULTS_MAX_ROWS], ik[RESULTS_MAX_ROWS], nb, nk, m;
	double *vb = calloc(2 * RESULTS_MAX_ROWS, sizeof(double)), *vk = vb + RESULTS_MAX_ROWS;
	struct ab_cmp c;
	char est[160];
	bool paired;

	nb = rows_at(pg, b, target, ib, RESULTS_MAX_ROWS);
	nk = rows_at(pg, k, target, ik, RESULTS_MAX_ROWS);
	paired = all_paired(pg, ib, nb) && all_paired(pg, ik, nk);
	if (paired)
		nb = nk = match_pairs(pg, ib, nb, ik, nk);
	for (m = 0; vb && m < 2; m++) {
		unsigned n = p50s(pg, ib, nb, m == 0, vb), o = p50s(pg, ik, nk, m == 0, vk);
		int rc = paired ? (n == nb && o == nk ? ab_paired(vb, vk, n, 0.95, &c) : -1) :
				  ab_shift(vb, n, vk, o, 0.95, &c);

		if (!n || !o || rc || ab_format_estimate(est, sizeof(est), &c) < 0)
			continue;
		fprintf(pg->f, "%s%s ", m ? "; " : ", ", what[m]);
		svg_escape(pg->f, est);
	}
	free(vb);
}

/* With builds: each build against the baseline, per profile and rate. */
static void build_sentences(struct page *pg)
{
	const char *base = baseline(pg);
	double t[MAX_TARGETS];
	unsigned nt = targets(pg, t, MAX_TARGETS), k, b, i;
	char name[200];

	for (k = 0; k < pg->ncol; k++) {
		if (!*pg->col[k].build || !strcmp(pg->col[k].build, base))
			continue;
		for (b = 0; b < pg->ncol && !same_col(&pg->col[b], pg->col[k].run,
						     pg->col[k].profile, base); b++)
			;
		if (b == pg->ncol)
			continue;
		for (i = 0; i < nt; i++) {
			unsigned idx[2];

			if (!rows_at(pg, b, t[i], idx, 2) || !rows_at(pg, k, t[i], idx, 2))
				continue;
			fprintf(pg->f, "<li class=\"shift\">");
			swatch(pg, k);
			fprintf(pg->f, "<b>");
			svg_escape(pg->f, col_name(pg, k, name, sizeof(name)));
			fprintf(pg->f, "</b> against <b>");
			svg_escape(pg->f, base);
			fprintf(pg->f, "</b> at %.0f/s", t[i]);
			shift_clause(pg, b, k, t[i]);
			fprintf(pg->f, ".</li>\n");
		}
	}
}

/* run --capacity: each capacity found, with the search's own words. */
static void capacity_sentences(struct page *pg)
{
	const char *what[] = { "profile", "build", "detail" };
	json_object *x;
	unsigned i, k;

	for (i = 0; i < pg->ncap; i++) {
		fprintf(pg->f, "<li>capacity");
		for (k = 0; k < 2; k++)
			if (json_object_object_get_ex(pg->cap[i], what[k], &x)) {
				fprintf(pg->f, " <b>");
				svg_escape(pg->f, json_object_get_string(x));
				fprintf(pg->f, "</b>");
			}
		fprintf(pg->f, ": <b>%.0f connections</b> held at once; ",
			json_object_object_get_ex(pg->cap[i], "connections", &x) ?
			json_object_get_double(x) : 0.0);
		svg_escape(pg->f, json_object_object_get_ex(pg->cap[i], "reason", &x) ?
			   json_object_get_string(x) : "?");
		if (json_object_object_get_ex(pg->cap[i], what[2], &x)) {
			fprintf(pg->f, " (");
			svg_escape(pg->f, json_object_get_string(x));
			fprintf(pg->f, ")");
		}
		fprintf(pg->f, ".</li>\n");
	}
}

static void answer(struct page *pg)
{
	char name[200];
	unsigned k;

	fprintf(pg->f, "<section id=\"answer\">\n<h2>The answer</h2>\n<ul class=\"answer\">\n");
	for (k = 0; k < pg->ncol; k++) {
		fprintf(pg->f, "<li>");
		swatch(pg, k);
		fprintf(pg->f, "<b>");
		svg_escape(pg->f, col_name(pg, k, name, sizeof(name)));
		fprintf(pg->f, "</b>: ");
		if (!knee_sentence(pg, k))
			rate_sentence(pg, k);
		fprintf(pg->f, ".</li>\n");
	}
	capacity_sentences(pg);
	if (pg->builds)
		build_sentences(pg);
	fprintf(pg->f, "</ul>\n");
	if (!pg->res->nrows) {	/* capacities only: no rate, nothing clean or not */
		fprintf(pg->f, "</section>\n");
		return;
	}
	fprintf(pg->f, "<p class=\"note\">A round is clean when it finished with no error "
		       "and achieved at least %.0f%% of the offered rate.%s</p>\n</section>\n",
		100 * CLEAN_SHARE, pg->builds && pg->repeats ?
		pg->paired ? " Shifts are Hodges&ndash;Lehmann estimates of the per-pair ratios with their Wilcoxon signed-rank interval (builds side by side), as <code>connrate-lab gate</code> computes them." :
		" Shifts are Hodges&ndash;Lehmann estimates over the repeats with their Mann&ndash;Whitney interval, as <code>connrate-lab gate</code> computes them." : "");
}

/* --- rate plots --- */

enum metric { M_ACHIEVED, M_P50, M_P99, M_SHARE };

static double metric_of(const struct rrow *r, enum metric m)
{
	switch (m) {
	case M_ACHIEVED: return r->achieved;
	case M_P50: return r->p50_us > 0 ? r->p50_us : NAN;
	case M_P99: return r->p99_us > 0 ? r->p99_us : NAN;
	default: return error_share(r);
	}
}

/* y[i]: the median of metric m over column k's finished rounds at t[i] (NAN: none). */
static void curve(const struct page *pg, unsigned k, const double *t, unsigned nt,
		  enum metric m, double *y)
{
	unsigned idx[RESULTS_MAX_ROWS], i, j, n, got;
	double *v = malloc(RESULTS_MAX_ROWS * sizeof(double));

	for (i = 0; i < nt; i++) {
		n = rows_at(pg, k, t[i], idx, RESULTS_MAX_ROWS);
		for (j = got = 0; v && j < n; j++) {
			double x = metric_of(&pg->res->row[idx[j]], m);

			if (!pg->res->row[idx[j]].interrupted && isfinite(x))
				v[got++] = x;
		}
		y[i] = v ? median(v, got) : NAN;
	}
	free(v);
}

/* Where column k's rounds were not clean: a note with the error share or the shortfall. */
static void short_notes(struct page *pg, struct svg_plot *p, unsigned k, const double *t,
			unsigned nt, const double *ach)
{
	double share[MAX_TARGETS];
	char text[64], pc[16];
	unsigned i;

	curve(pg, k, t, nt, M_SHARE, share);
	for (i = 0; i < nt; i++) {
		if (!isfinite(ach[i]))
			continue;
		if (share[i] > 0)
			snprintf(text, sizeof(text), "%s errors", fmt_share(share[i], pc, sizeof(pc)));
		else if (ach[i] < CLEAN_SHARE * t[i])
			snprintf(text, sizeof(text), "%s of offered", fmt_share(ach[i] / t[i], pc, sizeof(pc)));
		else
			continue;
		svg_note(p, t[i], ach[i], col_style(k, 0), text);
	}
}

/* Achieved against offered, with the diagonal and the failures marked. */
static int plot_achieved(struct page *pg, const double *t, unsigned nt)
{
	struct svg_axis x = { .label = "offered connections/s", .from_zero = true };
	struct svg_axis y = { .label = "achieved connections/s", .from_zero = true };
	struct svg_plot *p = svg_new("Achieved against offered rate", &x, &y);
	double ach[MAX_TARGETS];
	char name[200];
	unsigned k;
	int rc = -ENOMEM;

	if (!p)
		return -ENOMEM;
	if (svg_guide(p, "keeps up (achieved = offered)", 0, 0, t[nt - 1], t[nt - 1]))
		goto out;
	for (k = 0; k < pg->ncol; k++) {
		curve(pg, k, t, nt, M_ACHIEVED, ach);
		if (svg_series(p, col_name(pg, k, name, sizeof(name)), col_style(k, 0), t, ach, nt))
			goto out;
		short_notes(pg, p, k, t, nt, ach);
	}
	rc = svg_write(p, pg->f);
out:
	svg_free(p);
	return rc;
}

/* Latency p50 (solid) and p99 (dashed) against offered rate, log time axis. */
static int plot_latency(struct page *pg, const double *t, unsigned nt)
{
	struct svg_axis x = { .label = "offered connections/s", .from_zero = true };
	struct svg_axis y = { .label = "latency", .scale = SVG_LOG, .fmt = svg_fmt_us };
	struct svg_plot *p = svg_new("Latency p50 and p99 against offered rate", &x, &y);
	double v[MAX_TARGETS];
	char name[200], label[240];
	unsigned k, m;
	int rc = -ENOMEM;

	if (!p)
		return -ENOMEM;
	for (k = 0; k < pg->ncol; k++)
		for (m = 0; m < 2; m++) {
			curve(pg, k, t, nt, m ? M_P99 : M_P50, v);
			snprintf(label, sizeof(label), "%s %s", col_name(pg, k, name, sizeof(name)),
				 m ? "p99" : "p50");
			if (svg_series(p, label, col_style(k, m), t, v, nt))
				goto out;
		}
	rc = svg_write(p, pg->f);
out:
	svg_free(p);
	return rc;
}

static int rate_plots(struct page *pg)
{
	double t[MAX_TARGETS];
	unsigned nt = targets(pg, t, MAX_TARGETS);
	int rc;

	if (!nt)
		return 0;
	fprintf(pg->f, "<section id=\"rates\">\n<h2>Against the offered rate</h2>\n"
		       "<p class=\"note\">Each point is a round (the median of its repeats). A device "
		       "that keeps up stays on the grey diagonal; a ring marks a round that was not "
		       "clean, with its error share or how much of the offered rate it achieved.</p>\n"
		       "<div class=\"panels\"><figure>");
	rc = plot_achieved(pg, t, nt);
	fprintf(pg->f, "</figure><figure>");
	if (!rc)
		rc = plot_latency(pg, t, nt);
	fprintf(pg->f, "</figure></div>\n</section>\n");
	return rc;
}

/* --- distributions --- */

/* A percentile p (0..1) as "nines": 0 at 0, 1 at 90%, 2 at 99%; total caps p = 1. */
static double nines(double p, double total)
{
	return p >= 1 ? log10(total) : -log10(1 - p);
}

static void fmt_pct(double v, char *buf, size_t len)
{
	int dec = v > 2.5 ? (int)lround(v) - 2 : 0;

	snprintf(buf, len, "%.*f%%", dec, 100 * (1 - pow(10, -v)));
}

struct bucket {
	double ub_ns, count;
};

static int cmp_bucket(const void *a, const void *b)
{
	return cmp_d(&((const struct bucket *)a)->ub_ns, &((const struct bucket *)b)->ub_ns);
}

/* The latency histograms of rows idx[0..n) pooled: buckets sorted, merged; their count. */
static unsigned pool(const struct page *pg, const unsigned *idx, unsigned n, struct bucket **out)
{
	struct bucket *b = NULL, *nb;
	size_t cap = 0, len = 0, i, m;
	unsigned j;

	for (j = 0; j < n; j++) {
		json_object *bk = NULL;

		if (pg->res->row[idx[j]].interrupted ||
		    !json_object_object_get_ex(pg->round[idx[j]], "client", &bk) ||
		    !json_object_object_get_ex(bk, "histogram", &bk) ||
		    !json_object_object_get_ex(bk, "buckets", &bk) ||
		    !json_object_is_type(bk, json_type_array))
			continue;
		m = json_object_array_length(bk);
		if (len + m > cap) {
			cap = 2 * (len + m);
			nb = realloc(b, cap * sizeof(*b));
			if (!nb)
				break;
			b = nb;
		}
		for (i = 0; i < m; i++) {
			json_object *e = json_object_array_get_idx(bk, i);

			/* [upper bound in ns, count]; anything else is no bucket */
			if (!json_object_is_type(e, json_type_array) || json_object_array_length(e) != 2)
				continue;
			b[len].ub_ns = jnum_at(e, 0);
			b[len].count = jnum_at(e, 1);
			if (b[len].ub_ns > 0 && b[len].count >= 0 && isfinite(b[len].ub_ns + b[len].count))
				len++;
		}
	}
	if (len)
		qsort(b, len, sizeof(*b), cmp_bucket);
	for (i = m = 0; i < len; i++) {
		if (m && b[m - 1].ub_ns == b[i].ub_ns)
			b[m - 1].count += b[i].count;
		else
			b[m++] = b[i];
	}
	*out = b;
	return (unsigned)m;
}

/* Column k's latency percentile curve at target into p: 0 or -ENOMEM; *top its last x. */
static int latency_curve(struct page *pg, struct svg_plot *p, unsigned k, double target,
			 double *top)
{
	unsigned idx[RESULTS_MAX_ROWS], n = rows_at(pg, k, target, idx, RESULTS_MAX_ROWS), nb, i;
	struct bucket *b;
	double total = 0, cum = 0, *x, *y;
	char name[200];
	int rc = -ENOMEM;

	nb = pool(pg, idx, n, &b);
	for (i = 0; i < nb; i++)
		total += b[i].count;
	x = malloc((nb + 1) * sizeof(double));
	y = malloc((nb + 1) * sizeof(double));
	if (x && y && total > 0) {
		for (i = 0; i < nb; i++) {
			cum += b[i].count;
			x[i] = nines(cum / total, total);
			y[i] = b[i].ub_ns / 1000;
		}
		*top = fmax(*top, x[nb - 1]);
		rc = svg_series(p, col_name(pg, k, name, sizeof(name)), col_style(k, 0), x, y, nb);
	} else if (x && y) {
		rc = 0;		/* no ok connection: no curve */
	}
	free(x);
	free(y);
	free(b);
	return rc;
}

/* Column k's connect-time percentiles at target (medians of the repeats). */
static int connect_curve(struct page *pg, struct svg_plot *p, unsigned k, double target,
			 double *top)
{
	static const char *const key[] = { "min", "p50", "p90", "p99", "p999", "max" };
	static const double at[] = { 0, 0.5, 0.9, 0.99, 0.999, 1 };
	unsigned idx[RESULTS_MAX_ROWS], n = rows_at(pg, k, target, idx, RESULTS_MAX_ROWS), i, j, m, got;
	double x[6], y[6], v[RESULTS_MAX_ROWS], ok[RESULTS_MAX_ROWS], okm;
	char name[200];

	for (j = got = 0; j < n; j++)
		if (!pg->res->row[idx[j]].interrupted &&
		    isfinite(ok[got] = jnum(pg->round[idx[j]], "client", "ok")))
			got++;
	okm = median(ok, got);
	if (!(okm > 0))
		return 0;
	for (i = m = 0; i < 6; i++) {
		/* a percentile finer than the count resolves is the max */
		if (i < 5 && nines(at[i], okm) >= log10(okm))
			continue;
		for (j = got = 0; j < n; j++) {
			json_object *c;

			if (!pg->res->row[idx[j]].interrupted &&
			    json_object_object_get_ex(pg->round[idx[j]], "client", &c) &&
			    isfinite(v[got] = jnum(c, "connect_us", key[i])))
				got++;
		}
		x[m] = nines(at[i], okm);
		y[m++] = median(v, got);
	}
	*top = fmax(*top, x[m - 1]);
	return svg_series(p, col_name(pg, k, name, sizeof(name)), col_style(k, 0), x, y, m);
}

/* Which columns ran at this rate and have no curve: nothing ended ok. */
static void no_curve(struct page *pg, const bool *none)
{
	char name[200];
	unsigned k, n = 0;

	for (k = 0; k < pg->ncol; k++) {
		if (!none[k])
			continue;
		fprintf(pg->f, "%s<b>", n++ ? ", " : "<figcaption>No curve for ");
		svg_escape(pg->f, col_name(pg, k, name, sizeof(name)));
		fprintf(pg->f, "</b>");
	}
	if (n)
		fprintf(pg->f, ": no connection ended ok at this rate.</figcaption>");
}

/* Latency and connect time at one offered rate, every column overlaid. */
static int dist_pair(struct page *pg, double target)
{
	/* 0% (the fastest) sits at the left edge, too near 50% for a label of its own */
	static const double ticks[] = { 0.30103, 1, 2, 3, 4, 5, 6, 7 };
	struct svg_axis x = { .label = "percentile (fastest at the left)", .ticks = ticks,
			      .nticks = 8, .fmt = fmt_pct };
	struct svg_axis y = { .label = "time (log)", .scale = SVG_LOG, .fmt = svg_fmt_us };
	struct svg_plot *p[2];
	char title[2][96];
	double top[2] = { 3, 3 };
	bool none[MAX_COLS] = { false };
	unsigned k, m, idx[1];
	int rc = 0;

	snprintf(title[0], sizeof(title[0]), "Latency at %.0f/s offered", target);
	snprintf(title[1], sizeof(title[1]), "Connect time at %.0f/s offered", target);
	p[0] = svg_new(title[0], &x, &y);
	p[1] = svg_new(title[1], &x, &y);
	for (k = 0; p[0] && p[1] && !rc && k < pg->ncol; k++) {
		unsigned had = svg_nseries(p[0]);

		rc = latency_curve(pg, p[0], k, target, &top[0]);
		if (!rc)
			rc = connect_curve(pg, p[1], k, target, &top[1]);
		none[k] = svg_nseries(p[0]) == had && rows_at(pg, k, target, idx, 1);
	}
	if (!p[0] || !p[1])
		rc = -ENOMEM;
	for (m = 0; m < 2 && !rc; m++) {
		svg_range(p[m], false, 0, ceil(fmax(top[0], top[1]) - 1e-9));
		fprintf(pg->f, "<figure>");
		rc = svg_write(p[m], pg->f);
		no_curve(pg, none);
		fprintf(pg->f, "</figure>");
	}
	svg_free(p[0]);
	svg_free(p[1]);
	return rc;
}

static int dist_plots(struct page *pg)
{
	double t[MAX_TARGETS];
	unsigned nt = targets(pg, t, MAX_TARGETS), i;
	int rc = 0;

	if (!nt)
		return 0;
	fprintf(pg->f, "<section id=\"distributions\">\n<h2>Distributions, round by round</h2>\n"
		       "<p class=\"note\">How long connections took at each offered rate: the time "
		       "(log scale) under which a share of the connections finished, from the "
		       "fastest (0%%) to the slowest on the right. Latency is the whole exchange "
		       "from the intended start; connect time is from socket() to established. "
		       "Curves to the right of another's at the same height mean a longer tail; "
		       "a curve above another is slower throughout.%s</p>\n",
		pg->repeats ? " Repeats are pooled: latency from their merged histograms, "
			      "connect time as the median of each percentile." : "");
	for (i = 0; i < nt && !rc; i++) {
		fprintf(pg->f, "<div class=\"panels\">");
		rc = dist_pair(pg, t[i]);
		fprintf(pg->f, "</div>\n");
	}
	fprintf(pg->f, "</section>\n");
	return rc;
}

/* --- the gate's estimates --- */

/* Each build against the baseline as `connrate-lab gate` shows it (defaults). */
static void gate_section(struct page *pg)
{
	struct results *base = calloc(1, sizeof(*base)), *cur = calloc(1, sizeof(*cur));
	const char *b0 = baseline(pg);
	struct abg_opts o;
	char err[256], *text = NULL;
	size_t len = 0;
	unsigned k, j;
	FILE *m;

	abg_defaults(&o);
	fprintf(pg->f, "<section id=\"builds\">\n<h2>Builds against <code>");
	svg_escape(pg->f, b0);
	fprintf(pg->f, "</code></h2>\n<p class=\"note\">What <code>connrate-lab gate DIR --baseline "
		       "A --current B</code> prints with its default tolerances: per metric the "
		       "estimate in percent of the baseline, its interval, the tolerance and the "
		       "verdict.</p>\n");
	for (k = 0; base && cur && k < pg->ncol; k++) {
		const char *b = pg->col[k].build;

		for (j = 0; j < k && strcmp(pg->col[j].build, b); j++)
			;
		if (!*b || !strcmp(b, b0) || j < k)
			continue;	/* the baseline, or shown already */
		abg_select(pg->res, b0, base);
		abg_select(pg->res, b, cur);
		m = open_memstream(&text, &len);
		if (!m)
			break;
		if (!abg_has_repeats(base, cur))
			fprintf(m, "one run a build: no interval (run with --repeat %u or more)\n",
				ab_min_repeats(0.95));
		else if (abg_gate(base, cur, &o, m, err, sizeof(err)) == 2)
			fprintf(m, "%s\n", err);
		fclose(m);
		fprintf(pg->f, "<h3>");
		svg_escape(pg->f, b);
		fprintf(pg->f, "</h3>\n<pre class=\"gate\">");
		svg_escape(pg->f, text);
		fprintf(pg->f, "</pre>\n");
		free(text);
		text = NULL;
	}
	fprintf(pg->f, "</section>\n");
	free(base);
	free(cur);
}

/* --- the table --- */

/*
 * The delta of counter word in role's counters of round o (also conntrack
 * and the client's errors); sockets by state are a count at the round's
 * end (*level then).
 */
static bool counter(json_object *o, const char *role, const char *word, double *v, bool *level)
{
	static const char *const sub[] = { NULL, "conntrack", "sockets" };
	json_object *c, *x, *s;
	unsigned i;

	*level = false;
	if (!strcmp(role, "client") && json_object_object_get_ex(o, "client", &c) &&
	    json_object_object_get_ex(c, "errors", &c) && json_object_object_get_ex(c, word, &x))
		goto found;
	if (!json_object_object_get_ex(o, "counters", &c) || !json_object_object_get_ex(c, role, &c))
		return false;
	for (i = 0; i < 3; i++) {
		s = c;
		*level = i == 2;
		if (sub[i] && !json_object_object_get_ex(c, sub[i], &s))
			continue;
		if (json_object_object_get_ex(s, word, &x) && !json_object_is_type(x, json_type_object))
			goto found;
	}
	return false;
found:
	if (!json_object_is_type(x, json_type_int) && !json_object_is_type(x, json_type_double))
		return false;
	*v = json_object_get_double(x);
	return true;
}

/* connrate-dut's counters, which its diagnosis lines describe rather than name. */
static const struct {
	const char *line, *name, *a, *b;
} device_counters[] = {
	{ "dut flow table full", "dropped.table_full", "dropped", "table_full" },
	{ "dut queue overflow", "queue.overflow", "queue", "overflow" },
	{ "dut dropped", "dropped.random", "dropped", "random" },
};

/* The device counter line is based on, after n others: 1 when cited. */
static unsigned device_cite(struct page *pg, json_object *o, const char *line, unsigned n)
{
	json_object *c;
	size_t i;
	double v;

	if (!json_object_object_get_ex(o, "counters", &c) || !json_object_object_get_ex(c, "dut", &c) ||
	    !json_object_object_get_ex(c, "sim", &c))
		return 0;
	for (i = 0; i < sizeof(device_counters) / sizeof(device_counters[0]); i++) {
		if (strncmp(line, device_counters[i].line, strlen(device_counters[i].line)))
			continue;
		v = jnum(c, device_counters[i].a, device_counters[i].b);
		if (isnan(v))
			return 0;
		fprintf(pg->f, "%sconnrate-dut %s %+.0f", n ? ", " : "<span class=\"cites\">based on ",
			device_counters[i].name, v);
		return 1;
	}
	return 0;
}

/* Conntrack's table size and limit: levels, not deltas, never what a line is based on. */
static bool gauge(const char *word)
{
	return !strcmp(word, "max") || !strcmp(word, "count");
}

/* The counters a diagnosis line names (its first word is the role), with their deltas. */
static void cites(struct page *pg, json_object *o, const char *line)
{
	char role[16], word[64], seen[8][64];
	const char *p = line;
	unsigned n = 0, i;
	bool option, level;
	double v;

	if (sscanf(line, "%15s", role) != 1 ||
	    (strcmp(role, "client") && strcmp(role, "server") && strcmp(role, "dut")))
		return;
	while (*p && n < 8) {
		size_t l = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

		if (!l) {
			p++;
			continue;
		}
		snprintf(word, sizeof(word), "%.*s", (int)(l < 63 ? l : 63), p);
		option = p > line && p[-1] == '-';	/* "--max-flows" names no counter */
		p += l;
		for (i = 0; i < n && strcmp(seen[i], word); i++)
			;
		if (i < n || option || !strcmp(word, role) || gauge(word) ||
		    !counter(o, role, word, &v, &level))
			continue;
		snprintf(seen[n++], sizeof(seen[0]), "%s", word);
		fprintf(pg->f, level ? "%s%s %s %.0f at the end" : "%s%s %s %+.0f",
			n == 1 ? "<span class=\"cites\">based on " : ", ", role, word, v);
	}
	n += device_cite(pg, o, line, n);
	if (n)
		fprintf(pg->f, "</span>");
}

/*
 * The round's diagnosis, in a row of its own right under the round's, as
 * wide as the table: long sentences stay readable at a laptop's width and
 * in print.
 */
static void diagnosis_row(struct page *pg, unsigned i, unsigned ncells, bool ok)
{
	json_object *d;
	size_t j, n;

	if (!json_object_object_get_ex(pg->round[i], "diagnosis", &d) ||
	    !json_object_is_type(d, json_type_array) || !(n = json_object_array_length(d)))
		return;
	fprintf(pg->f, "<tr class=\"diagnosis %s\"><td></td><td class=\"why\" colspan=\"%u\">",
		ok ? "clean" : "failed", ncells - 1);
	{
		fprintf(pg->f, "<ul>");
		for (j = 0; j < n; j++) {
			const char *line = json_object_get_string(json_object_array_get_idx(d, j));

			if (!line)
				continue;	/* null: no sentence */

			fprintf(pg->f, "<li>");
			svg_escape(pg->f, line);
			cites(pg, pg->round[i], line);
			fprintf(pg->f, "</li>");
		}
		fprintf(pg->f, "</ul>");
	}
	fprintf(pg->f, "</td></tr>\n");
}

/* The error count and its classes: "12 (timeout 10, refused 2)". */
static void errors_cell(struct page *pg, unsigned i)
{
	json_object *e;
	bool first = true;

	fprintf(pg->f, "<td class=\"errors\">%llu", (unsigned long long)pg->res->row[i].errors);
	if (pg->res->row[i].errors && json_object_object_get_ex(pg->round[i], "client", &e) &&
	    json_object_object_get_ex(e, "errors", &e) && json_object_is_type(e, json_type_object)) {
		json_object_object_foreach(e, k, v) {
			if (json_object_get_int64(v) <= 0)
				continue;
			fprintf(pg->f, "%s%s %lld", first ? " (" : ", ", k,
				(long long)json_object_get_int64(v));
			first = false;
		}
		if (!first)
			fputc(')', pg->f);
	}
	fprintf(pg->f, "</td>");
}

static void table_row(struct page *pg, unsigned i)
{
	const struct rrow *r = &pg->res->row[i];
	bool ok = clean(r), any_ok = r->started > r->errors;
	char a[24], b[24], c[24], d[24];

	fprintf(pg->f, "<tr class=\"round %s\"><td class=\"status\">%s</td><td class=\"profile\">",
		ok ? "clean" : "failed", ok ? "clean" : r->interrupted ? "&#x2717; interrupted"
								   : "&#x2717; failed");
	svg_escape(pg->f, r->profile);
	if (pg->builds) {
		fprintf(pg->f, "</td><td class=\"build\">");
		svg_escape(pg->f, r->build);
	}
	if (pg->repeats)
		fprintf(pg->f, "</td><td class=\"repeat\">%u", r->repeat);
	if (pg->many_runs) {
		fprintf(pg->f, "</td><td class=\"run\">");
		svg_escape(pg->f, r->run);
	}
	fprintf(pg->f, "</td><td class=\"offered\">%s%.0f%s</td><td class=\"achieved\">%.1f</td>"
		       "<td class=\"started\">%llu</td>",
		r->closed ? "c=" : "", r->target, r->closed ? "" : "/s", r->achieved,
		(unsigned long long)r->started);
	errors_cell(pg, i);
	/* no connection ended ok: no time to show ("-") */
	fprintf(pg->f, "<td class=\"share\">%.2f%%</td><td class=\"p50\">%s</td><td class=\"p99\">%s</td>"
		       "<td class=\"connect\">%s</td><td class=\"cost\">%s</td></tr>\n",
		100 * error_share(r), results_fmt_us(any_ok ? r->p50_us : -1, a, sizeof(a)),
		results_fmt_us(any_ok ? r->p99_us : -1, b, sizeof(b)),
		results_fmt_us(!any_ok || isnan(r->connect_p50_us) ? -1 : r->connect_p50_us, c, sizeof(c)),
		results_fmt_us(isnan(r->cost_us) ? -1 : r->cost_us, d, sizeof(d)));
	diagnosis_row(pg, i, 11 + pg->builds + pg->repeats + pg->many_runs, ok);
}

static void table(struct page *pg)
{
	unsigned i;

	fprintf(pg->f, "<section id=\"table\">\n<h2>Every round</h2>\n<p class=\"note\">Rounds "
		       "marked &#x2717; were not clean. Under a round, its diagnosis: the kernel "
		       "counters that explain it, each line followed by the deltas it is based on.</p>\n"
		       "<div class=\"scroll\"><table class=\"rounds\">\n<thead><tr><th>status</th><th>profile</th>%s%s%s"
		       "<th>offered</th><th>achieved/s</th><th>started</th><th>errors</th>"
		       "<th>error share</th><th>latency p50</th><th>latency p99</th>"
		       "<th>connect p50</th><th>CPU/conn</th></tr></thead>\n<tbody>\n",
		pg->builds ? "<th>build</th>" : "", pg->repeats ? "<th>repeat</th>" : "",
		pg->many_runs ? "<th>run</th>" : "");
	for (i = 0; i < pg->res->nrows; i++)
		table_row(pg, i);
	fprintf(pg->f, "</tbody></table></div>\n</section>\n");
}

/* --- how it was made --- */

static const char *jstr(json_object *o, const char *a, const char *b)
{
	json_object *x;

	const char *v;

	if (!o || !json_object_object_get_ex(o, a, &x) || (b && !json_object_object_get_ex(x, b, &x)))
		return "not recorded";
	v = json_object_get_string(x);
	return v ? v : "not recorded";
}

static void fact(struct page *pg, const char *name, const char *value)
{
	fprintf(pg->f, "<tr><th>%s</th><td>", name);
	svg_escape(pg->f, value);
	fprintf(pg->f, "</td></tr>\n");
}

/* The command line, each word quoted when it needs it. */
static void options(struct page *pg, json_object *run)
{
	json_object *a;
	size_t i, n;

	if (!run || !json_object_object_get_ex(run, "options", &a) ||
	    !json_object_is_type(a, json_type_array))
		return;
	fprintf(pg->f, "<p>Command:</p><pre class=\"cmd\">connrate-lab");
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		const char *w = json_object_get_string(json_object_array_get_idx(a, i));
		bool plain;

		if (!w)
			continue;
		plain = *w && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=.,/:@+") == strlen(w);
		fputc(' ', pg->f);
		if (!plain)
			fputc('\'', pg->f);
		svg_escape(pg->f, w);
		if (!plain)
			fputc('\'', pg->f);
	}
	fprintf(pg->f, "</pre>\n");
}

/* The sysctls as read back in the first round of profile in run label, each role. */
static void sysctls(struct page *pg, const char *label, json_object *prof)
{
	const char *name = jstr(prof, "name", NULL);
	json_object *s = NULL, *keys = NULL, *want;
	char setkey[200];
	unsigned i;

	for (i = 0; i < pg->res->nrows && !s; i++)
		if (!strcmp(pg->res->row[i].run, label) && !strcmp(pg->res->row[i].profile, name))
			json_object_object_get_ex(pg->round[i], "sysctl", &s);
	json_object_object_get_ex(prof, "keys", &keys);
	fprintf(pg->f, "<h4>Profile <code>");
	svg_escape(pg->f, name);
	fprintf(pg->f, "</code> (");
	svg_escape(pg->f, jstr(prof, "path", NULL));
	fprintf(pg->f, ")</h4>\n");
	if (!s || !json_object_is_type(s, json_type_object)) {
		fprintf(pg->f, "<p>No sysctl read back in its rounds.</p>\n");
		return;
	}
	fprintf(pg->f, "<table class=\"sysctl\"><thead><tr><th>namespace</th><th>key</th>"
		       "<th>read back</th><th>set by the profile</th></tr></thead><tbody>\n");
	json_object_object_foreach(s, role, kv) {
		if (!json_object_is_type(kv, json_type_object))
			continue;
		json_object_object_foreach(kv, key, val) {
			snprintf(setkey, sizeof(setkey), "[%s] %s", role, key);
			fprintf(pg->f, "<tr><td>");
			svg_escape(pg->f, role);
			fprintf(pg->f, "</td><td>");
			svg_escape(pg->f, key);
			fprintf(pg->f, "</td><td>");
			svg_escape(pg->f, json_object_get_string(val));
			fprintf(pg->f, "</td><td>");
			if (keys && json_object_object_get_ex(keys, setkey, &want))
				svg_escape(pg->f, json_object_get_string(want));
			fprintf(pg->f, "</td></tr>\n");
		}
	}
	fprintf(pg->f, "</tbody></table>\n");
}

static void how_one(struct page *pg, unsigned d)
{
	json_object *run = pg->run[d], *profs;
	char cpu[256];
	size_t i;

	fprintf(pg->f, "<h3><code>");
	svg_escape(pg->f, pg->dirs[d]);
	fprintf(pg->f, "</code></h3>\n");
	if (!run) {
		fprintf(pg->f, "<p>No run.json in this directory.</p>\n");
		return;
	}
	snprintf(cpu, sizeof(cpu), "%s, %s CPUs", jstr(run, "cpu", "model"), jstr(run, "cpu", "count"));
	fprintf(pg->f, "<table class=\"facts\"><tbody>\n");
	fact(pg, "started", jstr(run, "started", NULL));
	fact(pg, "kernel", jstr(run, "kernel", NULL));
	fact(pg, "CPU", cpu);
	fact(pg, "connrate version", jstr(run, "connrate_version", NULL));
	fact(pg, "topology", jstr(run, "topology", "path"));
	fact(pg, "target", jstr(run, "target", NULL));
	fprintf(pg->f, "</tbody></table>\n");
	options(pg, run);
	fprintf(pg->f, "<details><summary>Topology file</summary><pre>");
	svg_escape(pg->f, jstr(run, "topology", "text"));
	fprintf(pg->f, "</pre></details>\n");
	if (json_object_object_get_ex(run, "profiles", &profs) &&
	    json_object_is_type(profs, json_type_array))
		for (i = 0; i < json_object_array_length(profs); i++)
			sysctls(pg, pg->label[d], json_object_array_get_idx(profs, i));
}

static void how(struct page *pg)
{
	unsigned d;

	fprintf(pg->f, "<section id=\"how\">\n<h2>How it was made</h2>\n");
	for (d = 0; d < pg->ndirs; d++)
		how_one(pg, d);
	fprintf(pg->f, "</section>\n");
}

/* --- the page --- */

static const char css[] =
	":root{color-scheme:light}\n"
	"body{font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",sans-serif;"
	"color:#1a1a1a;background:#fff;max-width:80rem;margin:0 auto;padding:1rem 1.5rem}\n"
	"h1{font-size:1.5rem;margin:.3rem 0}\n"
	"h2{font-size:1.2rem;border-bottom:1px solid #bbb;padding-bottom:.2rem;margin-top:2rem}\n"
	"h3{font-size:1.05rem}h4{font-size:.95rem;margin-bottom:.3rem}\n"
	".meta,.note{color:#555}.note{font-size:.9rem;max-width:62rem}\n"
	"ul.answer{list-style:none;padding-left:0;font-size:1.05rem}ul.answer li{margin:.4rem 0}\n"
	"svg.swatch{vertical-align:middle}\n"
	".panels{display:grid;grid-template-columns:repeat(auto-fit,minmax(26rem,1fr));gap:1rem 2rem}\n"
	"figure{margin:0}svg.plot{width:100%;height:auto;display:block}figcaption{font-size:.85rem}\n"
	".scroll{overflow-x:auto}\n"
	"table{border-collapse:collapse;font-size:.85rem;margin:.3rem 0}\n"
	"th,td{border:1px solid #ccc;padding:.2rem .45rem;text-align:left;vertical-align:top}\n"
	"thead th{background:#f0f0f0}\n"
	"td.offered,td.achieved,td.started,td.share,td.p50,td.p99,td.connect,td.cost,td.repeat"
	"{text-align:right;white-space:nowrap}\n"
	"tr.failed td.status{font-weight:bold;color:#8f1d05}\n"
	"td.status{white-space:nowrap}\n"
	"table.rounds{width:100%}td.why ul{margin:0;padding-left:1rem}\n"
	"tr.diagnosis td{border-top:none;font-size:.8rem}tr.failed{background:#fbe3de}\n"
	".cites{display:block;color:#444;font:.8rem ui-monospace,monospace}\n"
	"pre{background:#f5f5f5;padding:.5rem;overflow-x:auto;font-size:.8rem}\n"
	"table.facts th{background:none;font-weight:normal;color:#555}\n"
	"@media print{body{max-width:none;padding:0;font-size:10pt}"
	".panels{grid-template-columns:1fr 1fr}"
	"figure,tr,li{break-inside:avoid}.scroll{overflow:visible}"
	"tr.failed,tr.diagnosis{print-color-adjust:exact;-webkit-print-color-adjust:exact}}\n";

static void head(struct page *pg)
{
	unsigned d;

	fprintf(pg->f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		       "<title>connrate-lab: ");
	for (d = 0; d < pg->ndirs; d++) {
		fprintf(pg->f, "%s", d ? ", " : "");
		svg_escape(pg->f, pg->label[d]);
	}
	fprintf(pg->f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>%s ", css,
		pg->ndirs > 1 ? "Comparison of" : "Run");
	for (d = 0; d < pg->ndirs; d++) {
		fprintf(pg->f, "%s<code>", d ? ", " : "");
		svg_escape(pg->f, pg->label[d]);
		fprintf(pg->f, "</code>");
	}
	fprintf(pg->f, "</h1>\n<p class=\"meta\">");
	for (d = 0; d < pg->ndirs; d++) {
		fprintf(pg->f, "%s", d ? "<br>" : "");
		svg_escape(pg->f, pg->label[d]);
		fprintf(pg->f, ": started ");
		svg_escape(pg->f, jstr(pg->run[d], "started", NULL));
		fprintf(pg->f, ", topology ");
		svg_escape(pg->f, jstr(pg->run[d], "topology", "path"));
		fprintf(pg->f, ", kernel ");
		svg_escape(pg->f, jstr(pg->run[d], "kernel", NULL));
	}
	fprintf(pg->f, "</p>\n");
}

static int body(struct page *pg)
{
	int rc;

	head(pg);
	answer(pg);
	rc = rate_plots(pg);
	if (!rc)
		rc = dist_plots(pg);
	if (!rc && pg->builds)
		gate_section(pg);
	if (!rc) {
		if (pg->res->nrows)	/* a capacity run has no rate rounds */
			table(pg);
		how(pg);
		fprintf(pg->f, "<p class=\"meta\">Written by connrate-lab " CR_VERSION ".</p>\n"
			       "</body>\n</html>\n");
	}
	return rc;
}

static void release(struct page *pg)
{
	unsigned i;

	for (i = 0; i < RESULTS_MAX_ROWS; i++)
		json_object_put(pg->round[i]);
	for (i = 0; i < RESULTS_MAX_SAT; i++)
		json_object_put(pg->knee[i]);
	for (i = 0; i < pg->ncap; i++)
		json_object_put(pg->cap[i]);
	for (i = 0; i < PAGE_MAX_DIRS; i++)
		json_object_put(pg->run[i]);
	free(pg->res);
	free(pg);
}

int page_write(const char *path, const char *const *dirs, unsigned n, char *err, size_t errlen)
{
	struct page *pg = calloc(1, sizeof(*pg));
	char tmp[PATH_MAX + 8];
	int rc = -1;

	if (!pg || !(pg->res = calloc(1, sizeof(*pg->res)))) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (!n || n > PAGE_MAX_DIRS) {
		snprintf(err, errlen, "%s: from 1 to %u results directories", path, PAGE_MAX_DIRS);
		goto out;
	}
	pg->dirs = dirs;
	pg->ndirs = n;
	if (load(pg, err, errlen))
		goto out;
	find_cols(pg);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	pg->f = fopen(tmp, "we");
	if (!pg->f) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	rc = body(pg);
	if (fclose(pg->f) || rc || rename(tmp, path)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(rc ? -rc : errno));
		unlink(tmp);
		rc = -1;
	}
out:
	if (pg)
		release(pg);
	return rc;
}
