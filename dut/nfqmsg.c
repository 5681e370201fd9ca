/*
 * nfqmsg.c - nfnetlink_queue messages (see nfqmsg.h).
 */
#include <arpa/inet.h>
#include <errno.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "nfqmsg.h"
#include "nlwalk.h"


static struct nlmsghdr *put_hdr(void *buf, uint16_t type, uint16_t flags,
				uint16_t queue, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;

	nlh->nlmsg_type = (uint16_t)((NFNL_SUBSYS_QUEUE << 8) | type);
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(queue);
	return nlh;
}

size_t nfqmsg_build_bind(void *buf, size_t len, uint16_t queue, uint32_t seq)
{
	struct nfqnl_msg_config_cmd cmd = { .command = NFQNL_CFG_CMD_BIND, .pf = 0 };
	struct nlmsghdr *nlh;

	if (len < 64)
		return 0;
	nlh = put_hdr(buf, NFQNL_MSG_CONFIG, NLM_F_ACK, queue, seq);
	mnl_attr_put(nlh, NFQA_CFG_CMD, sizeof(cmd), &cmd);
	return nlh->nlmsg_len;
}

size_t nfqmsg_build_params(void *buf, size_t len, uint16_t queue, uint32_t copy_range,
			uint32_t maxlen, bool fail_open, uint32_t seq)
{
	struct nfqnl_msg_config_params p = { .copy_range = htonl(copy_range),
					      .copy_mode = NFQNL_COPY_PACKET };
	struct nlmsghdr *nlh;

	if (len < 128)
		return 0;
	nlh = put_hdr(buf, NFQNL_MSG_CONFIG, NLM_F_ACK, queue, seq);
	mnl_attr_put(nlh, NFQA_CFG_PARAMS, sizeof(p), &p);
	if (maxlen)
		mnl_attr_put_u32(nlh, NFQA_CFG_QUEUE_MAXLEN, htonl(maxlen));
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(fail_open ? NFQA_CFG_F_FAIL_OPEN : 0));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_FAIL_OPEN));
	return nlh->nlmsg_len;
}

size_t nfqmsg_build_verdict(void *buf, size_t len, uint16_t queue, uint32_t id,
			 bool accept, uint32_t seq)
{
	struct nfqnl_msg_verdict_hdr v = { .verdict = htonl(accept ? NF_ACCEPT : NF_DROP),
					   .id = htonl(id) };
	struct nlmsghdr *nlh;

	if (len < 64)
		return 0;
	nlh = put_hdr(buf, NFQNL_MSG_VERDICT, 0, queue, seq);
	mnl_attr_put(nlh, NFQA_VERDICT_HDR, sizeof(v), &v);
	return nlh->nlmsg_len;
}

struct pkt_attrs {
	const struct nlattr *hdr, *payload;
};

static int pkt_attr_cb(const struct nlattr *a, void *data)
{
	struct pkt_attrs *pa = data;

	switch (mnl_attr_get_type(a)) {
	case NFQA_PACKET_HDR:
		if (mnl_attr_get_payload_len(a) < sizeof(struct nfqnl_msg_packet_hdr))
			return -EBADMSG;
		pa->hdr = a;
		break;
	case NFQA_PAYLOAD:
		pa->payload = a;
		break;
	}
	return 0;
}

int nfqmsg_parse_packet(const void *buf, size_t len, uint32_t *id, const uint8_t **payload,
			size_t *plen)
{
	const struct nlmsghdr *nlh = buf;
	struct pkt_attrs pa = { NULL, NULL };
	const struct nfqnl_msg_packet_hdr *ph;

	if (!nlw_ok(nlh, len) ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(struct nfgenmsg) ||
	    (nlh->nlmsg_type & 0xff) != NFQNL_MSG_PACKET ||
	    (nlh->nlmsg_type >> 8) != NFNL_SUBSYS_QUEUE)
		return -1;
	/* attributes within the message's own length, not its aligned end */
	if (nlw_attr_walk(nlh, sizeof(struct nfgenmsg), pkt_attr_cb, &pa) < 0 || !pa.hdr)
		return -1;
	ph = mnl_attr_get_payload(pa.hdr);
	*id = ntohl(ph->packet_id);
	*payload = pa.payload ? mnl_attr_get_payload(pa.payload) : NULL;
	*plen = pa.payload ? mnl_attr_get_payload_len(pa.payload) : 0;
	return 0;
}
