/*
 * nfqmsg.h - nfnetlink_queue messages, built and parsed as bytes.
 *
 * connrate-dut speaks to the kernel's queue directly over libmnl: a bind
 * and a params message at start (each asking for an ACK), then a stream
 * of packet messages in and verdict messages out.  Builders write into a
 * caller's buffer and return the length (0 when it does not fit), so a
 * batch of verdicts is one sendto() and tests can assert every byte.  The
 * packet parser trusts nothing: it takes the message with the bytes that
 * hold it and refuses a message whose length, type or attributes do not
 * fit (walked by netns/nlwalk.h within the message's own length: the
 * kernel's packet messages may end unaligned).
 */
#ifndef CR_NFQMSG_H
#define CR_NFQMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

size_t nfqmsg_build_bind(void *buf, size_t len, uint16_t queue, uint32_t seq);
size_t nfqmsg_build_params(void *buf, size_t len, uint16_t queue, uint32_t copy_range,
			   uint32_t maxlen, bool fail_open, uint32_t seq);
size_t nfqmsg_build_verdict(void *buf, size_t len, uint16_t queue, uint32_t id,
			    bool accept, uint32_t seq);
/* A packet message within len bytes: its id and payload (pointing into it); 0 or -1. */
int nfqmsg_parse_packet(const void *nlh, size_t len, uint32_t *id, const uint8_t **payload,
			size_t *plen);

#endif
