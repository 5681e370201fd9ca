/*
 * hold.h - concurrent connection capacity: open N connections, keep them
 * all open, and check every one of them now and then.
 *
 * A device under test keeps a table entry per connection.  A round of
 * client --hold N opens N connections on the open-loop schedule of
 * --open-rate (pacer.h: thread t owns connections t, t+T, ...), makes one
 * small exchange on each as soon as it is established (one byte out, the
 * same byte back from server --keepalive), then one more every
 * --keepalive, so that a connection the device silently forgot is found:
 * its exchange goes unanswered and times out (--timeout).  --hold-for
 * after the last connection's scheduled start, every connection still
 * open makes one last exchange (the sweep, oldest first, at the pace of
 * the opening: all at once, N exchanges would load the path and the
 * server far beyond the opening); those that answer it are "held".  Then all are reset
 * (RST), so the device's table empties for the next round.
 *
 * Every connection started ends in exactly one outcome: held at the end,
 * or one error class (stats.h), so held + errors == started.  A
 * connection that was established and failed later is also counted
 * "lost"; established == held + lost.
 *
 * Memory: a slot per descriptor in one array indexed by fd, shared by the
 * workers (each touches only the slots of its own descriptors), sized by
 * the descriptor limit but touched only as far as descriptors go.  A slot
 * is 24 bytes: the state, a time, and the links of the one FIFO it is in.
 * Each worker keeps two FIFOs, both ordered by construction, so no timer
 * structure is needed:
 *   pending  connecting, or an exchange in flight; deadline = start +
 *            --timeout; every entry shares the timeout and is appended
 *            when it starts, so the head expires first;
 *   idle     answered; next exchange due = answer + --keepalive; appended
 *            when the answer arrives, so the head is due first.
 * No other per-connection memory: no malloc per connection, no buffer
 * (an exchange is one byte).
 *
 *   connecting --EPOLLOUT, SO_ERROR 0--> waiting (first exchange sent)
 *   waiting --answer--> idle --keepalive due--> waiting
 *   waiting --timeout, reset, EOF--> failed     idle --EOF, reset--> failed
 */
#ifndef CR_HOLD_H
#define CR_HOLD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "client.h"
#include "clock.h"
#include "stats.h"

/* ---- the slot table and its FIFOs (pure, for tests) ---- */

/* HS_CHECKED: idle, and answered its last check (the sweep) */
enum hslot_state { HS_FREE, HS_CONNECTING, HS_WAITING, HS_IDLE, HS_CHECKED };

struct hslot {
	int32_t prev, next;	/* fds in the FIFO; -1: none */
	mono_ns t_ns;		/* pending: started; idle: answered */
	uint8_t state;		/* enum hslot_state */
	uint8_t answered;	/* it answered an exchange: counts toward the peak */
};

struct hfifo {
	int32_t head, tail;	/* -1: empty */
	uint64_t len;
};

struct htab {
	struct hslot *slot;
	uint64_t cap;		/* descriptors 0 .. cap-1 */
};

/* A table for descriptors below cap (calloc'ed: untouched pages cost nothing); 0 or -ENOMEM. */
int htab_init(struct htab *t, uint64_t cap);
void htab_fini(struct htab *t);
void hfifo_init(struct hfifo *q);
/* Append fd (its slot not in any FIFO). */
void hfifo_push(struct htab *t, struct hfifo *q, int fd);
/* Take fd out of q, wherever it is. */
void hfifo_del(struct htab *t, struct hfifo *q, int fd);
/* The first fd, or -1. */
static inline int hfifo_head(const struct hfifo *q)
{
	return q->head;
}

/* ---- a round ---- */

struct hold_spec {
	uint64_t target;		/* N */
	uint64_t open_rate_milli;
	uint64_t hold_ns;		/* after the last scheduled start */
	uint64_t keepalive_ns;
};

struct hold_result {
	struct hold_spec spec;
	unsigned threads;
	struct stats s;		/* ok: held; latency: exchange; connect; lag */
	uint64_t established;
	uint64_t held;
	uint64_t lost;		/* established, then failed */
	uint64_t peak;		/* most open and answering at once */
	uint64_t exchanges;	/* answered */
	double open_s;		/* first start to last established */
	double elapsed_s;
	uint64_t slot_bytes;	/* user-space bytes per held connection */
	uint64_t rss_peak_kb;	/* the process's peak resident memory */
	bool interrupted;
};

/*
 * The most connections the client itself can hold to ntargets targets
 * from nsrc source addresses: descriptors (nofile, less a margin) and
 * ports (the local port range, per source address and target).  why
 * names the smaller.  Pure.
 */
uint64_t hold_client_limit(uint64_t nofile, uint64_t port_lo, uint64_t port_hi,
			   uint64_t nsrc, uint64_t ntargets, const char **why);
/* The client's limit on this machine (reads ip_local_port_range). */
uint64_t hold_client_limit_here(const struct config *c, const char **why);

/* The spec of a round of n connections from the options. */
void hold_spec_from(const struct config *c, uint64_t n, struct hold_spec *spec);
/* Run one round: 0, or -errno when it could not run at all. */
int hold_round(const struct config *c, const struct client_env *env,
	       const struct hold_spec *spec, struct hold_result *res);
void hold_header(FILE *f);
void hold_row(FILE *f, const struct hold_result *r);
/* {"type":"round_start","mode":"hold",...}: the round's window opens. */
void hold_start_json(FILE *f, const struct hold_spec *spec);
void hold_json(FILE *f, const struct config *c, const struct hold_result *r);
/* client --hold: one round, table and JSON; the exit status. */
int hold_run(const struct config *c, const struct client_env *env, FILE *out);

/* server --keepalive (holdsrv.c): run until a signal; the exit status. */
int holdsrv_run(const struct config *c, int sigfd, FILE *json);

#endif
