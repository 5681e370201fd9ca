/*
 * server.c - the server (see server.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "hold.h"
#include "rlimit.h"
#include "list.h"
#include "loop.h"
#include "pool.h"
#include "server.h"
#include "sock.h"

#define EVENTS_MAX 256
#define ACCEPT_BATCH 64
#define READ_BUF 65536
#define MAX_PORTS 64
#define SPARE_RETRY_NS (10 * NS_PER_MS)	/* without a spare: try again this often */

struct sworker;
struct sconn;
typedef void (*sconn_fn)(struct sworker *w, struct sconn *c, uint32_t ev);

/* Both kinds of epoll entry start with their handler. */
struct sconn {
	sconn_fn handler;
	int fd;
	unsigned http_state;
	mono_ns deadline_ns;
	uint64_t received;
	uint64_t sent;
	struct list link;
};

struct listener {
	sconn_fn handler;
	int fd;
};

struct sworker {
	const struct config *cfg;
	pthread_t tid;
	struct loop loop;
	struct listener lis[MAX_PORTS];
	unsigned nlis;
	int spare_fd;		/* freed to take a connection at EMFILE, see server.h */
	bool paused;		/* no spare: listeners out of the loop until one is back */
	struct hunch early;	/* are requests in at accept time? */
	struct hunch more;	/* is a second connection queued behind the first? */
	struct list fifo, deferred;
	struct pool pool;	/* connection slots */
	struct server_stats st;
	struct server_stats pub;	/* st, published with relaxed atomics */
	int err;
	char buf[READ_BUF];
};

static void on_accept(struct sworker *w, struct sconn *l, uint32_t ev);
static void on_request(struct sworker *w, struct sconn *c, uint32_t ev);
static void on_response(struct sworker *w, struct sconn *c, uint32_t ev);

long server_http_scan(unsigned *state, const char *buf, size_t len)
{
	static const char end[4] = { '\r', '\n', '\r', '\n' };
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i] == end[*state])
			(*state)++;
		else
			*state = buf[i] == '\r' ? 1 : 0;
		if (*state == 4)
			return (long)(i + 1);
	}
	return -1;
}

static void sconn_end(struct sworker *w, struct sconn *c, uint64_t *counter)
{
	(*counter)++;
	w->st.open--;
	w->st.bytes_received += c->received;
	w->st.bytes_sent += c->sent;
	list_del(&c->link);
	close(c->fd);
	c->fd = -1;
	list_append(&w->deferred, &c->link);
}

/* Give up on a connection: RST, so the client never takes it for an answer. */
static void sconn_abort(struct sworker *w, struct sconn *c, uint64_t *counter)
{
	(void)sock_linger0(c->fd);
	sconn_end(w, c, counter);
}

static void sconn_error(struct sworker *w, struct sconn *c, int err)
{
	if (err == ECONNRESET || err == EPIPE)
		sconn_end(w, c, &w->st.reset);
	else
		sconn_abort(w, c, &w->st.other);
}

/* Listeners in or out of the loop (out: at EMFILE they would spin). */
static void listeners_arm(struct sworker *w, bool on)
{
	unsigned i;

	for (i = 0; i < w->nlis; i++)
		(void)loop_mod(&w->loop, w->lis[i].fd, on ? EPOLLIN : 0, &w->lis[i]);
	w->paused = !on;
}

/* Take a spare descriptor again; without one, stop accepting for now. */
static void spare_take(struct sworker *w)
{
	w->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if ((w->spare_fd >= 0) == w->paused)
		listeners_arm(w, w->spare_fd >= 0);
}

/*
 * At the descriptor limit: free the spare, take one connection with it,
 * reset it and keep its socket as the new spare, so that no other thread
 * can take the slot in between.  Returns -1 when nothing was taken.
 */
static int accept_at_limit(struct sworker *w, int lfd)
{
	int fd;

	if (w->spare_fd < 0) {
		if (!w->paused)
			listeners_arm(w, false);
		return -1;
	}
	close(w->spare_fd);
	w->spare_fd = -1;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		/* the queue emptied, or another thread took the slot */
		spare_take(w);
		return -1;
	}
	w->st.accepted++;
	w->st.fd_limit++;
	if (sock_disconnect(fd) == 0) {
		w->spare_fd = fd;
		return 0;
	}
	sock_abort(fd);
	spare_take(w);
	return 0;
}

static void accept_one(struct sworker *w, int fd)
{
	struct sconn *c = pool_get(&w->pool);

	w->st.accepted++;
	if (!c) {
		sock_abort(fd);
		w->st.other++;
		return;
	}
	w->st.open++;
	c->fd = fd;
	c->http_state = 0;
	c->received = 0;
	c->sent = 0;
	c->deadline_ns = clock_now_ns() + w->cfg->timeout_ns;
	c->handler = on_request;
	list_append(&w->fifo, &c->link);
	if (w->cfg->close == CLOSE_RST)
		(void)sock_linger0(fd);
	if (hunch_try(&w->early)) {
		/*
		 * The request is often in by the time accept4() returns (a
		 * client that sends at once, a near one): serve it now and
		 * never register.  A miss costs one recv.
		 */
		on_request(w, c, 0);
		hunch_note(&w->early, c->fd < 0 || c->received || c->sent);
		if (c->fd < 0)
			return;
	}
	/* edge-triggered: whatever arrived since the recv is reported now */
	if (loop_add(&w->loop, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, c) < 0)
		sconn_error(w, c, errno);
}

static void on_accept(struct sworker *w, struct sconn *l, uint32_t ev)
{
	int i, fd;

	(void)ev;
	for (i = 0; i < ACCEPT_BATCH; i++) {
		/*
		 * Where connections come one at a time (an open loop at a
		 * moderate rate), the second accept4() only says EAGAIN.  The
		 * listener is level-triggered: skip it, and epoll reports any
		 * connection still queued on the next turn.
		 */
		if (i == 1 && !hunch_try(&w->more))
			return;
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (i == 1)
			hunch_note(&w->more, fd >= 0);
		if (fd >= 0) {
			accept_one(w, fd);
			continue;
		}
		if (errno == EAGAIN || errno == EINTR)
			return;
		if (errno == EMFILE || errno == ENFILE) {
			if (accept_at_limit(w, l->fd) < 0)
				return;
			continue;
		}
		if (errno == ECONNABORTED)
			continue;
		/* the kernel took the connection off the queue and lost it */
		w->st.accepted++;
		w->st.other++;
		return;
	}
}

static void respond(struct sworker *w, struct sconn *c)
{
	c->handler = on_response;
	on_response(w, c, EPOLLOUT);
}

static bool request_done(const struct config *cfg, struct sconn *c,
			 const char *buf, size_t n)
{
	switch (cfg->respond_after) {
	case RESPOND_HTTP:
		return server_http_scan(&c->http_state, buf, n) >= 0;
	case RESPOND_BYTES:
		return c->received >= cfg->respond_bytes;
	case RESPOND_EOF:
		break;
	}
	return false;
}

static void on_request(struct sworker *w, struct sconn *c, uint32_t ev)
{
	/*
	 * A reset also raises EPOLLRDHUP, with the error (EPOLLERR) and
	 * EPOLLHUP: then read on to the error, for the data before it is no
	 * whole request.
	 */
	bool fin = (ev & (EPOLLRDHUP | EPOLLERR)) == EPOLLRDHUP;
	bool hup = ev & (EPOLLHUP | EPOLLERR);

	for (;;) {
		ssize_t n = recv(c->fd, w->buf, sizeof(w->buf), 0);

		if (n > 0) {
			c->received += (uint64_t)n;
			/* a short read after the FIN was seen took it all: EOF */
			if (request_done(w->cfg, c, w->buf, (size_t)n) ||
			    (fin && (size_t)n < sizeof(w->buf))) {
				respond(w, c);
				return;
			}
			/*
			 * Drained: the next arrival raises an edge.  Called at
			 * accept time (ev 0), there is no edge yet: read on
			 * until EAGAIN, which also catches a FIN already in.
			 * After a hang-up no edge follows: read on to the end.
			 */
			if ((size_t)n < sizeof(w->buf) && ev && !hup)
				return;
			continue;
		}
		if (n == 0) {
			/* the client is done sending: answer whatever the mode */
			respond(w, c);
			return;
		}
		if (errno == EAGAIN)
			return;
		if (errno == EINTR)
			continue;
		sconn_error(w, c, errno);
		return;
	}
}

static void on_response(struct sworker *w, struct sconn *c, uint32_t ev)
{
	const struct payload *rsp = &w->cfg->response;

	if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		return;
	while (c->sent < rsp->len) {
		ssize_t n = send(c->fd, rsp->data + c->sent, rsp->len - c->sent,
				 MSG_NOSIGNAL);

		if (n > 0) {
			c->sent += (uint64_t)n;
			continue;
		}
		if (errno == EAGAIN)
			return;
		if (errno == EINTR)
			continue;
		sconn_error(w, c, errno);
		return;
	}
	sconn_end(w, c, &w->st.completed);
}

static void expire(struct sworker *w, mono_ns now)
{
	while (!list_empty(&w->fifo)) {
		struct sconn *c = list_entry(w->fifo.next, struct sconn, link);

		if (c->deadline_ns > now)
			break;
		sconn_abort(w, c, &w->st.timeout);
	}
}

static void publish(struct sworker *w)
{
	const uint64_t *src = (const uint64_t *)&w->st;
	uint64_t *dst = (uint64_t *)&w->pub;
	size_t i;

	for (i = 0; i < sizeof(w->st) / sizeof(uint64_t); i++)
		__atomic_store_n(&dst[i], src[i], __ATOMIC_RELAXED);
}

static void collect(struct sworker *ws, unsigned n, struct server_stats *tot)
{
	uint64_t *t = (uint64_t *)tot;
	size_t i;
	unsigned k;

	memset(tot, 0, sizeof(*tot));
	for (k = 0; k < n; k++)
		for (i = 0; i < sizeof(*tot) / sizeof(uint64_t); i++)
			t[i] += __atomic_load_n(&((uint64_t *)&ws[k].pub)[i], __ATOMIC_RELAXED);
}

static void *sworker_main(void *arg)
{
	struct sworker *w = arg;
	struct epoll_event ev[EVENTS_MAX];
	int i, n;
	bool stop = false;

	while (!stop) {
		mono_ns now = clock_now_ns(), wake = LOOP_FOREVER;

		expire(w, now);
		if (!list_empty(&w->fifo))
			wake = list_entry(w->fifo.next, struct sconn, link)->deadline_ns;
		if (w->paused) {
			spare_take(w);
			if (w->paused && wake > now + SPARE_RETRY_NS)
				wake = now + SPARE_RETRY_NS;
		}
		n = loop_wait(&w->loop, ev, EVENTS_MAX,
			      wake == LOOP_FOREVER ? LOOP_FOREVER :
			      wake > now ? wake - now : 0);
		if (n < 0) {
			w->err = n;
			break;
		}
		for (i = 0; i < n; i++) {
			struct sconn *c = ev[i].data.ptr;

			if (!c) {
				stop = true;
				continue;
			}
			if (c->fd >= 0)
				c->handler(w, c, ev[i].events);
		}
		pool_put_list(&w->pool, &w->deferred);
		publish(w);
	}
	publish(w);
	return NULL;
}

static void sworker_free(struct sworker *w)
{
	unsigned i;

	while (!list_empty(&w->fifo)) {
		struct sconn *c = list_entry(w->fifo.next, struct sconn, link);

		list_del(&c->link);
		close(c->fd);
	}
	pool_fini(&w->pool);
	for (i = 0; i < w->nlis; i++)
		close(w->lis[i].fd);
	if (w->spare_fd >= 0)
		close(w->spare_fd);
	loop_fini(&w->loop);
}

static void somaxconn_warning(const struct config *c)
{
	FILE *f = fopen("/proc/sys/net/core/somaxconn", "r");
	unsigned long long v;

	if (!f)
		return;
	if (fscanf(f, "%llu", &v) == 1 && v < c->backlog)
		fprintf(stderr, "connrate server: warning: --backlog %llu is capped at net.core.somaxconn = %llu\n",
			(unsigned long long)c->backlog, v);
	fclose(f);
}

/*
 * SCHED_BATCH: a woken server thread waits for the running thread to block
 * instead of preempting it.  On a CPU it shares with the client, the
 * client's connect() wakes the server thread; preempting there would have
 * it accept before the request and half-close are sent, then register the
 * socket and be woken again.  Measured with --cpus on one host: 5.1
 * syscalls per connection instead of 6.4, no epoll_ctl at all.
 */
static void use_batch(void)
{
	struct sched_param sp = { 0 };
	int rc = pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);

	if (rc)
		fprintf(stderr, "connrate server: warning: cannot run SCHED_BATCH (%s); "
			"threads keep the policy they were started with\n", strerror(rc));
}

/*
 * Ask the kernel to hand this listener the connections whose packets it
 * handles on cpu (a SO_REUSEPORT group prefers the member whose
 * SO_INCOMING_CPU matches the CPU at hand).
 */
static int incoming_cpu(int fd, int cpu)
{
	if (setsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, sizeof(cpu)) == 0)
		return 0;
	fprintf(stderr, "connrate server: --cpus: SO_INCOMING_CPU: %s\n", strerror(errno));
	return -1;
}

/* Bind every worker's listeners; a message names the address on failure. */
static int bind_all(const struct config *c, struct sworker *ws, unsigned nw,
		    struct endpoint *addr)
{
	char buf[80];
	unsigned i, p;
	int fd;

	for (i = 0; i < nw; i++) {
		for (p = c->port_lo; p <= c->port_hi; p++) {
			addr_set_port(addr, (uint16_t)p);
			fd = sock_listen(addr, (int)c->backlog);
			if (fd == -EAFNOSUPPORT && strcmp(c->listen, "::") == 0) {
				/* no IPv6 in this kernel: the wildcard is IPv4's */
				addr_parse_address("0.0.0.0", (uint16_t)p, addr);
				fd = sock_listen(addr, (int)c->backlog);
			}
			if (fd < 0) {
				fprintf(stderr, "connrate server: cannot listen on %s: %s\n",
					addr_format(addr, buf, sizeof(buf)), strerror(-fd));
				return -1;
			}
			if (cfg_thread_cpu(c, i) >= 0 && incoming_cpu(fd, cfg_thread_cpu(c, i)) < 0) {
				close(fd);
				return -1;
			}
			ws[i].lis[ws[i].nlis].handler = on_accept;
			ws[i].lis[ws[i].nlis].fd = fd;
			if (loop_add(&ws[i].loop, fd, EPOLLIN, &ws[i].lis[ws[i].nlis]) < 0) {
				close(fd);
				return -1;
			}
			ws[i].nlis++;
		}
	}
	return 0;
}

static void print_stats(const struct config *c, const struct server_stats *s,
			double user_s, double sys_s, FILE *json, bool final)
{
	/* with --json - the JSON owns standard output: the line goes to stderr */
	if (final)
		fprintf(json == stdout ? stderr : stdout, "server: accepted %llu, completed %llu, reset %llu, timeout %llu, "
	       "fd_limit %llu, other %llu, open %llu; received %llu bytes, sent %llu bytes; "
	       "cpu user %.2fs sys %.2fs\n",
	       (unsigned long long)s->accepted, (unsigned long long)s->completed,
	       (unsigned long long)s->reset, (unsigned long long)s->timeout,
	       (unsigned long long)s->fd_limit, (unsigned long long)s->other,
	       (unsigned long long)s->open, (unsigned long long)s->bytes_received,
	       (unsigned long long)s->bytes_sent, user_s, sys_s);
	fflush(NULL);
	if (json) {
		struct json j;

		json_begin(&j, json);
		json_str(&j, "type", "server");
		json_bool(&j, "final", final);
		json_u64(&j, "accepted", s->accepted);
		json_u64(&j, "completed", s->completed);
		json_obj(&j, "errors");
		json_u64(&j, "reset", s->reset);
		json_u64(&j, "timeout", s->timeout);
		json_u64(&j, "fd_limit", s->fd_limit);
		json_u64(&j, "other", s->other);
		json_obj_end(&j);
		json_u64(&j, "open", s->open);
		json_u64(&j, "bytes_received", s->bytes_received);
		json_u64(&j, "bytes_sent", s->bytes_sent);
		json_obj(&j, "cpu");
		json_num(&j, "user_s", user_s, 3);
		json_num(&j, "sys_s", sys_s, 3);
		json_obj_end(&j);
		cli_dump(c, &j);
		json_end_line(&j);
	}
}

/* Each worker's loop, pool and spare; returns how many are ready (prints why not). */
static unsigned sworkers_init(const struct config *c, struct sworker *ws,
			      unsigned nw, int stopfd)
{
	unsigned i;

	for (i = 0; i < nw; i++) {
		ws[i].cfg = c;
		list_init(&ws[i].fifo);
		list_init(&ws[i].deferred);
		pool_init(&ws[i].pool, sizeof(struct sconn), offsetof(struct sconn, link));
		if (loop_init(&ws[i].loop, stopfd) < 0) {
			fprintf(stderr, "connrate server: epoll: %s\n", strerror(errno));
			break;
		}
		ws[i].spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	return i;
}

/* Start the threads; returns how many run (prints why not). */
static unsigned sworkers_start(const struct config *c, struct sworker *ws, unsigned nw)
{
	unsigned i;

	for (i = 0; i < nw; i++) {
		int err = loop_thread(&ws[i].tid, cfg_thread_cpu(c, i), sworker_main, &ws[i]);

		if (err < 0) {
			fprintf(stderr, "connrate server: cannot start thread %u: %s\n",
				i + 1, strerror(-err));
			break;
		}
	}
	return i;
}

static void listening_line(const struct config *c, struct endpoint *addr,
			   unsigned started)
{
	char buf[80];

	addr_set_port(addr, c->port_lo);
	fprintf(stderr, "connrate server: listening on %s", addr_format(addr, buf, sizeof(buf)));
	if (c->port_hi > c->port_lo)
		fprintf(stderr, "-%u", c->port_hi);
	fprintf(stderr, ", %u threads\n", started);
}

/* The counters of every worker, with the CPU so far. */
static void snapshot(const struct config *c, struct sworker *ws, unsigned n,
		     FILE *json, bool final)
{
	struct server_stats tot;
	struct rusage ru;

	collect(ws, n, &tot);
	getrusage(RUSAGE_SELF, &ru);
	print_stats(c, &tot, (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
		    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, json, final);
}

/* Until SIGINT/SIGTERM: SIGUSR1 writes the counters so far, and goes on. */
static void serve_until_stopped(const struct config *c, int sigfd,
				struct sworker *ws, unsigned n, FILE *json)
{
	struct pollfd pf = { sigfd, POLLIN, 0 };

	for (;;) {
		struct signalfd_siginfo si;

		if (poll(&pf, 1, -1) < 0 && errno == EINTR)
			continue;
		if (read(sigfd, &si, sizeof(si)) != sizeof(si) ||
		    si.ssi_signo != SIGUSR1)
			return;
		snapshot(c, ws, n, json ? json : stdout, false);
	}
}

int server_run(const struct config *c, int sigfd, FILE *json)
{
	struct sworker *ws;
	struct endpoint addr;
	unsigned nw = c->threads, i, ready, started;
	int stopfd, rc = 1;
	uint64_t one = 1;

	if (c->keepalive_server)
		return holdsrv_run(c, sigfd, json);
	rlimit_raise_nofile();
	if (addr_parse_address(c->listen, 0, &addr))
		return 2;
	ws = calloc(nw, sizeof(*ws));
	stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!ws || stopfd < 0) {
		fprintf(stderr, "connrate server: %s\n", strerror(errno));
		free(ws);
		if (stopfd >= 0)
			close(stopfd);
		return 1;
	}
	ready = sworkers_init(c, ws, nw, stopfd);
	if (ready < nw)
		goto out;
	somaxconn_warning(c);
	if (bind_all(c, ws, nw, &addr) < 0)
		goto out;
	if (c->sched_batch)
		use_batch();	/* the worker threads inherit it */
	started = sworkers_start(c, ws, nw);
	listening_line(c, &addr, started);
	rc = started == nw ? 0 : 1;
	if (!rc)
		serve_until_stopped(c, sigfd, ws, started, json);
	if (write(stopfd, &one, sizeof(one)) < 0)
		rc = 1;
	for (i = 0; i < started; i++)
		pthread_join(ws[i].tid, NULL);
	snapshot(c, ws, started, json, true);
out:
	for (i = 0; i < ready; i++)
		sworker_free(&ws[i]);
	free(ws);
	close(stopfd);
	return rc;
}
