/*
 * pacer.h - the open-loop schedule.
 *
 * Connection i of a round is due at base + i / R, whatever happened to the
 * others.  R is kept in thousandths of a connection per second and the
 * instant is computed from i in 128-bit integer arithmetic, never by adding
 * periods, so the schedule cannot drift: connection 10^7 at 10^6/s is due
 * exactly 10 s after the base.  With T threads, thread t owns connections
 * t, t+T, t+2T, ...: the union is the whole schedule, with nothing shared.
 */
#ifndef CR_PACER_H
#define CR_PACER_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"

struct pacer {
	mono_ns base_ns;
	uint64_t rate_milli;
	uint64_t next_i;	/* next connection this pacer owns */
	uint64_t step;		/* threads in the round */
	uint64_t total;		/* connections in the whole round */
};

/* Connections whose due time lies in [base, base + duration). */
uint64_t pacer_total(uint64_t rate_milli, uint64_t duration_ns);
/* Due time of connection i. */
mono_ns pacer_due(mono_ns base_ns, uint64_t rate_milli, uint64_t i);
void pacer_init(struct pacer *p, mono_ns base_ns, uint64_t rate_milli,
		uint64_t duration_ns, unsigned thread, unsigned nthreads);
/* True while this pacer has connections left; *due gets the next one's time. */
bool pacer_peek(const struct pacer *p, mono_ns *due);
void pacer_advance(struct pacer *p);
/* Give up this pacer's remaining connections; returns how many there were. */
uint64_t pacer_drop(struct pacer *p);

#endif
