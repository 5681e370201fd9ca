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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_put),
	};

	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
