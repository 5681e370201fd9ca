/*
 * diagnose.c - from counters to sentences (see diagnose.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "diagnose.h"

static void say(struct diagnosis *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(struct diagnosis *d, const char *fmt, ...)
{
	va_list ap;

	if (d->n == DIAG_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(d->line[d->n++], DIAG_LEN, fmt, ap);
	va_end(ap);
}

static long long get(const struct nstat *s, const char *name)
{
	return s ? (long long)nstat_get(s, name) : 0;
}

/*
 * TIME_WAIT filling the port range.  connect() tries the ports of one
 * parity first: once half the range is taken, each connect() walks
 * through ports in use before it finds a free one (2-4 ms a call), and
 * a client that falls behind then is paying for that walk.  Near full,
 * it also runs out.
 */
static bool ports_full(const struct diag_input *in)
{
	return in->client_ports &&
	       (in->client_time_wait * 10 >= in->client_ports * 8 ||
		(in->client_time_wait * 2 >= in->client_ports && in->lag_p99_us > 1000.0));
}

static bool diag_ports(const struct diag_input *in, struct diagnosis *d)
{
	if (!ports_full(in))
		return false;
	say(d, "client has %llu sockets in TIME_WAIT for %llu source ports: past half the range, connect() searches through ports in use for a free one (the client's lag, CPU taken from all on the host)%s; widen net.ipv4.ip_local_port_range, set net.ipv4.tcp_tw_reuse = 1, add --source addresses or use --close rst",
	    (unsigned long long)in->client_time_wait, (unsigned long long)in->client_ports,
	    in->addr_not_avail ? ", then fails with addr_not_avail" : "");
	return true;
}

static bool diag_listener(const struct diag_input *in, struct diagnosis *d)
{
	long long v;
	bool explained = false;

	if ((v = get(in->server, "TcpExtListenOverflows")) > 0) {
		say(d, "server TcpExtListenOverflows +%lld: the accept queue overflowed; raise net.core.somaxconn and --backlog",
		    v);
		explained = true;
	}
	if ((v = get(in->server, "TcpExtTCPReqQFullDrop")) > 0) {
		say(d, "server TcpExtTCPReqQFullDrop +%lld: the SYN queue was full and SYN cookies were off; raise net.ipv4.tcp_max_syn_backlog or turn on tcp_syncookies",
		    v);
		explained = true;
	} else if ((v = get(in->server, "TcpExtListenDrops")) > 0 &&
		   get(in->server, "TcpExtListenOverflows") == 0) {
		say(d, "server TcpExtListenDrops +%lld: SYNs dropped at the listener; raise net.ipv4.tcp_max_syn_backlog", v);
		explained = true;
	}
	if ((v = get(in->server, "TcpExtTCPReqQFullDoCookies")) > 0)
		say(d, "server TcpExtTCPReqQFullDoCookies +%lld: the SYN queue was full and SYN cookies answered; raise net.ipv4.tcp_max_syn_backlog",
		    v);
	return explained;
}

static bool diag_limits(const struct diag_input *in, struct diagnosis *d)
{
	long long v;
	bool explained = false;

	if (in->addr_not_avail && !ports_full(in)) {
		say(d, "client addr_not_avail %llu: out of source ports; widen net.ipv4.ip_local_port_range, add --source addresses or use --close rst",
		    (unsigned long long)in->addr_not_avail);
		explained = true;
	}
	if (in->fd_limit) {
		say(d, "client fd_limit %llu: out of file descriptors; raise ulimit -n or lower --max-inflight",
		    (unsigned long long)in->fd_limit);
		explained = true;
	}
	if ((v = get(in->client, "TcpExtTCPTimeWaitOverflow")) > 0)
		say(d, "client TcpExtTCPTimeWaitOverflow +%lld: more TIME_WAIT sockets than net.ipv4.tcp_max_tw_buckets; they were destroyed early",
		    v);
	return explained;
}

static bool diag_device(const struct diag_input *in, struct diagnosis *d)
{
	bool explained = false;

	if (in->ct && (in->ct->drop || in->ct->early_drop || in->ct->insert_failed)) {
		say(d, "dut conntrack drop +%llu, early_drop +%llu, insert_failed +%llu: the connection table was full (%llu of %llu entries); raise net.netfilter.nf_conntrack_max or shorten its timeouts",
		    (unsigned long long)in->ct->drop, (unsigned long long)in->ct->early_drop,
		    (unsigned long long)in->ct->insert_failed, (unsigned long long)in->ct->count,
		    (unsigned long long)in->ct->max);
		explained = true;
	}
	if (in->sim && in->sim_table_full) {
		say(d, "dut flow table full: %llu new flows dropped (connrate-dut --max-flows)",
		    (unsigned long long)in->sim_table_full);
		explained = true;
	}
	if (in->sim && in->sim_queue_overflow) {
		say(d, "dut queue overflow: %llu packets dropped before inspection (the device could not keep up)",
		    (unsigned long long)in->sim_queue_overflow);
		explained = true;
	}
	if (in->sim && in->sim_dropped > in->sim_table_full)
		say(d, "dut dropped %llu packets (connrate-dut --drop)",
		    (unsigned long long)(in->sim_dropped - in->sim_table_full));
	return explained;
}

/* Symptoms on the way: retransmitted SYNs, refusals, resets midway. */
static void diag_path(const struct diag_input *in, struct diagnosis *d)
{
	long long v;

	if ((v = get(in->client, "TcpExtTCPSynRetrans")) > 0)
		say(d, "client TcpExtTCPSynRetrans +%lld: SYNs went unanswered and were sent again (connect p99 %.1f ms); something on the way dropped them",
		    v, in->connect_p99_us / 1000.0);
	if (in->refused)
		say(d, "client refused %llu: the server (or a firewall's reject rule) answered SYNs with RST; is it listening on every target?",
		    (unsigned long long)in->refused);
	if ((v = get(in->server, "TcpEstabResets")) > 0 && in->reset)
		say(d, "server TcpEstabResets +%lld with client reset %llu: connections were reset midway",
		    v, (unsigned long long)in->reset);
}

void diagnose(const struct diag_input *in, struct diagnosis *d)
{
	bool explained;

	d->n = 0;
	explained = in->died != NULL;
	if (in->died)
		say(d, "%s during this round: what failed after that is its absence, not the load; see its log in the results directory",
		    in->died);
	explained |= diag_ports(in, d);
	explained |= diag_listener(in, d);
	explained |= diag_limits(in, d);
	explained |= diag_device(in, d);
	diag_path(in, d);
	if ((in->timeout || in->syn_timeout) && !explained)
		say(d, "client timeout %llu, syn_timeout %llu with no kernel counter to blame: packets were lost or held on the way (look at the device)",
		    (unsigned long long)in->timeout, (unsigned long long)in->syn_timeout);
	if (in->lag_p99_us > 1000.0 && !ports_full(in))
		say(d, "client lag p99 %.1f ms: the client fell behind its own schedule; figures at this rate measure the client too (add --threads or client machines)",
		    in->lag_p99_us / 1000.0);
}
