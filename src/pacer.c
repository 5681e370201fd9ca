/*
 * pacer.c - the open-loop schedule (see pacer.h).
 */
#include "pacer.h"

#define MILLI_NS_PER_S (1000ULL * NS_PER_S)

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
}

bool pacer_peek(const struct pacer *p, mono_ns *due)
{
	if (p->next_i >= p->total)
		return false;
	*due = pacer_due(p->base_ns, p->rate_milli, p->next_i);
	return true;
}

void pacer_advance(struct pacer *p)
{
	p->next_i += p->step;
}

uint64_t pacer_drop(struct pacer *p)
{
	uint64_t left;

	if (p->next_i >= p->total)
		return 0;
	left = (p->total - p->next_i + p->step - 1) / p->step;
	p->next_i = p->total;
	return left;
}
