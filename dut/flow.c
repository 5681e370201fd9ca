/*
 * flow.c - packet headers and the flow table (see flow.h).
 */
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "list.h"

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
