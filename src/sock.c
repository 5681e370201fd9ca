/*
 * sock.c - socket helpers (see sock.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

int sock_linger0(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	return setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0 ? -errno : 0;
}

int sock_disconnect(int fd)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };

	return connect(fd, &sa, sizeof(sa)) < 0 ? -errno : 0;
}

void sock_abort(int fd)
{
	(void)sock_linger0(fd);
	close(fd);
}

int sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

int sock_connect(const struct endpoint *dst, const struct endpoint *src,
		 bool rst, int *fdp)
{
	int fd, one = 1, err;

	*fdp = -1;
	fd = socket(dst->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (src) {
		if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
			       sizeof(one)) < 0 ||
		    bind(fd, (const struct sockaddr *)&src->ss, src->len) < 0)
			goto fail;
	}
	if (rst && sock_linger0(fd) < 0)
		goto fail;
	*fdp = fd;
	if (connect(fd, (const struct sockaddr *)&dst->ss, dst->len) == 0)
		return 0;
	if (errno == EINPROGRESS)
		return 1;
fail:
	err = errno;
	close(fd);
	*fdp = -1;
	return -err;
}

int sock_listen(const struct endpoint *addr, int backlog)
{
	int fd, one = 1, zero = 0;

	fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		goto fail;
	if (addr->ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (const struct sockaddr *)&addr->ss, addr->len) < 0 ||
	    listen(fd, backlog) < 0)
		goto fail;
	return fd;
fail:
	one = errno;
	close(fd);
	return -one;
}
