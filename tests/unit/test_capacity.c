/* Unit tests: capacity.c and addrs.c - the client's extra addresses, the explained capacity. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "addrs.h"
#include "capacity.h"

static const char dut_topo[] =
	"node client\n"
	"node dut forward stateful\n"
	"node server\n"
	"link client:eth0 10.71.1.1/24 fd71:1::1/64  dut:c0 10.71.1.254/24 fd71:1::fe/64\n"
	"link dut:s0 10.71.2.254/24 fd71:2::fe/64   server:eth0 10.71.2.1/24 fd71:2::1/64\n"
	"route client default via 10.71.1.254\n"
	"route server default via 10.71.2.254\n";

static const char pair_topo[] =
	"node client\n"
	"node server\n"
	"link client:eth0 10.71.0.1/24  server:eth0 10.71.0.2/24\n";

static void test_nth(void **state)
{
	struct topo_prefix p = { .family = AF_INET, .addr = { 10, 71, 1, 250 }, .len = 24 }, q;

	(void)state;
	assert_int_equal(addrs_nth(&p, 0, &q), 0);
	assert_string_equal(q.text, "10.71.1.250/24");
	assert_int_equal(addrs_nth(&p, 4, &q), 0);
	assert_string_equal(q.text, "10.71.1.254/24");
	assert_int_equal(addrs_nth(&p, 5, &q), -ERANGE);	/* the broadcast address */
	assert_int_equal(addrs_nth(&p, 6, &q), -ERANGE);	/* out of the subnet */
	p.len = 16;
	assert_int_equal(addrs_nth(&p, 6, &q), 0);	/* carries into the third byte */
	assert_string_equal(q.text, "10.71.2.0/16");
	memset(&p, 0, sizeof(p));
	p.family = AF_INET6;
	p.addr[0] = 0xfd;
	p.addr[1] = 0x71;
	p.addr[15] = 0xff;
	p.len = 64;
	assert_int_equal(addrs_nth(&p, 1, &q), 0);
	assert_string_equal(q.text, "fd71::100/64");
	p.len = 120;
	assert_int_equal(addrs_nth(&p, 1, &q), -ERANGE);
}

static void test_sources(void **state)
{
	static struct topo t;
	struct capacity_src s;
	char err[256];

	(void)state;
	assert_int_equal(topo_parse(dut_topo, "dut.topo", &t, err, sizeof(err)), 0);
	assert_int_equal(capacity_sources(&t, 0, AF_INET, 4, &s, err, sizeof(err)), 0);
	assert_string_equal(s.range, "10.71.1.1-10.71.1.4");
	assert_string_equal(s.ifname, "eth0");
	assert_int_equal(s.extra, 3);
	assert_int_equal(capacity_sources(&t, 0, AF_INET6, 2, &s, err, sizeof(err)), 0);
	assert_string_equal(s.range, "fd71:1::1-fd71:1::2");
	assert_int_equal(capacity_sources(&t, 0, AF_INET, 1, &s, err, sizeof(err)), 0);
	assert_string_equal(s.range, "10.71.1.1-10.71.1.1");
	assert_int_equal(s.extra, 0);
	/* the 254th address is the dut's: no room */
	assert_int_equal(capacity_sources(&t, 0, AF_INET, 254, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no 254 free addresses in a row in the subnet of 10.71.1.1/24"));
	/* the server's address follows the client's: the block starts after it */
	assert_int_equal(topo_parse(pair_topo, "pair.topo", &t, err, sizeof(err)), 0);
	assert_int_equal(capacity_sources(&t, 0, AF_INET, 4, &s, err, sizeof(err)), 0);
	assert_string_equal(s.range, "10.71.0.3-10.71.0.6");
	assert_string_equal(s.base.text, "10.71.0.2/24");
	assert_int_equal(s.extra, 4);
	assert_int_equal(capacity_sources(&t, 0, AF_INET, 1, &s, err, sizeof(err)), 0);
	assert_string_equal(s.range, "10.71.0.1-10.71.0.1");
	assert_int_equal(s.extra, 0);
	/* a node without links */
	assert_int_equal(capacity_sources(&t, 5, AF_INET, 2, &s, err, sizeof(err)), -1);
}

static void test_caplog(void **state)
{
	static struct caplog l;
	static struct diagnosis dg;
	json_object *cap = json_object_new_object();

	(void)state;
	memset(&l, 0, sizeof(l));
	dg.n = 2;
	strcpy(dg.line[0], "client TcpExtTCPSynRetrans +3: ...");
	strcpy(dg.line[1], "dut conntrack drop +21: the connection table was full (4096 of 4096 entries)");
	caplog_note(&l, 4000, 4000, &dg);	/* held: nothing to explain */
	assert_int_equal(l.n, 0);
	caplog_note(&l, 8000, 4096, &dg);
	caplog_note(&l, 4116, 4096, &dg);
	assert_int_equal(l.n, 2);
	json_object_object_add(cap, "failed_at", json_object_new_int64(4116));
	/* the device's line, not the first */
	assert_non_null(caplog_explain(&l, cap));
	assert_string_equal(json_object_get_string(json_object_object_get(cap, "explained_by")),
			    dg.line[1]);
	json_object_object_add(cap, "failed_at", json_object_new_int64(5000));
	assert_null(caplog_explain(&l, cap));
	json_object_put(cap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nth),
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_caplog),
	};

	return cmocka_run_group_tests_name("capacity", tests, NULL, NULL);
}
