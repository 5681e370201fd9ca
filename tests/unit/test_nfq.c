/* Unit tests: harness/nfq.c - delay line, flow table, packets, messages. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "nfq.h"

static void test_delay_line(void **state)
{
	struct dline d;
	uint32_t id, i;
	mono_ns due;

	(void)state;
	assert_int_equal(dline_init(&d, 2), 0);
	assert_false(dline_peek(&d, &id, &due));
	for (i = 0; i < 1000; i++)	/* grows past its first size, wrapped */
		assert_int_equal(dline_push(&d, 100 + i, 5000 + i * 10), 0);
	for (i = 0; i < 500; i++) {
		assert_true(dline_peek(&d, &id, &due));
		assert_int_equal(id, 100 + i);
		assert_int_equal(due, 5000 + i * 10);
		dline_pop(&d);
	}
	for (i = 1000; i < 1300; i++)
		assert_int_equal(dline_push(&d, 100 + i, 5000 + i * 10), 0);
	for (i = 500; i < 1300; i++) {	/* still in arrival order */
		assert_true(dline_peek(&d, &id, &due));
		assert_int_equal(id, 100 + i);
		dline_pop(&d);
	}
	assert_false(dline_peek(&d, &id, &due));
	dline_free(&d);
}

/* An IPv4 TCP packet from a:pa to b:pb. */
static size_t pkt4(uint8_t *p, uint32_t a, uint16_t pa, uint32_t b, uint16_t pb)
{
	memset(p, 0, 40);
	p[0] = 0x45;
	p[9] = 6;
	a = htonl(a);
	b = htonl(b);
	memcpy(p + 12, &a, 4);
	memcpy(p + 16, &b, 4);
	p[20] = (uint8_t)(pa >> 8);
	p[21] = (uint8_t)pa;
	p[22] = (uint8_t)(pb >> 8);
	p[23] = (uint8_t)pb;
	return 40;
}

static void test_flow_key(void **state)
{
	uint8_t p[64];
	struct flowkey k1, k2, k3;

	(void)state;
	assert_int_equal(flow_key(p, pkt4(p, 0x0a470101, 40000, 0x0a470201, 7171), &k1), 0);
	assert_int_equal(flow_key(p, pkt4(p, 0x0a470201, 7171, 0x0a470101, 40000), &k2), 0);
	assert_memory_equal(&k1, &k2, sizeof(k1));	/* both directions, one flow */
	assert_int_equal(flow_key(p, pkt4(p, 0x0a470101, 40001, 0x0a470201, 7171), &k3), 0);
	assert_memory_not_equal(&k1, &k3, sizeof(k1));
	assert_int_equal(k1.family, 4);
	assert_int_equal(k1.proto, 6);
	assert_int_equal(flow_key(p, 10, &k1), -1);	/* truncated */
	p[0] = 0x75;
	assert_int_equal(flow_key(p, 40, &k1), -1);	/* not IP */
	memset(p, 0, sizeof(p));
	p[0] = 0x60;
	p[6] = 6;
	assert_int_equal(flow_key(p, 60, &k1), 0);
	assert_int_equal(k1.family, 6);
}

static void test_flow_table(void **state)
{
	struct flowtab *t = flowtab_new(3, 1000);
	struct flowkey k[5];
	uint8_t p[64];
	int i;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < 5; i++)
		flow_key(p, pkt4(p, 0x0a000001, (uint16_t)(1000 + i), 0x0a000002, 80), &k[i]);
	assert_int_equal(flowtab_touch(t, &k[0], 0), FT_NEW);
	assert_int_equal(flowtab_touch(t, &k[1], 100), FT_NEW);
	assert_int_equal(flowtab_touch(t, &k[0], 200), FT_HIT);
	assert_int_equal(flowtab_touch(t, &k[2], 300), FT_NEW);
	assert_int_equal(flowtab_count(t), 3);
	assert_int_equal(flowtab_touch(t, &k[3], 400), FT_FULL);	/* table full */
	assert_int_equal(flowtab_count(t), 3);
	/* k[1] (last seen at 100) expires first at 1100; k[0] was seen at 200 */
	assert_int_equal(flowtab_touch(t, &k[3], 1100), FT_NEW);
	assert_int_equal(flowtab_touch(t, &k[1], 1100), FT_FULL);
	assert_int_equal(flowtab_touch(t, &k[0], 1150), FT_HIT);
	flowtab_expire(t, 5000);
	assert_int_equal(flowtab_count(t), 0);
	assert_int_equal(flowtab_peak(t), 3);
	assert_int_equal(flowtab_touch(t, &k[4], 5000), FT_NEW);
	flowtab_free(t);
	assert_null(flowtab_new(0, 1000));
}

static void test_messages(void **state)
{
	unsigned char buf[256];
	const struct nlmsghdr *h = (const void *)buf;
	const struct nfgenmsg *g = (const void *)(buf + 16);
	const struct nlattr *a = (const void *)(buf + 20);
	const struct nfqnl_msg_verdict_hdr *v = (const void *)(buf + 24);
	size_t n;

	(void)state;
	n = nfq_build_verdict(buf, sizeof(buf), 3, 0x01020304, true, 9);
	assert_int_equal(n, 16 + 4 + 4 + 8);
	assert_int_equal(h->nlmsg_type, (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_VERDICT);
	assert_int_equal(h->nlmsg_flags, NLM_F_REQUEST);
	assert_int_equal(ntohs(g->res_id), 3);
	assert_int_equal(a->nla_type, NFQA_VERDICT_HDR);
	assert_int_equal(a->nla_len, 12);
	assert_int_equal(ntohl(v->verdict), NF_ACCEPT);
	assert_int_equal(ntohl(v->id), 0x01020304);
	nfq_build_verdict(buf, sizeof(buf), 3, 7, false, 10);
	assert_int_equal(ntohl(v->verdict), NF_DROP);
	n = nfq_build_bind(buf, sizeof(buf), 5, 1);
	assert_int_equal(h->nlmsg_type, (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_CONFIG);
	assert_int_equal(h->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(a->nla_type, NFQA_CFG_CMD);
	assert_int_equal(((const struct nfqnl_msg_config_cmd *)(buf + 24))->command, NFQNL_CFG_CMD_BIND);
	assert_int_equal(n, h->nlmsg_len);
	assert_int_equal(nfq_build_verdict(buf, 10, 0, 1, true, 1), 0);
}

static void test_parse_packet(void **state)
{
	unsigned char buf[256];
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct nfqnl_msg_packet_hdr ph = { .packet_id = htonl(42) };
	uint8_t pkt[40];
	const uint8_t *pl;
	size_t plen;
	uint32_t id;

	(void)state;
	h->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET;
	mnl_nlmsg_put_extra_header(h, sizeof(struct nfgenmsg));
	mnl_attr_put(h, NFQA_PACKET_HDR, sizeof(ph), &ph);
	pkt4(pkt, 1, 2, 3, 4);
	mnl_attr_put(h, NFQA_PAYLOAD, sizeof(pkt), pkt);
	assert_int_equal(nfq_parse_packet(h, h->nlmsg_len, &id, &pl, &plen), 0);
	assert_int_equal(id, 42);
	assert_int_equal(plen, 40);
	assert_memory_equal(pl, pkt, 40);
	h->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_VERDICT;
	assert_int_equal(nfq_parse_packet(h, h->nlmsg_len, &id, &pl, &plen), -1);
}

/* Found by fuzz_netlink: a length not a multiple of 4 let an attribute end past the input. */
static void test_parse_packet_unaligned(void **state)
{
	static const unsigned char crash[] = {
		0x2e, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x0b, 0x00, 0x01, 0x00,
		0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x08, 0x00, 0x0a, 0x00,
		0x00, 0x00, 0xff, 0xff, 0x08, 0x00, 0x0a, 0x00, 0x00, 0x00,
	};
	unsigned char *copy = malloc(sizeof(crash));
	const uint8_t *pl = NULL;
	size_t plen = 0;
	uint32_t id;

	(void)state;
	memcpy(copy, crash, sizeof(crash));
	if (nfq_parse_packet(copy, sizeof(crash), &id, &pl, &plen) == 0)
		assert_true(pl + plen <= copy + sizeof(crash));
	free(copy);
}

static void test_proc_stats(void **state)
{
	static const char text[] =
		"    0  12345     0 2   128  17     3     9999  1\n"
		"    3  12346     0 2   128  5      0     12  1\n";
	uint64_t qd, ud;

	(void)state;
	assert_int_equal(nfq_proc_stats(text, 3, &qd, &ud), 0);
	assert_int_equal(qd, 5);
	assert_int_equal(ud, 0);
	assert_int_equal(nfq_proc_stats(text, 0, &qd, &ud), 0);
	assert_int_equal(qd, 17);
	assert_int_equal(ud, 3);
	assert_int_equal(nfq_proc_stats(text, 7, &qd, &ud), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delay_line),
		cmocka_unit_test(test_flow_key),
		cmocka_unit_test(test_flow_table),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_parse_packet),
		cmocka_unit_test(test_parse_packet_unaligned),
		cmocka_unit_test(test_proc_stats),
	};

	return cmocka_run_group_tests_name("nfq", tests, NULL, NULL);
}
