/*
 * libFuzzer: netlink answers through the one checked walk (netns/nlwalk.c):
 * conntrack statistics, sock_diag, and the queue's packet stream as
 * connrate-dut reads it (every message parsed as a packet, its headers
 * keyed), with and without a sequence and port id to match.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>

#include "counters.h"
#include "flow.h"
#include "nfqmsg.h"
#include "nlwalk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct span {
	const uint8_t *lo, *hi;
	unsigned attrs;
};

static int on_attr(const struct nlattr *a, void *data)
{
	struct span *s = data;

	if ((const uint8_t *)a + a->nla_len > s->hi)
		abort();
	s->attrs++;
	return 0;
}

/* What connrate-dut does with each message of its queue. */
static int on_message(const struct nlmsghdr *nlh, void *data)
{
	struct span *s = data;
	const uint8_t *pl;
	struct flowkey k;
	size_t plen;
	uint32_t id;

	if ((const uint8_t *)nlh + nlh->nlmsg_len > s->hi)
		abort();
	(void)nlw_attr_walk(nlh, 4, on_attr, s);
	if (nfqmsg_parse_packet(nlh, nlh->nlmsg_len, &id, &pl, &plen) == 0 && pl) {
		if (pl < s->lo || pl + plen > (const uint8_t *)nlh + nlh->nlmsg_len)
			abort();
		(void)flow_key(pl, plen, &k);
	}
	return 0;
}

static int on_error(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh, (void)data;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctstats ct = { 0 };
	struct sockstates socks = { 0 };
	struct flowkey k;
	uint8_t *buf = malloc(size ? size : 1);	/* not a byte more than the input */
	struct span s;
	struct nlw w = { .cb = on_message, .on_error = on_error, .data = &s };

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	s = (struct span){ buf, buf + size, 0 };
	(void)counters_parse_ct(buf, size, &ct);
	(void)counters_parse_diag(buf, size, &socks);
	(void)nlw_walk(buf, size, &w);
	w = (struct nlw){ .seq = 1, .portid = 0x1234, .cb = on_message, .data = &s };
	(void)nlw_walk(buf, size, &w);
	(void)flow_key(buf, size, &k);
	free(buf);
	return 0;
}
