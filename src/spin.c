/*
 * spin.c - waking early for the open-loop schedule (see spin.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spin.h"

void spin_init(struct spin *s, uint64_t fixed_ns, bool autom, mono_ns gap_ns)
{
	memset(s, 0, sizeof(*s));
	s->autom = autom && gap_ns;
	s->cap_ns = gap_ns / 5 < SPIN_MAX_NS ? gap_ns / 5 : SPIN_MAX_NS;
	s->margin_ns = autom ? 0 : gap_ns ? fixed_ns : 0;
	s->gap_ns = gap_ns;
}

void spin_set_busy(struct spin *s)
{
	s->autom = false;
	s->margin_ns = 0;
	s->busy = s->gap_ns != 0;
	s->sleep_cost_ns = s->gap_ns;
}

void spin_set_cost_only(struct spin *s)
{
	s->autom = true;
	s->busy = false;
	s->cost_only = true;
	s->margin_ns = 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

void spin_note(struct spin *s, mono_ns late_ns)
{
	uint32_t v[SPIN_WINDOW];
	mono_ns q;

	if (!s->autom || s->cost_only)
		return;
	s->late[s->n++] = late_ns > UINT32_MAX ? UINT32_MAX : (uint32_t)late_ns;
	if (s->n < SPIN_WINDOW)
		return;
	s->n = 0;
	memcpy(v, s->late, sizeof(v));
	qsort(v, SPIN_WINDOW, sizeof(v[0]), cmp_u32);
	q = v[SPIN_WINDOW - 2];
	s->margin_ns = q < s->cap_ns ? q : s->cap_ns;
}

/*
 * The median of the last SPIN_COST_WINDOW samples (fewer at first): one
 * sleep that was charged a burst of interrupt work does not move it.
 */
void spin_note_cost(struct spin *s, mono_ns cpu_ns)
{
	uint32_t v[SPIN_COST_WINDOW];
	unsigned n;

	if (!s->autom)
		return;
	if (cpu_ns > SPIN_COST_MAX_NS)
		cpu_ns = SPIN_COST_MAX_NS;
	s->cost[s->ncost++ % SPIN_COST_WINDOW] = (uint32_t)cpu_ns;
	if (s->ncost == 2 * SPIN_COST_WINDOW)
		s->ncost = SPIN_COST_WINDOW;	/* stays full, never wraps */
	n = s->ncost < SPIN_COST_WINDOW ? s->ncost : SPIN_COST_WINDOW;
	memcpy(v, s->cost, n * sizeof(v[0]));
	qsort(v, n, sizeof(v[0]), cmp_u32);
	s->sleep_cost_ns = v[n / 2];
}

mono_ns spin_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return (mono_ns)ts.tv_sec * NS_PER_S + (mono_ns)ts.tv_nsec;
}
