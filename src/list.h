/*
 * list.h - an intrusive doubly linked list with a sentinel.
 *
 * In-flight connections sit in one list per worker in order of their
 * deadlines.  All connections of a round share one timeout and start in
 * order, so appending keeps the list sorted: the head is always the next to
 * expire, and removal on completion is O(1).
 */
#ifndef CR_LIST_H
#define CR_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list {
	struct list *prev, *next;
};

static inline void list_init(struct list *l)
{
	l->prev = l->next = l;
}

static inline bool list_empty(const struct list *l)
{
	return l->next == l;
}

static inline void list_append(struct list *head, struct list *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

static inline void list_del(struct list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}

#define list_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#endif
