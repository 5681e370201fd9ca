/*
 * flow.h - the flow table of a small device.
 *
 * Keyed by the 5-tuple with both directions folded into one key (lower
 * address and its port first), so a reply finds its connection's entry.
 * A fixed number of entries as a small device has, allocated up front;
 * an entry expires --flow-timeout after its last packet, least recently
 * seen first (an intrusive list kept in that order, so expiry is O(1) per
 * entry).  A new flow when the table is full is refused: the "table full"
 * failure of real devices.  The packet parser reads only the IP and TCP/UDP
 * headers it needs and refuses what it cannot read within len.
 */
#ifndef CR_FLOW_H
#define CR_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"

struct flowkey {
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;
	uint16_t port_lo, port_hi;
	uint8_t addr_lo[16], addr_hi[16];
};

/* The folded 5-tuple of an IPv4/IPv6 packet; -1 when not parsable. */
int flow_key(const uint8_t *pkt, size_t len, struct flowkey *k);

enum ft_result { FT_HIT, FT_NEW, FT_FULL };

struct flowtab;

/* A table of capacity entries (NULL when 0 or out of memory). */
struct flowtab *flowtab_new(uint32_t capacity, uint64_t timeout_ns);
void flowtab_free(struct flowtab *t);
/* Note a packet of flow k at now: a known flow, a new one, or no room. */
enum ft_result flowtab_touch(struct flowtab *t, const struct flowkey *k, mono_ns now);
/* Drop entries idle for longer than the timeout. */
void flowtab_expire(struct flowtab *t, mono_ns now);
uint32_t flowtab_count(const struct flowtab *t);
uint32_t flowtab_peak(const struct flowtab *t);

#endif
