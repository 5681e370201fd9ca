/*
 * nfq.c - delay line, flow table, packets, messages (see nfq.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "list.h"
#include "nfq.h"

/* --- delay line --- */

int dline_init(struct dline *d, uint32_t cap)
{
	memset(d, 0, sizeof(*d));
	d->cap = cap ? cap : 1024;
	d->id = calloc(d->cap, sizeof(*d->id));
	d->due = calloc(d->cap, sizeof(*d->due));
	if (!d->id || !d->due) {
		dline_free(d);
		return -ENOMEM;
	}
	return 0;
}

void dline_free(struct dline *d)
{
	free(d->id);
	free(d->due);
	d->id = NULL;
	d->due = NULL;
	d->len = d->cap = 0;
}

int dline_push(struct dline *d, uint32_t id, mono_ns due)
{
	if (d->len == d->cap) {
		uint32_t ncap = d->cap * 2, i;
		uint32_t *nid = malloc(ncap * sizeof(*nid));
		mono_ns *ndue = malloc(ncap * sizeof(*ndue));

		if (!nid || !ndue) {
			free(nid);
			free(ndue);
			return -ENOMEM;
		}
		for (i = 0; i < d->len; i++) {
			nid[i] = d->id[(d->head + i) % d->cap];
			ndue[i] = d->due[(d->head + i) % d->cap];
		}
		free(d->id);
		free(d->due);
		d->id = nid;
		d->due = ndue;
		d->cap = ncap;
		d->head = 0;
	}
	d->id[(d->head + d->len) % d->cap] = id;
	d->due[(d->head + d->len) % d->cap] = due;
	d->len++;
	return 0;
}

bool dline_peek(const struct dline *d, uint32_t *id, mono_ns *due)
{
	if (!d->len)
		return false;
	*id = d->id[d->head];
	*due = d->due[d->head];
	return true;
}

void dline_pop(struct dline *d)
{
	if (!d->len)
		return;
	d->head = (d->head + 1) % d->cap;
	d->len--;
}

/* --- packets --- */

int flow_key(const uint8_t *p, size_t len, struct flowkey *k)
{
	const uint8_t *src, *dst, *l4;
	size_t alen, hl;
	uint16_t sp = 0, dp = 0;
	int cmp;

	memset(k, 0, sizeof(*k));
	if (len < 1)
		return -1;
	if ((p[0] >> 4) == 4) {
		hl = (size_t)(p[0] & 0x0f) * 4;
		if (len < 20 || hl < 20 || hl > len)
			return -1;
		k->family = 4;
		k->proto = p[9];
		src = p + 12;
		dst = p + 16;
		alen = 4;
		l4 = p + hl;
		len -= hl;
	} else if ((p[0] >> 4) == 6) {
		if (len < 40)
			return -1;
		k->family = 6;
		k->proto = p[6];	/* no extension headers on this path */
		src = p + 8;
		dst = p + 24;
		alen = 16;
		l4 = p + 40;
		len -= 40;
	} else {
		return -1;
	}
	if ((k->proto == 6 || k->proto == 17) && len >= 4) {
		sp = (uint16_t)(l4[0] << 8 | l4[1]);
		dp = (uint16_t)(l4[2] << 8 | l4[3]);
	}
	/* both directions of a flow fold into one key */
	cmp = memcmp(src, dst, alen);
	if (cmp < 0 || (cmp == 0 && sp <= dp)) {
		memcpy(k->addr_lo, src, alen);
		memcpy(k->addr_hi, dst, alen);
		k->port_lo = sp;
		k->port_hi = dp;
	} else {
		memcpy(k->addr_lo, dst, alen);
		memcpy(k->addr_hi, src, alen);
		k->port_lo = dp;
		k->port_hi = sp;
	}
	return 0;
}

/* --- flow table --- */

struct flow {
	struct flowkey key;
	mono_ns seen_ns;
	uint32_t next;		/* hash chain, UINT32_MAX: end */
	bool used;
	struct list lru;	/* least recently seen first */
};

struct flowtab {
	uint32_t capacity, count, peak, nbuckets;
	uint64_t timeout_ns;
	struct flow *flow;
	uint32_t *bucket;
	uint32_t *freelist;
	uint32_t nfree;
	struct list lru;
};

#define NIL UINT32_MAX

static uint32_t hash_key(const struct flowkey *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

struct flowtab *flowtab_new(uint32_t capacity, uint64_t timeout_ns)
{
	struct flowtab *t = calloc(1, sizeof(*t));
	uint32_t i;

	if (!t || !capacity)
		goto fail;
	t->capacity = capacity;
	t->timeout_ns = timeout_ns;
	for (t->nbuckets = 16; t->nbuckets < capacity * 2 && t->nbuckets < (1u << 30);)
		t->nbuckets <<= 1;
	t->flow = calloc(capacity, sizeof(*t->flow));
	t->bucket = malloc(t->nbuckets * sizeof(*t->bucket));
	t->freelist = malloc(capacity * sizeof(*t->freelist));
	if (!t->flow || !t->bucket || !t->freelist)
		goto fail;
	for (i = 0; i < t->nbuckets; i++)
		t->bucket[i] = NIL;
	for (i = 0; i < capacity; i++)
		t->freelist[i] = capacity - 1 - i;
	t->nfree = capacity;
	list_init(&t->lru);
	return t;
fail:
	flowtab_free(t);
	return NULL;
}

void flowtab_free(struct flowtab *t)
{
	if (!t)
		return;
	free(t->flow);
	free(t->bucket);
	free(t->freelist);
	free(t);
}

static void unlink_flow(struct flowtab *t, uint32_t idx)
{
	uint32_t *pp = &t->bucket[hash_key(&t->flow[idx].key) & (t->nbuckets - 1)];

	while (*pp != NIL && *pp != idx)
		pp = &t->flow[*pp].next;
	if (*pp == idx)
		*pp = t->flow[idx].next;
	list_del(&t->flow[idx].lru);
	t->flow[idx].used = false;
	t->freelist[t->nfree++] = idx;
	t->count--;
}

void flowtab_expire(struct flowtab *t, mono_ns now)
{
	while (!list_empty(&t->lru)) {
		struct flow *f = list_entry(t->lru.next, struct flow, lru);

		if (f->seen_ns + t->timeout_ns > now)
			break;
		unlink_flow(t, (uint32_t)(f - t->flow));
	}
}

enum ft_result flowtab_touch(struct flowtab *t, const struct flowkey *k, mono_ns now)
{
	uint32_t b = hash_key(k) & (t->nbuckets - 1), idx;
	struct flow *f;

	for (idx = t->bucket[b]; idx != NIL; idx = t->flow[idx].next) {
		f = &t->flow[idx];
		if (!memcmp(&f->key, k, sizeof(*k))) {
			f->seen_ns = now;
			list_del(&f->lru);
			list_append(&t->lru, &f->lru);
			return FT_HIT;
		}
	}
	flowtab_expire(t, now);
	if (!t->nfree)
		return FT_FULL;
	idx = t->freelist[--t->nfree];
	f = &t->flow[idx];
	f->key = *k;
	f->seen_ns = now;
	f->used = true;
	f->next = t->bucket[b];
	t->bucket[b] = idx;
	list_init(&f->lru);
	list_append(&t->lru, &f->lru);
	if (++t->count > t->peak)
		t->peak = t->count;
	return FT_NEW;
}

uint32_t flowtab_count(const struct flowtab *t) { return t ? t->count : 0; }
uint32_t flowtab_peak(const struct flowtab *t) { return t ? t->peak : 0; }

/* --- messages --- */

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

size_t nfq_build_bind(void *buf, size_t len, uint16_t queue, uint32_t seq)
{
	struct nfqnl_msg_config_cmd cmd = { .command = NFQNL_CFG_CMD_BIND, .pf = 0 };
	struct nlmsghdr *nlh;

	if (len < 64)
		return 0;
	nlh = put_hdr(buf, NFQNL_MSG_CONFIG, NLM_F_ACK, queue, seq);
	mnl_attr_put(nlh, NFQA_CFG_CMD, sizeof(cmd), &cmd);
	return nlh->nlmsg_len;
}

size_t nfq_build_params(void *buf, size_t len, uint16_t queue, uint32_t copy_range,
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

size_t nfq_build_verdict(void *buf, size_t len, uint16_t queue, uint32_t id,
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

	if (mnl_attr_type_valid(a, NFQA_MAX) < 0)
		return MNL_CB_OK;
	switch (mnl_attr_get_type(a)) {
	case NFQA_PACKET_HDR:
		if (mnl_attr_validate2(a, MNL_TYPE_UNSPEC, sizeof(struct nfqnl_msg_packet_hdr)) < 0)
			return MNL_CB_ERROR;
		pa->hdr = a;
		break;
	case NFQA_PAYLOAD:
		pa->payload = a;
		break;
	}
	return MNL_CB_OK;
}

int nfq_parse_packet(const void *buf, size_t len, uint32_t *id, const uint8_t **payload,
		     size_t *plen)
{
	const struct nlmsghdr *nlh = buf;
	struct pkt_attrs pa = { NULL, NULL };
	const struct nfqnl_msg_packet_hdr *ph;

	/* libmnl walks attributes to the aligned end of the message */
	if (len < MNL_NLMSG_HDRLEN || nlh->nlmsg_len > len ||
	    MNL_ALIGN(nlh->nlmsg_len) > len ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(struct nfgenmsg) ||
	    (nlh->nlmsg_type & 0xff) != NFQNL_MSG_PACKET ||
	    (nlh->nlmsg_type >> 8) != NFNL_SUBSYS_QUEUE)
		return -1;
	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), pkt_attr_cb, &pa) < 0 || !pa.hdr)
		return -1;
	ph = mnl_attr_get_payload(pa.hdr);
	*id = ntohl(ph->packet_id);
	*payload = pa.payload ? mnl_attr_get_payload(pa.payload) : NULL;
	*plen = pa.payload ? mnl_attr_get_payload_len(pa.payload) : 0;
	return 0;
}

int nfq_proc_stats(const char *text, uint16_t q, uint64_t *queue_dropped,
		   uint64_t *user_dropped)
{
	const char *line = text;

	while (line && *line) {
		unsigned qn, total, mode, range, portid;
		unsigned long long qd, ud;

		if (sscanf(line, "%u %u %u %u %u %llu %llu", &qn, &portid, &total, &mode,
			   &range, &qd, &ud) == 7 && qn == q) {
			*queue_dropped = qd;
			*user_dropped = ud;
			return 0;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -1;
}
