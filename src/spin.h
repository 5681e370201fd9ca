/*
 * spin.h - waking early for the open-loop schedule (--spin).
 *
 * A worker that sleeps until its next start is due wakes up late by the
 * kernel's wake-up latency: a few microseconds on an idle bare-metal
 * machine, 20 to 80 on a virtual one, where every late wake-up is lag and
 * so latency.  With a margin the worker sleeps until margin before the
 * start and polls from there.
 *
 * --spin DUR uses a fixed margin.  --spin auto measures: every timed wait
 * that ran out says how late the kernel woke the thread; the margin is
 * the second-largest lateness of the last SPIN_WINDOW (about the 98th
 * percentile), at most a fifth of the thread's gap between two starts, so
 * polling never takes more than a fifth of a thread's time.
 *
 * A sleep is not free either: arming the timer, going idle and being woken
 * cost the thread CPU time of their own (a few microseconds on bare metal,
 * 20 and more on a virtual machine, where every timer and wake-up leaves
 * the guest).  --spin auto measures that too, from the thread's CPU clock
 * around the waits that slept, and a wait shorter than what a sleep costs
 * is polled instead (spin_poll): polling for it is cheaper than sleeping,
 * and on time.  At high rates, where a thread's starts are closer together
 * than a wake-up costs, the loop then never sleeps between them: it serves
 * events and starts what is due in busy turns, as the closed loop does.
 */
#ifndef CR_SPIN_H
#define CR_SPIN_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"

#define SPIN_WINDOW 64
#define SPIN_MAX_NS (1000 * NS_PER_US)	/* the largest margin --spin takes */
#define SPIN_COST_WINDOW 16
#define SPIN_COST_MAX_NS (200 * NS_PER_US)	/* the longest wait polled for cost */

struct spin {
	mono_ns margin_ns;	/* sleep until this long before a start */
	mono_ns cap_ns;		/* auto: the most margin worth spending */
	bool autom;
	bool busy;		/* --spin busy: cost fixed at the gap */
	bool cost_only;		/* --batch auto: measure a sleep's cost, no margin, no polling */
	mono_ns gap_ns;
	unsigned n;		/* samples in late[] */
	uint32_t late[SPIN_WINDOW];	/* ns, clamped */
	mono_ns sleep_cost_ns;	/* auto: CPU time one sleep costs (median) */
	unsigned ncost;		/* samples noted in cost[] */
	uint32_t cost[SPIN_COST_WINDOW];	/* ns, clamped */
};

/*
 * fixed_ns: --spin DUR (0: off, unless autom).  gap_ns: time between two
 * starts of this thread (0: closed loop, no schedule to keep).
 */
void spin_init(struct spin *s, uint64_t fixed_ns, bool autom, mono_ns gap_ns);
/*
 * --spin busy: never sleep between starts.  Every wait up to the gap
 * between two starts is polled, whatever a sleep costs; longer ones (after
 * the schedule, at an in-flight limit) still sleep.
 */
void spin_set_busy(struct spin *s);
/*
 * --batch auto: only measure what a sleep costs (spin_note_cost); no
 * margin, no polling: batched starts are late by design.
 */
void spin_set_cost_only(struct spin *s);
/* A timed wait meant to end at some instant ended late_ns after it. */
void spin_note(struct spin *s, mono_ns late_ns);

/* A wait that slept cost cpu_ns of the thread's CPU time (auto only). */
void spin_note_cost(struct spin *s, mono_ns cpu_ns);

static inline mono_ns spin_margin(const struct spin *s)
{
	return s->margin_ns;
}

/*
 * Whether a wait of wait_ns is to be polled: under auto when it is
 * cheaper polled than slept (once the cost of a sleep has been measured),
 * under busy when it is no longer than the gap between two starts.
 */
static inline bool spin_poll(const struct spin *s, mono_ns wait_ns)
{
	return (s->autom || s->busy) && !s->cost_only && wait_ns <= s->sleep_cost_ns;
}

/* The thread's CPU time (CLOCK_THREAD_CPUTIME_ID), ns; 0 if unavailable. */
mono_ns spin_cpu_ns(void);

#endif
