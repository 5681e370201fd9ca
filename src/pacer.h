/*
 * pacer.h - the open-loop schedule.
 *
 * Connection i of a round is due at base + i / R, whatever happened to the
 * others.  R is kept in thousandths of a connection per second and the
 * instant is computed from i in 128-bit integer arithmetic, never by adding
 * periods, so the schedule cannot drift: connection 10^7 at 10^6/s is due
 * exactly 10 s after the base.  With T threads, thread t owns connections
 * t, t+T, t+2T, ...: the union is the whole schedule, with nothing shared.
 *
 * Phases (a ramp): the rate rises linearly from R0 to R over the ramp-up,
 * holds R for the sustain and falls linearly back to R0 over the ramp-down.
 * Connection i is due at the instant the integral of that curve reaches i,
 * again computed from i alone: in a ramp the integral is quadratic, so the
 * root is taken in the stable form y / (b + sqrt(b^2 + k y)) in long double
 * and then corrected to the exact floor by comparing the integral at the
 * neighbouring nanoseconds in 128-bit integers.  The integral is counted in
 * "units" of 2 x milli x ns (one connection is 2e12 units), in which every
 * phase boundary is an integer.  A connection belongs to the phase its due
 * time lies in; phase p ends before connection pacer_ramp_edge(r, p).
 */
#ifndef CR_PACER_H
#define CR_PACER_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"

enum pacer_phase { PHASE_RAMP_UP, PHASE_SUSTAIN, PHASE_RAMP_DOWN, PHASES };

/* The rate curve of a phased round. */
struct ramp {
	uint64_t init_milli;	/* the ramps' low end (R0), 0 < R0 <= R */
	uint64_t rate_milli;	/* the sustain rate (R) */
	uint64_t up_ns;
	uint64_t sustain_ns;
	uint64_t down_ns;
};

/* The longest ramp: keeps the exact correction inside 128 bits at 100M/s. */
#define RAMP_MAX_NS (3600ULL * NS_PER_S)

struct pacer {
	mono_ns base_ns;
	uint64_t rate_milli;
	uint64_t next_i;	/* next connection this pacer owns */
	uint64_t step;		/* threads in the round */
	uint64_t total;		/* connections in the whole round */
	bool ramped;		/* due times from ramp, not rate_milli */
	struct ramp ramp;
};

/* Connections whose due time lies in [base, base + duration). */
uint64_t pacer_total(uint64_t rate_milli, uint64_t duration_ns);
/* Due time of connection i. */
mono_ns pacer_due(mono_ns base_ns, uint64_t rate_milli, uint64_t i);
void pacer_init(struct pacer *p, mono_ns base_ns, uint64_t rate_milli,
		uint64_t duration_ns, unsigned thread, unsigned nthreads);
/* The same, on the curve r (which must satisfy pacer_ramp_check()). */
void pacer_init_ramp(struct pacer *p, mono_ns base_ns, const struct ramp *r,
		     unsigned thread, unsigned nthreads);
/* True while this pacer has connections left; *due gets the next one's time. */
bool pacer_peek(const struct pacer *p, mono_ns *due);
/* True once this pacer has no connection left (pacer_peek without the time). */
bool pacer_done(const struct pacer *p);
void pacer_advance(struct pacer *p);
/* Give up this pacer's remaining connections; returns how many there were. */
uint64_t pacer_drop(struct pacer *p);
/* How many of this pacer's remaining connections come before connection limit. */
uint64_t pacer_left_below(const struct pacer *p, uint64_t limit);

/* 0, or -EINVAL when r is not a curve pacer_ramp_due() can follow. */
int pacer_ramp_check(const struct ramp *r);
uint64_t pacer_ramp_duration_ns(const struct ramp *r);
/* Connections due before the end of phase p (so the whole round for the last). */
uint64_t pacer_ramp_edge(const struct ramp *r, enum pacer_phase p);
/* Offset from the base of connection i's due time. */
uint64_t pacer_ramp_due(const struct ramp *r, uint64_t i);
enum pacer_phase pacer_ramp_phase(const struct ramp *r, uint64_t i);
/* The phase instant t (ns from the base) lies in. */
enum pacer_phase pacer_ramp_phase_at(const struct ramp *r, uint64_t t_ns);
uint64_t pacer_phase_ns(const struct ramp *r, enum pacer_phase p);
/* "ramp_up", "sustain", "ramp_down" */
const char *pacer_phase_name(enum pacer_phase p);

#endif
