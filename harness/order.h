/*
 * order.h - in which order the runs of several builds happen.
 *
 * A shared machine drifts over a comparison's minutes: a neighbour's job
 * starts, caches and conntrack tables warm up, the CPU's clock settles.
 * Runs of build a then all runs of build b would charge that drift to b.
 * So builds take turns, in blocks of one run each, and each block is
 * followed by its mirror (for two builds: a b b a, b a a b, ...; for three:
 * a b c c b a, b c a a c b, ...).  In a block and its mirror every build's
 * two positions add up to the same number, so any drift that is linear in
 * time falls on every build alike, and the first slot (after a fresh
 * start) goes to each build in turn.  An odd number of repeats ends with
 * three blocks whose positions also add up alike: exactly with an odd
 * number of builds, within one position with an even number (where no
 * order can do better: the sum is not divisible).  One repeat cannot be
 * balanced at all.
 */
#ifndef CR_ORDER_H
#define CR_ORDER_H

#include <stddef.h>

#define ORDER_MAX_BUILDS 64

/*
 * order[0 .. builds*repeats) gets build indices 0..builds-1, each
 * repeats times.  0, or -EINVAL (no build, no repeat, more than
 * ORDER_MAX_BUILDS builds or len runs).
 */
int order_runs(unsigned builds, unsigned repeats, unsigned *order, size_t len);

#endif
