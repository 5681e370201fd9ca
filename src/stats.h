/*
 * stats.h - what a round measured: outcomes by class, bytes, histograms.
 *
 * Every connection ends in exactly one outcome: ok or one error class, so
 * ok + sum(err) == started always holds once a round is over.  In the open
 * loop a start the schedule asked for but the client could not make before
 * the round's end is counted "unstarted" (the client fell behind: no
 * outcome of the target), so started + unstarted == the starts scheduled
 * (pacer_total()) once an uninterrupted round is over.  Errno values
 * behind "other" are kept in a small table.  One struct stats per worker,
 * merged after join; no atomics on the hot path.
 */
#ifndef CR_STATS_H
#define CR_STATS_H

#include <stdint.h>

#include "histo.h"

enum outcome {
	OUT_REFUSED,		/* ECONNREFUSED */
	OUT_RESET,		/* ECONNRESET, EPIPE */
	OUT_TIMEOUT,		/* our own per-connection deadline */
	OUT_SYN_TIMEOUT,	/* the kernel's ETIMEDOUT */
	OUT_ADDR_NOT_AVAIL,	/* EADDRNOTAVAIL: out of source ports */
	OUT_FD_LIMIT,		/* EMFILE, ENFILE */
	OUT_SHORT,		/* answer shorter than --expect-bytes */
	OUT_OTHER,		/* anything else, errno kept */
	OUT__ERRORS,
	OUT_OK = OUT__ERRORS,
};

#define STATS_ERRNO_SLOTS 8

struct errno_count {
	int err;
	uint64_t count;
};

struct stats {
	uint64_t started;
	uint64_t unstarted;	/* scheduled, not made before the round's end */
	uint64_t ok;
	uint64_t err[OUT__ERRORS];
	struct errno_count other[STATS_ERRNO_SLOTS];	/* count 0: free */
	uint64_t other_unlisted;	/* "other" beyond the table */
	uint64_t bytes_sent;
	uint64_t bytes_received;
	struct histo latency;	/* done - intended start, ok only */
	struct histo connect;	/* established - socket created */
	struct histo lag;	/* actual start - intended start */
	struct histo ttfb;	/* first byte of the answer - intended start, ok only */
};

void stats_init(struct stats *s);
void stats_merge(struct stats *dst, const struct stats *src);
uint64_t stats_errors(const struct stats *s);
/* The class of a failed socket call's errno. */
enum outcome stats_classify(int err);
/* Count one failed connection of class o (err is kept for OUT_OTHER). */
void stats_fail(struct stats *s, enum outcome o, int err);
const char *stats_outcome_name(enum outcome o);

#endif
