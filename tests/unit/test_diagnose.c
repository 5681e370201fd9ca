/* Unit tests: harness/diagnose.c - counters to sentences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "diagnose.h"

static struct nstat *ns_of(const char *text)
{
	struct nstat *s = calloc(1, sizeof(*s));

	assert_int_equal(counters_parse_snmp(text, s), 0);
	return s;
}

static bool has(const struct diagnosis *d, const char *needle)
{
	unsigned i;

	for (i = 0; i < d->n; i++)
		if (strstr(d->line[i], needle))
			return true;
	return false;
}

static void test_clean_round(void **state)
{
	struct diag_input in = { .started = 1000, .ok = 1000, .lag_p99_us = 50 };
	struct diagnosis d;

	(void)state;
	diagnose(&in, &d);
	assert_int_equal(d.n, 0);
}

static void test_listen_overflows(void **state)
{
	struct nstat *srv = ns_of("TcpExt: ListenOverflows ListenDrops\nTcpExt: 1234 1300\n");
	struct diag_input in = { .started = 1000, .ok = 900, .timeout = 100, .server = srv };
	struct diagnosis d;

	(void)state;
	diagnose(&in, &d);
	assert_true(has(&d, "server TcpExtListenOverflows +1234: the accept queue overflowed; raise net.core.somaxconn and --backlog"));
	/* explained: no "nothing to blame" line, and drops are not named twice */
	assert_false(has(&d, "no kernel counter to blame"));
	assert_false(has(&d, "TcpExtListenDrops"));
	free(srv);
}

static void test_ports_and_conntrack(void **state)
{
	struct ctstats ct = { .present = true, .drop = 97, .count = 4096, .max = 4096 };
	struct diag_input in = { .started = 1000, .ok = 100, .addr_not_avail = 812, .ct = &ct };
	struct diagnosis d;

	(void)state;
	diagnose(&in, &d);
	assert_true(has(&d, "client addr_not_avail 812: out of source ports; widen net.ipv4.ip_local_port_range"));
	assert_true(has(&d, "dut conntrack drop +97"));
	assert_true(has(&d, "(4096 of 4096 entries)"));
}

static void test_unexplained_timeouts_and_lag(void **state)
{
	struct nstat *cli = ns_of("TcpExt: TCPSynRetrans\nTcpExt: 40\n");
	struct diag_input in = { .started = 1000, .ok = 960, .timeout = 40, .client = cli,
				 .connect_p99_us = 1003000, .lag_p99_us = 5500 };
	struct diagnosis d;

	(void)state;
	diagnose(&in, &d);
	assert_true(has(&d, "TcpExtTCPSynRetrans +40"));
	assert_true(has(&d, "connect p99 1003.0 ms"));
	assert_true(has(&d, "no kernel counter to blame"));
	assert_true(has(&d, "client lag p99 5.5 ms"));
	free(cli);
}

static void test_ports_full(void **state)
{
	struct diag_input in = { .started = 15000, .ok = 12000, .timeout = 2800, .addr_not_avail = 200,
				 .lag_p99_us = 4000000, .client_time_wait = 27000, .client_ports = 28232 };
	struct diagnosis d;

	(void)state;
	diagnose(&in, &d);
	assert_true(has(&d, "client has 27000 sockets in TIME_WAIT for 28232 source ports: past half the range, connect() searches"));
	assert_true(has(&d, "then fails with addr_not_avail"));
	/* the longest line, whole: the cure at its end is what matters */
	assert_true(has(&d, "add --source addresses or use --close rst"));
	/* the port search explains the lag, the timeouts and addr_not_avail */
	assert_false(has(&d, "client lag p99"));
	assert_false(has(&d, "no kernel counter to blame"));
	assert_false(has(&d, "client addr_not_avail 200"));
	in.client_time_wait = 1000;	/* far from full: the plain lines come back */
	diagnose(&in, &d);
	assert_false(has(&d, "TIME_WAIT"));
	assert_true(has(&d, "client lag p99 4000.0 ms"));
}

/*
 * Past half the range, with the client behind: the search is the cause (the
 * demo's default profile at 5,000/s: 21,000 of 28,232, lag p99 4.7 s, and
 * timeouts that the device had no part in).
 */
static void test_ports_half(void **state)
{
	struct diag_input in = { .started = 15000, .ok = 10788, .timeout = 4212,
				 .lag_p99_us = 4714400, .client_time_wait = 21000, .client_ports = 28232 };
	struct diagnosis d;

	(void)state;
	diagnose(&in, &d);
	assert_true(has(&d, "client has 21000 sockets in TIME_WAIT for 28232 source ports: past half the range"));
	assert_false(has(&d, "addr_not_avail"));
	assert_false(has(&d, "no kernel counter to blame"));
	assert_false(has(&d, "client lag p99"));
	/* the same ports taken, the client on time: nothing to say of them */
	in.lag_p99_us = 40;
	in.timeout = 0;
	in.ok = 15000;
	diagnose(&in, &d);
	assert_int_equal(d.n, 0);
	/* under half, behind: not the search */
	in.client_time_wait = 14000;
	in.lag_p99_us = 4714400;
	diagnose(&in, &d);
	assert_false(has(&d, "TIME_WAIT"));
	assert_true(has(&d, "client lag p99 4714.4 ms"));
}

static void test_sim(void **state)
{
	struct diag_input in = { .started = 1000, .ok = 700, .timeout = 300, .sim = true,
				 .sim_table_full = 1234, .sim_dropped = 1234 };
	struct diagnosis d;

	(void)state;
	diagnose(&in, &d);
	assert_true(has(&d, "dut flow table full: 1234 new flows dropped"));
	assert_false(has(&d, "connrate-dut --drop"));
}

static void test_snmp_parse(void **state)
{
	static const char text[] =
		"Ip: Forwarding DefaultTTL InReceives\n"
		"Ip: 2 64 100\n"
		"Tcp: RtoAlgorithm MaxConn ActiveOpens\n"
		"Tcp: 1 -1 42\n"
		"TcpExt: SyncookiesSent ListenOverflows\n"
		"TcpExt: 0 7\n";
	struct nstat *a = ns_of(text), *b, *dl = calloc(1, sizeof(*dl));

	(void)state;
	assert_int_equal(nstat_get(a, "TcpActiveOpens"), 42);
	assert_int_equal(nstat_get(a, "TcpMaxConn"), -1);
	assert_int_equal(nstat_get(a, "TcpExtListenOverflows"), 7);
	assert_int_equal(nstat_get(a, "IpInReceives"), 100);
	assert_int_equal(nstat_get(a, "NoSuch"), 0);
	b = ns_of("Tcp: ActiveOpens\nTcp: 1042\nTcpExt: ListenOverflows\nTcpExt: 10\n");
	counters_delta(a, b, dl);
	assert_int_equal(nstat_get(dl, "TcpActiveOpens"), 1000);
	assert_int_equal(nstat_get(dl, "TcpExtListenOverflows"), 3);
	free(a);
	free(b);
	free(dl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_round),
		cmocka_unit_test(test_listen_overflows),
		cmocka_unit_test(test_ports_and_conntrack),
		cmocka_unit_test(test_unexplained_timeouts_and_lag),
		cmocka_unit_test(test_ports_full),
		cmocka_unit_test(test_ports_half),
		cmocka_unit_test(test_sim),
		cmocka_unit_test(test_snmp_parse),
	};

	return cmocka_run_group_tests_name("diagnose", tests, NULL, NULL);
}
