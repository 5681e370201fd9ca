/*
 * dline.h - the delay line: packets held until their release time.
 *
 * Every packet waits the same time (--delay), so release times come in
 * arrival order and a ring buffer (FIFO) is the whole scheduler: the head
 * is always the next packet due, push and pop are O(1), and the ring
 * doubles when a burst outgrows it.  Only packet ids are held: the kernel
 * keeps the packets themselves until their verdict.
 */
#ifndef CR_DLINE_H
#define CR_DLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"

struct dline {
	uint32_t *id;
	mono_ns *due;
	uint32_t head, len, cap;
};

/* An empty line with room for cap packets (0: 1024).  0 or -ENOMEM. */
int dline_init(struct dline *d, uint32_t cap);
void dline_free(struct dline *d);
/* Append; due must not be earlier than the last one's.  0 or -ENOMEM. */
int dline_push(struct dline *d, uint32_t id, mono_ns due);
/* The head's id and due time; false when the line is empty. */
bool dline_peek(const struct dline *d, uint32_t *id, mono_ns *due);
void dline_pop(struct dline *d);

#endif
