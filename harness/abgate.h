/*
 * abgate.h - the gate over repeats: is the current build worse than the
 * baseline, metric by metric, with an interval?
 *
 * Rounds are matched by profile and offered rate (or concurrency); within
 * a match each side has one value per repeat, and abtest.h compares them:
 * a Hodges-Lehmann estimate in percent of the baseline with its
 * Mann-Whitney interval, errors by Fisher's exact test, the knee per
 * repeat likewise.  When the rounds are pairs (builds side by side in
 * one run, "pair":i on every round of both sides, paired.h), each pair's
 * log ratio is taken instead and compared by the one-sample
 * Hodges-Lehmann estimate with Wilcoxon's signed-rank interval; the
 * table says which design it judged.  A metric fails only when its whole interval lies
 * beyond its tolerance in the bad direction.  Metrics whose tolerance is
 * off are shown and do not gate: on a noisy machine some (latency p99,
 * the knee) wander too far between repeats to judge a few percent.
 */
#ifndef CR_ABGATE_H
#define CR_ABGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "results.h"

enum abg_metric {
	ABG_CONNECT_P50, ABG_LATENCY_P50, ABG_LATENCY_P99, ABG_ACHIEVED, ABG_ERRORS,
	ABG_COST, ABG_KNEE, ABG__COUNT,
};

#define ABG_OFF (-1.0)		/* a tolerance that shows and does not gate */
#define ABG_DEFAULT (-2.0)	/* the design's default (interleaved or paired) */

struct abg_opts {
	double tol[ABG__COUNT];	/* percent (errors: points), ABG_OFF or ABG_DEFAULT */
};

/* The defaults (see README, "A/B of firewall builds"). */
void abg_defaults(struct abg_opts *o);
/* "connect_p50=3", "p99=off": 0, or -1 with why (what was expected). */
int abg_set_tolerance(struct abg_opts *o, const char *arg, char *why, size_t len);
const char *abg_metric_name(enum abg_metric m);

/* The rows (and knees) of res whose build is name, into out. */
void abg_select(const struct results *res, const char *name, struct results *out);
/* Do base and cur each hold two or more repeats of some round? */
bool abg_has_repeats(const struct results *base, const struct results *cur);

/*
 * Compare and print the table to f.  0 pass, 1 a gating metric failed,
 * 2 nothing to compare or unusable input (err says why).
 */
int abg_gate(const struct results *base, const struct results *cur,
	     const struct abg_opts *o, FILE *f, char *err, size_t errlen);

#endif
