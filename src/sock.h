/*
 * sock.h - stateless socket helpers.
 *
 * Everything here returns 0 (or a descriptor) on success and -errno on
 * failure, and never prints.
 */
#ifndef CR_SOCK_H
#define CR_SOCK_H

#include <stdbool.h>

#include "addr.h"

/*
 * A non-blocking TCP socket connecting to dst, bound first to src (port
 * chosen at connect time) when src is not NULL, with SO_LINGER {1,0} when
 * rst.  Returns the descriptor in *fd and 0 when connected at once, 1 when
 * in progress, -errno on failure (*fd then closed and -1).
 */
int sock_connect(const struct endpoint *dst, const struct endpoint *src,
		 bool rst, int *fd);
/* The pending error of a socket (SO_ERROR), 0 when none. */
int sock_error(int fd);
int sock_linger0(int fd);
/*
 * Reset a connection (RST) and keep its descriptor: connect(AF_UNSPEC)
 * disconnects, and the socket stays open, unconnected, holding its slot.
 */
int sock_disconnect(int fd);
/* Close with RST (SO_LINGER {1,0}), whatever the close mode. */
void sock_abort(int fd);
/* A non-blocking SO_REUSEPORT listener; returns the descriptor or -errno. */
int sock_listen(const struct endpoint *addr, int backlog);

#endif
