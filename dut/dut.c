/*
 * dut.c - connrate-dut: a device under test that can be made to sweat.
 *
 * A verdict daemon on NFQUEUE: every packet steered to its queue waits for
 * its verdict here, so it can be held (--delay), cost CPU (--cost-us),
 * be dropped (--drop), or be refused because the flow table of a small
 * device is full (--max-flows).  It stands in for a firewall build.
 *
 * Runs until SIGTERM/SIGINT: then every held packet is accepted first, the
 * counters are printed (and written as a "dut" JSON line), exit 0.
 * SIGUSR1 writes the counters so far and goes on.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>

#include "clock.h"
#include "dline.h"
#include "dutopts.h"
#include "flow.h"
#include "json.h"
#include "nfq.h"
#include "nfqmsg.h"
#include "nlwalk.h"
#include "opt.h"
#include "units.h"

#define RX_BUF (1u << 20)
#define TX_BUF (64u << 10)

struct dut_stats {
	uint64_t packets, accepted, dropped_random, dropped_table_full, unparsed;
	uint64_t flows_created;
	uint64_t held_peak;
};

struct dut {
	struct dut_opts o;
	struct dut_stats st;
	struct mnl_socket *nl;
	struct dline held;
	struct flowtab *flows;
	char *rx, *tx;
	size_t txlen;
	int tx_err;		/* the first failed send of verdicts (-errno), 0: none */
	int sfd;		/* signalfd: SIGINT, SIGTERM, SIGUSR1 */
	uint32_t seq;
	uint64_t rng;
	FILE *json;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: connrate-dut [options]\n"
		"  a device under test on NFQUEUE: every packet steered to its queue waits here\n\n"
		"options:\n");
	dut_opts_usage(f);
	fprintf(f, "  %-26s %s\n  %-26s %s\n", "-h, --help", "this text",
		"--version", "print the version");
	fprintf(f, "\nSteer traffic to it, e.g. iptables -A FORWARD -p tcp -j NFQUEUE --queue-num N.\n"
		"SIGTERM: accept every held packet, print the counters, exit.  SIGUSR1: write\n"
		"the counters so far (--json) and go on.\n");
}

/* xorshift64*: cheap, good enough to drop a fraction of packets */
static double rnd(struct dut *d)
{
	d->rng ^= d->rng >> 12;
	d->rng ^= d->rng << 25;
	d->rng ^= d->rng >> 27;
	return (double)((d->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* Send the batch of verdicts; a failure is kept in tx_err (the socket is lost). */
static void flush(struct dut *d)
{
	if (d->txlen && mnl_socket_sendto(d->nl, d->tx, d->txlen) < 0 && !d->tx_err)
		d->tx_err = -errno;
	d->txlen = 0;
}

static void verdict(struct dut *d, uint32_t id, bool accept)
{
	if (d->txlen + 64 > TX_BUF)
		flush(d);
	d->txlen += nfqmsg_build_verdict(d->tx + d->txlen, TX_BUF - d->txlen, (uint16_t)d->o.queue,
				      id, accept, ++d->seq);
	if (accept)
		d->st.accepted++;
}

static void on_packet(struct dut *d, uint32_t id, const uint8_t *pkt, size_t len)
{
	mono_ns now = clock_now_ns();
	struct flowkey k;

	d->st.packets++;
	if (d->o.cost_ns) {
		mono_ns end = now + d->o.cost_ns;

		while ((now = clock_now_ns()) < end)
			;
	}
	if (d->o.drop > 0 && rnd(d) < d->o.drop) {
		d->st.dropped_random++;
		verdict(d, id, false);
		return;
	}
	if (d->flows) {
		if (flow_key(pkt, len, &k) < 0) {
			d->st.unparsed++;
		} else {
			switch (flowtab_touch(d->flows, &k, now)) {
			case FT_FULL:
				d->st.dropped_table_full++;
				verdict(d, id, false);
				return;
			case FT_NEW:
				d->st.flows_created++;
				break;
			case FT_HIT:
				break;
			}
		}
	}
	if (d->o.delay_ns) {
		if (dline_push(&d->held, id, now + d->o.delay_ns) == 0) {
			if (d->held.len > d->st.held_peak)
				d->st.held_peak = d->held.len;
			return;
		}
	}
	verdict(d, id, true);
}

static void release_due(struct dut *d, mono_ns now, bool all)
{
	uint32_t id;
	mono_ns due;

	while (dline_peek(&d->held, &id, &due) && (all || due <= now)) {
		dline_pop(&d->held);
		verdict(d, id, true);
	}
}

/* One message of the queue: a packet gets its verdict (now or when due). */
static int on_message(const struct nlmsghdr *nlh, void *data)
{
	struct dut *d = data;
	const uint8_t *p;
	size_t plen;
	uint32_t id;

	if (nfqmsg_parse_packet(nlh, nlh->nlmsg_len, &id, &p, &plen) == 0)
		on_packet(d, id, p, plen);
	return 0;
}

/* A verdict the kernel refused (a packet it no longer holds): go on. */
static int on_error(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh, (void)data;
	return 0;
}

static int handle(struct dut *d, const char *buf, size_t n)
{
	struct nlw w = { .cb = on_message, .on_error = on_error, .data = d };
	int rc = nlw_walk(buf, n, &w);

	return rc < 0 ? rc : 0;
}

static void proc_stats(const struct dut *d, uint64_t *qd, uint64_t *ud)
{
	char buf[8192];
	FILE *f = fopen("/proc/net/netfilter/nfnetlink_queue", "re");
	size_t n;

	*qd = *ud = 0;
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	nfq_proc_stats(buf, (uint16_t)d->o.queue, qd, ud);
}

static void report_json(struct dut *d, bool final, uint64_t qd, uint64_t ud,
			double us, double ss)
{
	struct json j;

	json_begin(&j, d->json);
	json_str(&j, "type", "dut");
	json_bool(&j, "final", final);
	json_u64(&j, "packets", d->st.packets);
	json_u64(&j, "accepted", d->st.accepted);
	json_obj(&j, "dropped");
	json_u64(&j, "random", d->st.dropped_random);
	json_u64(&j, "table_full", d->st.dropped_table_full);
	json_obj_end(&j);
	json_obj(&j, "flows");
	json_u64(&j, "created", d->st.flows_created);
	json_u64(&j, "count", flowtab_count(d->flows));
	json_u64(&j, "peak", flowtab_peak(d->flows));
	json_obj_end(&j);
	json_obj(&j, "queue");
	json_u64(&j, "overflow", qd);
	json_u64(&j, "user_dropped", ud);
	json_u64(&j, "held_peak", d->st.held_peak);
	json_obj_end(&j);
	json_obj(&j, "cpu");
	json_num(&j, "user_s", us, 3);
	json_num(&j, "sys_s", ss, 3);
	json_obj_end(&j);
	json_obj(&j, "config");
	json_u64(&j, "queue", d->o.queue);
	json_num(&j, "delay_ms", (double)d->o.delay_ns / 1e6, 3);
	json_u64(&j, "cost_us", d->o.cost_ns / NS_PER_US);
	json_num(&j, "drop", d->o.drop, 6);
	json_u64(&j, "max_flows", d->o.max_flows);
	json_num(&j, "flow_timeout_s", (double)d->o.flow_timeout_ns / 1e9, 3);
	json_bool(&j, "fail_open", d->o.fail_open);
	json_obj_end(&j);
	json_end_line(&j);
}

/* The counters so far: a JSON line (with --json), and at the end a summary line. */
static void report(struct dut *d, bool final)
{
	struct rusage ru;
	uint64_t qd, ud;
	double us, ss;

	getrusage(RUSAGE_SELF, &ru);
	us = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	ss = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	proc_stats(d, &qd, &ud);
	if (final)
		printf("connrate-dut: packets %llu, accepted %llu, dropped %llu (random %llu, table_full %llu), "
		       "flows created %llu (peak %u), queue overflows %llu, cpu user %.2fs sys %.2fs\n",
		       (unsigned long long)d->st.packets, (unsigned long long)d->st.accepted,
		       (unsigned long long)(d->st.dropped_random + d->st.dropped_table_full),
		       (unsigned long long)d->st.dropped_random,
		       (unsigned long long)d->st.dropped_table_full,
		       (unsigned long long)d->st.flows_created, flowtab_peak(d->flows),
		       (unsigned long long)(qd + ud), us, ss);
	if (d->json)
		report_json(d, final, qd, ud, us, ss);
	fflush(stdout);
}

/* Send a config message and wait for its ACK. */
static int config(struct dut *d, size_t len)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlw w = { .seq = d->seq, .portid = mnl_socket_get_portid(d->nl) };
	ssize_t n;
	int rc;

	if (mnl_socket_sendto(d->nl, d->tx, len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(d->nl, buf, sizeof(buf));
		if (n <= 0)
			return n < 0 ? -errno : -EBADMSG;
		rc = nlw_walk(buf, (size_t)n, &w);
	} while (rc == NLW_MORE);
	return rc;
}

/* Options, --help, --version: true when main is to exit with *status. */
static bool read_options(struct dut *d, int argc, char **argv, int *status)
{
	char err[256];
	int rc = dut_opts_parse(&d->o, argc, argv, err, sizeof(err));

	*status = 0;
	if (rc < 0) {
		fprintf(stderr, "connrate-dut: %s\n", err);
		*status = 2;
	} else if (rc == OPT_HELP) {
		usage(stdout);
	} else if (rc == OPT_VERSION) {
		printf("connrate-dut %s\n", CR_VERSION);
	}
	return rc != OPT_OK || d->o.dry_run;
}

/* SIGINT, SIGTERM and SIGUSR1 come through a signalfd in the poll set. */
static int open_signals(struct dut *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	d->sfd = signalfd(-1, &set, SFD_CLOEXEC);
	return d->sfd < 0 ? -errno : 0;
}

/* Is queue q bound by a program other than us (the kernel refuses then with EPERM)? */
static bool queue_taken(const struct dut *d)
{
	char buf[8192];
	FILE *f = fopen("/proc/net/netfilter/nfnetlink_queue", "re");
	uint64_t qd, ud;
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return nfq_proc_stats(buf, (uint16_t)d->o.queue, &qd, &ud) == 0;
}

/* Open nfnetlink, bind the queue and set its parameters; 0 or -errno. */
static int bind_queue(struct dut *d)
{
	int one = 1, sz = 8 << 20, rc;

	d->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!d->nl || mnl_socket_bind(d->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "connrate-dut: cannot open nfnetlink: %s\n", strerror(errno));
		return -1;
	}
	(void)setsockopt(mnl_socket_get_fd(d->nl), SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	(void)setsockopt(mnl_socket_get_fd(d->nl), SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	rc = config(d, nfqmsg_build_bind(d->tx, TX_BUF, (uint16_t)d->o.queue, ++d->seq));
	if (!rc)
		rc = config(d, nfqmsg_build_params(d->tx, TX_BUF, (uint16_t)d->o.queue, 128,
						   (uint32_t)d->o.maxlen, d->o.fail_open, ++d->seq));
	if (!rc)
		return 0;
	if ((rc == -EPERM || rc == -EBUSY) && queue_taken(d))
		fprintf(stderr, "connrate-dut: cannot bind queue %u: another program has it\n",
			d->o.queue);
	else
		fprintf(stderr, "connrate-dut: cannot bind queue %u: %s%s\n", d->o.queue,
			strerror(-rc), rc == -EPERM ? " (needs CAP_NET_ADMIN)" : "");
	return rc;
}

/* Everything the loop needs; 0, or 1 after one line on stderr. */
static int dut_open(struct dut *d)
{
	if (d->o.json) {
		d->json = strcmp(d->o.json, "-") ? fopen(d->o.json, "a") : stdout;
		if (!d->json) {
			fprintf(stderr, "connrate-dut: --json '%s': cannot open: %s\n", d->o.json,
				strerror(errno));
			return 2;
		}
	}
	d->rx = malloc(RX_BUF);
	d->tx = malloc(TX_BUF);
	d->rng = (uint64_t)clock_now_ns() | 1;
	if (open_signals(d) || !d->rx || !d->tx || dline_init(&d->held, 4096)) {
		fprintf(stderr, "connrate-dut: out of resources\n");
		return 1;
	}
	if (d->o.max_flows) {
		d->flows = flowtab_new((uint32_t)d->o.max_flows, d->o.flow_timeout_ns);
		if (!d->flows) {
			fprintf(stderr, "connrate-dut: cannot allocate %llu flows\n",
				(unsigned long long)d->o.max_flows);
			return 1;
		}
	}
	if (bind_queue(d))
		return 1;
	fprintf(stderr, "connrate-dut: queue %u bound (delay %.1f ms, cost %llu us, drop %.4f, max flows %llu)\n",
		d->o.queue, (double)d->o.delay_ns / 1e6, (unsigned long long)(d->o.cost_ns / 1000),
		d->o.drop, (unsigned long long)d->o.max_flows);
	return 0;
}

static void dut_close(struct dut *d)
{
	if (d->nl)
		mnl_socket_close(d->nl);
	if (d->sfd >= 0)
		close(d->sfd);
	dline_free(&d->held);
	flowtab_free(d->flows);
	free(d->rx);
	free(d->tx);
	if (d->json && d->json != stdout)
		fclose(d->json);
}

/* Release what is due and send the verdicts; the poll timeout to the next due packet. */
static int release_and_wait(struct dut *d)
{
	mono_ns now = clock_now_ns(), due;
	uint32_t id;

	release_due(d, now, false);
	flush(d);
	if (!dline_peek(&d->held, &id, &due))
		return -1;
	return due > now ? (int)((due - now + NS_PER_MS - 1) / NS_PER_MS) : 0;
}

/* Read what the queue sent; 0, or -errno when the socket is lost. */
static int receive(struct dut *d, short revents)
{
	ssize_t n;

	if (revents & POLLNVAL)
		return -EBADF;
	n = recv(mnl_socket_get_fd(d->nl), d->rx, RX_BUF, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR || errno == ENOBUFS ? 0 : -errno;
	if (n == 0 && (revents & POLLHUP))
		return -EPIPE;
	(void)handle(d, d->rx, (size_t)n);
	return 0;
}

/*
 * The verdict loop, until SIGINT or SIGTERM (0) or the queue's socket is
 * lost (-errno).  SIGUSR1 writes the counters and goes on.
 */
static int serve(struct dut *d)
{
	struct pollfd pf[2] = {
		{ mnl_socket_get_fd(d->nl), POLLIN, 0 }, { d->sfd, POLLIN, 0 },
	};
	struct signalfd_siginfo si;
	int rc = 0;

	while (!rc && !d->tx_err) {
		if (poll(pf, 2, release_and_wait(d)) < 0) {
			rc = errno == EINTR ? 0 : -errno;
			continue;
		}
		if (pf[1].revents & POLLIN) {
			if (read(d->sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGUSR1) {
				report(d, false);
				continue;
			}
			break;
		}
		if (pf[0].revents)
			rc = receive(d, pf[0].revents);
	}
	if (!rc)
		rc = d->tx_err;
	if (!rc) {	/* nothing held is left without its verdict */
		release_due(d, 0, true);
		flush(d);
		rc = d->tx_err;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct dut d = { .sfd = -1 };
	int status, rc;

	if (read_options(&d, argc, argv, &status))
		return status;
	status = dut_open(&d);
	if (!status) {
		rc = serve(&d);
		report(&d, true);
		if (rc) {
			fprintf(stderr, "connrate-dut: lost the netlink socket of queue %u: %s\n",
				d.o.queue, strerror(-rc));
			status = 1;
		}
	}
	dut_close(&d);
	return status;
}
