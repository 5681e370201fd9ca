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
 */
#ifndef CR_SPIN_H
#define CR_SPIN_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"

#define SPIN_WINDOW 64
#define SPIN_MAX_NS (1000 * NS_PER_US)	/* the largest margin --spin takes */

struct spin {
	mono_ns margin_ns;	/* sleep until this long before a start */
	mono_ns cap_ns;		/* auto: the most margin worth spending */
	bool autom;
	unsigned n;		/* samples in late[] */
	uint32_t late[SPIN_WINDOW];	/* ns, clamped */
};

/*
 * fixed_ns: --spin DUR (0: off, unless autom).  gap_ns: time between two
 * starts of this thread (0: closed loop, no schedule to keep).
 */
void spin_init(struct spin *s, uint64_t fixed_ns, bool autom, mono_ns gap_ns);
/* A timed wait meant to end at some instant ended late_ns after it. */
void spin_note(struct spin *s, mono_ns late_ns);

static inline mono_ns spin_margin(const struct spin *s)
{
	return s->margin_ns;
}

#endif
