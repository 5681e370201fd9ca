/*
 * client.h - the client: rounds of connections, open or closed loop.
 *
 * A round runs config->threads workers.  Each owns an epoll loop, a pool
 * of connection slots (never more than its share of --max-inflight), a
 * FIFO of in-flight connections ordered by deadline, and its own
 * struct stats; nothing is shared on the hot path.  Open loop: worker t
 * starts connections t, t+T, ... of the schedule (pacer.h), each at its due
 * time or, when behind, at once, recording the lag; a start not made by the
 * round's end (its duration, plus 1 ms of grace) is not made at all but
 * counted unstarted, so a round ends by its duration plus --timeout
 * whatever the rate.  Closed loop: each
 * worker keeps its share of --concurrency in flight until the round's end.
 * Results are merged after join.  A phased round (spec->phased) counts
 * each connection also in the stats of the phase its intended start lies
 * in; the round's headline figures are then the sustain phase's.  With
 * several targets (every worker takes each in turn) each worker also
 * counts per target, so the round gives each target's own figures over
 * the whole round: their started, ok and errors add up to the round's
 * (unstarted stays the round's; in a phased round, to the phases' sum).
 *
 * One connection, one state function each:
 *   connecting --EPOLLOUT--> sending --all written, shutdown(WR)--> reading
 *   reading --EOF (or --expect-bytes with --close rst)--> done
 * The first byte read stamps the time to first byte (ttfb).
 */
#ifndef CR_CLIENT_H
#define CR_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "clock.h"
#include "hdrlog.h"
#include "pacer.h"
#include "stats.h"

struct round_spec {
	bool closed_loop;
	uint64_t rate_milli;	/* open loop */
	uint64_t concurrency;	/* closed loop */
	uint64_t duration_ns;
	bool phased;		/* open loop on ramp (duration: its three phases) */
	struct ramp ramp;	/* phased: ramp.rate_milli == rate_milli */
};

struct round_result {
	struct round_spec spec;
	unsigned threads;
	struct stats s;		/* phased: the sustain phase's (the headline) */
	struct stats *target;	/* with several --target: one per target, in order */
	unsigned ntargets;	/* 0 with one target */
	struct stats phase[PHASES];	/* phased: each phase, by intended start */
	double phase_s[PHASES];		/* phased: each phase's window */
	double phase_rate[PHASES];	/* phased: ok per second of each */
	double elapsed_s;	/* the round's window: its duration, less if stopped */
	double achieved_rate;	/* ok per second of the round */
	double cpu_user_s;
	double cpu_sys_s;
	uint64_t cpu_wakeups;	/* the process's voluntary context switches: sleeps */
	double spin_us;		/* open loop: the largest --spin margin in use at the end */
	uint64_t untimed;	/* --batch: answers timed when read, not by their stamp */
	double batch_us;	/* --batch: the largest batch in use at the end */
	bool interrupted;
	int64_t start_requested_ns;	/* wall clock: when the schedule was to begin */
	int64_t share_offset_ns;	/* --share: how much of that is the host's offset */
	int64_t start_actual_ns;	/* wall clock: the round's first start */
};

/* What the round's caller provides: stop signal, outputs. */
struct client_env {
	int sigfd;		/* signalfd for SIGINT/SIGTERM, or -1 */
	int stopfd;		/* eventfd in every worker's loop: stop */
	FILE *json;		/* interval lines go here, or NULL */
	bool status;		/* live status line on stderr */
	struct hdrlog *hdr;	/* --hdr-log, or NULL */
	mono_ns start_ns;	/* the next round's schedule begins here; 0: at once */
	int64_t wall_offset_ns;	/* with start_ns: CLOCK_REALTIME - CLOCK_MONOTONIC */
};

/*
 * Run one round.  Returns 0 (the result is filled, possibly interrupted)
 * or -errno when the round could not run at all (e.g. no epoll).
 */
int client_round(const struct config *c, const struct client_env *env,
		 const struct round_spec *spec, struct round_result *res);

/* What client_round allocated in res (the per-target figures). */
void client_result_free(struct round_result *res);

/* The open-loop round at rate_milli that c asks for (phased with --ramp-up...). */
void client_rate_spec(const struct config *c, uint64_t rate_milli,
		      struct round_spec *spec);

/* --share I/N: how late this host's schedule begins, ns (0 without). */
mono_ns share_offset_ns(const struct config *c, const struct round_spec *spec);

/* Pause for --cooldown; false when a signal came first. */
bool client_cooldown(const struct config *c, const struct client_env *env);

#endif
