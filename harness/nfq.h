/*
 * nfq.h - what the kernel says of its nfnetlink_queue queues.
 *
 * /proc/net/netfilter/nfnetlink_queue has one line per bound queue:
 * number, port id, packets waiting, copy mode, copy range, packets
 * dropped because the queue was full, packets dropped because the
 * program's socket was, then the last id and a constant.  The lab reads
 * it to see a queue bound (so a device simulator is ready) and
 * connrate-dut to report its overflows; the parser takes the text, so
 * tests feed it fixtures.
 */
#ifndef CR_NFQ_H
#define CR_NFQ_H

#include <stdint.h>

/* The two drop counters of queue q in text; 0, or -1 when q is not bound. */
int nfq_proc_stats(const char *text, uint16_t q, uint64_t *queue_dropped,
		   uint64_t *user_dropped);

#endif
