/*
 * pool.c - object pools (see pool.h).
 */
#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>

#include "pool.h"

struct pool_chunk {
	struct pool_chunk *next;
	alignas(max_align_t) char obj[];
};

void pool_init(struct pool *p, size_t size, size_t link_off)
{
	const size_t a = alignof(max_align_t);

	p->size = (size + a - 1) / a * a;
	p->link_off = link_off;
	list_init(&p->freel);
	p->chunks = NULL;
}

int pool_grow(struct pool *p)
{
	struct pool_chunk *ch = malloc(sizeof(*ch) + POOL_CHUNK * p->size);
	size_t i;

	if (!ch)
		return -ENOMEM;
	ch->next = p->chunks;
	p->chunks = ch;
	for (i = 0; i < POOL_CHUNK; i++) {
		struct list *l = (struct list *)(ch->obj + i * p->size + p->link_off);

		list_init(l);
		list_append(&p->freel, l);
	}
	return 0;
}

void pool_fini(struct pool *p)
{
	while (p->chunks) {
		struct pool_chunk *ch = p->chunks;

		p->chunks = ch->next;
		free(ch);
	}
	list_init(&p->freel);
}
