/*
 * merge.h - the rounds of several load hosts as one round.
 *
 * Each load host (connrate client --start-at T --id NAME --json FILE)
 * writes its own JSON Lines.  Round k of every file is one round of the
 * whole test: merge sums what can be summed (started, ok, every error
 * class, bytes, CPU, threads, the hosts' rates) and adds the latency,
 * connect, lag and ttfb histograms bucket by bucket, so the percentiles of the
 * merged round come from the merged histogram: exact to the histogram's
 * precision, never an average of percentiles.  The achieved rate is the
 * ok count over the union of the hosts' windows (earliest actual start to
 * latest end), and every host's start skew (its actual start after the
 * earliest) is reported.  A phased round's phases are merged the same
 * way, each phase's rate over the longest of the hosts' phase windows.
 *
 * Rounds that do not belong together are refused with the file and line:
 * different modes, rates or concurrency per host, durations or phases; a host
 * id seen in two files; histograms that are not connrate's buckets.  A
 * file that is absent or holds no round is a missing host: an error, or
 * with allow_missing named in the merged round's "missing" list.
 */
#ifndef CR_MERGE_H
#define CR_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pacer.h"
#include "stats.h"

#define MERGE_MAX_FILES 256
#define MERGE_MAX_FILE_BYTES (256u << 20)

/* A phase of a phased round (--ramp-up, --sustain, --ramp-down). */
struct merge_phase {
	double duration_s;
	double elapsed_s;
	struct stats s;
};

/* One host's round as read back. */
struct merge_round {
	bool closed_loop;
	double target_rate;		/* open loop, per host */
	uint64_t concurrency;		/* closed loop, per host */
	double duration_s;
	double elapsed_s;
	uint64_t threads;
	double cpu_user_s, cpu_sys_s;
	double cpu_wakeups;	/* -1: not in the round (an older connrate) */
	double untimed;		/* --batch: answers timed when read; -1: no --batch */
	double batch_us;	/* --batch: the batch in use at the end; -1: no --batch */
	bool interrupted;
	char host[64];
	int64_t start_requested_ns;	/* wall clock */
	int64_t share_offset_ns;	/* --share: the host's schedule began this much late */
	int64_t start_actual_ns;
	struct stats s;			/* phased: the sustain's */
	bool phased;
	struct merge_phase phase[PHASES];
};

struct merge_opts {
	bool allow_missing;
};

/*
 * Read the "round" object of one JSON line into r.  0, or -1 with why
 * (no file or line in it).
 */
int merge_parse_round(const char *line, size_t len, struct merge_round *r,
		      char *why, size_t whylen);
/* Add src into dst (a host of the same round).  0, or -1 with why. */
int merge_add(struct merge_round *dst, const struct merge_round *src,
	      char *why, size_t whylen);

/*
 * Merge files[0..n): every round index into one "round" line on json and
 * a table row on table (either may be NULL).  0, or -1 with one line in
 * err naming the file (and line) and why.
 */
int merge_files(const char *const *files, unsigned n, const struct merge_opts *o,
		FILE *json, FILE *table, char *err, size_t errlen);

#endif
