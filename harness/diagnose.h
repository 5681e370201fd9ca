/*
 * diagnose.h - name the counters that explain a round's errors or knee.
 *
 * Input: what the client counted and the kernel's counter deltas on each
 * side; output: plain sentences, most telling first, each naming the
 * counter, what it means and what to change.  Pure: no I/O.
 */
#ifndef CR_DIAGNOSE_H
#define CR_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"

#define DIAG_MAX 12
#define DIAG_LEN 512

struct diag_input {
	/* client round */
	uint64_t started, ok;
	uint64_t refused, reset, timeout, syn_timeout, addr_not_avail, fd_limit, shortc, other;
	double lag_p99_us, connect_p99_us;
	/* client sockets in TIME_WAIT at the round's end, and its port range */
	uint64_t client_time_wait, client_ports;
	/* kernel deltas (NULL: not read) */
	const struct nstat *client, *server, *dut;
	const struct ctstats *ct;	/* dut conntrack delta, NULL: none */
	/* connrate-dut counters, deltas (0 when not running) */
	bool sim;
	uint64_t sim_table_full, sim_dropped, sim_queue_overflow;
	/* a process of the lab that ended during the round ("connrate-dut
	 * (PID 12) was killed by signal 9"), NULL: none */
	const char *died;
};

struct diagnosis {
	unsigned n;
	char line[DIAG_MAX][DIAG_LEN];
};

void diagnose(const struct diag_input *in, struct diagnosis *out);

#endif
