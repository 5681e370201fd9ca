/*
 * page.h - report.html: one page a person opens after a run.
 *
 * Written for a run (DIR/report.html), for a comparison of runs and for
 * builds compared over repeats.  One file that opens anywhere, offline:
 * inline CSS and inline SVG plots (svg.h), no script, no font, nothing
 * fetched.  It reads the results directories as compare does
 * (results.h: a file that is not a run's is refused with the file and
 * line) and shows, in the order a person asks:
 *
 *   1. the answer: per profile (and build) the highest clean rate, or the
 *      knee and why the next rate failed, in one sentence; with builds
 *      and repeats, each build's shift against the first with its
 *      interval (abtest.h, abgate.h);
 *   2. achieved against offered rate (the diagonal a device that keeps up
 *      follows, the error share marked) and latency p50/p99 against
 *      offered rate, one colour per profile/build in every plot;
 *   3. per offered rate, the latency and connect-time distributions as
 *      percentile curves on a log time axis, overlaid (repeats pooled);
 *   4. the gate's estimates when there are builds and repeats;
 *   5. the summary's table, failed rounds marked (text and tint), each
 *      diagnosis beside its round with the counter deltas it names;
 *   6. how it was made: kernel, CPU, version, topology, the profiles'
 *      sysctls as read back, the options.
 *
 * A round is clean when it finished, had no errors and achieved at least
 * 95% of its offered rate (saturate's "5% short" rule).
 */
#ifndef CR_PAGE_H
#define CR_PAGE_H

#include <stddef.h>

#define PAGE_MAX_DIRS 16

/*
 * The page of dirs[0..n) into path (written to path.tmp, then renamed).
 * 0, or -1 with err naming the file and why.
 */
int page_write(const char *path, const char *const *dirs, unsigned n, char *err, size_t errlen);

#endif
