/*
 * slowconnect.c - an LD_PRELOAD shim for the end-to-end tests: every
 * connect() first sleeps CR_SLOW_CONNECT_US microseconds, as a connect()
 * that walks a port range full of TIME_WAIT spends them.  The client's
 * loop must still serve the connections in flight between such starts.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

int connect(int fd, const struct sockaddr *sa, socklen_t len);

int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	static int (*real)(int, const struct sockaddr *, socklen_t);
	const char *us = getenv("CR_SLOW_CONNECT_US");

	if (!real)
		real = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
	if (us) {
		long v = strtol(us, NULL, 10);
		struct timespec ts = { v / 1000000, (v % 1000000) * 1000 };

		nanosleep(&ts, NULL);
	}
	return real(fd, sa, len);
}
