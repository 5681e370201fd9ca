/* Unit tests: pool.c - connection slots, grown a chunk at a time. */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pool.h"

struct obj {
	char tag;		/* the link is not first: link_off matters */
	long long payload[3];
	struct list link;
};

#define N (2 * POOL_CHUNK)	/* two chunks, all taken */

/* Objects are distinct, aligned, and what is given back is handed out again. */
static void test_get_put(void **state)
{
	struct pool p;
	struct obj **o = calloc(N, sizeof(*o));
	struct list back;
	size_t i, j;

	(void)state;
	pool_init(&p, sizeof(struct obj), offsetof(struct obj, link));
	for (i = 0; i < N; i++) {
		o[i] = pool_get(&p);
		assert_non_null(o[i]);
		assert_int_equal((uintptr_t)o[i] % alignof(struct obj), 0);
		memset(o[i]->payload, (int)i, sizeof(o[i]->payload));
		o[i]->tag = (char)i;
		list_init(&o[i]->link);
	}
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j += 97)
			assert_ptr_not_equal(o[i], o[j]);
	/* no object overlaps the next one taken */
	for (i = 0; i < N; i++)
		assert_int_equal(o[i]->tag, (char)i);
	list_init(&back);
	list_append(&back, &o[5]->link);
	list_append(&back, &o[N - 1]->link);
	pool_put_list(&p, &back);
	assert_true(list_empty(&back));
	/* the free list (else empty) hands them out before growing */
	assert_ptr_equal(pool_get(&p), o[5]);
	assert_ptr_equal(pool_get(&p), o[N - 1]);
	pool_fini(&p);
	free(o);
}

/* list_take moves a whole list, in order, and leaves the source empty. */
static void test_list_take(void **state)
{
	struct list src, dst, n[3], *l;
	int i = 0;

	(void)state;
	list_init(&src);
	list_take(&dst, &src);
	assert_true(list_empty(&dst));
	assert_true(list_empty(&src));
	for (i = 0; i < 3; i++)
		list_append(&src, &n[i]);
	list_take(&dst, &src);
	assert_true(list_empty(&src));
	i = 0;
	for (l = dst.next; l != &dst; l = l->next, i++) {
		assert_ptr_equal(l, &n[i]);
		assert_ptr_equal(l->next->prev, l);
	}
	assert_int_equal(i, 3);
	assert_ptr_equal(dst.prev, &n[2]);
	/* a node taken can still unlink itself, from its new list */
	list_del(&n[1]);
	assert_ptr_equal(dst.next->next, &n[2]);
	assert_ptr_equal(n[2].prev, &n[0]);
	/* and the source is usable again */
	list_append(&src, &n[1]);
	assert_ptr_equal(src.next, &n[1]);
	assert_ptr_equal(src.prev, &n[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_put),
		cmocka_unit_test(test_list_take),
	};

	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
