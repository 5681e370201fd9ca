/*
 * dline.c - the delay line (see dline.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dline.h"

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
