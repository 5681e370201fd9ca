/*
 * results.c - results directories (see results.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "page.h"
#include "payload.h"
#include "results.h"
#include "units.h"

#define MAX_FILE (256u << 20)

const char *results_fmt_us(double us, char *buf, size_t len)
{
	if (isfinite(us) && us >= 0 && us < 1e15)
		return units_fmt_ns((uint64_t)llround(us * 1000), buf, len);
	snprintf(buf, len, "-");
	return buf;
}

bool results_dir_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool empty = true;

	if (!d)
		return true;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = false;
	closedir(d);
	return empty;
}

int results_mkdir_p(const char *dir)
{
	char buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", dir);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static bool get(json_object *o, const char *a, const char *b, json_object **out)
{
	if (!json_object_object_get_ex(o, a, out))
		return false;
	return !b || json_object_object_get_ex(*out, b, out);
}

static double num(json_object *o, const char *a, const char *b, bool *ok)
{
	json_object *x;

	if (!get(o, a, b, &x) || !(json_object_is_type(x, json_type_int) ||
				   json_object_is_type(x, json_type_double))) {
		*ok = false;
		return 0;
	}
	return json_object_get_double(x);
}

static const char *str(json_object *o, const char *a)
{
	json_object *x;

	if (!json_object_object_get_ex(o, a, &x) || !json_object_is_type(x, json_type_string))
		return NULL;
	return json_object_get_string(x);
}

#define STR_(x) #x
#define STR(x) STR_(x)
#define NOT_A_ROUND "not a round of connrate-lab run"
/* Beyond these a number is not a measurement but a broken file. */
#define RATE_MAX 1e9		/* connections per second, or concurrency */
#define LATENCY_MAX_US 1e12	/* eleven days */
#define COUNT_MAX 9007199254740992.0	/* 2^53: a count a double holds exactly */

struct parsing {
	const char *label;
	struct results *res;
	unsigned got;
	char why[160];
};

/*
 * The number at a (.b) of o, of the record part `part`, from lo to hi;
 * false with ps->why naming it when it is missing, not finite or out of
 * range.
 */
static bool number(json_object *o, const char *part, const char *a, const char *b,
		   double lo, double hi, double *out, struct parsing *ps)
{
	json_object *x;

	*out = 0;
	if (!get(o, a, b, &x) || !(json_object_is_type(x, json_type_int) ||
				   json_object_is_type(x, json_type_double))) {
		snprintf(ps->why, sizeof(ps->why), "%s.%s%s%s: missing or not a number", part, a,
			 b ? "." : "", b ? b : "");
		return false;
	}
	*out = json_object_get_double(x);
	if (isfinite(*out) && *out >= lo && *out <= hi)
		return true;
	snprintf(ps->why, sizeof(ps->why), "%s.%s%s%s: %g is not a number from %g to %g", part, a,
		 b ? "." : "", b ? b : "", *out, lo, hi);
	return false;
}

/* The sum of the client's error counts, each a whole number. */
static bool error_sum(json_object *c, uint64_t *sum, struct parsing *ps)
{
	json_object *errs;

	*sum = 0;
	if (!get(c, "errors", NULL, &errs) || !json_object_is_type(errs, json_type_object)) {
		snprintf(ps->why, sizeof(ps->why), "client.errors: missing or not an object");
		return false;
	}
	json_object_object_foreach(errs, k, v) {
		int64_t n = json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;

		if (n < 0 || (double)n > COUNT_MAX) {
			snprintf(ps->why, sizeof(ps->why), "client.errors.%.40s: not a count", k);
			return false;
		}
		*sum += (uint64_t)n;
	}
	return true;
}

/* A number that older files lack or leave null: NAN then; bad ones refused. */
static bool optional(json_object *o, const char *part, const char *a, const char *b,
		     double hi, double *out, struct parsing *ps)
{
	json_object *x;

	*out = NAN;
	if (!get(o, a, b, &x) || json_object_is_type(x, json_type_null))
		return true;
	return number(o, part, a, b, 0, hi, out, ps);
}

/* The run's axes of a record: "build" (a name) and "repeat" (1..), both optional. */
static bool axes(json_object *o, char *build, size_t len, unsigned *repeat, struct parsing *ps)
{
	const char *b = str(o, "build");
	double rep;

	snprintf(build, len, "%s", b ? b : "");
	*repeat = 0;
	if (b && (!*b || strlen(b) >= len)) {
		snprintf(ps->why, sizeof(ps->why), "build: not a build name");
		return false;
	}
	if (!optional(o, "round", "repeat", NULL, 1e6, &rep, ps))
		return false;
	if (!isnan(rep)) {
		if (rep < 1 || rep != (double)(unsigned)rep) {
			snprintf(ps->why, sizeof(ps->why), "repeat: %g is not a repeat number", rep);
			return false;
		}
		*repeat = (unsigned)rep;
	}
	return true;
}

/* "pair" (1..) of a round of builds side by side; 0 without. */
static bool pair_of(json_object *o, unsigned *pair, struct parsing *ps)
{
	double v;

	*pair = 0;
	if (!optional(o, "round", "pair", NULL, 1e6, &v, ps))
		return false;
	if (!isnan(v) && (v < 1 || v != (double)(unsigned)v)) {
		snprintf(ps->why, sizeof(ps->why), "pair: %g is not a pair number", v);
		return false;
	}
	*pair = isnan(v) ? 0 : (unsigned)v;
	return true;
}

/* A round record into ps->res; NULL, or why it is refused. */
static const char *parse_round(json_object *o, struct parsing *ps)
{
	struct results *res = ps->res;
	struct rrow *r = &res->row[res->nrows];
	const char *mode, *prof = str(o, "profile");
	json_object *c, *x;
	double started;

	if (!json_object_object_get_ex(o, "client", &c) || !json_object_is_type(c, json_type_object))
		return NOT_A_ROUND;
	mode = str(c, "mode");
	if (!prof || !mode)
		return NOT_A_ROUND;
	if (res->nrows == RESULTS_MAX_ROWS)
		return "more than " STR(RESULTS_MAX_ROWS) " rounds in all the inputs, the most compare and gate take";
	memset(r, 0, sizeof(*r));
	snprintf(r->run, sizeof(r->run), "%s", ps->label);
	snprintf(r->profile, sizeof(r->profile), "%s", prof);
	r->closed = !strcmp(mode, "concurrency");
	if (!number(c, "client", r->closed ? "concurrency" : "target_rate", NULL, 0, RATE_MAX,
		    &r->target, ps) ||
	    !number(c, "client", "achieved_rate", NULL, 0, RATE_MAX, &r->achieved, ps) ||
	    !number(c, "client", "latency_us", "p50", 0, LATENCY_MAX_US, &r->p50_us, ps) ||
	    !number(c, "client", "latency_us", "p99", 0, LATENCY_MAX_US, &r->p99_us, ps) ||
	    !number(c, "client", "started", NULL, 0, COUNT_MAX, &started, ps) ||
	    !error_sum(c, &r->errors, ps))
		return ps->why;
	r->interrupted = json_object_object_get_ex(c, "interrupted", &x) &&
			 json_object_get_boolean(x);
	r->started = (uint64_t)started;
	if (!axes(o, r->build, sizeof(r->build), &r->repeat, ps) ||
	    !optional(c, "client", "connect_us", "p50", LATENCY_MAX_US, &r->connect_p50_us, ps) ||
	    !optional(c, "client", "ttfb_us", "p50", LATENCY_MAX_US, &r->ttfb_p50_us, ps) ||
	    !optional(o, "round", "cost", "machine_us_per_conn", LATENCY_MAX_US, &r->cost_us, ps) ||
	    !pair_of(o, &r->pair, ps))
		return ps->why;
	if (r->ttfb_p50_us == 0)	/* no answer bytes: no time to first byte */
		r->ttfb_p50_us = NAN;
	res->nrows++;
	return NULL;
}

/* A knee record into ps->res; NULL, or why it is refused. */
static const char *parse_sat(json_object *o, struct parsing *ps)
{
	struct results *res = ps->res;
	struct rsat *s = &res->sat[res->nsat];
	const char *prof = str(o, "profile"), *reason = str(o, "reason");

	if (!prof || !reason)
		return "not a knee of connrate-lab run";
	if (res->nsat == RESULTS_MAX_SAT)
		return "more than " STR(RESULTS_MAX_SAT) " knees in all the inputs, the most compare and gate take";
	snprintf(s->run, sizeof(s->run), "%s", ps->label);
	snprintf(s->profile, sizeof(s->profile), "%s", prof);
	snprintf(s->reason, sizeof(s->reason), "%s", reason);
	if (!number(o, "saturation", "rate", NULL, 0, RATE_MAX, &s->rate, ps) ||
	    !axes(o, s->build, sizeof(s->build), &s->repeat, ps))
		return ps->why;
	res->nsat++;
	return NULL;
}

/* A capacity record into ps->res; NULL, or why it is refused. */
static const char *parse_cap(json_object *o, struct parsing *ps)
{
	struct results *res = ps->res;
	struct rcap *c = &res->cap[res->ncap];
	const char *prof = str(o, "profile"), *reason = str(o, "reason");

	if (!prof || !reason)
		return "not a capacity of connrate-lab run";
	if (res->ncap == RESULTS_MAX_SAT)
		return "more than " STR(RESULTS_MAX_SAT) " capacities in all the inputs, the most gate takes";
	snprintf(c->run, sizeof(c->run), "%s", ps->label);
	snprintf(c->profile, sizeof(c->profile), "%s", prof);
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
	if (!number(o, "capacity", "connections", NULL, 0, 1e9, &c->connections, ps) ||
	    !axes(o, c->build, sizeof(c->build), &c->repeat, ps))
		return ps->why;
	res->ncap++;
	return NULL;
}

/* One object of a results file; returns NULL, or why it is refused. */
typedef const char *(*object_fn)(json_object *o, void *arg);

/* Exactly the line [p, p + len) as JSON: a copy, NUL-terminated. */
static json_object *parse_line(const char *p, size_t len)
{
	char *copy = malloc(len + 1);
	json_object *o;

	if (!copy)
		return NULL;
	memcpy(copy, p, len);
	copy[len] = '\0';
	o = json_tokener_parse(copy);
	free(copy);
	return o;
}

/*
 * Each line of text, a JSON object, to fn (blank lines skipped).  0, or -1
 * with "name:line: why" when a line is not an object, the last line has no
 * end, or fn refuses one.
 */
static int walk(const char *text, size_t len, const char *name, object_fn fn, void *arg,
		char *err, size_t errlen)
{
	size_t off = 0;
	unsigned line = 0;

	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off), *why = NULL;
		size_t l = nl ? (size_t)(nl - (text + off)) : len - off;
		json_object *o;

		line++;
		if (!nl) {
			snprintf(err, errlen, "%s:%u: truncated (no end of line)", name, line);
			return -1;
		}
		if (l > 0) {
			o = parse_line(text + off, l);
			if (!o || !json_object_is_type(o, json_type_object))
				why = "not a JSON object";
			else
				why = fn(o, arg);
			json_object_put(o);
		}
		if (why) {
			snprintf(err, errlen, "%s:%u: %s", name, line, why);
			return -1;
		}
		off += l + 1;
	}
	return 0;
}

static const char *add_record(json_object *o, void *arg)
{
	struct parsing *ps = arg;
	const char *type = str(o, "type");

	if (type && !strcmp(type, "round")) {
		ps->got++;
		return parse_round(o, ps);
	}
	if (type && !strcmp(type, "saturation")) {
		ps->got++;
		return parse_sat(o, ps);
	}
	if (type && !strcmp(type, "capacity")) {
		ps->got++;
		return parse_cap(o, ps);
	}
	if (type && !strcmp(type, "hold"))
		ps->got++;	/* capacity.h: in the summary, not in rate tables */
	return NULL;
}

/* results_parse with rows labelled label rather than name. */
static int parse_as(const char *text, size_t len, const char *name, const char *label,
		    struct results *res, char *err, size_t errlen)
{
	struct parsing ps = { .label = label, .res = res };

	if (walk(text, len, name, add_record, &ps, err, errlen))
		return -1;
	if (!ps.got) {
		snprintf(err, errlen, "%s: no rounds", name);
		return -1;
	}
	return 0;
}

int results_parse(const char *text, size_t len, const char *name,
		  struct results *res, char *err, size_t errlen)
{
	return parse_as(text, len, name, name, res, err, errlen);
}

/* DIR/rounds.jsonl whole into pl; its path into path.  0, or -1 with err. */
static int load_file(const char *dir, struct payload *pl, char *path, size_t pathlen,
		     char *err, size_t errlen)
{
	int rc;

	snprintf(path, pathlen, "%s/rounds.jsonl", dir);
	rc = payload_load_max(path, MAX_FILE, pl);
	if (rc) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 rc == -EFBIG ? "larger than 256 MiB" : payload_strerror(rc));
		return -1;
	}
	return 0;
}

int results_load(const char *dir, struct results *res, char *err, size_t errlen)
{
	char path[PATH_MAX + 16], base[PATH_MAX];
	struct payload pl;
	int rc;

	if (load_file(dir, &pl, path, sizeof(path), err, errlen))
		return -1;
	/* rows are labelled by the directory, errors name the file */
	snprintf(base, sizeof(base), "%s", dir);
	rc = parse_as(pl.data, pl.len, path, basename(base), res, err, errlen);
	payload_free(&pl);
	return rc;
}

/* --- compare --- */

struct column {
	char run[64], profile[64], build[24];
};

static unsigned columns(const struct results *res, struct column *col, unsigned max)
{
	unsigned n = 0, i, k;

	for (i = 0; i < res->nrows; i++) {
		for (k = 0; k < n; k++)
			if (!strcmp(col[k].run, res->row[i].run) &&
			    !strcmp(col[k].profile, res->row[i].profile) &&
			    !strcmp(col[k].build, res->row[i].build))
				break;
		if (k == n && n < max) {
			snprintf(col[n].run, sizeof(col[n].run), "%s", res->row[i].run);
			snprintf(col[n].profile, sizeof(col[n].profile), "%s", res->row[i].profile);
			snprintf(col[n].build, sizeof(col[n].build), "%s", res->row[i].build);
			n++;
		}
	}
	return n;
}

static int cmp_key(const void *a, const void *b)
{
	const double *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

/*
 * The round of column c at (closed, target): with repeats, the one whose
 * p50 is the median of theirs (a real round, not a blend); NULL when none.
 */
static const struct rrow *find(const struct results *res, const struct column *c,
			       bool closed, double target)
{
	const struct rrow *hit[RESULTS_MAX_ROWS];
	unsigned i, j, n = 0;

	for (i = 0; i < res->nrows; i++) {
		const struct rrow *r = &res->row[i];

		if (r->closed == closed && fabs(r->target - target) < 1e-6 &&
		    !strcmp(r->run, c->run) && !strcmp(r->profile, c->profile) &&
		    !strcmp(r->build, c->build))
			hit[n++] = r;
	}
	for (i = 0; i < n; i++) {	/* the one with as many p50s below as above */
		unsigned below = 0, above = 0;

		for (j = 0; j < n; j++) {
			below += hit[j]->p50_us < hit[i]->p50_us;
			above += hit[j]->p50_us > hit[i]->p50_us;
		}
		if (below <= n / 2 && above <= n / 2)
			return hit[i];
	}
	return n ? hit[n - 1] : NULL;
}

/* One line per capacity found (run --capacity): they have no offered rate. */
static void compare_capacities(const struct results *res, FILE *f)
{
	unsigned i;

	for (i = 0; i < res->ncap; i++) {
		const struct rcap *c = &res->cap[i];

		fprintf(f, "capacity   %s%s%s @ %s: %.0f connections (%s)\n", c->profile,
			*c->build ? "/" : "", c->build, c->run, c->connections, c->reason);
	}
}

/* The distinct (closed loop?, offered) pairs of the rows, sorted: their count. */
static unsigned offered_keys(const struct results *res, double (*keys)[2])
{
	unsigned i, k, nk = 0;

	for (i = 0; i < res->nrows; i++) {
		for (k = 0; k < nk; k++)
			if (keys[k][0] == (double)res->row[i].closed &&
			    fabs(keys[k][1] - res->row[i].target) < 1e-6)
				break;
		if (k == nk) {
			keys[nk][0] = res->row[i].closed;
			keys[nk][1] = res->row[i].target;
			nk++;
		}
	}
	qsort(keys, nk, sizeof(keys[0]), cmp_key);
	return nk;
}

/* compare's last line: each column's knee and why the next rate failed. */
static void compare_knees(const struct results *res, const struct column *col,
			  unsigned nc, FILE *f)
{
	char label[140];
	unsigned i, k;

	fprintf(f, "%-10s", "knee");
	for (k = 0; k < nc; k++) {
		const struct rsat *s = NULL;

		for (i = 0; i < res->nsat; i++)
			if (!strcmp(res->sat[i].run, col[k].run) &&
			    !strcmp(res->sat[i].profile, col[k].profile) &&
			    !strcmp(res->sat[i].build, col[k].build))
				s = &res->sat[i];
		if (s)
			snprintf(label, sizeof(label), "%.0f/s (next: %s)", s->rate, s->reason);
		else
			label[0] = '\0';
		fprintf(f, " | %-54.54s", label);
	}
	fputc('\n', f);
}

void results_compare(const struct results *res, FILE *f)
{
	struct column col[16];
	double (*keys)[2] = malloc(sizeof(double[2]) * (res->nrows + 1));
	unsigned nc = columns(res, col, 16), nk = 0, i, k;
	bool many_runs = false;
	char a[24], b[24], c[24], t[24], label[140];

	if (!keys)
		return;
	compare_capacities(res, f);
	if (!res->nrows && !res->nsat) {
		free(keys);
		return;
	}
	for (k = 1; k < nc; k++)
		if (strcmp(col[k].run, col[0].run))
			many_runs = true;
	nk = offered_keys(res, keys);
	fprintf(f, "%-10s", "offered");
	for (k = 0; k < nc; k++) {
		snprintf(label, sizeof(label), "%s%s%s%s%s", col[k].profile,
			 *col[k].build ? "/" : "", col[k].build, many_runs ? " @ " : "",
			 many_runs ? col[k].run : "");
		fprintf(f, " | %-54.54s", label);
	}
	fprintf(f, "\n%-10s", "");
	for (k = 0; k < nc; k++)
		fprintf(f, " | %9s %8s %8s %8s %8s %8s", "ok/s", "p50", "p99", "ttfb p50",
			"errors", "cpu/conn");
	fputc('\n', f);
	for (i = 0; i < nk; i++) {
		if (keys[i][0])
			snprintf(label, sizeof(label), "c=%.0f", keys[i][1]);
		else
			snprintf(label, sizeof(label), "%.0f/s", keys[i][1]);
		fprintf(f, "%-10s", label);
		for (k = 0; k < nc; k++) {
			const struct rrow *r = find(res, &col[k], keys[i][0] != 0, keys[i][1]);

			if (!r)
				fprintf(f, " | %9s %8s %8s %8s %8s %8s", "", "", "", "", "", "");
			else
				fprintf(f, " | %9.0f %8s %8s %8s %8llu %8s", r->achieved,
					results_fmt_us(r->p50_us, a, sizeof(a)),
					results_fmt_us(r->p99_us, b, sizeof(b)),
					results_fmt_us(isnan(r->ttfb_p50_us) ? -1 : r->ttfb_p50_us,
						       t, sizeof(t)),
					(unsigned long long)r->errors,
					results_fmt_us(isnan(r->cost_us) ? -1 : r->cost_us, c, sizeof(c)));
		}
		fputc('\n', f);
	}
	if (res->nsat)
		compare_knees(res, col, nc, f);
	free(keys);
}

/* --- gate --- */

#define GATE_ROW "%-16.16s %-10s | %9.0f %9s %7s | %8s %8s %7s | %s\n"

struct gating {
	const struct results *base, *cur;
	const struct gate_opts *o;
	FILE *f;
	unsigned checked, bad;
};

/* Why the current round fails against the baseline's, or NULL. */
static const char *round_verdict(const struct rrow *br, const struct rrow *cr,
				 const struct gate_opts *o, double *drop, double *rise)
{
	double erise;

	*drop = br->achieved > 0 ? 100.0 * (br->achieved - cr->achieved) / br->achieved : 0;
	*rise = br->p99_us > 0 ? 100.0 * (cr->p99_us - br->p99_us) / br->p99_us : 0;
	erise = (cr->started ? (double)cr->errors / (double)cr->started : 0) -
		(br->started ? (double)br->errors / (double)br->started : 0);
	if (*drop > o->max_rate_drop_pct)
		return "rate dropped";
	if (*rise > o->max_p99_rise_pct && cr->p99_us - br->p99_us > o->min_p99_rise_us)
		return "p99 rose";
	if (erise > o->max_error_rise)
		return "errors rose";
	return NULL;
}

/*
 * One round of the baseline against the last current round of its profile
 * and offered rate.  A round the current run lacks, or did not finish,
 * fails: a build that cannot get through a round is not as good.
 */
static void gate_round(struct gating *g, const struct rrow *br)
{
	const struct rrow *cr = NULL;
	char a[24], b[24], label[64], now[24], dchg[16], rchg[16];
	const char *why;
	double drop = 0, rise = 0;
	unsigned k;

	for (k = 0; k < g->cur->nrows; k++)
		if (!strcmp(g->cur->row[k].profile, br->profile) &&
		    g->cur->row[k].closed == br->closed &&
		    fabs(g->cur->row[k].target - br->target) < 1e-6)
			cr = &g->cur->row[k];
	snprintf(label, sizeof(label), br->closed ? "c=%.0f" : "%.0f/s", br->target);
	if (!cr || cr->interrupted) {
		why = cr ? "interrupted in the current run" : "missing in the current run";
		snprintf(now, sizeof(now), "-");
		dchg[0] = rchg[0] = '\0';
		snprintf(b, sizeof(b), "-");
	} else {
		why = round_verdict(br, cr, g->o, &drop, &rise);
		snprintf(now, sizeof(now), "%.0f", cr->achieved);
		snprintf(dchg, sizeof(dchg), "%+.1f%%", -drop);
		snprintf(rchg, sizeof(rchg), "%+.0f%%", rise);
		results_fmt_us(cr->p99_us, b, sizeof(b));
	}
	g->checked++;
	g->bad += why != NULL;
	fprintf(g->f, GATE_ROW, br->profile, label, br->achieved, now, dchg,
		results_fmt_us(br->p99_us, a, sizeof(a)), b, rchg, why ? why : "ok");
}

/* The baseline's knee of a profile against the current one; none there fails. */
static void gate_knee(struct gating *g, const struct rsat *bs)
{
	const struct rsat *cs = NULL;
	char now[24] = "-", dchg[16] = "";
	const char *why;
	double drop;
	unsigned k;

	for (k = 0; k < g->cur->nsat; k++)
		if (!strcmp(g->cur->sat[k].profile, bs->profile))
			cs = &g->cur->sat[k];
	if (!cs) {
		why = "no knee in the current run";
	} else if (!strcmp(cs->reason, "interrupted")) {
		why = "interrupted in the current run";
	} else {
		drop = bs->rate > 0 ? 100.0 * (bs->rate - cs->rate) / bs->rate : 0;
		why = drop > g->o->max_rate_drop_pct ? "knee dropped" : NULL;
		snprintf(now, sizeof(now), "%.0f", cs->rate);
		snprintf(dchg, sizeof(dchg), "%+.1f%%", -drop);
	}
	g->checked++;
	g->bad += why != NULL;
	fprintf(g->f, GATE_ROW, bs->profile, "knee", bs->rate, now, dchg, "", "", "",
		why ? why : "ok");
}

/* Does the current run hold any record of profile? */
static bool has_profile(const struct results *res, const char *profile)
{
	unsigned i;

	for (i = 0; i < res->nrows; i++)
		if (!strcmp(res->row[i].profile, profile))
			return true;
	for (i = 0; i < res->nsat; i++)
		if (!strcmp(res->sat[i].profile, profile))
			return true;
	for (i = 0; i < res->ncap; i++)
		if (!strcmp(res->cap[i].profile, profile))
			return true;
	return false;
}

/* A capacity of the baseline against the current run's for its profile. */
static void gate_capacity(struct gating *g, const struct rcap *bc)
{
	const struct rcap *cc = NULL;
	char now[24] = "-", dchg[16] = "";
	const char *why;
	double drop;
	unsigned k;

	for (k = 0; k < g->cur->ncap; k++)
		if (!strcmp(g->cur->cap[k].profile, bc->profile))
			cc = &g->cur->cap[k];
	if (!cc) {
		why = "no capacity in the current run";
	} else if (!strcmp(cc->reason, "interrupted")) {
		why = "interrupted in the current run";
	} else {
		drop = bc->connections > 0 ?
		       100.0 * (bc->connections - cc->connections) / bc->connections : 0;
		why = drop > g->o->max_rate_drop_pct ? "capacity dropped" : NULL;
		snprintf(now, sizeof(now), "%.0f", cc->connections);
		snprintf(dchg, sizeof(dchg), "%+.1f%%", -drop);
	}
	g->checked++;
	g->bad += why != NULL;
	fprintf(g->f, GATE_ROW, bc->profile, "capacity", bc->connections, now, dchg, "", "", "",
		why ? why : "ok");
}

/*
 * Whether base and cur can be compared at all: the baseline has a finished
 * round or knee, and the current run has one of its profiles.
 */
static bool comparable(const struct results *base, const struct results *cur,
		       char *err, size_t errlen)
{
	bool complete = false, common = false;
	unsigned i;

	for (i = 0; i < base->nrows; i++) {
		complete = complete || !base->row[i].interrupted;
		common = common || has_profile(cur, base->row[i].profile);
	}
	for (i = 0; i < base->nsat; i++) {
		complete = complete || strcmp(base->sat[i].reason, "interrupted");
		common = common || has_profile(cur, base->sat[i].profile);
	}
	for (i = 0; i < base->ncap; i++) {
		complete = complete || strcmp(base->cap[i].reason, "interrupted");
		common = common || has_profile(cur, base->cap[i].profile);
	}
	if (!complete)
		snprintf(err, errlen, "nothing to compare: every round of the baseline was interrupted");
	else if (!common)
		snprintf(err, errlen, "nothing to compare: the current run has none of the baseline's profiles");
	return complete && common;
}

int results_gate(const struct results *base, const struct results *cur,
		 const struct gate_opts *o, FILE *f, char *err, size_t errlen)
{
	struct gating g = { .base = base, .cur = cur, .o = o, .f = f };
	unsigned i;

	if (!comparable(base, cur, err, errlen))
		return 2;
	fprintf(f, "%-16s %-10s | %9s %9s %7s | %8s %8s %7s | %s\n", "profile", "offered",
		"base ok/s", "now ok/s", "change", "base p99", "now p99", "change", "verdict");
	/* what the baseline did not finish says nothing of the current run */
	for (i = 0; i < base->nrows; i++)
		if (!base->row[i].interrupted)
			gate_round(&g, &base->row[i]);
	for (i = 0; i < base->nsat; i++)
		if (strcmp(base->sat[i].reason, "interrupted"))
			gate_knee(&g, &base->sat[i]);
	for (i = 0; i < base->ncap; i++)
		if (strcmp(base->cap[i].reason, "interrupted"))
			gate_capacity(&g, &base->cap[i]);
	fprintf(f, "\n%u of %u checked %s (rate drop over %.0f%%, p99 rise over %.0f%% and %.1f ms, errors over +%.1f points; a round or knee missing or interrupted in the current run)\n",
		g.bad, g.checked, g.bad == 1 ? "fails" : "fail", o->max_rate_drop_pct,
		o->max_p99_rise_pct, o->min_p99_rise_us / 1000, 100 * o->max_error_rise);
	return g.bad ? 1 : 0;
}

/* --- summary and plot --- */

struct whys {
	FILE *f;
	bool header;
};

/* The diagnosis of a round record, under its profile and offered rate. */
static const char *print_why(json_object *o, void *arg)
{
	struct whys *w = arg;
	json_object *d, *c;
	const char *type = str(o, "type"), *mode;
	bool ok = true, closed;
	size_t i, n;

	if (!type || strcmp(type, "round") || !json_object_object_get_ex(o, "diagnosis", &d) ||
	    !json_object_is_type(d, json_type_array) || !json_object_object_get_ex(o, "client", &c))
		return NULL;
	n = json_object_array_length(d);
	if (!n)
		return NULL;
	if (!w->header)
		fprintf(w->f, "\nwhy:\n");
	w->header = true;
	mode = str(c, "mode");
	closed = mode && !strcmp(mode, "concurrency");
	fprintf(w->f, closed ? "  [%s] c=%.0f:\n" : "  [%s] %.0f/s:\n", str(o, "profile"),
		num(c, closed ? "concurrency" : "target_rate", NULL, &ok));
	for (i = 0; i < n; i++)
		fprintf(w->f, "    %s\n", json_object_get_string(json_object_array_get_idx(d, i)));
	return NULL;
}

/* A "capacity" record (connrate-lab run --capacity) as one line on f. */
static const char *capacity_line(json_object *o, void *arg)
{
	const char *type = str(o, "type"), *build = str(o, "build"), *why = str(o, "explained_by");
	json_object *n;

	if (!type || strcmp(type, "capacity") || !json_object_object_get_ex(o, "connections", &n))
		return NULL;
	fprintf(arg, "capacity [%s%s%s]: %lld connections held; %s: %s%s%s\n",
		str(o, "profile") ? str(o, "profile") : "?", build ? "/" : "", build ? build : "",
		(long long)json_object_get_int64(n), str(o, "reason") ? str(o, "reason") : "?",
		str(o, "detail") ? str(o, "detail") : "", why ? "; " : "", why ? why : "");
	return NULL;
}

/* summary.txt: the table, the capacities, then every round's diagnosis. */
static int write_summary(const char *dir, const struct payload *pl, const char *name,
			 const struct results *res, char *err, size_t errlen)
{
	char path[PATH_MAX + 16];
	struct whys w = { 0 };
	int rc;

	snprintf(path, sizeof(path), "%s/summary.txt", dir);
	w.f = fopen(path, "we");
	if (!w.f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	if (res->nrows || res->nsat)
		results_compare(res, w.f);	/* capacities: the lines below say more */
	rc = walk(pl->data, pl->len, name, capacity_line, w.f, err, errlen);
	if (!rc)
		rc = walk(pl->data, pl->len, name, print_why, &w, err, errlen);
	if (fclose(w.f) && !rc) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}

int results_summary(const char *dir)
{
	struct results *res = calloc(1, sizeof(*res));
	char path[PATH_MAX + 16], err[PATH_MAX + 512], buf[1 << 16];
	struct payload pl = { 0 };
	size_t n;
	FILE *in;
	int rc = -1;

	if (!res)
		return -1;
	if (load_file(dir, &pl, path, sizeof(path), err, sizeof(err)) ||
	    results_parse(pl.data, pl.len, path, res, err, sizeof(err)) ||
	    write_summary(dir, &pl, path, res, err, sizeof(err))) {
		fprintf(stderr, "connrate-lab: %s\n", err);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/summary.txt", dir);
	in = fopen(path, "re");
	if (in) {
		putchar('\n');
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			fwrite(buf, 1, n, stdout);
		fclose(in);
	}
	rc = 0;
out:
	payload_free(&pl);
	free(res);
	return rc;
}

/* outdir/NAME-K.dat per column K: offered, achieved, p50 and p99 in ms. */
static void write_data(const struct results *res, const struct column *col, unsigned nc,
		       const char *outdir, const char *name)
{
	char path[PATH_MAX + 32];
	unsigned i, k;

	for (k = 0; k < nc; k++) {
		FILE *d;
		unsigned rows = 0;

		snprintf(path, sizeof(path), "%s/%s-%u.dat", outdir, name, k);
		d = fopen(path, "we");
		if (!d)
			continue;
		for (i = 0; i < res->nrows; i++) {
			const struct rrow *r = &res->row[i];

			if (r->closed || strcmp(r->run, col[k].run) || strcmp(r->profile, col[k].profile) ||
			    strcmp(r->build, col[k].build))
				continue;
			fprintf(d, "%.3f %.3f %.6f %.6f\n", r->target, r->achieved,
				r->p50_us / 1000.0, r->p99_us / 1000.0);
			rows++;
		}
		fclose(d);
		if (!rows)
			unlink(path);
	}
}

/* gnuplot on script path: 0, or -1 with the reason printed. */
static int run_gnuplot(const char *path)
{
	pid_t pid;
	int status;

	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execlp("gnuplot", "gnuplot", path, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
			fprintf(stderr, "connrate-lab: no plot: gnuplot is not installed (Debian package gnuplot-nox)\n");
		else
			fprintf(stderr, "connrate-lab: no plot: gnuplot failed on %s\n", path);
		return -1;
	}
	return 0;
}

int results_plot(const char *const *dirs, unsigned n, const char *outdir,
		 const char *name)
{
	struct results *res = calloc(1, sizeof(*res));
	struct column col[16];
	char path[PATH_MAX + 32], err[512];
	unsigned nc, i, k, plotted = 0;
	FILE *gp;

	if (!res)
		return -1;
	for (i = 0; i < n; i++)
		if (results_load(dirs[i], res, err, sizeof(err))) {
			free(res);
			return -1;
		}
	for (i = 0; i < res->nrows && !(res->row[i].p50_us > 0); i++)
		;
	if (i == res->nrows) {	/* a log axis of nothing: gnuplot would fail */
		printf("no plot: no round had an ok connection, so there is no latency to draw\n");
		free(res);
		return 0;
	}
	nc = columns(res, col, 16);
	write_data(res, col, nc, outdir, name);
	snprintf(path, sizeof(path), "%s/%s.gp", outdir, name);
	gp = fopen(path, "we");
	if (!gp) {
		free(res);
		return -1;
	}
	fprintf(gp, "set terminal svg size 900,560 dynamic font 'sans,11'\n"
		    "set output '%s/%s.svg'\n"
		    "set title 'latency and achieved rate against offered rate'\n"
		    "set xlabel 'offered connections/s'\nset ylabel 'latency (ms)'\n"
		    "set y2label 'achieved connections/s'\nset logscale y\nset y2tics\n"
		    "set grid\nset key outside right top\nset datafile missing '?'\nplot ",
		outdir, name);
	for (k = 0; k < nc; k++) {
		char dat[PATH_MAX + 32];

		snprintf(dat, sizeof(dat), "%s/%s-%u.dat", outdir, name, k);
		if (access(dat, R_OK))
			continue;
		{
			char t[140];

			snprintf(t, sizeof(t), "%s%s%s%s%s", col[k].profile,
				 *col[k].build ? "/" : "", col[k].build, n > 1 ? " @ " : "",
				 n > 1 ? col[k].run : "");
			fprintf(gp, "%s'%s' using 1:3 with linespoints title '%s p50', "
				    "'%s' using 1:4 with linespoints title '%s p99', "
				    "'%s' using 1:2 axes x1y2 with lines dashtype 2 title '%s ok/s'",
				plotted++ ? ", " : "", dat, t, dat, t, dat, t);
		}
	}
	fprintf(gp, "\n");
	fclose(gp);
	free(res);
	if (run_gnuplot(path))
		return -1;
	printf("plot: %s/%s.svg\n", outdir, name);
	return 0;
}

int results_page(const char *const *dirs, unsigned n, const char *outdir, const char *name)
{
	char path[PATH_MAX + 32], err[PATH_MAX + 512];

	snprintf(path, sizeof(path), "%s/%s.html", outdir, name);
	if (page_write(path, dirs, n, err, sizeof(err))) {
		fprintf(stderr, "connrate-lab: no page: %s\n", err);
		return -1;
	}
	printf("report: %s\n", path);
	return 0;
}
