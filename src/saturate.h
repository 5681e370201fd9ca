/*
 * saturate.h - find the knee: the highest rate the target handles well.
 *
 * Rounds step from --start by --factor.  A round is bad, in this order of
 * blame, when
 *   errors     errors / started exceeds --max-error-rate;
 *   client     the client's own lag p99 exceeds --max-lag, or starts of the
 *              schedule were not made in the round (unstarted): the
 *              client, not the target, fell behind (said plainly: add
 *              threads or client machines before believing the knee);
 *   shortfall  the achieved rate is more than 5% below the target;
 *   slowdown   p50 latency exceeds --slowdown times the last good round's.
 * --refine N bisects N more rounds between the last good and the first bad
 * rate.
 *
 * --criteria rfc9411 judges a round as RFC 9411 7.2.3 does, on the sustain
 * phase alone when the round has phases (the headline figures are the
 * sustain's): it fails when
 *   resets     0.001% or more of the connections were reset (RST);
 *   errors     0.001% or more failed, in any class;
 *   client     as above: the client, not the device, fell behind;
 *   shortfall  the achieved rate is not within 5% of the target.
 * Latency does not enter.  The search steps up by --factor, then bisects
 * (geometric midpoints) until the highest passing and the lowest failing
 * rate are within 1% of each other, or for --refine N rounds when N > 0;
 * the answer is the highest passing rate, in the RFC's words.
 *
 * saturate_judge() is the whole decision and saturate_search() the whole
 * search, over any round function: both pure, for tests.
 */
#ifndef CR_SATURATE_H
#define CR_SATURATE_H

#include <stdint.h>

#include "cli.h"
#include "client.h"

enum sat_verdict {
	SAT_GOOD,
	SAT_ERRORS,
	SAT_CLIENT,
	SAT_SHORTFALL,
	SAT_SLOWDOWN,
	SAT_LIMIT,		/* ran out of rounds: no knee found */
	SAT_INTERRUPTED,
	SAT_RESETS,		/* rfc9411: too many connections reset */
};

struct sat_sample {
	double target_rate;
	double achieved_rate;
	uint64_t started;
	uint64_t unstarted;
	uint64_t errors;
	uint64_t resets;	/* of which reset (RST) */
	uint64_t p50_ns;
	uint64_t lag_p99_ns;
};

struct sat_params {
	double max_error_rate;
	double slowdown;
	uint64_t max_lag_ns;
	enum criteria criteria;
};

#define SAT_SHORTFALL_FRAC 0.05
#define SAT_RFC9411_FAIL_FRAC 0.00001	/* 0.001% */
#define SAT_RFC9411_RESOLUTION 1.01	/* bisect until bad / good <= this */

/* How the search walks: the start, the step, and the bisection. */
struct sat_plan {
	uint64_t start_milli;
	double factor;
	uint64_t max_rounds;
	uint64_t refine;
};

/* Where a search ended. */
struct sat_result {
	uint64_t good_rate, bad_rate;	/* milli; 0: none */
	struct sat_sample good, bad;
	enum sat_verdict why_bad;	/* SAT_LIMIT when no rate failed */
	unsigned rounds;
	int rc;				/* 0, -1 interrupted, -2 a round could not run */
};

/* One round at rate_milli: 0 with *out filled, -1 interrupted, -2 failed. */
typedef int (*sat_round_fn)(void *ctx, uint64_t rate_milli,
			    struct sat_sample *out);

/* prev: the last good round, or NULL for the first. */
enum sat_verdict saturate_judge(const struct sat_params *p,
				const struct sat_sample *prev,
				const struct sat_sample *cur);
const char *saturate_reason(enum sat_verdict v);
/* The next rate to bisect at after `done` bisection rounds, or 0: stop. */
uint64_t saturate_bisect(const struct sat_params *p, const struct sat_plan *plan,
			 uint64_t good_rate, uint64_t bad_rate, uint64_t done);
/* Step up, then bisect, calling round for each rate. */
void saturate_search(const struct sat_params *p, const struct sat_plan *plan,
		     sat_round_fn round, void *ctx, struct sat_result *res);
void saturate_sample(const struct round_result *r, struct sat_sample *out);
/* Run saturate, the table on out; returns the exit status (0, 130, 1). */
int saturate_run(const struct config *c, const struct client_env *env,
		 FILE *out);

#endif
