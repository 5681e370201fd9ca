/*
 * holdsrv.c - server --keepalive: answer every request on a connection
 * and keep the connection open (the peer of client --hold; see hold.h).
 *
 * Each worker has its SO_REUSEPORT listeners and its epoll loop, as the
 * ordinary server.  A connection has no state in user space at all: its
 * epoll entry carries its descriptor, and whatever arrives is sent back
 * at once (the client's exchange is one byte, so a send never has to
 * wait; one that cannot be sent whole resets the connection, counted
 * "other").  A connection ends when the client closes it, with FIN or
 * with RST (client --hold resets its connections at the end of a round,
 * so that a device's table empties): either counts completed; any other
 * error counts other.  There is no --timeout: holding idle
 * connections is the point.  The counters and the final line are those
 * of server.h, with "mode":"keepalive".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hold.h"
#include "json.h"
#include "loop.h"
#include "rlimit.h"
#include "server.h"
#include "sock.h"

#define EVENTS_MAX 256
#define LISTENER_TAG (1ULL << 62)	/* epoll data: listener index | tag */
#define MAX_PORTS 64

struct kworker {
	const struct config *cfg;
	pthread_t tid;
	struct loop loop;
	int lis[MAX_PORTS];
	unsigned nlis;
	int spare_fd;		/* freed to take and reset a connection at EMFILE */
	struct server_stats st, pub;
	uint64_t exchanges;
	int err;
	char buf[4096];
};

static void kconn_end(struct kworker *w, int fd, uint64_t *counter, bool rst)
{
	(*counter)++;
	w->st.open--;
	if (rst)
		sock_abort(fd);
	else
		close(fd);
}

/* Echo what came; EOF: the client is done with the connection. */
static void on_data(struct kworker *w, int fd)
{
	for (;;) {
		ssize_t n = recv(fd, w->buf, sizeof(w->buf), MSG_DONTWAIT), m;

		if (n == 0) {
			kconn_end(w, fd, &w->st.completed, false);
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				kconn_end(w, fd, errno == ECONNRESET ? &w->st.completed : &w->st.other,
					  errno != ECONNRESET);
			return;
		}
		w->st.bytes_received += (uint64_t)n;
		w->exchanges++;
		m = send(fd, w->buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (m != n) {
			kconn_end(w, fd, m < 0 && (errno == ECONNRESET || errno == EPIPE) ?
				  &w->st.reset : &w->st.other, true);
			return;
		}
		w->st.bytes_sent += (uint64_t)m;
		if ((size_t)n < sizeof(w->buf))
			return;
	}
}

/* At the descriptor limit: take one connection with the spare, reset it. */
static void accept_at_limit(struct kworker *w, int lfd)
{
	int fd;

	if (w->spare_fd < 0)
		return;
	close(w->spare_fd);
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0) {
		w->st.accepted++;
		w->st.fd_limit++;
		sock_abort(fd);
	}
	w->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void on_accept(struct kworker *w, int lfd)
{
	int i, fd;

	for (i = 0; i < 64; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				accept_at_limit(w, lfd);
			else if (errno == ECONNABORTED || errno == EINTR)
				continue;
			return;
		}
		w->st.accepted++;
		w->st.open++;
		if (w->cfg->close == CLOSE_RST)
			(void)sock_linger0(fd);
		if (loop_add(&w->loop, fd, EPOLLIN, (void *)(uintptr_t)(fd + 1)) < 0)
			kconn_end(w, fd, &w->st.other, true);
	}
}

static void publish(struct kworker *w)
{
	const uint64_t *src = (const uint64_t *)&w->st;
	uint64_t *dst = (uint64_t *)&w->pub;
	size_t i;

	for (i = 0; i < sizeof(w->st) / sizeof(uint64_t); i++)
		__atomic_store_n(&dst[i], src[i], __ATOMIC_RELAXED);
}

static void *kworker_main(void *arg)
{
	struct kworker *w = arg;
	struct epoll_event ev[EVENTS_MAX];
	int i, n;

	for (;;) {
		n = loop_wait(&w->loop, ev, EVENTS_MAX, LOOP_FOREVER);
		if (n < 0) {
			w->err = n;
			break;
		}
		for (i = 0; i < n; i++) {
			uint64_t d = ev[i].data.u64;

			if (!d) {
				publish(w);
				return NULL;
			}
			if (d & LISTENER_TAG)
				on_accept(w, w->lis[d & ~LISTENER_TAG]);
			else
				on_data(w, (int)(d - 1));
		}
		publish(w);
	}
	publish(w);
	return NULL;
}

/* Listeners for every worker and port; 0, or -1 after a message. */
static int kbind(const struct config *c, struct kworker *ws, unsigned nw)
{
	struct endpoint addr;
	char buf[80];
	unsigned i, p;
	int fd;

	if (addr_parse_address(c->listen, 0, &addr))
		return -1;
	for (i = 0; i < nw; i++) {
		for (p = c->port_lo; p <= c->port_hi; p++) {
			addr_set_port(&addr, (uint16_t)p);
			fd = sock_listen(&addr, (int)c->backlog);
			if (fd == -EAFNOSUPPORT && strcmp(c->listen, "::") == 0) {
				addr_parse_address("0.0.0.0", (uint16_t)p, &addr);
				fd = sock_listen(&addr, (int)c->backlog);
			}
			if (fd < 0) {
				fprintf(stderr, "connrate server: cannot listen on %s: %s\n",
					addr_format(&addr, buf, sizeof(buf)), strerror(-fd));
				return -1;
			}
			ws[i].lis[ws[i].nlis] = fd;
			if (loop_add(&ws[i].loop, fd, EPOLLIN,
				     (void *)(uintptr_t)(LISTENER_TAG | ws[i].nlis)) < 0) {
				close(fd);
				return -1;
			}
			ws[i].nlis++;
		}
	}
	addr_set_port(&addr, c->port_lo);
	fprintf(stderr, "connrate server: listening on %s (keepalive), %u threads\n",
		addr_format(&addr, buf, sizeof(buf)), nw);
	return 0;
}

static void kprint(const struct config *c, struct kworker *ws, unsigned n,
		   FILE *json, bool final)
{
	struct server_stats t;
	struct rusage ru;
	struct json j;
	uint64_t *tp = (uint64_t *)&t;
	size_t i;
	unsigned k;

	memset(&t, 0, sizeof(t));
	for (k = 0; k < n; k++)
		for (i = 0; i < sizeof(t) / sizeof(uint64_t); i++)
			tp[i] += __atomic_load_n(&((uint64_t *)&ws[k].pub)[i], __ATOMIC_RELAXED);
	getrusage(RUSAGE_SELF, &ru);
	if (final)
		fprintf(json == stdout ? stderr : stdout,
			"server (keepalive): accepted %llu, completed %llu, reset %llu, "
			"fd_limit %llu, other %llu, open %llu; peak RSS %llu KiB\n",
			(unsigned long long)t.accepted, (unsigned long long)t.completed,
			(unsigned long long)t.reset, (unsigned long long)t.fd_limit,
			(unsigned long long)t.other, (unsigned long long)t.open,
			(unsigned long long)ru.ru_maxrss);
	fflush(NULL);
	if (!json)
		return;
	json_begin(&j, json);
	json_str(&j, "type", "server");
	json_str(&j, "mode", "keepalive");
	json_bool(&j, "final", final);
	json_u64(&j, "accepted", t.accepted);
	json_u64(&j, "completed", t.completed);
	json_obj(&j, "errors");
	json_u64(&j, "reset", t.reset);
	json_u64(&j, "timeout", t.timeout);
	json_u64(&j, "fd_limit", t.fd_limit);
	json_u64(&j, "other", t.other);
	json_obj_end(&j);
	json_u64(&j, "open", t.open);
	json_u64(&j, "bytes_received", t.bytes_received);
	json_u64(&j, "bytes_sent", t.bytes_sent);
	json_u64(&j, "rss_peak_kb", (uint64_t)ru.ru_maxrss);
	json_obj(&j, "cpu");
	json_num(&j, "user_s", (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6, 3);
	json_num(&j, "sys_s", (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, 3);
	json_obj_end(&j);
	cli_dump(c, &j);
	json_end_line(&j);
}

/* Until SIGINT/SIGTERM; SIGUSR1 writes the counters so far. */
static void kwait(const struct config *c, int sigfd, struct kworker *ws,
		  unsigned n, FILE *json)
{
	struct pollfd pf = { sigfd, POLLIN, 0 };
	struct signalfd_siginfo si;

	for (;;) {
		if (poll(&pf, 1, -1) < 0 && errno == EINTR)
			continue;
		if (read(sigfd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo != SIGUSR1)
			return;
		kprint(c, ws, n, json ? json : stdout, false);
	}
}

static void kworker_free(struct kworker *w)
{
	unsigned i;

	for (i = 0; i < w->nlis; i++)
		close(w->lis[i]);
	if (w->spare_fd >= 0)
		close(w->spare_fd);
	loop_fini(&w->loop);
}

int holdsrv_run(const struct config *c, int sigfd, FILE *json)
{
	unsigned nw = c->threads, i, ready = 0, started = 0;
	struct kworker *ws = calloc(nw, sizeof(*ws));
	int stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), rc = 1;
	uint64_t one = 1;

	rlimit_raise_nofile();
	if (!ws || stopfd < 0) {
		fprintf(stderr, "connrate server: %s\n", strerror(errno));
		goto out;
	}
	for (ready = 0; ready < nw; ready++) {
		ws[ready].cfg = c;
		ws[ready].spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (loop_init(&ws[ready].loop, stopfd) < 0) {
			fprintf(stderr, "connrate server: epoll: %s\n", strerror(errno));
			close(ws[ready].spare_fd);
			goto out;
		}
	}
	if (kbind(c, ws, nw) < 0)
		goto out;
	for (started = 0; started < nw; started++)
		if (loop_thread(&ws[started].tid, cfg_thread_cpu(c, started),
				kworker_main, &ws[started]) < 0)
			break;
	rc = started == nw ? 0 : 1;
	if (!rc)
		kwait(c, sigfd, ws, started, json);
	if (write(stopfd, &one, sizeof(one)) < 0)
		rc = 1;
	for (i = 0; i < started; i++)
		pthread_join(ws[i].tid, NULL);
	kprint(c, ws, started, json, true);
out:
	for (i = 0; i < ready; i++)
		kworker_free(&ws[i]);
	free(ws);
	if (stopfd >= 0)
		close(stopfd);
	return rc;
}
