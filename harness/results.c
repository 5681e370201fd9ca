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

/* A round record into res; NULL, or why it is refused. */
static const char *parse_round(json_object *o, const char *label, struct results *res)
{
	struct rrow *r;
	json_object *c, *errs, *x;
	const char *mode, *prof = str(o, "profile");
	double started;
	bool ok = true;

	if (!json_object_object_get_ex(o, "client", &c) || !json_object_is_type(c, json_type_object))
		return "not a round of connrate-lab run";
	mode = str(c, "mode");
	if (!prof || !mode)
		return "not a round of connrate-lab run";
	if (res->nrows == RESULTS_MAX_ROWS)
		return "more than " STR(RESULTS_MAX_ROWS) " rounds in all the inputs, the most compare and gate take";
	r = &res->row[res->nrows];
	memset(r, 0, sizeof(*r));
	snprintf(r->run, sizeof(r->run), "%s", label);
	snprintf(r->profile, sizeof(r->profile), "%s", prof);
	r->closed = !strcmp(mode, "concurrency");
	r->target = num(c, r->closed ? "concurrency" : "target_rate", NULL, &ok);
	r->achieved = num(c, "achieved_rate", NULL, &ok);
	r->p50_us = num(c, "latency_us", "p50", &ok);
	r->p99_us = num(c, "latency_us", "p99", &ok);
	started = num(c, "started", NULL, &ok);
	if (!get(c, "errors", NULL, &errs) || !json_object_is_type(errs, json_type_object))
		return "not a round of connrate-lab run";
	json_object_object_foreach(errs, k, v) {
		(void)k;
		r->errors += (uint64_t)json_object_get_int64(v);
	}
	r->interrupted = json_object_object_get_ex(c, "interrupted", &x) &&
			 json_object_get_boolean(x);
	/* a count a double holds exactly; anything else is not a connrate file */
	if (!ok || r->target < 0 || r->achieved < 0 || !isfinite(r->p99_us) ||
	    !(started >= 0 && started <= 9007199254740992.0))
		return "not a round of connrate-lab run";
	r->started = (uint64_t)started;
	res->nrows++;
	return NULL;
}

/* A knee record into res; NULL, or why it is refused. */
static const char *parse_sat(json_object *o, const char *label, struct results *res)
{
	struct rsat *s;
	const char *prof = str(o, "profile"), *reason = str(o, "reason");
	bool ok = true;

	if (!prof || !reason)
		return "not a knee of connrate-lab run";
	if (res->nsat == RESULTS_MAX_SAT)
		return "more than " STR(RESULTS_MAX_SAT) " knees in all the inputs, the most compare and gate take";
	s = &res->sat[res->nsat];
	snprintf(s->run, sizeof(s->run), "%s", label);
	snprintf(s->profile, sizeof(s->profile), "%s", prof);
	snprintf(s->reason, sizeof(s->reason), "%s", reason);
	s->rate = num(o, "rate", NULL, &ok);
	if (!ok)
		return "not a knee of connrate-lab run";
	res->nsat++;
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

struct parsing {
	const char *label;
	struct results *res;
	unsigned got;
};

static const char *add_record(json_object *o, void *arg)
{
	struct parsing *ps = arg;
	const char *type = str(o, "type");

	if (type && !strcmp(type, "round")) {
		ps->got++;
		return parse_round(o, ps->label, ps->res);
	}
	if (type && !strcmp(type, "saturation")) {
		ps->got++;
		return parse_sat(o, ps->label, ps->res);
	}
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
	char run[64], profile[64];
};

static unsigned columns(const struct results *res, struct column *col, unsigned max)
{
	unsigned n = 0, i, k;

	for (i = 0; i < res->nrows; i++) {
		for (k = 0; k < n; k++)
			if (!strcmp(col[k].run, res->row[i].run) &&
			    !strcmp(col[k].profile, res->row[i].profile))
				break;
		if (k == n && n < max) {
			snprintf(col[n].run, sizeof(col[n].run), "%s", res->row[i].run);
			snprintf(col[n].profile, sizeof(col[n].profile), "%s", res->row[i].profile);
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

/* The last round of column c at (closed, target); NULL when none. */
static const struct rrow *find(const struct results *res, const struct column *c,
			       bool closed, double target)
{
	const struct rrow *hit = NULL;
	unsigned i;

	for (i = 0; i < res->nrows; i++) {
		const struct rrow *r = &res->row[i];

		if (r->closed == closed && fabs(r->target - target) < 1e-6 &&
		    !strcmp(r->run, c->run) && !strcmp(r->profile, c->profile))
			hit = r;
	}
	return hit;
}

void results_compare(const struct results *res, FILE *f)
{
	struct column col[16];
	double (*keys)[2] = malloc(sizeof(double[2]) * (res->nrows + 1));
	unsigned nc = columns(res, col, 16), nk = 0, i, k;
	bool many_runs = false;
	char a[24], b[24], label[140];

	if (!keys)
		return;
	for (k = 1; k < nc; k++)
		if (strcmp(col[k].run, col[0].run))
			many_runs = true;
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
	fprintf(f, "%-10s", "offered");
	for (k = 0; k < nc; k++) {
		if (many_runs)
			snprintf(label, sizeof(label), "%s @ %s", col[k].profile, col[k].run);
		else
			snprintf(label, sizeof(label), "%s", col[k].profile);
		fprintf(f, " | %-36.36s", label);
	}
	fprintf(f, "\n%-10s", "");
	for (k = 0; k < nc; k++)
		fprintf(f, " | %9s %8s %8s %8s", "ok/s", "p50", "p99", "errors");
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
				fprintf(f, " | %9s %8s %8s %8s", "", "", "", "");
			else
				fprintf(f, " | %9.0f %8s %8s %8llu", r->achieved,
					results_fmt_us(r->p50_us, a, sizeof(a)),
					results_fmt_us(r->p99_us, b, sizeof(b)),
					(unsigned long long)r->errors);
		}
		fputc('\n', f);
	}
	if (res->nsat) {
		fprintf(f, "%-10s", "knee");
		for (k = 0; k < nc; k++) {
			const struct rsat *s = NULL;

			for (i = 0; i < res->nsat; i++)
				if (!strcmp(res->sat[i].run, col[k].run) &&
				    !strcmp(res->sat[i].profile, col[k].profile))
					s = &res->sat[i];
			if (s)
				snprintf(label, sizeof(label), "%.0f/s (next: %s)", s->rate, s->reason);
			else
				label[0] = '\0';
			fprintf(f, " | %-36.36s", label);
		}
		fputc('\n', f);
	}
	free(keys);
}

/* --- gate --- */

int results_gate(const struct results *base, const struct results *cur,
		 const struct gate_opts *o, FILE *f, char *err, size_t errlen)
{
	unsigned i, k, matched = 0, bad = 0;
	char a[24], b[24], label[64];

	fprintf(f, "%-16s %-10s | %9s %9s %7s | %8s %8s %7s | %s\n", "profile", "offered",
		"base ok/s", "now ok/s", "change", "base p99", "now p99", "change", "verdict");
	for (i = 0; i < base->nrows; i++) {
		const struct rrow *br = &base->row[i], *cr = NULL;
		double drop, rise, erise;
		const char *why = NULL;

		if (br->interrupted)
			continue;
		for (k = 0; k < cur->nrows; k++)
			if (!strcmp(cur->row[k].profile, br->profile) && cur->row[k].closed == br->closed &&
			    fabs(cur->row[k].target - br->target) < 1e-6 && !cur->row[k].interrupted)
				cr = &cur->row[k];
		if (!cr)
			continue;
		matched++;
		drop = br->achieved > 0 ? 100.0 * (br->achieved - cr->achieved) / br->achieved : 0;
		rise = br->p99_us > 0 ? 100.0 * (cr->p99_us - br->p99_us) / br->p99_us : 0;
		erise = (cr->started ? (double)cr->errors / (double)cr->started : 0) -
			(br->started ? (double)br->errors / (double)br->started : 0);
		if (drop > o->max_rate_drop_pct)
			why = "rate dropped";
		else if (rise > o->max_p99_rise_pct && cr->p99_us - br->p99_us > o->min_p99_rise_us)
			why = "p99 rose";
		else if (erise > o->max_error_rise)
			why = "errors rose";
		if (why)
			bad++;
		snprintf(label, sizeof(label), br->closed ? "c=%.0f" : "%.0f/s", br->target);
		fprintf(f, "%-16.16s %-10s | %9.0f %9.0f %+6.1f%% | %8s %8s %+6.0f%% | %s\n",
			br->profile, label, br->achieved, cr->achieved, -drop,
			results_fmt_us(br->p99_us, a, sizeof(a)),
			results_fmt_us(cr->p99_us, b, sizeof(b)), rise,
			why ? why : "ok");
	}
	for (i = 0; i < base->nsat; i++) {
		const struct rsat *bs = &base->sat[i], *cs = NULL;
		double drop;

		for (k = 0; k < cur->nsat; k++)
			if (!strcmp(cur->sat[k].profile, bs->profile))
				cs = &cur->sat[k];
		if (!cs || !strcmp(bs->reason, "interrupted") || !strcmp(cs->reason, "interrupted"))
			continue;
		matched++;
		drop = bs->rate > 0 ? 100.0 * (bs->rate - cs->rate) / bs->rate : 0;
		if (drop > o->max_rate_drop_pct)
			bad++;
		fprintf(f, "%-16.16s %-10s | %9.0f %9.0f %+6.1f%% | %8s %8s %7s | %s\n",
			bs->profile, "knee", bs->rate, cs->rate, -drop, "", "", "",
			drop > o->max_rate_drop_pct ? "knee dropped" : "ok");
	}
	if (!matched) {
		snprintf(err, errlen, "nothing to compare: no round of the current run has the profile and offered rate of one in the baseline");
		return 2;
	}
	fprintf(f, "\n%u of %u compared %s beyond the tolerances (rate drop %.0f%%, p99 rise %.0f%% and %.1f ms, errors +%.1f points)\n",
		bad, matched, bad == 1 ? "is" : "are", o->max_rate_drop_pct, o->max_p99_rise_pct,
		o->min_p99_rise_us / 1000, 100 * o->max_error_rise);
	return bad ? 1 : 0;
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

/* summary.txt: the table, then every round's diagnosis. */
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
	results_compare(res, w.f);
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

int results_plot(const char *const *dirs, unsigned n, const char *outdir,
		 const char *name)
{
	struct results *res = calloc(1, sizeof(*res));
	struct column col[16];
	char path[PATH_MAX + 32], err[512];
	unsigned nc, i, k, plotted = 0;
	FILE *gp;
	pid_t pid;
	int status;

	if (!res)
		return -1;
	for (i = 0; i < n; i++)
		if (results_load(dirs[i], res, err, sizeof(err))) {
			free(res);
			return -1;
		}
	nc = columns(res, col, 16);
	for (k = 0; k < nc; k++) {
		FILE *d;
		unsigned rows = 0;

		snprintf(path, sizeof(path), "%s/%s-%u.dat", outdir, name, k);
		d = fopen(path, "we");
		if (!d)
			continue;
		for (i = 0; i < res->nrows; i++) {
			const struct rrow *r = &res->row[i];

			if (r->closed || strcmp(r->run, col[k].run) || strcmp(r->profile, col[k].profile))
				continue;
			fprintf(d, "%.3f %.3f %.6f %.6f\n", r->target, r->achieved,
				r->p50_us / 1000.0, r->p99_us / 1000.0);
			rows++;
		}
		fclose(d);
		if (!rows)
			unlink(path);
	}
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

			if (n > 1)
				snprintf(t, sizeof(t), "%s @ %s", col[k].profile, col[k].run);
			else
				snprintf(t, sizeof(t), "%s", col[k].profile);
			fprintf(gp, "%s'%s' using 1:3 with linespoints title '%s p50', "
				    "'%s' using 1:4 with linespoints title '%s p99', "
				    "'%s' using 1:2 axes x1y2 with lines dashtype 2 title '%s ok/s'",
				plotted++ ? ", " : "", dat, t, dat, t, dat, t);
		}
	}
	fprintf(gp, "\n");
	fclose(gp);
	free(res);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execlp("gnuplot", "gnuplot", path, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "connrate-lab: no plot: gnuplot %s (Debian package gnuplot-nox)\n",
			pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "is not installed" : "failed");
		return -1;
	}
	printf("plot: %s/%s.svg\n", outdir, name);
	return 0;
}
