/*
 * counters.h - the kernel's own counters, read inside a namespace.
 *
 *   snmp       /proc/net/snmp and /proc/net/netstat, named as nstat names
 *              them (TcpActiveOpens, TcpExtListenOverflows, ...)
 *   sockets    TCP sockets by state, through sock_diag (libmnl)
 *   conntrack  ctnetlink statistics, summed over CPUs (found, drop,
 *              early_drop, insert_failed, ...) plus the table's count and
 *              max (libmnl)
 *
 * Parsers take text or bytes, so tests feed them fixtures; the readers
 * open their files and sockets inside the namespace and parse.  Every
 * netlink answer, live or fixture, is walked by netns/nlwalk.h, the walk
 * the fuzzer drives.  Functions return 0 or -errno and print nothing.
 */
#ifndef CR_COUNTERS_H
#define CR_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NSTAT_MAX 640
#define NSTAT_NAME 48

struct nstat {
	unsigned n;
	struct {
		char name[NSTAT_NAME];
		int64_t v;
	} e[NSTAT_MAX];
};

/* Parse "Proto: names..." / "Proto: values..." line pairs; appends. */
int counters_parse_snmp(const char *text, struct nstat *out);
int counters_read_snmp(int nsfd, struct nstat *out);
/* b - a for every name of b. */
void counters_delta(const struct nstat *a, const struct nstat *b, struct nstat *d);
/* The value of name, 0 when absent. */
int64_t nstat_get(const struct nstat *s, const char *name);

#define TCP_STATES 13	/* 1..12, as in the kernel's TCP_ESTABLISHED.. */

struct sockstates {
	uint64_t state[TCP_STATES];
};

const char *counters_tcp_state_name(unsigned st);
int counters_read_sockets(int nsfd, struct sockstates *out);
/* Count the sockets a sock_diag dump answer in buf describes, into acc. */
int counters_parse_diag(const void *buf, size_t len, struct sockstates *acc);
/* Build the sock_diag dump request for one family into buf; its length. */
size_t counters_build_diag_req(void *buf, size_t len, int family, uint32_t seq);

struct ctstats {
	bool present;		/* conntrack answered */
	uint64_t found, invalid, insert, insert_failed, drop, early_drop,
		 error, search_restart;
	uint64_t count, max;
};

int counters_read_conntrack(int nsfd, struct ctstats *out);
/* Build IPCTNL_MSG_CT_GET_STATS_CPU (dump) or _GET_STATS; its length. */
size_t counters_build_ct_req(void *buf, size_t len, bool per_cpu, uint32_t seq);
/* Add what the messages in buf say (per-CPU or global stats) into acc. */
int counters_parse_ct(const void *buf, size_t len, struct ctstats *acc);
/*
 * Dump the conntrack table of namespace nsfd, entries discarded: a dump
 * also removes the entries that have expired, which the kernel otherwise
 * reaps slowly while they still count against nf_conntrack_max.  *live
 * gets the entries still alive.  0 or -errno.
 */
int counters_ct_sweep(int nsfd, uint64_t *live);
void counters_ct_delta(const struct ctstats *a, const struct ctstats *b,
		       struct ctstats *d);

#endif
