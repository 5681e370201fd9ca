/*
 * slowconnect.c - an LD_PRELOAD shim for the end-to-end tests: every
 * connect() first sleeps CR_SLOW_CONNECT_US microseconds, as a connect()
 * that walks a port range full of TIME_WAIT spends them.  The client's
 * loop must still serve the connections in flight between such starts.
 * Likewise every send() first sleeps CR_SLOW_SEND_US: preloaded into a
 * server, it answers that much later (a slow application), which the
 * client's time to first byte must show and its connect time must not.
 * CR_REALTIME_AHEAD_US makes CLOCK_REALTIME read that much ahead of the
 * kernel's own wall clock, as if the wall clock had stepped forward after
 * the kernel stamped the packets a process reads.  CR_COUNT_FILE names a
 * file that gets, at exit, how many epoll_ctl() calls the process made
 * (a count strace would give, without slowing the process down).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

int connect(int fd, const struct sockaddr *sa, socklen_t len);
int clock_gettime(clockid_t clk, struct timespec *ts);
int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);

static atomic_ulong epoll_ctls;

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	static int (*real)(int, int, int, struct epoll_event *);

	if (!real)
		real = (int (*)(int, int, int, struct epoll_event *))dlsym(RTLD_NEXT, "epoll_ctl");
	atomic_fetch_add_explicit(&epoll_ctls, 1, memory_order_relaxed);
	return real(epfd, op, fd, ev);
}

__attribute__((destructor)) static void count_out(void)
{
	const char *path = getenv("CR_COUNT_FILE");
	FILE *f;

	if (!path || !(f = fopen(path, "w")))
		return;
	fprintf(f, "epoll_ctl %lu\n", atomic_load(&epoll_ctls));
	fclose(f);
}
ssize_t send(int fd, const void *buf, size_t len, int flags);

static void sleep_env(const char *name)
{
	const char *us = getenv(name);

	if (us) {
		long v = strtol(us, NULL, 10);
		struct timespec ts = { v / 1000000, (v % 1000000) * 1000 };

		nanosleep(&ts, NULL);
	}
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	static ssize_t (*real)(int, const void *, size_t, int);

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, int))dlsym(RTLD_NEXT, "send");
	sleep_env("CR_SLOW_SEND_US");
	return real(fd, buf, len, flags);
}

int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	static int (*real)(int, const struct sockaddr *, socklen_t);

	if (!real)
		real = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
	sleep_env("CR_SLOW_CONNECT_US");
	return real(fd, sa, len);
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);
	const char *us = getenv("CR_REALTIME_AHEAD_US");
	int rc;

	if (!real)
		real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
	rc = real(clk, ts);
	if (!rc && us && clk == CLOCK_REALTIME) {
		long long ns = ts->tv_nsec + strtoll(us, NULL, 10) * 1000;

		ts->tv_sec += (time_t)(ns / 1000000000);
		ts->tv_nsec = (long)(ns % 1000000000);
	}
	return rc;
}
