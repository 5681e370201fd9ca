/*
 * capsearch.h - saturate --hold-search: the most connections a target
 * (or the device in front of it) holds at once.
 *
 * Rounds of client --hold (hold.h) raise N from --start by --factor until
 * a round fails; then the search tries the number the failed round still
 * held (a table that is full holds exactly its size) and, when that is
 * held, one step of the precision past it; then it bisects between
 * the largest N held and the smallest not held.  --refine N caps the
 * bisecting rounds (0: until the two are within 0.5% of each other, at
 * most 20 rounds).  A round is held when every one of its N connections
 * opened and answered its last exchange; it fails, in this order of blame:
 *   client  the client ran out of its own ports or descriptors
 *           (addr_not_avail, fd_limit) or fell behind its schedule: never
 *           the device's limit; the search stops there and says so;
 *   open    connections failed to open;
 *   answer  connections opened, then stopped answering their exchanges.
 * N is never raised past the client's own limit (hold_client_limit()):
 * the search then ends with reason "client".  capsearch_next() and
 * capsearch_judge() are the whole decision, kept pure for tests.
 */
#ifndef CR_CAPSEARCH_H
#define CR_CAPSEARCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "client.h"
#include "hold.h"

enum cap_verdict {
	CAP_HELD,
	CAP_CLIENT,
	CAP_OPEN,
	CAP_ANSWER,
	CAP_LIMIT,		/* rounds ran out without a failure */
	CAP_INTERRUPTED,
};

struct capsearch {
	uint64_t start;
	double factor;
	uint64_t client_limit;	/* the client's own, see hold_client_limit() */
	uint64_t refine;	/* bisecting rounds at most, 0: to 0.5% */
	uint64_t max_rounds;	/* stepping rounds at most */
	uint64_t good;		/* largest N held (0: none yet) */
	uint64_t bad;		/* smallest N not held (0: none yet) */
	uint64_t hint;		/* held in the first failed round */
	bool hint_tried;
	bool probe_tried;	/* the hint held: one step past it tried */
	uint64_t steps, bisects;
	enum cap_verdict why_bad;	/* of the round at bad */
	bool client_hit;		/* stopped at the client's own limit */
};

void capsearch_init(struct capsearch *s, uint64_t start, double factor,
		    uint64_t refine, uint64_t max_rounds, uint64_t client_limit);
/* The verdict of a finished round. */
enum cap_verdict capsearch_judge(const struct hold_result *r);
/* Note round n's verdict (held: how many it held). */
void capsearch_note(struct capsearch *s, uint64_t n, enum cap_verdict v, uint64_t held);
/* The next N to try, or 0 when the search is over. */
uint64_t capsearch_next(struct capsearch *s);
const char *capsearch_reason(enum cap_verdict v);

/* Run the search, the table on out; returns the exit status (0, 130, 1). */
int capsearch_run(const struct config *c, const struct client_env *env, FILE *out);

#endif
