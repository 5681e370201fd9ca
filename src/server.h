/*
 * server.h - the server: accept, read the request, answer, close.
 *
 * config->threads workers, each with its own SO_REUSEPORT listener per
 * port and its own epoll loop; the kernel spreads connections over them.
 * A connection reads and discards until --respond-after is met (EOF, an
 * HTTP header block, or N bytes: nothing is buffered, so a client that
 * sends 100 MB costs no memory), writes the response, and closes (FIN, or
 * RST with --close rst).  A connection that has not finished after
 * --timeout is closed and counted.  Runs until SIGINT/SIGTERM; SIGUSR1
 * writes the counters so far as a "server" JSON line with "final":false
 * (to the --json file, else standard output) and goes on.
 *
 *   reading --condition met--> writing --all written--> closed
 */
#ifndef CR_SERVER_H
#define CR_SERVER_H

#include <stdint.h>
#include <stdio.h>

#include "cli.h"

/*
 * Every connection taken off a listen queue is counted accepted, and ends
 * in exactly one of completed, reset, timeout, fd_limit or other, or is
 * still open; so at every snapshot (SIGUSR1, and the last one at exit)
 *
 *   accepted == completed + reset + timeout + fd_limit + other + open
 *
 * A connection the server gives up on (no descriptor, no memory, an
 * error, --timeout) is closed with RST, never with a silent FIN, so the
 * client counts it reset, not ok.  At its descriptor limit a worker takes
 * the connection with its spare descriptor, resets it and keeps the
 * socket as its new spare (no instant without one that another thread
 * could take); a worker that lost its spare anyway stops accepting until
 * it has one again.
 */
struct server_stats {
	uint64_t accepted;
	uint64_t completed;
	uint64_t reset;		/* ECONNRESET/EPIPE from the client */
	uint64_t timeout;	/* --timeout */
	uint64_t fd_limit;	/* taken at EMFILE/ENFILE with the spare, reset */
	uint64_t other;		/* anything else */
	uint64_t open;		/* accepted and not ended yet */
	uint64_t bytes_received;
	uint64_t bytes_sent;
};

/*
 * The scanner of --respond-after http: feed bytes, keep *state between
 * calls (start at 0).  Returns the offset just past "\r\n\r\n", or -1 when
 * the block has not ended within buf.
 */
long server_http_scan(unsigned *state, const char *buf, size_t len);

/* Run until a signal on sigfd; returns the exit status. */
int server_run(const struct config *c, int sigfd, FILE *json);

#endif
