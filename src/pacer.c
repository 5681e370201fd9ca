/*
 * pacer.c - the open-loop schedule (see pacer.h).
 */
#include <errno.h>
#include <math.h>

#include "pacer.h"

#define MILLI_NS_PER_S (1000ULL * NS_PER_S)
#define UNITS_PER_CONN (2 * MILLI_NS_PER_S)	/* 2 x milli x ns */
#define RATE_MAX_MILLI 100000000000ULL		/* 100M/s */

uint64_t pacer_total(uint64_t rate_milli, uint64_t duration_ns)
{
	unsigned __int128 x = (unsigned __int128)duration_ns * rate_milli;

	return (uint64_t)((x + MILLI_NS_PER_S - 1) / MILLI_NS_PER_S);
}

mono_ns pacer_due(mono_ns base_ns, uint64_t rate_milli, uint64_t i)
{
	return base_ns + (mono_ns)((unsigned __int128)i * MILLI_NS_PER_S /
				   rate_milli);
}

void pacer_init(struct pacer *p, mono_ns base_ns, uint64_t rate_milli,
		uint64_t duration_ns, unsigned thread, unsigned nthreads)
{
	p->base_ns = base_ns;
	p->rate_milli = rate_milli;
	p->next_i = thread;
	p->step = nthreads ? nthreads : 1;
	p->total = pacer_total(rate_milli, duration_ns);
	p->ramped = false;
}

void pacer_init_ramp(struct pacer *p, mono_ns base_ns, const struct ramp *r,
		     unsigned thread, unsigned nthreads)
{
	pacer_init(p, base_ns, r->rate_milli, 0, thread, nthreads);
	p->ramp = *r;
	p->ramped = true;
	p->total = pacer_ramp_edge(r, PHASE_RAMP_DOWN);
}

bool pacer_done(const struct pacer *p)
{
	return p->next_i >= p->total;
}

bool pacer_peek(const struct pacer *p, mono_ns *due)
{
	if (pacer_done(p))
		return false;
	*due = p->ramped ? p->base_ns + pacer_ramp_due(&p->ramp, p->next_i) :
	       pacer_due(p->base_ns, p->rate_milli, p->next_i);
	return true;
}

void pacer_advance(struct pacer *p)
{
	p->next_i += p->step;
}

uint64_t pacer_left_below(const struct pacer *p, uint64_t limit)
{
	if (limit > p->total)
		limit = p->total;
	if (p->next_i >= limit)
		return 0;
	return (limit - p->next_i + p->step - 1) / p->step;
}

uint64_t pacer_drop(struct pacer *p)
{
	uint64_t left = pacer_left_below(p, p->total);

	if (p->next_i < p->total)
		p->next_i = p->total;
	return left;
}

/* --- the ramp --- */

int pacer_ramp_check(const struct ramp *r)
{
	if (!r->rate_milli || r->rate_milli > RATE_MAX_MILLI ||
	    !r->init_milli || r->init_milli > r->rate_milli ||
	    r->up_ns > RAMP_MAX_NS || r->down_ns > RAMP_MAX_NS ||
	    r->sustain_ns > 7 * 24 * 3600 * NS_PER_S ||
	    !pacer_ramp_duration_ns(r))
		return -EINVAL;
	return 0;
}

uint64_t pacer_ramp_duration_ns(const struct ramp *r)
{
	return r->up_ns + r->sustain_ns + r->down_ns;
}

uint64_t pacer_phase_ns(const struct ramp *r, enum pacer_phase p)
{
	return p == PHASE_RAMP_UP ? r->up_ns :
	       p == PHASE_SUSTAIN ? r->sustain_ns : r->down_ns;
}

/* The integral of the rate over phase p, in units. */
static unsigned __int128 phase_units(const struct ramp *r, enum pacer_phase p)
{
	uint64_t sum = r->init_milli + r->rate_milli;

	if (p == PHASE_SUSTAIN)
		return (unsigned __int128)2 * r->rate_milli * r->sustain_ns;
	return (unsigned __int128)sum * pacer_phase_ns(r, p);
}

uint64_t pacer_ramp_edge(const struct ramp *r, enum pacer_phase p)
{
	unsigned __int128 x = 0;
	int k;

	for (k = PHASE_RAMP_UP; k <= (int)p && k < PHASES; k++)
		x += phase_units(r, (enum pacer_phase)k);
	return (uint64_t)((x + UNITS_PER_CONN - 1) / UNITS_PER_CONN);
}

enum pacer_phase pacer_ramp_phase(const struct ramp *r, uint64_t i)
{
	if (i < pacer_ramp_edge(r, PHASE_RAMP_UP))
		return PHASE_RAMP_UP;
	if (i < pacer_ramp_edge(r, PHASE_SUSTAIN))
		return PHASE_SUSTAIN;
	return PHASE_RAMP_DOWN;
}

enum pacer_phase pacer_ramp_phase_at(const struct ramp *r, uint64_t t_ns)
{
	if (t_ns < r->up_ns)
		return PHASE_RAMP_UP;
	if (t_ns - r->up_ns < r->sustain_ns)
		return PHASE_SUSTAIN;
	return PHASE_RAMP_DOWN;
}

const char *pacer_phase_name(enum pacer_phase p)
{
	static const char *const names[] = {
		[PHASE_RAMP_UP] = "ramp_up",
		[PHASE_SUSTAIN] = "sustain",
		[PHASE_RAMP_DOWN] = "ramp_down",
	};

	return p < PHASES ? names[p] : "?";
}

/*
 * A ramp of length span (ns) from rate b (milli), changing by sign * c
 * over it: span times its integral up to t is 2 b span t + sign c t^2
 * units (increasing on [0, span]).  The largest t at which that is at
 * most span * y: the root in long double, then made exact.
 */
static __int128 ramp_f(uint64_t b, uint64_t c, int sign, uint64_t span,
		       uint64_t t)
{
	__int128 lin = (__int128)2 * b * span * t;
	__int128 sq = (__int128)c * t * t;

	return sign > 0 ? lin + sq : lin - sq;
}

static uint64_t ramp_root(uint64_t b, uint64_t c, int sign, uint64_t span,
			  unsigned __int128 y)
{
	long double yl = (long double)y;
	long double k = (long double)c / (long double)span * sign;
	long double disc = (long double)b * b + k * yl;
	__int128 goal = (__int128)span * (__int128)y;
	uint64_t t;

	if (disc < 0)
		disc = 0;
	t = (uint64_t)(yl / ((long double)b + sqrtl(disc)));
	while (t && ramp_f(b, c, sign, span, t) > goal)
		t--;
	while (t < span && ramp_f(b, c, sign, span, t + 1) <= goal)
		t++;
	return t;
}

uint64_t pacer_ramp_due(const struct ramp *r, uint64_t i)
{
	unsigned __int128 y = (unsigned __int128)i * UNITS_PER_CONN, x;
	uint64_t c = r->rate_milli - r->init_milli;

	x = phase_units(r, PHASE_RAMP_UP);
	if (y < x)
		return ramp_root(r->init_milli, c, +1, r->up_ns, y);
	y -= x;
	x = phase_units(r, PHASE_SUSTAIN);
	if (y < x)
		return r->up_ns + (uint64_t)(y / (2 * r->rate_milli));
	y -= x;
	x = phase_units(r, PHASE_RAMP_DOWN);
	if (y >= x)
		return pacer_ramp_duration_ns(r);
	return r->up_ns + r->sustain_ns +
	       ramp_root(r->rate_milli, c, -1, r->down_ns, y);
}
