/*
 * pool.h - a free list of fixed-size objects, grown a chunk at a time.
 *
 * Client and server keep one pool of connection slots per worker: memory
 * grows with the connections in flight (a chunk of POOL_CHUNK objects when
 * the free list is empty) and is never returned until the worker ends, so
 * a slot costs no malloc on the hot path.  An object carries a struct list
 * at link_off: it is the object's place in the free list while free, and
 * the owner's to use (an in-flight FIFO) while taken.  Not thread-safe:
 * one pool per worker.
 */
#ifndef CR_POOL_H
#define CR_POOL_H

#include <stddef.h>

#include "list.h"

#define POOL_CHUNK 256

struct pool_chunk;

struct pool {
	size_t size;		/* of one object, rounded up for alignment */
	size_t link_off;	/* offset of its struct list */
	struct list freel;
	struct pool_chunk *chunks;
};

void pool_init(struct pool *p, size_t size, size_t link_off);
/* Free every chunk (objects still taken included). */
void pool_fini(struct pool *p);
/* Add a chunk to the free list; 0 or -ENOMEM. */
int pool_grow(struct pool *p);

/* An object, or NULL when out of memory. */
static inline void *pool_get(struct pool *p)
{
	struct list *l;

	if (list_empty(&p->freel) && pool_grow(p) < 0)
		return NULL;
	l = p->freel.next;
	list_del(l);
	return (char *)l - p->link_off;
}

/* Give back every object linked in l (emptied). */
static inline void pool_put_list(struct pool *p, struct list *l)
{
	while (!list_empty(l)) {
		struct list *n = l->next;

		list_del(n);
		list_append(&p->freel, n);
	}
}

#endif
