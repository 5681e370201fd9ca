/*
 * loop.c - epoll wrapper (see loop.h).
 */
#include <errno.h>
#include <sched.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"

int loop_init(struct loop *l, int stopfd)
{
	l->have_pwait2 = 1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -errno;
	if (stopfd >= 0 && loop_add(l, stopfd, EPOLLIN | EPOLLET, NULL) < 0) {
		int err = errno;

		close(l->epfd);
		l->epfd = -1;
		return -err;
	}
	return 0;
}

void loop_fini(struct loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}

int loop_add(struct loop *l, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int loop_mod(struct loop *l, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

int loop_wait(struct loop *l, struct epoll_event *ev, int max, uint64_t timeout_ns)
{
	struct timespec ts;
	int n, ms;

	if (l->have_pwait2) {
		ts = clock_ts(timeout_ns);
		n = epoll_pwait2(l->epfd, ev, max,
				 timeout_ns == LOOP_FOREVER ? NULL : &ts, NULL);
		if (n >= 0)
			return n;
		if (errno != ENOSYS)
			return errno == EINTR ? 0 : -errno;
		l->have_pwait2 = 0;
	}
	if (timeout_ns == LOOP_FOREVER)
		ms = -1;
	else if (timeout_ns >= 1000000000ULL * 3600)
		ms = 3600 * 1000;
	else
		ms = (int)((timeout_ns + NS_PER_MS - 1) / NS_PER_MS);
	n = epoll_wait(l->epfd, ev, max, ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return n;
}

int loop_thread(pthread_t *t, int cpu, void *(*fn)(void *), void *arg)
{
	pthread_attr_t at;
	cpu_set_t set;
	int rc;

	rc = pthread_attr_init(&at);
	if (rc)
		return -rc;
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET((unsigned)cpu, &set);
		rc = pthread_attr_setaffinity_np(&at, sizeof(set), &set);
	}
	if (!rc)
		rc = pthread_create(t, &at, fn, arg);
	pthread_attr_destroy(&at);
	return -rc;
}
