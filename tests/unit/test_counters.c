/* Unit tests: harness/counters.c - netlink requests and replies as bytes. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include "counters.h"

static void test_ct_request_bytes(void **state)
{
	unsigned char buf[64];
	size_t n = counters_build_ct_req(buf, sizeof(buf), true, 7);
	const struct nlmsghdr *h = (const void *)buf;
	const struct nfgenmsg *g = (const void *)(buf + 16);

	(void)state;
	assert_int_equal(n, 20);			/* header + nfgenmsg */
	assert_int_equal(h->nlmsg_len, 20);
	assert_int_equal(h->nlmsg_type, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS_CPU);
	assert_int_equal(h->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(h->nlmsg_seq, 7);
	assert_int_equal(g->nfgen_family, AF_UNSPEC);
	assert_int_equal(g->version, NFNETLINK_V0);
	n = counters_build_ct_req(buf, sizeof(buf), false, 8);
	assert_int_equal(h->nlmsg_type & 0xff, IPCTNL_MSG_CT_GET_STATS);
	assert_int_equal(h->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(counters_build_ct_req(buf, 8, true, 1), 0);	/* too small */
}

static void test_diag_request_bytes(void **state)
{
	unsigned char buf[128];
	size_t n = counters_build_diag_req(buf, sizeof(buf), AF_INET6, 3);
	const struct nlmsghdr *h = (const void *)buf;
	const struct inet_diag_req_v2 *r = (const void *)(buf + 16);

	(void)state;
	assert_int_equal(n, 16 + sizeof(*r));
	assert_int_equal(h->nlmsg_type, SOCK_DIAG_BY_FAMILY);
	assert_int_equal(r->sdiag_family, AF_INET6);
	assert_int_equal(r->sdiag_protocol, IPPROTO_TCP);
	assert_int_equal(r->idiag_states, 0xffffffffu);
}

/* One per-CPU stats message as the kernel sends it. */
static size_t put_cpu(unsigned char *buf, uint32_t found, uint32_t drop, uint32_t early)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;

	h->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS_CPU;
	h->nlmsg_flags = NLM_F_MULTI;
	g = mnl_nlmsg_put_extra_header(h, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	mnl_attr_put_u32(h, CTA_STATS_FOUND, htonl(found));
	mnl_attr_put_u32(h, CTA_STATS_DROP, htonl(drop));
	mnl_attr_put_u32(h, CTA_STATS_EARLY_DROP, htonl(early));
	mnl_attr_put_u32(h, CTA_STATS_INSERT_FAILED, htonl(1));
	mnl_attr_put_u64(h, 99, 5);	/* an attribute of a newer kernel: skipped */
	return h->nlmsg_len;
}

static void test_ct_parse(void **state)
{
	unsigned char buf[1024];
	size_t n = 0;
	struct ctstats s = { 0 };
	struct nlmsghdr *h;

	(void)state;
	n += put_cpu(buf, 10, 2, 0);
	n += put_cpu(buf + n, 5, 1, 3);
	h = mnl_nlmsg_put_header(buf + n);	/* the global message */
	h->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS;
	mnl_nlmsg_put_extra_header(h, sizeof(struct nfgenmsg));
	mnl_attr_put_u32(h, CTA_STATS_GLOBAL_ENTRIES, htonl(4000));
	mnl_attr_put_u32(h, CTA_STATS_GLOBAL_MAX_ENTRIES, htonl(4096));
	n += h->nlmsg_len;
	assert_int_equal(counters_parse_ct(buf, n, &s), 0);
	assert_true(s.present);
	assert_int_equal(s.found, 15);
	assert_int_equal(s.drop, 3);
	assert_int_equal(s.early_drop, 3);
	assert_int_equal(s.insert_failed, 2);
	assert_int_equal(s.count, 4000);
	assert_int_equal(s.max, 4096);
	/* a truncated message is refused, not read past its end */
	memset(&s, 0, sizeof(s));
	assert_int_equal(counters_parse_ct(buf, 10, &s), -EBADMSG);
}

/* Found by fuzz_netlink: a length of 2^31 or more once read past the end. */
static void test_ct_hostile_length(void **state)
{
	static const unsigned char crash[] = {
		0x2c, 0x00, 0xfb, 0xff, 0x04, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0xf4, 0x00, 0x02, 0xf6, 0xff, 0xff, 0xff, 0x0a, 0x00, 0x00, 0x00,
		0x00, 0x02, 0xd8, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
		0x00, 0x00, 0x01, 0x24, 0x00, 0x00, 0x00, 0x05, 0x01, 0x02, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0xa0, 0x08, 0x00, 0x02,
		0x00, 0x00, 0x00, 0x2c, 0x00,
	};
	struct ctstats s = { 0 };
	unsigned char *copy = malloc(sizeof(crash));

	(void)state;
	memcpy(copy, crash, sizeof(crash));
	assert_int_equal(counters_parse_ct(copy, sizeof(crash), &s), -EBADMSG);
	assert_false(s.present);
	free(copy);
}

static void test_diag_parse(void **state)
{
	unsigned char buf[512];
	size_t n = 0;
	struct sockstates s = { 0 };
	int i;
	static const uint8_t states[] = { 6, 6, 1, 10 };	/* TIME_WAIT x2, ESTABLISHED, LISTEN */

	(void)state;
	for (i = 0; i < 4; i++) {
		struct nlmsghdr *h = mnl_nlmsg_put_header(buf + n);
		struct inet_diag_msg *m = mnl_nlmsg_put_extra_header(h, sizeof(*m));

		h->nlmsg_type = SOCK_DIAG_BY_FAMILY;
		m->idiag_family = AF_INET;
		m->idiag_state = states[i];
		n += h->nlmsg_len;
	}
	assert_int_equal(counters_parse_diag(buf, n, &s), 0);
	assert_int_equal(s.state[6], 2);
	assert_int_equal(s.state[1], 1);
	assert_int_equal(s.state[10], 1);
	assert_int_equal(counters_parse_diag(buf, n - 3, &s), -EBADMSG);	/* torn */
	/* an error message in the answer makes it invalid, with its error */
	{
		struct nlmsghdr *h = mnl_nlmsg_put_header(buf + n);
		struct nlmsgerr *e = mnl_nlmsg_put_extra_header(h, sizeof(*e));

		h->nlmsg_type = NLMSG_ERROR;
		e->error = -EPERM;
		assert_int_equal(counters_parse_diag(buf, n + h->nlmsg_len, &s), -EPERM);
	}
}

static void test_ct_delta(void **state)
{
	struct ctstats a = { .found = 10, .drop = 1, .count = 5, .max = 9 };
	struct ctstats b = { .found = 25, .drop = 4, .count = 7, .max = 9 }, d;

	(void)state;
	counters_ct_delta(&a, &b, &d);
	assert_int_equal(d.found, 15);
	assert_int_equal(d.drop, 3);
	assert_int_equal(d.count, 7);	/* a level, not a delta */
	assert_string_equal(counters_tcp_state_name(6), "TIME_WAIT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ct_request_bytes),
		cmocka_unit_test(test_diag_request_bytes),
		cmocka_unit_test(test_ct_parse),
		cmocka_unit_test(test_ct_hostile_length),
		cmocka_unit_test(test_diag_parse),
		cmocka_unit_test(test_ct_delta),
	};

	return cmocka_run_group_tests_name("counters", tests, NULL, NULL);
}
