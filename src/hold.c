/*
 * hold.c - client --hold: concurrent connection capacity (see hold.h).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hold.h"
#include "loop.h"
#include "pacer.h"
#include "report.h"
#include "rlimit.h"
#include "sock.h"
#include "units.h"

#define EVENTS_MAX 256
#define START_BATCH 256		/* starts per turn of the loop, at most */
#define FD_MARGIN 64		/* descriptors the process keeps for itself */

/* ---- the slot table ---- */

int htab_init(struct htab *t, uint64_t cap)
{
	t->slot = calloc(cap, sizeof(*t->slot));
	t->cap = t->slot ? cap : 0;
	return t->slot ? 0 : -ENOMEM;
}

void htab_fini(struct htab *t)
{
	free(t->slot);
	t->slot = NULL;
	t->cap = 0;
}

void hfifo_init(struct hfifo *q)
{
	q->head = q->tail = -1;
	q->len = 0;
}

void hfifo_push(struct htab *t, struct hfifo *q, int fd)
{
	struct hslot *s = &t->slot[fd];

	s->next = -1;
	s->prev = q->tail;
	if (q->tail >= 0)
		t->slot[q->tail].next = fd;
	else
		q->head = fd;
	q->tail = fd;
	q->len++;
}

void hfifo_del(struct htab *t, struct hfifo *q, int fd)
{
	struct hslot *s = &t->slot[fd];

	if (s->prev >= 0)
		t->slot[s->prev].next = s->next;
	else
		q->head = s->next;
	if (s->next >= 0)
		t->slot[s->next].prev = s->prev;
	else
		q->tail = s->prev;
	s->prev = s->next = -1;
	q->len--;
}

/* ---- the client's own limits ---- */

uint64_t hold_client_limit(uint64_t nofile, uint64_t port_lo, uint64_t port_hi,
			   uint64_t nsrc, uint64_t ntargets, const char **why)
{
	uint64_t fds = nofile > FD_MARGIN ? nofile - FD_MARGIN : 0;
	uint64_t ports = port_hi >= port_lo ? port_hi - port_lo + 1 : 0;

	ports *= (nsrc ? nsrc : 1) * (ntargets ? ntargets : 1);
	if (ports < fds) {
		*why = "the client's source ports (ip_local_port_range x source addresses x targets)";
		return ports;
	}
	*why = "the client's descriptors (RLIMIT_NOFILE)";
	return fds;
}

uint64_t hold_client_limit_here(const struct config *c, const char **why)
{
	unsigned long long lo = 32768, hi = 60999;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

	if (f) {
		if (fscanf(f, "%llu %llu", &lo, &hi) != 2)
			lo = 32768, hi = 60999;
		fclose(f);
	}
	return hold_client_limit(rlimit_raise_nofile(), lo, hi,
				 c->has_source ? c->source.count : 1, c->ntargets, why);
}

/* ---- a worker ---- */

/* Shared by the workers of a round: connections open and answering. */
struct hshared {
	uint64_t open;
	uint64_t peak;
};

struct hworker {
	const struct config *cfg;
	const struct hold_spec *spec;
	struct htab *tab;
	struct hshared *sh;
	pthread_t tid;
	struct loop loop;
	struct pacer pacer;
	struct hfifo pend, idle;
	struct stats s;
	uint64_t established, held, lost, exchanges;
	mono_ns sweep_ns;	/* the last check of every connection begins */
	uint64_t sweep_left;	/* idle connections not yet checked a last time */
	uint64_t sweep_gap_ns;	/* between two of those checks: the opening's pace */
	mono_ns last_est_ns;
	bool sweeping, stopped;
	int err;
};

static void shared_open(struct hshared *sh)
{
	uint64_t now = __atomic_add_fetch(&sh->open, 1, __ATOMIC_RELAXED);
	uint64_t peak = __atomic_load_n(&sh->peak, __ATOMIC_RELAXED);

	while (now > peak &&
	       !__atomic_compare_exchange_n(&sh->peak, &peak, now, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static struct hfifo *fifo_of(struct hworker *w, int fd)
{
	uint8_t st = w->tab->slot[fd].state;

	return st == HS_IDLE || st == HS_CHECKED ? &w->idle : &w->pend;
}

/* A connection ends in error class o: RST, counted once. */
static void hconn_fail(struct hworker *w, int fd, enum outcome o, int err)
{
	struct hslot *s = &w->tab->slot[fd];

	hfifo_del(w->tab, fifo_of(w, fd), fd);
	if (s->state == HS_IDLE && w->sweeping)
		w->sweep_left--;	/* it was waiting for its last check */
	if (s->state != HS_CONNECTING)
		w->lost++;
	if (s->answered)
		__atomic_sub_fetch(&w->sh->open, 1, __ATOMIC_RELAXED);
	s->state = HS_FREE;
	s->answered = 0;
	stats_fail(&w->s, o, err);
	sock_abort(fd);
}

/* One exchange: a byte out; the answer is awaited in pending. */
static void exchange_start(struct hworker *w, int fd, mono_ns now)
{
	struct hslot *s = &w->tab->slot[fd];
	ssize_t n = send(fd, "k", 1, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n != 1) {
		int err = n < 0 ? errno : EAGAIN;

		hconn_fail(w, fd, stats_classify(err), err);
		return;
	}
	w->s.bytes_sent++;
	hfifo_del(w->tab, fifo_of(w, fd), fd);
	s->state = HS_WAITING;
	s->t_ns = now;
	hfifo_push(w->tab, &w->pend, fd);
}

static void on_connected(struct hworker *w, int fd, mono_ns now)
{
	struct hslot *s = &w->tab->slot[fd];
	int err = sock_error(fd);

	if (err) {
		hconn_fail(w, fd, stats_classify(err), err);
		return;
	}
	histo_add(&w->s.connect, now - s->t_ns);
	w->established++;
	w->last_est_ns = now;
	s->state = HS_WAITING;	/* so that a failure below counts it lost */
	if (loop_mod(&w->loop, fd, EPOLLIN, (void *)(uintptr_t)(fd + 1)) < 0) {
		hconn_fail(w, fd, OUT_OTHER, errno);
		return;
	}
	exchange_start(w, fd, now);
}

static void on_readable(struct hworker *w, int fd, mono_ns now)
{
	struct hslot *s = &w->tab->slot[fd];
	char buf[64];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			hconn_fail(w, fd, stats_classify(errno), errno);
		return;
	}
	if (n == 0) {	/* closed by the other side: no answer */
		hconn_fail(w, fd, OUT_SHORT, 0);
		return;
	}
	w->s.bytes_received += (uint64_t)n;
	if (s->state != HS_WAITING)
		return;	/* nothing was asked: ignored */
	histo_add(&w->s.latency, now - s->t_ns);
	w->exchanges++;
	if (!s->answered) {	/* its first answer: open and answering from now */
		s->answered = 1;
		shared_open(w->sh);
	}
	hfifo_del(w->tab, &w->pend, fd);
	s->state = w->sweeping ? HS_CHECKED : HS_IDLE;
	s->t_ns = now;
	hfifo_push(w->tab, &w->idle, fd);
}

static void on_event(struct hworker *w, int fd, uint32_t ev, mono_ns now)
{
	if (fd < 0 || (uint64_t)fd >= w->tab->cap || w->tab->slot[fd].state == HS_FREE)
		return;
	if (w->tab->slot[fd].state == HS_CONNECTING) {
		if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			on_connected(w, fd, now);
		return;
	}
	on_readable(w, fd, now);
}

/* Start connection i of the schedule, due at due. */
static void hconn_start(struct hworker *w, uint64_t i, mono_ns due, mono_ns now)
{
	const struct config *c = w->cfg;
	struct endpoint src;
	int fd, rc;

	w->s.started++;
	histo_add(&w->s.lag, now - due);
	if (c->has_source)
		addr_range_nth(&c->source, i / c->ntargets, &src);
	rc = sock_connect(&c->target[i % c->ntargets], c->has_source ? &src : NULL,
			  true, &fd);
	if (rc < 0) {
		stats_fail(&w->s, stats_classify(-rc), -rc);
		return;
	}
	if ((uint64_t)fd >= w->tab->cap) {
		sock_abort(fd);
		stats_fail(&w->s, OUT_FD_LIMIT, EMFILE);
		return;
	}
	w->tab->slot[fd].state = HS_CONNECTING;
	w->tab->slot[fd].t_ns = now;
	hfifo_push(w->tab, &w->pend, fd);
	if (loop_add(&w->loop, fd, EPOLLOUT, (void *)(uintptr_t)(fd + 1)) < 0)
		hconn_fail(w, fd, OUT_OTHER, errno);
	else if (rc == 0)
		on_connected(w, fd, now);
}

/* Timers: starts due, pending past their deadline, exchanges due, the sweep. */
static void hworker_timers(struct hworker *w, mono_ns now)
{
	mono_ns due;
	int fd, k;

	for (k = 0; k < START_BATCH && !w->sweeping && pacer_peek(&w->pacer, &due) && due <= now; k++) {
		hconn_start(w, w->pacer.next_i, due, now);
		pacer_advance(&w->pacer);
	}
	while ((fd = hfifo_head(&w->pend)) >= 0 &&
	       w->tab->slot[fd].t_ns + w->cfg->timeout_ns <= now)
		hconn_fail(w, fd, OUT_TIMEOUT, 0);
	if (!w->sweeping && now >= w->sweep_ns) {
		w->sweeping = true;
		w->s.unstarted += pacer_drop(&w->pacer);
		w->sweep_left = w->idle.len;
	}
	/*
	 * The last checks go at the pace of the opening, oldest first (the
	 * idle FIFO's head; each answer joins its tail): all at once, N
	 * exchanges would load the path and the server far beyond the opening.
	 */
	for (k = 0; w->sweeping && w->sweep_left && k < START_BATCH && w->sweep_ns <= now; k++) {
		w->sweep_left--;
		w->sweep_ns += w->sweep_gap_ns;
		exchange_start(w, hfifo_head(&w->idle), now);
	}
	while (!w->sweeping && (fd = hfifo_head(&w->idle)) >= 0 &&
	       w->tab->slot[fd].t_ns + w->spec->keepalive_ns <= now)
		exchange_start(w, fd, now);
}

/* The time to the next timer of the worker, from now. */
static uint64_t hworker_wait_ns(struct hworker *w, mono_ns now)
{
	mono_ns wake = LOOP_FOREVER, due;
	int fd;

	if (w->sweeping && w->sweep_left)
		wake = w->sweep_ns;
	if (!w->sweeping) {
		wake = w->sweep_ns;
		if (pacer_peek(&w->pacer, &due) && due < wake)
			wake = due;
		fd = hfifo_head(&w->idle);
		if (fd >= 0 && w->tab->slot[fd].t_ns + w->spec->keepalive_ns < wake)
			wake = w->tab->slot[fd].t_ns + w->spec->keepalive_ns;
	}
	fd = hfifo_head(&w->pend);
	if (fd >= 0 && w->tab->slot[fd].t_ns + w->cfg->timeout_ns < wake)
		wake = w->tab->slot[fd].t_ns + w->cfg->timeout_ns;
	return wake == LOOP_FOREVER ? LOOP_FOREVER : wake > now ? wake - now : 0;
}

static void *hworker_main(void *arg)
{
	struct hworker *w = arg;
	struct epoll_event ev[EVENTS_MAX];
	int i, n;

	for (;;) {
		mono_ns now = clock_now_ns();

		hworker_timers(w, now);
		if (w->sweeping && w->pend.len == 0 && !w->sweep_left)
			break;
		n = loop_wait(&w->loop, ev, EVENTS_MAX, hworker_wait_ns(w, now));
		if (n < 0) {
			w->err = n;
			break;
		}
		now = clock_now_ns();
		for (i = 0; i < n; i++) {
			if (!ev[i].data.ptr) {
				w->stopped = true;
				return NULL;
			}
			on_event(w, (int)(ev[i].data.u64 - 1), ev[i].events, now);
		}
	}
	return NULL;
}

/*
 * The end of a worker's round: the connections that answered are held
 * (interrupted: those established and not failed); all are reset.
 */
static void hworker_close(struct hworker *w)
{
	struct hfifo *qs[2] = { &w->idle, &w->pend };
	unsigned k;
	int fd;

	w->s.unstarted += pacer_drop(&w->pacer);	/* stopped before the sweep */
	for (k = 0; k < 2; k++) {
		while ((fd = hfifo_head(qs[k])) >= 0) {
			struct hslot *s = &w->tab->slot[fd];

			hfifo_del(w->tab, qs[k], fd);
			if (s->state == HS_CONNECTING) {
				w->s.started--;	/* interrupted before it was made */
				w->s.unstarted++;
			} else {
				w->held++;
			}
			s->state = HS_FREE;
			sock_abort(fd);
		}
	}
	w->s.ok = w->held;
}

/* ---- a round ---- */

struct hround {
	struct hworker *ws;
	unsigned nw;
	int donefd;
};

static void *hworker_thread(void *arg)
{
	struct hworker *w = arg;
	uint64_t one = 1;
	int donefd = w->err;	/* handed in the error field until the start */

	w->err = 0;
	hworker_main(w);
	if (write(donefd, &one, sizeof(one)) < 0) {
		/* the supervisor then waits for the signal or the join */
	}
	return NULL;
}

/* Wait for every worker, or for a signal (then stop them); true when stopped. */
static bool hround_supervise(const struct client_env *env, int donefd, unsigned n)
{
	struct pollfd pf[2] = { { donefd, POLLIN, 0 }, { env->sigfd, POLLIN, 0 } };
	uint64_t done = 0, k, one = 1;

	while (done < n) {
		if (poll(pf, env->sigfd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents) {
			if (write(env->stopfd, &one, sizeof(one)) < 0) {
				/* the workers end at their sweep anyway */
			}
			return true;
		}
		if (read(donefd, &k, sizeof(k)) == sizeof(k))
			done += k;
	}
	return false;
}

static int hround_start(const struct config *c, const struct client_env *env,
			const struct hold_spec *spec, struct hworker *ws, unsigned nw,
			int donefd, struct htab *tab, struct hshared *sh)
{
	mono_ns base = clock_now_ns() + 20 * NS_PER_MS;
	mono_ns last = pacer_due(base, spec->open_rate_milli, spec->target - 1);
	unsigned i;
	int rc;

	for (i = 0; i < nw; i++) {
		struct hworker *w = &ws[i];

		w->cfg = c;
		w->spec = spec;
		w->tab = tab;
		w->sh = sh;
		stats_init(&w->s);
		hfifo_init(&w->pend);
		hfifo_init(&w->idle);
		pacer_init(&w->pacer, base, spec->open_rate_milli, 0, i, nw);
		w->pacer.total = spec->target;
		w->sweep_ns = last + spec->hold_ns;
		w->sweep_gap_ns = (uint64_t)((unsigned __int128)nw * 1000 * NS_PER_S /
					     spec->open_rate_milli);
		rc = loop_init(&w->loop, env->stopfd);
		if (rc < 0)
			return (int)i;
		w->err = donefd;
		rc = loop_thread(&w->tid, cfg_thread_cpu(c, i), hworker_thread, w);
		if (rc < 0) {
			loop_fini(&w->loop);
			return (int)i;
		}
	}
	return (int)nw;
}

/* The process's peak resident memory (VmHWM), in KiB; 0 when unknown. */
static uint64_t rss_peak_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	unsigned long long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Join and merge the workers; the first worker's error, or 0. */
static int hround_merge(struct hworker *ws, unsigned n, struct hold_result *res,
			mono_ns t0)
{
	mono_ns last = 0;
	unsigned i;
	int err = 0;

	for (i = 0; i < n; i++) {
		struct hworker *w = &ws[i];

		pthread_join(w->tid, NULL);
		hworker_close(w);
		stats_merge(&res->s, &w->s);
		res->established += w->established;
		res->held += w->held;
		res->lost += w->lost;
		res->exchanges += w->exchanges;
		if (w->last_est_ns > last)
			last = w->last_est_ns;
		if (w->err && !err)
			err = w->err;
		loop_fini(&w->loop);
	}
	res->open_s = last > t0 ? (double)(last - t0) / 1e9 : 0.0;
	return err;
}

int hold_round(const struct config *c, const struct client_env *env,
	       const struct hold_spec *spec, struct hold_result *res)
{
	struct hshared sh = { 0, 0 };
	struct htab tab = { NULL, 0 };
	unsigned nw = c->threads;
	uint64_t cap = rlimit_raise_nofile();
	struct hworker *ws;
	mono_ns t0;
	int donefd, started, rc = 0;

	if (nw > spec->target)
		nw = (unsigned)spec->target;
	if (cap > spec->target + 4096 + 4ULL * nw)
		cap = spec->target + 4096 + 4ULL * nw;
	memset(res, 0, sizeof(*res));
	res->spec = *spec;
	res->threads = nw;
	res->slot_bytes = sizeof(struct hslot);
	stats_init(&res->s);
	ws = calloc(nw, sizeof(*ws));
	donefd = eventfd(0, EFD_CLOEXEC);
	if (!ws || donefd < 0 || htab_init(&tab, cap) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	if (env->json)
		hold_start_json(env->json, spec);
	t0 = clock_now_ns();
	started = hround_start(c, env, spec, ws, nw, donefd, &tab, &sh);
	if (started < (int)nw) {
		uint64_t one = 1;

		rc = -EAGAIN;
		if (write(env->stopfd, &one, sizeof(one)) < 0) {
			/* joined below in any case */
		}
	} else {
		res->interrupted = hround_supervise(env, donefd, nw);
	}
	started = hround_merge(ws, (unsigned)started, res, t0);
	if (started < 0 && !rc)
		rc = started;
	res->peak = sh.peak;
	res->elapsed_s = (double)(clock_now_ns() - t0) / 1e9;
	res->rss_peak_kb = rss_peak_kb();
out:
	htab_fini(&tab);
	if (donefd >= 0)
		close(donefd);
	free(ws);
	return rc;
}

/* ---- output ---- */

void hold_header(FILE *f)
{
	fprintf(f, "%9s %9s %9s %9s %9s %8s %10s %10s %10s %s\n", "target", "estab",
		"held", "lost", "peak", "open_s", "exch_p50", "exch_p99", "exch_max",
		"errors");
}

void hold_row(FILE *f, const struct hold_result *r)
{
	char a[24], b[24], m[24];
	int i;

	fprintf(f, "%9llu %9llu %9llu %9llu %9llu %8.2f %10s %10s %10s %llu",
		(unsigned long long)r->spec.target, (unsigned long long)r->established,
		(unsigned long long)r->held, (unsigned long long)r->lost,
		(unsigned long long)r->peak, r->open_s,
		units_fmt_ns(histo_quantile(&r->s.latency, 0.5), a, sizeof(a)),
		units_fmt_ns(histo_quantile(&r->s.latency, 0.99), b, sizeof(b)),
		units_fmt_ns(histo_quantile(&r->s.latency, 1), m, sizeof(m)),
		(unsigned long long)stats_errors(&r->s));
	for (i = 0; i < OUT__ERRORS; i++)
		if (r->s.err[i])
			fprintf(f, " %s %llu", stats_outcome_name((enum outcome)i),
				(unsigned long long)r->s.err[i]);
	if (r->interrupted)	/* what was not made yet is no sign of a slow client */
		fprintf(f, " (interrupted; unstarted %llu)", (unsigned long long)r->s.unstarted);
	else if (r->s.unstarted)
		fprintf(f, " (unstarted %llu: the client fell behind)",
			(unsigned long long)r->s.unstarted);
	fputc('\n', f);
	fflush(f);
}

static void spec_json(struct json *j, const struct hold_spec *spec)
{
	json_str(j, "mode", "hold");
	json_u64(j, "target", spec->target);
	json_num(j, "open_rate", (double)spec->open_rate_milli / 1000.0, 3);
	json_num(j, "hold_for_s", (double)spec->hold_ns / 1e9, 3);
	json_num(j, "keepalive_s", (double)spec->keepalive_ns / 1e9, 3);
}

void hold_start_json(FILE *f, const struct hold_spec *spec)
{
	struct json j;

	json_begin(&j, f);
	json_str(&j, "type", "round_start");
	spec_json(&j, spec);
	json_end_line(&j);
}

void hold_json(FILE *f, const struct config *c, const struct hold_result *r)
{
	struct json j;

	json_begin(&j, f);
	json_str(&j, "type", "hold");
	spec_json(&j, &r->spec);
	json_u64(&j, "threads", r->threads);
	json_u64(&j, "established", r->established);
	json_u64(&j, "held", r->held);
	json_u64(&j, "lost", r->lost);
	json_u64(&j, "peak", r->peak);
	json_u64(&j, "exchanges", r->exchanges);
	json_num(&j, "open_s", r->open_s, 3);
	json_num(&j, "elapsed_s", r->elapsed_s, 3);
	report_stats_json(&j, &r->s);
	report_histo_json(&j, "exchange_us", &r->s.latency);
	json_obj(&j, "memory");
	json_u64(&j, "slot_bytes", r->slot_bytes);
	json_u64(&j, "rss_peak_kb", r->rss_peak_kb);
	json_obj_end(&j);
	json_bool(&j, "interrupted", r->interrupted);
	cli_dump(c, &j);
	json_end_line(&j);
}

void hold_spec_from(const struct config *c, uint64_t n, struct hold_spec *spec)
{
	spec->target = n;
	spec->open_rate_milli = c->open_rate_milli;
	spec->hold_ns = c->hold_for_ns;
	spec->keepalive_ns = c->keepalive_ns;
}

int hold_run(const struct config *c, const struct client_env *env, FILE *out)
{
	struct hold_spec spec;
	struct hold_result r;
	const char *why;
	uint64_t lim = hold_client_limit_here(c, &why);
	int rc;

	if (c->hold > lim)
		fprintf(stderr, "connrate client: warning: --hold %llu is more than %s allow (%llu): "
			"the client, not the target, will fail first\n",
			(unsigned long long)c->hold, why, (unsigned long long)lim);
	hold_spec_from(c, c->hold, &spec);
	hold_header(out);
	rc = hold_round(c, env, &spec, &r);
	if (rc < 0) {
		fprintf(stderr, "connrate client: cannot run the round: %s\n", strerror(-rc));
		return 1;
	}
	hold_row(out, &r);
	if (env->json)
		hold_json(env->json, c, &r);
	return r.interrupted ? 130 : 0;
}
