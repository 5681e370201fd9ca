/*
 * loop.h - a thin wrapper around one epoll instance.
 *
 * Each worker owns one loop.  A stop eventfd, shared by all workers, is in
 * every loop with a NULL pointer: when it turns readable the worker winds
 * down.  loop_wait() takes its timeout in nanoseconds (epoll_pwait2) so the
 * schedule is not rounded to milliseconds; on kernels without epoll_pwait2
 * it falls back to epoll_wait and rounds up.
 */
#ifndef CR_LOOP_H
#define CR_LOOP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

#define LOOP_FOREVER UINT64_MAX

struct loop {
	int epfd;
	int have_pwait2;
};

/* 0 or -errno.  stopfd < 0: none. */
int loop_init(struct loop *l, int stopfd);
void loop_fini(struct loop *l);
int loop_add(struct loop *l, int fd, uint32_t events, void *ptr);
int loop_mod(struct loop *l, int fd, uint32_t events, void *ptr);
/* Number of events, 0 on timeout or EINTR, -errno on failure. */
int loop_wait(struct loop *l, struct epoll_event *ev, int max, uint64_t timeout_ns);
/*
 * Whether a shortcut that may miss is worth trying: the client's send
 * right after connect(), the server's read right after accept4().  Tried
 * while hits dominate; after misses, only one connection in 64 probes, so
 * that a change (a peer that moved closer) is still noticed.
 */
struct hunch {
	int score;		/* -8..8; a miss counts twice a hit */
	unsigned probe;
};

static inline bool hunch_try(struct hunch *h)
{
	return h->score >= 0 || (++h->probe & 63) == 0;
}

static inline void hunch_note(struct hunch *h, bool hit)
{
	if (hit) {
		if (h->score < 8)
			h->score++;
	} else if (h->score > -8) {
		h->score -= 2;
	}
}

/* A worker thread, started on CPU cpu (-1: anywhere); 0 or -errno. */
int loop_thread(pthread_t *t, int cpu, void *(*fn)(void *), void *arg);

#endif
