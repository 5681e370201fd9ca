/*
 * nfq.h - the parts of connrate-dut that need no kernel: the delay line,
 * the flow table, packet headers and nfnetlink_queue messages.
 *
 * Delay line: every packet waits the same time, so release times come in
 * arrival order and a ring buffer (FIFO) is the whole scheduler.
 *
 * Flow table: keyed by the 5-tuple with both directions folded into one
 * key, a fixed number of entries as a small device has, expiry after
 * --flow-timeout without a packet (least recently seen first).  A new flow
 * when the table is full is refused: the "table full" failure of real
 * devices.
 */
#ifndef CR_NFQ_H
#define CR_NFQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"

/* --- delay line --- */

struct dline {
	uint32_t *id;
	mono_ns *due;
	uint32_t head, len, cap;
};

int dline_init(struct dline *d, uint32_t cap);
void dline_free(struct dline *d);
/* Append; due must not be earlier than the last one's.  0 or -ENOMEM. */
int dline_push(struct dline *d, uint32_t id, mono_ns due);
bool dline_peek(const struct dline *d, uint32_t *id, mono_ns *due);
void dline_pop(struct dline *d);

/* --- flow table --- */

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

struct flowtab *flowtab_new(uint32_t capacity, uint64_t timeout_ns);
void flowtab_free(struct flowtab *t);
enum ft_result flowtab_touch(struct flowtab *t, const struct flowkey *k, mono_ns now);
/* Drop entries idle for longer than the timeout. */
void flowtab_expire(struct flowtab *t, mono_ns now);
uint32_t flowtab_count(const struct flowtab *t);
uint32_t flowtab_peak(const struct flowtab *t);

/* --- nfnetlink_queue messages (built into buf; return their length) --- */

size_t nfq_build_bind(void *buf, size_t len, uint16_t queue, uint32_t seq);
size_t nfq_build_params(void *buf, size_t len, uint16_t queue, uint32_t copy_range,
			uint32_t maxlen, bool fail_open, uint32_t seq);
size_t nfq_build_verdict(void *buf, size_t len, uint16_t queue, uint32_t id,
			 bool accept, uint32_t seq);
/* A packet message of at most len bytes: its id and payload (pointing into it). */
int nfq_parse_packet(const void *nlh, size_t len, uint32_t *id, const uint8_t **payload,
		     size_t *plen);

/* What /proc/net/netfilter/nfnetlink_queue says of queue q. */
int nfq_proc_stats(const char *text, uint16_t q, uint64_t *queue_dropped,
		   uint64_t *user_dropped);

#endif
