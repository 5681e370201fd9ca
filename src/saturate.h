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
 * rate.  saturate_judge() is the whole decision, kept pure for tests.
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
};

struct sat_sample {
	double target_rate;
	double achieved_rate;
	uint64_t started;
	uint64_t unstarted;
	uint64_t errors;
	uint64_t p50_ns;
	uint64_t lag_p99_ns;
};

struct sat_params {
	double max_error_rate;
	double slowdown;
	uint64_t max_lag_ns;
};

#define SAT_SHORTFALL_FRAC 0.05

/* prev: the last good round, or NULL for the first. */
enum sat_verdict saturate_judge(const struct sat_params *p,
				const struct sat_sample *prev,
				const struct sat_sample *cur);
const char *saturate_reason(enum sat_verdict v);
void saturate_sample(const struct round_result *r, struct sat_sample *out);
/* Run saturate, the table on out; returns the exit status (0, 130, 1). */
int saturate_run(const struct config *c, const struct client_env *env,
		 FILE *out);

#endif
