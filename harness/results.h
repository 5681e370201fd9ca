/*
 * results.h - what a run leaves in its directory, read back: compare,
 * gate, summary and plot.
 *
 * A results directory holds run.json, rounds.jsonl (one "round" object per
 * round, "saturation" objects for knees), summary.txt, latency.svg and
 * report.html.
 * Readers refuse what is not such a file (missing, truncated, not JSON,
 * over 256 MiB) with one line naming the file and the line.
 */
#ifndef CR_RESULTS_H
#define CR_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RESULTS_MAX_ROWS 4096
#define RESULTS_MAX_SAT 64

struct rrow {
	char run[64];		/* the directory's base name */
	char profile[64];
	char build[24];		/* "" without --build */
	unsigned repeat;	/* 0 without --repeat */
	unsigned pair;		/* builds side by side: the round both shared (1..); 0: not paired */
	bool closed;		/* concurrency round */
	double target;		/* offered rate, or concurrency */
	double achieved;
	double p50_us, p99_us;
	double connect_p50_us;
	double ttfb_p50_us;	/* time to first byte; NAN: not recorded */
	double cost_us;		/* the machine's CPU per connection; NAN: not recorded */
	uint64_t started, errors;
	bool interrupted;
};

struct rsat {
	char run[64];
	char profile[64];
	char build[24];
	unsigned repeat;
	double rate;
	char reason[32];
};

/* A capacity found by run --capacity (the "capacity" record). */
struct rcap {
	char run[64];
	char profile[64];
	char build[24];
	unsigned repeat;
	double connections;
	char reason[32];
};

struct results {
	struct rrow row[RESULTS_MAX_ROWS];
	unsigned nrows;
	struct rsat sat[RESULTS_MAX_SAT];
	unsigned nsat;
	struct rcap cap[RESULTS_MAX_SAT];
	unsigned ncap;
};

/* Read DIR/rounds.jsonl, appending.  0, or -1 with err (exit-2 material). */
int results_load(const char *dir, struct results *res, char *err, size_t errlen);
/* The same from text (tests and fuzzing); name labels the rows. */
int results_parse(const char *text, size_t len, const char *name,
		  struct results *res, char *err, size_t errlen);

/* The side-by-side table: rows = offered rate, columns = run/profile. */
void results_compare(const struct results *res, FILE *f);

struct gate_opts {
	double max_rate_drop_pct;
	double max_p99_rise_pct;
	double min_p99_rise_us;		/* smaller rises never fail */
	double max_error_rise;		/* error fraction, absolute */
};

#define GATE_DEFAULTS { 10.0, 100.0, 500.0, 0.01 }

/* 0 pass, 1 regression, 2 nothing to compare (err says why). */
int results_gate(const struct results *base, const struct results *cur,
		 const struct gate_opts *o, FILE *f, char *err, size_t errlen);

/* summary.txt in dir: the table and each round's diagnosis; also printed. */
int results_summary(const char *dir);
/* outdir/NAME.svg from the rounds of dirs, with gnuplot. */
int results_plot(const char *const *dirs, unsigned n, const char *outdir,
		 const char *name);

/* outdir/NAME.html, the page of dirs (page.h); prints where, or why not. */
int results_page(const char *const *dirs, unsigned n, const char *outdir, const char *name);

/* A latency in microseconds, as JSON carries it, by units_fmt_ns(); "-" when unknown. */
const char *results_fmt_us(double us, char *buf, size_t len);
bool results_dir_empty(const char *dir);
int results_mkdir_p(const char *dir);

#endif
