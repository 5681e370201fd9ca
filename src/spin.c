/*
 * spin.c - waking early for the open-loop schedule (see spin.h).
 */
#include <stdlib.h>
#include <string.h>

#include "spin.h"

void spin_init(struct spin *s, uint64_t fixed_ns, bool autom, mono_ns gap_ns)
{
	memset(s, 0, sizeof(*s));
	s->autom = autom && gap_ns;
	s->cap_ns = gap_ns / 5 < SPIN_MAX_NS ? gap_ns / 5 : SPIN_MAX_NS;
	s->margin_ns = autom ? 0 : gap_ns ? fixed_ns : 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

void spin_note(struct spin *s, mono_ns late_ns)
{
	uint32_t v[SPIN_WINDOW];
	mono_ns q;

	if (!s->autom)
		return;
	s->late[s->n++] = late_ns > UINT32_MAX ? UINT32_MAX : (uint32_t)late_ns;
	if (s->n < SPIN_WINDOW)
		return;
	s->n = 0;
	memcpy(v, s->late, sizeof(v));
	qsort(v, SPIN_WINDOW, sizeof(v[0]), cmp_u32);
	q = v[SPIN_WINDOW - 2];
	s->margin_ns = q < s->cap_ns ? q : s->cap_ns;
}
