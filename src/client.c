/*
 * client.c - client rounds (see client.h).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "rlimit.h"
#include "list.h"
#include "loop.h"
#include "pacer.h"
#include "pool.h"
#include "report.h"
#include "sock.h"
#include "spin.h"
#include "walltime.h"

#define EVENTS_MAX 256
#define ANSWER_EWMA 8	/* --batch: answer times weigh 1/8 in their average */
/* --batch: a larger answer may wait for the client's reads (a 64 KiB window) */
#define BATCH_HOLD_MAX_BYTES 32768
#define START_BUDGET 256	/* starts per loop turn before events are served */
/*
 * Serving events or reading answers, the worker looks for due starts every
 * START_EVERY of them and makes at most that many: the schedule is not held
 * up, and a worker behind does not start more than it reads.
 */
#define START_EVERY 16
/*
 * ... and at most this long: where connect() is slow (a port range full of
 * TIME_WAIT makes it walk thousands of ports, 2-4 ms a call), 256 starts
 * would leave the connections in flight unserved for a second and more,
 * counted as timeouts and slow connects that were the client's own doing.
 */
#define START_SLICE_NS (1 * NS_PER_MS)
/*
 * Open loop: a start still overdue this long after the round's window
 * closed is not made but counted unstarted (the client fell behind), so a
 * round ends by its duration plus this plus --timeout, whatever the rate.
 * A start late by less (a wake-up at the window's very end) is made, and
 * its lag recorded; 1 ms is also the default --max-lag.
 */
#define END_GRACE_NS (1 * NS_PER_MS)
#define READ_BUF 65536
#define IVL_SLOTS 16
#define STOP_GRACE_NS NS_PER_S	/* in-flight connections after a stop */

struct worker;
struct conn;
typedef void (*conn_fn)(struct worker *w, struct conn *c, uint32_t ev);

struct conn {
	conn_fn handler;
	int fd;
	bool reset_seen;
	bool stamped;		/* --batch: its answer is read at a turn, stamped */
	bool unstamped;		/* --batch: bytes read without a stamp to believe */
	unsigned target;	/* index into config->target */
	uint8_t phase;		/* phased round: its phase's stats */
	mono_ns due_ns;		/* intended start */
	mono_ns first_ns;	/* first byte of the answer, 0: none yet */
	mono_ns last_ns;	/* --batch: the kernel's arrival of the last bytes read */
	mono_ns start_ns;	/* socket created */
	mono_ns deadline_ns;
	uint64_t sent;
	uint64_t received;
	struct list link;	/* in-flight FIFO, or free list */
	struct list unread;	/* --batch: in worker->unread (else empty) */
};

/* Interval lines: workers merge their interval into a slot; the last one in prints it. */
struct collector {
	pthread_mutex_t mu;
	unsigned nthreads;
	FILE *json;
	const struct round_spec *spec;
	uint64_t interval_ns;
	struct hdrlog *hdr;	/* --hdr-log: each interval's latency there too */
	int64_t base_wall_ns;
	uint64_t next_print;
	struct {
		bool used;
		uint64_t k;
		unsigned count;
		struct stats s;
	} slot[IVL_SLOTS];
};

struct live {
	uint64_t started, ok, errors, inflight;
};

struct worker {
	const struct config *cfg;
	const struct round_spec *spec;
	struct collector *col;
	unsigned id, nthreads;
	int donefd;
	pthread_t tid;
	struct loop loop;
	/*
	 * --batch: connections whose answer was not in when a turn looked
	 * (worker->unread) wait for it here, looked at once a turn and never
	 * slept on, so an answer does not wake the thread; the kernel's
	 * arrival stamp times it.
	 */
	struct loop reap;
	/*
	 * --batch: connections whose request is out and whose answer is
	 * read when the next turn begins, by recv alone: most answers are in
	 * by then, and only one that is not goes to the reap set, so most
	 * connections never cost an epoll registration.
	 */
	struct list unread;
	bool batch;
	bool reap_waited;	/* the reap set is in the loop: answers wake it */
	bool bare;		/* no answer with bytes yet, or the last had none */
	bool answers_ready;	/* ... and it said answers are in */
	bool answers_big;	/* the last answer was more than a window holds */
	mono_ns reap_ns;	/* answers are read again from here on */
	mono_ns batch_ns;	/* turns begin this far apart at least */
	mono_ns answer_ns;	/* what answers take to begin, a moving average */
	mono_ns turn_ns;	/* when this turn began */
	mono_ns target_ns;	/* the wake-up the last turn asked for */
	uint64_t untimed;	/* answers without an arrival stamp, timed when read */
	int64_t real_off_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC, this turn */
	struct pacer pacer;
	mono_ns base_ns;
	mono_ns end_ns;		/* closed loop: no starts from here on */
	mono_ns cut_ns;		/* open loop: what is left then is unstarted */
	mono_ns last_start_ns;
	mono_ns first_start_ns;	/* 0: none yet */
	uint64_t want;		/* closed loop: connections to keep in flight */
	uint64_t max_inflight;
	uint64_t inflight;
	uint64_t seq;		/* connections this worker started */
	struct list fifo;	/* in flight, by deadline */
	struct list deferred;	/* closed this turn: reused after the batch */
	struct pool pool;	/* connection slots */
	bool stopping;
	struct hunch early;	/* does connect() complete at once? */
	struct spin spin;	/* open loop: how early to wake for a start */
	mono_ns stop_deadline_ns;
	int err;		/* fatal error of the worker, -errno */
	struct stats st;
	struct stats *tst;	/* per target, with several targets; else NULL */
	struct stats ivl;
	uint64_t ivl_k;
	mono_ns ivl_next_ns;
	struct live live;	/* published with relaxed atomics */
	bool phased;		/* also count in ph[cur] */
	unsigned cur;		/* phase of the connection in hand */
	struct stats ph[PHASES];
	char buf[READ_BUF];
};

static void on_connecting(struct worker *w, struct conn *c, uint32_t ev);
static void on_sending(struct worker *w, struct conn *c, uint32_t ev);
static void on_reading(struct worker *w, struct conn *c, uint32_t ev);
static void on_batch_sending(struct worker *w, struct conn *c, uint32_t ev);

/* --- counting: every path ends in exactly one of these --- */

/* Target t's own figures, when the round has several targets (else NULL). */
static inline struct stats *tstats(struct worker *w, unsigned t)
{
	return w->tst ? &w->tst[t] : NULL;
}

/* Phased round: the stats of the phase of the connection in hand. */
static inline struct stats *phase_stats(struct worker *w)
{
	return w->phased ? &w->ph[w->cur] : NULL;
}

static inline void count_ok(struct worker *w, unsigned t, uint64_t lat)
{
	struct stats *p = phase_stats(w), *ts = tstats(w, t);

	if (ts) {
		ts->ok++;
		histo_add(&ts->latency, lat);
	}
	w->st.ok++;
	histo_add(&w->st.latency, lat);
	if (p) {
		p->ok++;
		histo_add(&p->latency, lat);
	}
	if (w->col) {
		w->ivl.ok++;
		histo_add(&w->ivl.latency, lat);
	}
}

static inline void count_fail(struct worker *w, unsigned t, enum outcome o, int err)
{
	if (tstats(w, t))
		stats_fail(tstats(w, t), o, err);
	stats_fail(&w->st, o, err);
	if (w->phased)
		stats_fail(phase_stats(w), o, err);
	if (w->col)
		stats_fail(&w->ivl, o, err);
}

static inline void count_start(struct worker *w, unsigned t, uint64_t lag)
{
	struct stats *p = phase_stats(w), *ts = tstats(w, t);

	if (ts) {
		ts->started++;
		histo_add(&ts->lag, lag);
	}
	w->st.started++;
	histo_add(&w->st.lag, lag);
	if (p) {
		p->started++;
		histo_add(&p->lag, lag);
	}
	if (w->col) {
		w->ivl.started++;
		histo_add(&w->ivl.lag, lag);
	}
}

static inline void count_unstarted(struct worker *w, uint64_t n)
{
	w->st.unstarted += n;
	if (w->col)
		w->ivl.unstarted += n;
}

static inline void count_connect(struct worker *w, unsigned t, uint64_t ns)
{
	if (tstats(w, t))
		histo_add(&tstats(w, t)->connect, ns);
	histo_add(&w->st.connect, ns);
	if (w->phased)
		histo_add(&phase_stats(w)->connect, ns);
	if (w->col)
		histo_add(&w->ivl.connect, ns);
}

static inline void count_ttfb(struct worker *w, unsigned t, uint64_t ns)
{
	if (tstats(w, t))
		histo_add(&tstats(w, t)->ttfb, ns);
	histo_add(&w->st.ttfb, ns);
	if (w->phased)
		histo_add(&phase_stats(w)->ttfb, ns);
	if (w->col)
		histo_add(&w->ivl.ttfb, ns);
}

/* Open loop, the window closed: what this worker has left is unstarted. */
static void drop_unstarted(struct worker *w)
{
	const struct ramp *r = &w->spec->ramp;
	uint64_t below = 0, n;
	unsigned p;

	for (p = 0; w->phased && p < PHASES; p++) {
		n = pacer_left_below(&w->pacer, pacer_ramp_edge(r, (enum pacer_phase)p));
		w->ph[p].unstarted += n - below;
		below = n;
	}
	count_unstarted(w, pacer_drop(&w->pacer));
}

/* --- slots --- */

static void conn_end(struct worker *w, struct conn *c)
{
	struct stats *p = phase_stats(w), *ts = tstats(w, c->target);

	if (ts) {
		ts->bytes_sent += c->sent;
		ts->bytes_received += c->received;
	}
	w->st.bytes_sent += c->sent;
	w->st.bytes_received += c->received;
	if (p) {
		p->bytes_sent += c->sent;
		p->bytes_received += c->received;
	}
	if (w->col) {
		w->ivl.bytes_sent += c->sent;
		w->ivl.bytes_received += c->received;
	}
	list_del(&c->link);
	list_del(&c->unread);
	close(c->fd);
	c->fd = -1;
	w->inflight--;
	list_append(&w->deferred, &c->link);
}

static void conn_fail(struct worker *w, struct conn *c, enum outcome o, int err)
{
	count_fail(w, c->target, o, err);
	conn_end(w, c);
}

/*
 * --batch: how long the answer took to begin, from the start to its first
 * bytes' arrival.  Not to its end: an answer larger than the socket's
 * buffers ends only as the worker reads it, and reading later would make
 * it end later still.
 */
static void batch_note_answer(struct worker *w, const struct conn *c)
{
	int64_t d;

	if (!c->first_ns || c->unstamped || c->first_ns < c->start_ns)
		return;
	d = (int64_t)(c->first_ns - c->start_ns) - (int64_t)w->answer_ns;
	w->answer_ns = (mono_ns)((int64_t)w->answer_ns + d / ANSWER_EWMA);
}

/* --batch: its answer waits in the reap set, read at a turn */
static int batch_watch(struct worker *w, struct conn *c)
{
	return loop_add(&w->reap, c->fd, EPOLLIN | EPOLLRDHUP | EPOLLET, c);
}

/*
 * --batch: whether answers wake the worker (the reap set is in its loop).
 * They do until an answer has shown that answers carry bytes, and so the
 * kernel's arrival stamp that times them; they do again after an answer
 * without bytes (a bare FIN): that one was timed when read, up to a batch
 * late, and the round counts it (untimed).
 */
static void batch_wait_answers(struct worker *w, bool wait)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &w->reap };

	if (w->reap_waited == wait)
		return;
	if (epoll_ctl(w->loop.epfd, wait ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
		      w->reap.epfd, &ev))
		return;
	w->reap_waited = wait;
	/* what nothing watches cannot wake the worker: to the reap set */
	while (wait && !list_empty(&w->unread)) {
		struct conn *c = list_entry(w->unread.next, struct conn, unread);
		int rc;

		list_del(&c->unread);
		rc = batch_watch(w, c);
		if (rc < 0)
			conn_fail(w, c, OUT_OTHER, -rc);
	}
}

/*
 * --batch: answers wake the worker after a bare FIN (above), and where
 * the worker waits for them: a stopping one, one at --max-inflight, whose
 * next start needs the slot an answer frees when it is read, and one with
 * no start left to make, whose round ends with its last answer.
 */
static void batch_answers_wake(struct worker *w)
{
	batch_wait_answers(w, w->bare || w->stopping ||
			   w->inflight >= w->max_inflight ||
			   pacer_done(&w->pacer));
}

static void conn_done(struct worker *w, struct conn *c)
{
	const struct config *cfg = w->cfg;
	mono_ns now = c->last_ns ? c->last_ns : clock_now_ns();

	if (c->stamped) {
		if ((!c->last_ns || c->unstamped) && !w->reap_waited)
			w->untimed++;
		w->bare = c->last_ns == 0;
		w->answers_big = c->received > BATCH_HOLD_MAX_BYTES;
		batch_note_answer(w, c);
		batch_answers_wake(w);
	}
	/*
	 * --batch: read late, but its stamp says it came after the deadline
	 * (without a stamp, the read's late time says nothing of that)
	 */
	if (c->stamped && !c->unstamped && c->last_ns > c->deadline_ns) {
		conn_fail(w, c, OUT_TIMEOUT, 0);
		return;
	}

	if (cfg->expect_bytes && c->received < cfg->expect_bytes) {
		count_fail(w, c->target, c->reset_seen ? OUT_RESET : OUT_SHORT, 0);
	} else if (c->reset_seen && !cfg->expect_bytes) {
		count_fail(w, c->target, OUT_RESET, 0);
	} else {
		count_ok(w, c->target, now - c->due_ns);
		if (c->first_ns)
			count_ttfb(w, c->target, c->first_ns - c->due_ns);
	}
	conn_end(w, c);
}

/* --- the states --- */

/*
 * Send the request right after connect(), before epoll says the socket is
 * writable.  Where the handshake completes inside connect() (loopback, a
 * near peer) this saves an epoll wakeup and lets the server find the
 * request in at accept time.  A miss costs one send (EAGAIN: still
 * SYN_SENT), so the worker's hunch decides when to try.  With --batch and
 * no request, the half-close goes out early the same way (so the socket
 * needs no epoll registration at all) once an empty send said the
 * handshake is done.
 */
static void send_early(struct worker *w, struct conn *c)
{
	mono_ns t = clock_now_ns();
	bool connected = true;

	/* nothing to send (--batch): sending nothing tells whether it is connected */
	if (!w->cfg->request.len && send(c->fd, "", 0, MSG_NOSIGNAL) < 0) {
		if (errno != EAGAIN) {	/* refused, unreachable: said once */
			conn_fail(w, c, stats_classify(errno), errno);
			return;
		}
		connected = false;
	}
	if (connected) {
		c->handler = on_sending;
		on_sending(w, c, 0);
		if (c->fd < 0)
			return;		/* failed, and counted */
		connected = c->sent || c->reset_seen || !w->cfg->request.len;
	}
	hunch_note(&w->early, connected);
	if (connected)
		count_connect(w, c->target, t - c->start_ns);
	else
		c->handler = on_connecting;	/* still SYN_SENT */
}

/*
 * --batch: a connection with its request out waits for its answer, read
 * when the next turn begins (worker->unread), or in the reap set where
 * answers must wake the worker.
 */
static int batch_await(struct worker *w, struct conn *c)
{
	if (w->reap_waited)
		return batch_watch(w, c);
	list_append(&w->unread, &c->unread);
	return 0;
}

/*
 * --batch: a connection with its request out waits for its answer; one
 * still connecting (or with more to send) in the loop, for EPOLLOUT only,
 * once: the request goes out as soon as it can, the answer waits.  One
 * with more to send goes on in on_batch_sending, which moves it on again.
 */
static int batch_add(struct worker *w, struct conn *c)
{
	if (c->handler == on_reading)
		return batch_await(w, c);
	if (c->handler == on_sending)
		c->handler = on_batch_sending;
	return loop_add(&w->loop, c->fd, EPOLLOUT | EPOLLONESHOT, c);
}

/* --batch: after a send, to wait for the answer when all is out, else EPOLLOUT once more. */
static void batch_sent(struct worker *w, struct conn *c)
{
	int rc;

	if (!c->stamped || c->fd < 0)
		return;
	if (c->handler == on_reading) {
		rc = batch_await(w, c);
	} else {
		c->handler = on_batch_sending;
		rc = loop_mod(&w->loop, c->fd, EPOLLOUT | EPOLLONESHOT, c);
	}
	if (rc < 0)
		conn_fail(w, c, OUT_OTHER, -rc);
}

static void conn_start(struct worker *w, mono_ns due)
{
	const struct config *cfg = w->cfg;
	uint64_t k = w->seq++, idx = k * w->nthreads + w->id;
	/* every worker takes each target in turn (not worker i: target i) */
	unsigned t = (unsigned)((k + w->id) % cfg->ntargets);
	const struct endpoint *dst = &cfg->target[t];
	struct endpoint src;
	struct conn *c;
	mono_ns now = clock_now_ns();
	int rc, fd;

	if (!due || due > now)
		due = now;
	if (w->phased)
		w->cur = pacer_ramp_phase(&w->spec->ramp, idx);
	count_start(w, t, now - due);
	w->last_start_ns = now;
	if (!w->first_start_ns)
		w->first_start_ns = now;
	if (cfg->has_source)
		addr_range_nth(&cfg->source, idx, &src);
	rc = sock_connect(dst, cfg->has_source ? &src : NULL,
			  cfg->close == CLOSE_RST, &fd);
	if (rc < 0) {
		count_fail(w, t, stats_classify(-rc), -rc);
		return;
	}
	c = pool_get(&w->pool);
	if (!c) {
		close(fd);
		count_fail(w, t, OUT_OTHER, ENOMEM);
		return;
	}
	c->fd = fd;
	c->phase = (uint8_t)w->cur;
	c->first_ns = 0;
	c->last_ns = 0;
	c->unstamped = false;
	c->due_ns = due;
	c->start_ns = now;
	c->deadline_ns = now + cfg->timeout_ns;
	c->sent = 0;
	c->received = 0;
	c->reset_seen = false;
	c->target = t;
	c->handler = on_connecting;
	list_init(&c->unread);
	list_append(&w->fifo, &c->link);
	w->inflight++;
	c->stamped = w->batch;
	if (c->stamped) {
		int one = 1;

		(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	}
	if ((cfg->request.len || c->stamped) && (rc == 0 || hunch_try(&w->early)))
		send_early(w, c);
	if (c->fd < 0)
		return;
	if (c->stamped)
		rc = batch_add(w, c);
	else	/* all sent: only the answer is left to wait for */
		rc = loop_add(&w->loop, fd, c->handler == on_reading ?
			      EPOLLIN | EPOLLRDHUP | EPOLLET :
			      EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, c);
	if (rc < 0) {
		conn_fail(w, c, OUT_OTHER, -rc);
		return;
	}
}

static void on_connecting(struct worker *w, struct conn *c, uint32_t ev)
{
	if (ev & EPOLLERR) {
		int err = sock_error(c->fd);

		/* reset after the handshake: the answer may still be queued */
		if (err == ECONNRESET || err == EPIPE) {
			c->reset_seen = true;
		} else if (err) {
			conn_fail(w, c, stats_classify(err), err);
			return;
		}
	}
	if (!(ev & (EPOLLOUT | EPOLLIN | EPOLLHUP)))
		return;
	count_connect(w, c->target, clock_now_ns() - c->start_ns);
	c->handler = on_sending;
	on_sending(w, c, ev);
	batch_sent(w, c);
}

/* --batch: the rest of a request that did not fit at once */
static void on_batch_sending(struct worker *w, struct conn *c, uint32_t ev)
{
	c->handler = on_sending;
	on_sending(w, c, ev);
	batch_sent(w, c);
}

static void on_sending(struct worker *w, struct conn *c, uint32_t ev)
{
	const struct config *cfg = w->cfg;
	const struct payload *req = &cfg->request;

	while (c->sent < req->len && !c->reset_seen) {
		ssize_t n = send(c->fd, req->data + c->sent, req->len - c->sent,
				 MSG_NOSIGNAL);

		if (n > 0) {
			c->sent += (uint64_t)n;
			continue;
		}
		if (errno == EAGAIN)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EPIPE || errno == ECONNRESET) {
			c->reset_seen = true;
			break;
		}
		conn_fail(w, c, stats_classify(errno), errno);
		return;
	}
	if (c->sent == req->len || c->reset_seen) {
		if (!cfg->no_half_close && cfg->close == CLOSE_FIN && !c->reset_seen)
			(void)shutdown(c->fd, SHUT_WR);
		c->handler = on_reading;
		if (c->reset_seen)
			ev |= EPOLLIN;
	}
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		on_reading(w, c, ev);
}

/*
 * --batch: recv with the kernel's arrival stamp of the bytes read
 * (SO_TIMESTAMPNS, wall clock) kept in c->last_ns, on the monotonic clock.
 * The offset between the clocks is taken when the answers are read: a
 * wall clock stepped since the packet came would move the stamp, so one
 * that falls before the connection began (or before its first bytes) or
 * after the read is not believed; the read's time stands.
 */
static ssize_t recv_stamped(struct worker *w, struct conn *c)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { w->buf, sizeof(w->buf) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	bool stamp = false;
	ssize_t n = recvmsg(c->fd, &m, 0);
	mono_ns floor = c->first_ns ? c->first_ns : c->start_ns;

	if (n <= 0)
		return n;
	c->last_ns = clock_now_ns();
	for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
		struct timespec ts;
		int64_t t;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_TIMESTAMPNS)
			continue;
		memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
		t = (int64_t)ts.tv_sec * (int64_t)NS_PER_S + ts.tv_nsec - w->real_off_ns;
		if (t >= (int64_t)floor && (mono_ns)t <= c->last_ns) {
			c->last_ns = (mono_ns)t;
			stamp = true;
		}
	}
	if (!stamp)
		c->unstamped = true;
	return n;
}

static void on_reading(struct worker *w, struct conn *c, uint32_t ev)
{
	const struct config *cfg = w->cfg;
	/*
	 * With the expected bytes in, the outcome is known (a FIN or a reset
	 * after them changes nothing), so no recv waits for the end: under
	 * --close rst; under --batch (the answer's last byte is its end) when
	 * a short read (nothing more queued) made the answer exactly as long
	 * as expected, since a longer one is read to its end (a close on
	 * unread bytes would reset it).
	 */
	bool rst_early = cfg->expect_bytes && cfg->close == CLOSE_RST;
	bool batch_early = cfg->expect_bytes && c->stamped && !cfg->no_half_close;

	for (;;) {
		ssize_t n = c->stamped ? recv_stamped(w, c) :
			    recv(c->fd, w->buf, sizeof(w->buf), 0);

		if (n > 0) {
			if (!c->received)
				c->first_ns = c->stamped ? c->last_ns : clock_now_ns();
			c->received += (uint64_t)n;
			if ((rst_early && c->received >= cfg->expect_bytes) ||
			    (batch_early && c->received == cfg->expect_bytes &&
			     (size_t)n < sizeof(w->buf))) {
				conn_done(w, c);
				return;
			}
			/*
			 * The peer's FIN was in when epoll reported, so a short read
			 * took everything before it: that is EOF, without asking
			 * again (one recv per connection instead of two).  Not
			 * after a reset, which raises EPOLLRDHUP too, with the
			 * error (EPOLLERR): read on to it.  (EPOLLHUP alone is
			 * the FIN after our own half-close.)
			 */
			if ((ev & (EPOLLRDHUP | EPOLLERR)) == EPOLLRDHUP &&
			    (size_t)n < sizeof(w->buf) && c->handler == on_reading) {
				conn_done(w, c);
				return;
			}
			/*
			 * Read on after a short read: the server's FIN usually
			 * follows its answer at once and is caught here.
			 */
			continue;
		}
		if (n == 0) {
			if (c->handler == on_reading || c->reset_seen) {
				conn_done(w, c);
			} else {
				/* the server closed before taking the request */
				conn_fail(w, c, OUT_RESET, 0);
			}
			return;
		}
		if (errno == EAGAIN)
			return;
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET || errno == EPIPE) {
			c->reset_seen = true;
			conn_done(w, c);
			return;
		}
		conn_fail(w, c, stats_classify(errno), errno);
		return;
	}
}

/* --- the loop --- */

static void batch_reap(struct worker *w);

static void expire(struct worker *w, mono_ns now)
{
	/* --batch: an answer that came in time but was not read yet is no timeout */
	if (w->batch && !list_empty(&w->fifo) &&
	    list_entry(w->fifo.next, struct conn, link)->deadline_ns <= now)
		batch_reap(w);
	while (!list_empty(&w->fifo)) {
		struct conn *c = list_entry(w->fifo.next, struct conn, link);

		if (c->deadline_ns > now &&
		    !(w->stopping && now >= w->stop_deadline_ns))
			break;
		w->cur = c->phase;
		/*
		 * --batch: its answer may be in, unread: behind a younger
		 * connection (its request took longer to send), or in the
		 * reap set past the wait's worth a reap reads
		 */
		if (c->stamped && c->handler == on_reading) {
			list_del(&c->unread);
			on_reading(w, c, EPOLLIN);
			if (c->fd < 0)
				continue;
		}
		conn_fail(w, c, OUT_TIMEOUT, 0);
	}
}

/*
 * Start what is due, at most budget connections; returns the time the next
 * start is due, or LOOP_FOREVER.
 */
static mono_ns start_due(struct worker *w, mono_ns now, int budget)
{
	const mono_ns t0 = now;
	mono_ns due;

	if (w->stopping)
		return LOOP_FOREVER;
	if (w->spec->closed_loop) {
		if (now >= w->end_ns)
			return LOOP_FOREVER;
		if (now < w->base_ns)
			return w->base_ns;	/* --start-at: not yet */
		while (w->inflight < w->want) {
			if (budget-- == 0 || now - t0 >= START_SLICE_NS)
				return now;
			conn_start(w, 0);	/* due now: no lag */
			now = w->last_start_ns;	/* when that start began */
		}
		return w->end_ns;
	}
	while (pacer_peek(&w->pacer, &due)) {
		if (due > now)
			return due;
		if (now >= w->cut_ns) {
			/* the window has closed: the client fell behind */
			drop_unstarted(w);
			break;
		}
		if (w->inflight >= w->max_inflight)
			return LOOP_FOREVER;
		if (budget-- == 0 || now - t0 >= START_SLICE_NS)
			return now;
		pacer_advance(&w->pacer);
		conn_start(w, due);
		now = w->last_start_ns;
	}
	return LOOP_FOREVER;
}

static bool round_over(struct worker *w, mono_ns now)
{
	if (w->inflight)
		return false;
	if (w->stopping)
		return true;
	if (w->spec->closed_loop)
		return now >= w->end_ns;
	return pacer_done(&w->pacer);
}

/* Interval line of slot i: JSON, HdrHistogram log, or both. */
static void interval_out(struct collector *col, const struct round_spec *spec,
			 unsigned i)
{
	if (col->json)
		report_interval_json(col->json, spec, col->slot[i].k,
				     col->interval_ns, &col->slot[i].s);
	if (col->hdr)
		(void)hdrlog_write(col->hdr, col->base_wall_ns +
				   (int64_t)(col->slot[i].k * col->interval_ns),
				   col->interval_ns, &col->slot[i].s.latency);
}

static void publish(struct collector *col, uint64_t k, struct stats *s)
{
	unsigned i = (unsigned)(k % IVL_SLOTS);

	pthread_mutex_lock(&col->mu);
	if (!col->slot[i].used || col->slot[i].k != k) {
		col->slot[i].used = true;
		col->slot[i].k = k;
		col->slot[i].count = 0;
		stats_init(&col->slot[i].s);
	}
	stats_merge(&col->slot[i].s, s);
	col->slot[i].count++;
	while (col->slot[col->next_print % IVL_SLOTS].used &&
	       col->slot[col->next_print % IVL_SLOTS].k == col->next_print &&
	       col->slot[col->next_print % IVL_SLOTS].count == col->nthreads) {
		i = (unsigned)(col->next_print % IVL_SLOTS);
		interval_out(col, col->spec, i);
		col->slot[i].used = false;
		col->next_print++;
	}
	pthread_mutex_unlock(&col->mu);
	stats_init(s);
}

static void publish_live(struct worker *w)
{
	__atomic_store_n(&w->live.started, w->st.started, __ATOMIC_RELAXED);
	__atomic_store_n(&w->live.ok, w->st.ok, __ATOMIC_RELAXED);
	__atomic_store_n(&w->live.errors, stats_errors(&w->st), __ATOMIC_RELAXED);
	__atomic_store_n(&w->live.inflight, w->inflight, __ATOMIC_RELAXED);
}

/*
 * --spin auto: learn the wake-up latency and what a sleep costs before the
 * first start is due, from short sleeps (they end the way a timed epoll
 * wait does), so that the first starts of a round are as punctual as the
 * rest.
 */
static void spin_calibrate(struct worker *w)
{
	mono_ns until = w->base_ns - 2 * NS_PER_MS, t = clock_now_ns();
	unsigned i;

	for (i = 0; i < SPIN_WINDOW && t + 100 * NS_PER_US < until; i++) {
		mono_ns target = t + 20 * NS_PER_US, cpu = spin_cpu_ns();
		struct timespec ts = clock_ts(target);

		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
			break;
		t = clock_now_ns();
		spin_note(&w->spin, t > target ? t - target : 0);
		spin_note_cost(&w->spin, spin_cpu_ns() - cpu);
	}
}

/* When the loop must wake next: a start (early by the spin margin) or a deadline. */
static mono_ns next_wake(struct worker *w, mono_ns next)
{
	mono_ns wake = next;

	if (!list_empty(&w->fifo)) {
		struct conn *c = list_entry(w->fifo.next, struct conn, link);

		if (c->deadline_ns < wake)
			wake = c->deadline_ns;
	}
	if (w->stopping && w->stop_deadline_ns < wake)
		wake = w->stop_deadline_ns;
	if (w->col && w->ivl_next_ns < wake)
		wake = w->ivl_next_ns;
	/* a start: wake early by the margin, then poll up to it */
	if (wake == next && wake != LOOP_FOREVER)
		wake = wake > spin_margin(&w->spin) ?
		       wake - spin_margin(&w->spin) : 0;
	return wake;
}

/* The stop eventfd fired: no more starts, in-flight ones get a grace. */
static void stop_soon(struct worker *w)
{
	if (w->stopping)
		return;
	w->stopping = true;
	w->stop_deadline_ns = clock_now_ns() +
		(w->cfg->timeout_ns < STOP_GRACE_NS ? w->cfg->timeout_ns : STOP_GRACE_NS);
}

static void serve_events(struct worker *w, struct epoll_event *ev, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct conn *c = ev[i].data.ptr;

		if (i % START_EVERY == START_EVERY - 1 && !w->spec->closed_loop)
			start_due(w, clock_now_ns(), START_EVERY);
		if (!c)
			stop_soon(w);
		else if ((void *)c == (void *)&w->reap)
			w->answers_ready = true;	/* read as the next turn begins */
		else if (c->fd >= 0) {
			w->cur = c->phase;
			c->handler(w, c, ev[i].events);
		}
	}
	pool_put_list(&w->pool, &w->deferred);
}

/*
 * Wait for events until wake at most.  A wait shorter than a sleep costs
 * is polled (a busy turn: serve what is ready, start what is due, look
 * again), and a poll that found nothing yields the CPU, as the sleep would
 * have: a server on the same CPU (the default pinning puts a client's and
 * a server's threads together) must not wait for the client's time slice
 * to end.  A wait that slept tells how late the kernel woke the thread
 * and, under --spin auto, what the sleep cost it.
 */
static int wait_events(struct worker *w, struct epoll_event *ev, mono_ns wake,
		       mono_ns now)
{
	uint64_t timeout = wake == LOOP_FOREVER ? LOOP_FOREVER :
			   wake > now ? wake - now : 0;
	mono_ns cpu = 0, t;
	bool polled = false;
	int n;

	if (timeout && timeout != LOOP_FOREVER && spin_poll(&w->spin, timeout)) {
		timeout = 0;
		polled = true;
	}
	if (timeout && timeout != LOOP_FOREVER && w->spin.autom)
		cpu = spin_cpu_ns();
	n = loop_wait(&w->loop, ev, EVENTS_MAX, timeout);
	if (polled && n == 0)
		sched_yield();
	if (n != 0 || !timeout || timeout == LOOP_FOREVER)
		return n;
	/* it slept to the end of the timeout */
	t = clock_now_ns();
	if (t >= wake)
		spin_note(&w->spin, t - wake);
	if (cpu)
		spin_note_cost(&w->spin, spin_cpu_ns() - cpu);
	return n;
}

/*
 * --batch auto: turns BATCH_AUTO_SLEEPS sleeps' cost apart, so sleeping
 * costs a busy worker about a thirty-second of its time at most; at most
 * CFG_BATCH_AUTO_MAX_NS, the most lag batching may add.  (A sleep also
 * leaves the thread's caches cold: a turn costs more than the sleep.)
 */
#define BATCH_AUTO_SLEEPS 32

static mono_ns batch_auto_ns(const struct spin *s)
{
	mono_ns b = BATCH_AUTO_SLEEPS * s->sleep_cost_ns;

	return b < CFG_BATCH_AUTO_MAX_NS ? b : CFG_BATCH_AUTO_MAX_NS;
}

/*
 * --batch: how old a connection must be before a turn reads it: a quarter
 * batch, or twice the time answers have been taking to begin.  Answers slow to
 * come (a server with a queue) would otherwise find most connections
 * unanswered at their first read, each costing a recv and a registration
 * in the reap set more; read later, they cost nothing (their stamps time
 * them) but the slot they hold.  Not so an answer larger than the receive
 * window: its sender waits for the reads, and holding them back would
 * make it end later (and its latency longer).
 */
static mono_ns batch_young_ns(const struct worker *w)
{
	mono_ns q = w->batch_ns / 4;

	if (w->answers_big)
		return q;
	return 2 * w->answer_ns > q ? 2 * w->answer_ns : q;
}

/*
 * --batch: read the connections nothing watches yet (worker->unread), the
 * oldest first; one not answered yet is watched from now on (a recv more,
 * once).  The first too young to be answered (batch_young_ns) ends the
 * reading, unless its deadline is here: the rest are younger still, as
 * are starts made meanwhile (a long list must not hold up the schedule).
 */
static void batch_read_unwatched(struct worker *w, mono_ns now)
{
	mono_ns young = batch_young_ns(w);
	unsigned i = 0;

	while (!list_empty(&w->unread)) {
		struct conn *c = list_entry(w->unread.next, struct conn, unread);
		mono_ns age = now > c->start_ns ? now - c->start_ns : 0;

		if (age < young && c->deadline_ns > now && !w->reap_waited)
			break;
		list_del(&c->unread);
		if (++i % START_EVERY == 0)
			start_due(w, clock_now_ns(), START_EVERY);
		w->cur = c->phase;
		on_reading(w, c, EPOLLIN);
		if (c->fd >= 0) {
			int rc = batch_watch(w, c);

			if (rc < 0)
				conn_fail(w, c, OUT_OTHER, -rc);
		}
	}
	pool_put_list(&w->pool, &w->deferred);
}

/*
 * --batch: read the answers that came in, with the clock offset their
 * stamps need.  One wait's worth at a turn: a worker behind, whose answers
 * come in as fast as it reads them, must still end its turn to expire,
 * publish and read what nothing watches; the rest is read at the next
 * turn, which begins at once.
 */
static void batch_reap(struct worker *w)
{
	struct epoll_event ev[EVENTS_MAX];
	struct timespec rt;
	mono_ns now = clock_now_ns();
	int n;

	if (!clock_gettime(CLOCK_REALTIME, &rt))
		w->real_off_ns = (int64_t)rt.tv_sec * (int64_t)NS_PER_S +
				 rt.tv_nsec - (int64_t)now;
	w->answers_ready = false;
	w->reap_ns = now + w->batch_ns / 2;
	batch_read_unwatched(w, now);
	n = loop_wait(&w->reap, ev, EVENTS_MAX, 0);
	if (n > 0)
		serve_events(w, ev, n);
	if (n == EVENTS_MAX)
		w->answers_ready = true;
}

/*
 * --batch: a turn begins.  A busy worker turns more often than once a
 * batch; it reads answers about once a batch all the same (one epoll
 * wait for many), or at once when they woke it, or when it stops.
 */
static void batch_turn(struct worker *w)
{
	w->turn_ns = clock_now_ns();
	if (w->answers_ready || w->stopping || w->turn_ns >= w->reap_ns)
		batch_reap(w);
}

/*
 * --batch: planned wake-ups are a batch apart at least, so a sleep's cost
 * is shared by what fell due meanwhile.  They are counted from the last
 * planned one, not from when the thread got to run, so the kernel's
 * lateness does not pile up into lag; a turn that an event began early
 * keeps the plan.  Answers need not be read sooner (their stamps time
 * them), except to end the round or free slots: with no start left to
 * make, the worker looks every batch.
 */
static mono_ns batch_wake(struct worker *w, mono_ns wake, mono_ns next)
{
	mono_ns b = w->batch_ns, floor;

	if (w->cfg->batch_auto)
		b = w->batch_ns = batch_auto_ns(&w->spin);
	if (w->stopping || (next == LOOP_FOREVER && w->reap_waited))
		return wake;	/* answers wake it */
	if (next == LOOP_FOREVER && w->inflight) {
		floor = w->turn_ns + b;
		return wake < floor ? wake : floor;
	}
	floor = w->turn_ns < w->target_ns ? w->target_ns : w->target_ns + b;
	w->target_ns = wake > floor ? wake : floor;
	return w->target_ns;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event ev[EVENTS_MAX];
	uint64_t one = 1;
	int n;

	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (w->spin.autom)
		spin_calibrate(w);
	for (;;) {
		mono_ns now = clock_now_ns(), next, wake;

		if (w->batch) {
			batch_turn(w);
			now = clock_now_ns();
		}
		next = start_due(w, now, START_BUDGET);
		now = clock_now_ns();
		expire(w, now);
		/* the start found no slot, and a timeout just freed one */
		if (next == LOOP_FOREVER && w->inflight < w->max_inflight)
			next = start_due(w, now, START_BUDGET);
		if (w->col && now >= w->ivl_next_ns) {
			publish(w->col, w->ivl_k++, &w->ivl);
			w->ivl_next_ns += w->col->interval_ns;
		}
		publish_live(w);
		if (round_over(w, now))
			break;
		wake = next_wake(w, next);
		now = clock_now_ns();
		if (w->batch) {
			batch_answers_wake(w);
			wake = batch_wake(w, wake, next);
			if (w->answers_ready)	/* a reap left some: no sleep */
				wake = now;
		}
		n = wait_events(w, ev, wake, now);
		if (n < 0) {
			w->err = n;
			w->stopping = true;
			w->stop_deadline_ns = now;
			continue;
		}
		serve_events(w, ev, n);
	}
	if (w->col)
		publish(w->col, w->ivl_k, &w->ivl);
	publish_live(w);
	if (write(w->donefd, &one, sizeof(one)) < 0) {
		/* the main thread also joins; nothing to do */
	}
	return NULL;
}

static void worker_free(struct worker *w)
{
	free(w->tst);
	w->tst = NULL;
	pool_fini(&w->pool);
	loop_fini(&w->loop);
	if (w->batch)
		loop_fini(&w->reap);
}

static double tv_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static void status_line(struct worker *ws, unsigned nw, mono_ns base,
			const struct round_spec *spec)
{
	struct live t = { 0 };
	unsigned i;
	mono_ns now = clock_now_ns();
	double el = now > base ? (double)(now - base) / 1e9 : 0.0;

	for (i = 0; i < nw; i++) {
		t.started += __atomic_load_n(&ws[i].live.started, __ATOMIC_RELAXED);
		t.ok += __atomic_load_n(&ws[i].live.ok, __ATOMIC_RELAXED);
		t.errors += __atomic_load_n(&ws[i].live.errors, __ATOMIC_RELAXED);
		t.inflight += __atomic_load_n(&ws[i].live.inflight, __ATOMIC_RELAXED);
	}
	fprintf(stderr, "\r\033[K%6.1fs  %s  started %llu  ok %llu  errors %llu  in flight %llu  (%.0f ok/s)",
		el, spec->closed_loop ? "closed loop" : "open loop",
		(unsigned long long)t.started, (unsigned long long)t.ok,
		(unsigned long long)t.errors, (unsigned long long)t.inflight,
		el > 0 ? (double)t.ok / el : 0.0);
}

/* Wait for the workers; pass a stop request on.  Returns true if stopped. */
static bool supervise(const struct client_env *env, int donefd,
		      struct worker *ws, unsigned nw, mono_ns base,
		      const struct round_spec *spec)
{
	struct pollfd pf[2] = { { donefd, POLLIN, 0 }, { env->sigfd, POLLIN, 0 } };
	uint64_t done = 0, v, one = 1;
	bool stopped = false;

	while (done < nw) {
		int n = poll(pf, stopped || env->sigfd < 0 ? 1 : 2,
			     env->status ? 1000 : -1);

		if (n > 0 && (pf[0].revents & POLLIN) &&
		    read(donefd, &v, sizeof(v)) == sizeof(v))
			done += v;
		if (!stopped && n > 0 && (pf[1].revents & POLLIN)) {
			struct signalfd_siginfo si;

			stopped = true;
			if (read(env->sigfd, &si, sizeof(si)) < 0 ||
			    write(env->stopfd, &one, sizeof(one)) < 0) {
				/* workers see the stop or finish on time */
			}
		}
		if (env->status)
			status_line(ws, nw, base, spec);
	}
	if (env->status)
		fputs("\r\033[K", stderr);
	return stopped;
}

bool client_cooldown(const struct config *c, const struct client_env *env)
{
	struct pollfd pf = { env->sigfd, POLLIN, 0 };

	if (!c->cooldown_ns || env->sigfd < 0)
		return true;
	return poll(&pf, 1, (int)(c->cooldown_ns / NS_PER_MS)) == 0;
}

/* Interval lines need a collector; *col stays NULL without --interval. */
static int collector_new(const struct config *cfg, const struct client_env *env,
			 const struct round_spec *spec, unsigned nw,
			 struct collector **col)
{
	*col = NULL;
	if (!cfg->interval_ns || (!env->json && !env->hdr))
		return 0;
	*col = calloc(1, sizeof(**col));
	if (!*col)
		return -ENOMEM;
	pthread_mutex_init(&(*col)->mu, NULL);
	(*col)->nthreads = nw;
	(*col)->json = env->json;
	(*col)->spec = spec;
	(*col)->interval_ns = cfg->interval_ns;
	(*col)->hdr = env->hdr;
	return 0;
}

/* The last, partial intervals. */
static void collector_flush(struct collector *col, const struct round_spec *spec)
{
	unsigned i;

	for (i = 0; i < IVL_SLOTS; i++) {
		unsigned s = (unsigned)(col->next_print % IVL_SLOTS);

		if (col->slot[s].used && col->slot[s].k == col->next_print) {
			interval_out(col, spec, s);
			col->slot[s].used = false;
		}
		col->next_print++;
	}
}

static void collector_free(struct collector *col)
{
	if (!col)
		return;
	pthread_mutex_destroy(&col->mu);
	free(col);
}

/* Worker i of nw: its share of the round, from base on. */
static void worker_setup(struct worker *w, const struct config *cfg,
			 const struct round_spec *spec, unsigned i, unsigned nw,
			 mono_ns base, uint64_t max_inflight)
{
	unsigned k;

	w->cfg = cfg;
	w->spec = spec;
	w->id = i;
	w->nthreads = nw;
	w->base_ns = base;
	w->end_ns = base + spec->duration_ns;
	/* a start --batch held back is made, late by what it waited */
	w->cut_ns = w->end_ns + END_GRACE_NS + cfg_batch_max_ns(cfg);
	w->max_inflight = max_inflight / nw ? max_inflight / nw : 1;
	w->want = spec->concurrency / nw + (i < spec->concurrency % nw);
	if (w->want > w->max_inflight)
		w->want = w->max_inflight;
	w->ivl_next_ns = base + cfg->interval_ns;
	list_init(&w->fifo);
	list_init(&w->deferred);
	list_init(&w->unread);
	pool_init(&w->pool, sizeof(struct conn), offsetof(struct conn, link));
	stats_init(&w->st);
	stats_init(&w->ivl);
	pacer_init(&w->pacer, base, spec->closed_loop ? 1 : spec->rate_milli,
		   spec->duration_ns, i, nw);
	w->phased = spec->phased && !spec->closed_loop;
	if (w->phased)
		pacer_init_ramp(&w->pacer, base, &spec->ramp, i, nw);
	for (k = 0; k < PHASES; k++)
		stats_init(&w->ph[k]);
	spin_init(&w->spin, cfg->spin_ns, cfg->spin_auto,
		  spec->closed_loop ? 0 : (mono_ns)((unsigned __int128)nw *
			1000 * NS_PER_S / spec->rate_milli));
	if (cfg->spin_busy)
		spin_set_busy(&w->spin);
	/* --batch: late by design, so no margin and no polling */
	w->batch = cfg_batch_max_ns(cfg) && !spec->closed_loop;
	w->batch_ns = cfg->batch_ns;
	w->bare = true;
	if (w->batch && cfg->batch_auto)
		spin_set_cost_only(&w->spin);
	else if (w->batch)
		spin_init(&w->spin, 0, false, 0);
}

/*
 * Start the workers' threads; returns how many run.  When not all could,
 * *rc gets the error and those running are told to stop.
 */
static unsigned workers_start(struct worker *ws, unsigned nw,
			      const struct client_env *env, int *rc)
{
	uint64_t one = 1;
	unsigned i;

	for (i = 0; i < nw; i++) {
		*rc = loop_init(&ws[i].loop, env->stopfd);
		if (*rc < 0)
			break;
		if (ws[i].batch) {
			*rc = loop_init(&ws[i].reap, -1);
			if (*rc < 0) {
				loop_fini(&ws[i].loop);
				break;
			}
		}
		*rc = loop_thread(&ws[i].tid, cfg_thread_cpu(ws[i].cfg, i),
				  worker_main, &ws[i]);
		if (*rc < 0) {
			loop_fini(&ws[i].loop);
			if (ws[i].batch)
				loop_fini(&ws[i].reap);
			break;
		}
	}
	if (i < nw && write(env->stopfd, &one, sizeof(one)) < 0) {
		/* joined in any case */
	}
	return i;
}

/*
 * --batch: the kernel stamps arriving packets only while some socket asks
 * for stamps, and turns stamping on some time after the first one asks:
 * between connections (a low rate, answers read at once) it would be off,
 * and a connection started then would get no stamp.  A socket held open
 * for the round keeps it on.  -1 if none is needed or it cannot be had
 * (answers are then timed when read, and counted untimed).
 */
static int stamps_hold(const struct config *cfg, const struct round_spec *spec)
{
	int one = 1, fd;

	if (!cfg_batch_max_ns(cfg) || spec->closed_loop)
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Join the workers, merge their results; the first worker error, or rc. */
static int workers_join(struct worker *ws, unsigned n, struct round_result *res,
			int rc, mono_ns *first)
{
	mono_ns spin_ns = 0;
	unsigned i, k, t;

	for (i = 0; i < n; i++) {
		pthread_join(ws[i].tid, NULL);
		stats_merge(&res->s, &ws[i].st);
		for (t = 0; t < res->ntargets; t++)
			stats_merge(&res->target[t], &ws[i].tst[t]);
		if (ws[i].first_start_ns && (!*first || ws[i].first_start_ns < *first))
			*first = ws[i].first_start_ns;
		for (k = 0; k < PHASES; k++)
			stats_merge(&res->phase[k], &ws[i].ph[k]);
		if (spin_margin(&ws[i].spin) > spin_ns)
			spin_ns = spin_margin(&ws[i].spin);
		res->untimed += ws[i].untimed;
		if ((double)ws[i].batch_ns / 1e3 > res->batch_us)
			res->batch_us = (double)ws[i].batch_ns / 1e3;
		if (ws[i].err && !rc)
			rc = ws[i].err;
		worker_free(&ws[i]);
	}
	res->spin_us = (double)spin_ns / 1e3;
	return rc;
}

/*
 * With several targets, each worker and the result get one struct stats
 * per target (beside the round's own).  0 or -ENOMEM.
 */
static int targets_alloc(struct worker *ws, unsigned nw, unsigned ntargets,
			 struct round_result *res)
{
	unsigned i, t;

	if (ntargets < 2)
		return 0;
	res->target = calloc(ntargets, sizeof(*res->target));
	if (!res->target)
		return -ENOMEM;
	res->ntargets = ntargets;
	for (t = 0; t < ntargets; t++)
		stats_init(&res->target[t]);
	for (i = 0; i < nw; i++) {
		ws[i].tst = calloc(ntargets, sizeof(*ws[i].tst));
		if (!ws[i].tst)
			return -ENOMEM;
		for (t = 0; t < ntargets; t++)
			stats_init(&ws[i].tst[t]);
	}
	return 0;
}

void client_result_free(struct round_result *res)
{
	free(res->target);
	res->target = NULL;
	res->ntargets = 0;
}

/*
 * The round's window is its duration: starts were scheduled in it (what
 * did not start in it is unstarted), not up to the next start after it.
 * A stopped round ran for less.
 */
static void round_window(struct round_result *res, mono_ns base, bool stopped)
{
	mono_ns now = clock_now_ns();
	double win = (double)res->spec.duration_ns / 1e9;
	double ran = now > base ? (double)(now - base) / 1e9 : 0.0;

	if ((res->spec.closed_loop || stopped) && ran < win)
		win = ran;
	res->elapsed_s = win;
	res->achieved_rate = win > 0 ? (double)res->s.ok / win : 0.0;
}

/*
 * A phased round: each phase's window (cut short by a stop) and rate; the
 * sustain phase's become the headline figures.
 */
static void phase_windows(struct round_result *res, mono_ns base, bool stopped)
{
	const struct ramp *r = &res->spec.ramp;
	mono_ns now = clock_now_ns();
	uint64_t ran = now > base ? now - base : 0, from = 0, len;
	unsigned p;

	for (p = 0; p < PHASES; p++) {
		len = pacer_phase_ns(r, (enum pacer_phase)p);
		if (stopped)
			len = ran <= from ? 0 : ran - from < len ? ran - from : len;
		from += pacer_phase_ns(r, (enum pacer_phase)p);
		res->phase_s[p] = (double)len / 1e9;
		res->phase_rate[p] = len ? (double)res->phase[p].ok * 1e9 / (double)len : 0.0;
	}
	res->s = res->phase[PHASE_SUSTAIN];
	res->elapsed_s = res->phase_s[PHASE_SUSTAIN];
	res->achieved_rate = res->phase_rate[PHASE_SUSTAIN];
}

/*
 * --share I/N: host I of N, all at the same rate, starts its schedule I/N
 * of a start's interval late, so the N schedules interleave into one at N
 * times the rate rather than all starting in the same instant.
 */
mono_ns share_offset_ns(const struct config *cfg, const struct round_spec *spec)
{
	if (!cfg->share_n || spec->closed_loop || !spec->rate_milli)
		return 0;
	return (mono_ns)((unsigned __int128)cfg->share_i * NS_PER_S * 1000 /
			 ((unsigned __int128)spec->rate_milli * cfg->share_n));
}

int client_round(const struct config *cfg, const struct client_env *env,
		 const struct round_spec *spec, struct round_result *res)
{
	unsigned nw = cfg->threads, i, started;
	struct worker *ws;
	struct collector *col = NULL;
	struct rusage ru0, ru1;
	uint64_t max_inflight = cfg->max_inflight;
	mono_ns base, first = 0;
	int64_t wall_off;
	int donefd, stampfd = -1, rc = 0;

	memset(res, 0, sizeof(*res));
	if (spec->closed_loop && spec->concurrency < nw)
		nw = (unsigned)spec->concurrency;
	if (!max_inflight) {
		uint64_t lim = rlimit_raise_nofile();

		max_inflight = lim > 64 ? lim - 64 : 1;
	}
	ws = calloc(nw, sizeof(*ws));
	donefd = eventfd(0, EFD_CLOEXEC);
	if (!ws || donefd < 0) {
		rc = -ENOMEM;
		goto out;
	}
	rc = collector_new(cfg, env, spec, nw, &col);
	if (rc < 0)
		goto out;
	res->spec = *spec;
	res->threads = nw;
	stats_init(&res->s);
	for (i = 0; i < PHASES; i++)
		stats_init(&res->phase[i]);
	rc = targets_alloc(ws, nw, cfg->ntargets, res);
	if (rc < 0)
		goto out;
	if (env->json)
		report_round_start_json(env->json, spec);
	stampfd = stamps_hold(cfg, spec);
	getrusage(RUSAGE_SELF, &ru0);
	wall_off = env->start_ns ? env->wall_offset_ns : walltime_mono_offset();
	base = env->start_ns ? env->start_ns : clock_now_ns() + 20 * NS_PER_MS;
	base += share_offset_ns(cfg, spec);
	if (col)
		col->base_wall_ns = walltime_from_mono(base, wall_off);
	for (i = 0; i < nw; i++) {
		worker_setup(&ws[i], cfg, spec, i, nw, base, max_inflight);
		ws[i].col = col;
		ws[i].donefd = donefd;
	}
	started = workers_start(ws, nw, env, &rc);
	res->interrupted = supervise(env, donefd, ws, started, base, spec);
	rc = workers_join(ws, started, res, rc, &first);
	res->start_requested_ns = walltime_from_mono(base, wall_off);
	res->share_offset_ns = (int64_t)share_offset_ns(cfg, spec);
	res->start_actual_ns = walltime_from_mono(first ? first : base, wall_off);
	getrusage(RUSAGE_SELF, &ru1);
	if (col)
		collector_flush(col, spec);
	res->cpu_user_s = tv_s(&ru1.ru_utime) - tv_s(&ru0.ru_utime);
	res->cpu_sys_s = tv_s(&ru1.ru_stime) - tv_s(&ru0.ru_stime);
	res->cpu_wakeups = (uint64_t)(ru1.ru_nvcsw - ru0.ru_nvcsw);
	round_window(res, base, res->interrupted);
	if (spec->phased && !spec->closed_loop)
		phase_windows(res, base, res->interrupted);
	if (started < nw && !rc)
		rc = -EAGAIN;
out:
	for (i = 0; ws && i < nw; i++)
		free(ws[i].tst);
	if (rc < 0)
		client_result_free(res);
	collector_free(col);
	if (donefd >= 0)
		close(donefd);
	if (stampfd >= 0)
		close(stampfd);
	free(ws);
	return rc;
}

void client_rate_spec(const struct config *c, uint64_t rate_milli,
		      struct round_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->rate_milli = rate_milli;
	spec->duration_ns = c->duration_ns;
	if (!c->phased)
		return;
	spec->phased = true;
	spec->ramp.rate_milli = rate_milli;
	spec->ramp.init_milli = c->init_milli ? c->init_milli :
				rate_milli / 10 ? rate_milli / 10 : 1;
	if (spec->ramp.init_milli > rate_milli)	/* a bisection below it */
		spec->ramp.init_milli = rate_milli;
	spec->ramp.up_ns = c->ramp_up_ns;
	spec->ramp.sustain_ns = c->sustain_ns;
	spec->ramp.down_ns = c->ramp_down_ns;
	spec->duration_ns = pacer_ramp_duration_ns(&spec->ramp);
}
