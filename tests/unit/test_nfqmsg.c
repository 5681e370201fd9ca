/* Unit tests: dut/nfqmsg.c - nfnetlink_queue messages as bytes. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "flow.h"
#include "nfqmsg.h"

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

static void test_messages(void **state)
{
	unsigned char buf[256];
	const struct nlmsghdr *h = (const void *)buf;
	const struct nfgenmsg *g = (const void *)(buf + 16);
	const struct nlattr *a = (const void *)(buf + 20);
	const struct nfqnl_msg_verdict_hdr *v = (const void *)(buf + 24);
	size_t n;

	(void)state;
	n = nfqmsg_build_verdict(buf, sizeof(buf), 3, 0x01020304, true, 9);
	assert_int_equal(n, 16 + 4 + 4 + 8);
	assert_int_equal(h->nlmsg_type, (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_VERDICT);
	assert_int_equal(h->nlmsg_flags, NLM_F_REQUEST);
	assert_int_equal(ntohs(g->res_id), 3);
	assert_int_equal(a->nla_type, NFQA_VERDICT_HDR);
	assert_int_equal(a->nla_len, 12);
	assert_int_equal(ntohl(v->verdict), NF_ACCEPT);
	assert_int_equal(ntohl(v->id), 0x01020304);
	nfqmsg_build_verdict(buf, sizeof(buf), 3, 7, false, 10);
	assert_int_equal(ntohl(v->verdict), NF_DROP);
	n = nfqmsg_build_bind(buf, sizeof(buf), 5, 1);
	assert_int_equal(h->nlmsg_type, (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_CONFIG);
	assert_int_equal(h->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(a->nla_type, NFQA_CFG_CMD);
	assert_int_equal(((const struct nfqnl_msg_config_cmd *)(buf + 24))->command, NFQNL_CFG_CMD_BIND);
	assert_int_equal(n, h->nlmsg_len);
	assert_int_equal(nfqmsg_build_verdict(buf, 10, 0, 1, true, 1), 0);
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
	assert_int_equal(nfqmsg_parse_packet(h, h->nlmsg_len, &id, &pl, &plen), 0);
	assert_int_equal(id, 42);
	assert_int_equal(plen, 40);
	assert_memory_equal(pl, pkt, 40);
	h->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_VERDICT;
	assert_int_equal(nfqmsg_parse_packet(h, h->nlmsg_len, &id, &pl, &plen), -1);
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
	/* 46 bytes, aligned to 48: the message does not fit the input */
	assert_int_equal(nfqmsg_parse_packet(copy, sizeof(crash), &id, &pl, &plen), -1);
	assert_null(pl);
	free(copy);
}

/* A packet message as the kernel sent it (tests/fixtures/nfq-packet.bin). */
static void test_fixture(void **state)
{
	static unsigned char buf[4096];
	FILE *f = fopen("tests/fixtures/nfq-packet.bin", "rb");
	const uint8_t *pl;
	struct flowkey k;
	size_t len, plen;
	uint32_t id;

	(void)state;
	assert_non_null(f);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(nfqmsg_parse_packet(buf, len, &id, &pl, &plen), 0);
	assert_int_equal(id, 42);
	assert_int_equal(flow_key(pl, plen, &k), 0);
	assert_int_equal(k.port_lo, 40000);	/* 10.71.1.1 sorts first */
	assert_int_equal(k.port_hi, 7171);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_parse_packet),
		cmocka_unit_test(test_parse_packet_unaligned),
		cmocka_unit_test(test_fixture),
	};

	return cmocka_run_group_tests_name("nfqmsg", tests, NULL, NULL);
}
