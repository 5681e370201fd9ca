/* Unit tests: hold.c - the fd-indexed slot table, its FIFOs, the client's limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hold.h"

/* Walk q from head to tail into out; returns the count, checks the back links. */
static uint64_t walk(const struct htab *t, const struct hfifo *q, int *out, uint64_t max)
{
	uint64_t n = 0;
	int fd = q->head, prev = -1;

	while (fd >= 0 && n < max) {
		assert_int_equal(t->slot[fd].prev, prev);
		out[n++] = fd;
		prev = fd;
		fd = t->slot[fd].next;
	}
	assert_int_equal(q->tail, prev);
	return n;
}

static void test_fifo_order(void **state)
{
	struct htab t;
	struct hfifo a, b;
	int got[8];

	(void)state;
	assert_int_equal(htab_init(&t, 16), 0);
	hfifo_init(&a);
	hfifo_init(&b);
	assert_int_equal(hfifo_head(&a), -1);
	hfifo_push(&t, &a, 5);
	hfifo_push(&t, &a, 3);
	hfifo_push(&t, &a, 9);
	hfifo_push(&t, &a, 0);
	assert_int_equal(walk(&t, &a, got, 8), 4);
	assert_int_equal(got[0], 5);
	assert_int_equal(got[3], 0);
	hfifo_del(&t, &a, 3);	/* middle */
	hfifo_del(&t, &a, 5);	/* head */
	hfifo_del(&t, &a, 0);	/* tail */
	assert_int_equal(a.len, 1);
	assert_int_equal(walk(&t, &a, got, 8), 1);
	assert_int_equal(got[0], 9);
	/* a slot moves from one FIFO to the other's tail */
	hfifo_push(&t, &b, 3);
	hfifo_del(&t, &a, 9);
	hfifo_push(&t, &b, 9);
	assert_int_equal(a.len, 0);
	assert_int_equal(hfifo_head(&a), -1);
	assert_int_equal(walk(&t, &b, got, 8), 2);
	assert_int_equal(got[0], 3);
	assert_int_equal(got[1], 9);
	htab_fini(&t);
}

/* Random pushes and deletions against a plain array kept in the same order. */
static void test_fifo_model(void **state)
{
	enum { CAP = 64, STEPS = 20000 };
	struct htab t;
	struct hfifo q;
	int model[CAP], got[CAP], in[CAP] = { 0 };
	uint64_t n = 0, i, k;
	unsigned seed = 7;

	(void)state;
	assert_int_equal(htab_init(&t, CAP), 0);
	hfifo_init(&q);
	for (k = 0; k < STEPS; k++) {
		int fd = (int)(rand_r(&seed) % CAP);

		if (!in[fd]) {
			hfifo_push(&t, &q, fd);
			model[n++] = fd;
		} else {
			hfifo_del(&t, &q, fd);
			for (i = 0; model[i] != fd; i++)
				;
			for (; i + 1 < n; i++)
				model[i] = model[i + 1];
			n--;
		}
		in[fd] = !in[fd];
		assert_int_equal(q.len, n);
		assert_int_equal(walk(&t, &q, got, CAP), n);
		for (i = 0; i < n; i++)
			assert_int_equal(got[i], model[i]);
	}
	htab_fini(&t);
}

static void test_slot_small(void **state)
{
	(void)state;
	/* the per-connection memory the README states */
	assert_true(sizeof(struct hslot) <= 24);
}

static void test_client_limit(void **state)
{
	const char *why = NULL;

	(void)state;
	/* ports: 1024-65535 is 64512 per source address and target */
	assert_int_equal(hold_client_limit(1u << 20, 1024, 65535, 1, 1, &why), 64512);
	assert_non_null(strstr(why, "ports"));
	assert_int_equal(hold_client_limit(1u << 20, 1024, 65535, 4, 1, &why), 4 * 64512);
	assert_int_equal(hold_client_limit(1u << 20, 1024, 65535, 2, 3, &why), 6 * 64512);
	/* descriptors, less the process's own */
	assert_int_equal(hold_client_limit(1024, 1024, 65535, 1, 1, &why), 1024 - 64);
	assert_non_null(strstr(why, "RLIMIT_NOFILE"));
	assert_int_equal(hold_client_limit(10, 1024, 65535, 1, 1, &why), 0);
	/* a backwards range gives no ports */
	assert_int_equal(hold_client_limit(1u << 20, 2000, 1000, 1, 1, &why), 0);
}

/* The row's note: an interrupted round's unmade starts are no slow client. */
static void test_row_note(void **state)
{
	static struct hold_result r;
	char *buf = NULL, *nl;
	size_t len = 0;
	FILE *f;

	(void)state;
	memset(&r, 0, sizeof(r));
	stats_init(&r.s);
	r.spec.target = 50;
	r.s.unstarted = 50;
	r.interrupted = true;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	hold_row(f, &r);
	r.interrupted = false;
	hold_row(f, &r);
	fclose(f);
	nl = strchr(buf, '\n');	/* the interrupted row ends here, the other follows */
	assert_non_null(nl);
	if (!strstr(buf, "(interrupted; unstarted 50)\n") || strstr(buf, "fell behind") < nl)
		fail_msg("rows: %s", buf);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_order),
		cmocka_unit_test(test_fifo_model),
		cmocka_unit_test(test_slot_small),
		cmocka_unit_test(test_client_limit),
		cmocka_unit_test(test_row_note),
	};

	return cmocka_run_group_tests_name("hold", tests, NULL, NULL);
}
