/* Unit tests: netns/nlwalk.c - the checked netlink walk, as bytes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "nlwalk.h"

struct seen {
	unsigned msgs, errors, attrs;
	uint32_t attr_sum;
	int fail_at;		/* the message whose callback fails (1-based), 0: none */
};

static int count_msg(const struct nlmsghdr *nlh, void *data)
{
	struct seen *s = data;

	(void)nlh;
	return ++s->msgs == (unsigned)s->fail_at ? -ECANCELED : 0;
}

static int count_err(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	((struct seen *)data)->errors++;
	return 0;
}

/* A message of type 100 with one u32 attribute per value; its length. */
static size_t put_msg(unsigned char *buf, uint32_t seq, uint32_t pid, const uint32_t *v, int n)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	int i;

	h->nlmsg_type = 100;
	h->nlmsg_seq = seq;
	h->nlmsg_pid = pid;
	for (i = 0; i < n; i++)
		mnl_attr_put_u32(h, (uint16_t)(i + 1), v[i]);
	return h->nlmsg_len;
}

static size_t put_ctl(unsigned char *buf, uint16_t type, int error)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);

	h->nlmsg_type = type;
	if (type == NLMSG_ERROR) {
		struct nlmsgerr *e = mnl_nlmsg_put_extra_header(h, sizeof(*e));

		e->error = error;
	} else {
		mnl_nlmsg_put_extra_header(h, 4);
	}
	return h->nlmsg_len;
}

static void test_walk_answer(void **state)
{
	static const uint32_t v[] = { 1, 2, 3 };
	unsigned char buf[512];
	struct seen s = { 0 };
	struct nlw w = { .seq = 7, .portid = 99, .cb = count_msg, .data = &s };
	size_t n = 0;

	(void)state;
	n += put_msg(buf + n, 7, 99, v, 3);
	n += put_msg(buf + n, 7, 99, v, 1);
	assert_int_equal(nlw_walk(buf, n, &w), NLW_MORE);	/* no DONE yet: read on */
	assert_int_equal(s.msgs, 2);
	n += put_ctl(buf + n, NLMSG_NOOP, 0);
	n += put_ctl(buf + n, NLMSG_DONE, 0);
	n += put_msg(buf + n, 7, 99, v, 1);	/* after DONE: not taken */
	s.msgs = 0;
	assert_int_equal(nlw_walk(buf, n, &w), NLW_DONE);
	assert_int_equal(s.msgs, 2);
	s.msgs = 0;
	s.fail_at = 2;
	assert_int_equal(nlw_walk(buf, n, &w), -ECANCELED);
	assert_int_equal(nlw_walk(buf, 0, &w), NLW_MORE);
}

static void test_walk_control(void **state)
{
	static const uint32_t v[] = { 1 };
	unsigned char buf[256];
	struct seen s = { 0 };
	struct nlw w = { .seq = 7, .portid = 99, .cb = count_msg, .data = &s };
	size_t n;

	(void)state;
	n = put_msg(buf, 7, 99, v, 1);
	n += put_ctl(buf + n, NLMSG_ERROR, 0);	/* an ACK ends it */
	assert_int_equal(nlw_walk(buf, n, &w), NLW_DONE);
	n = put_ctl(buf, NLMSG_ERROR, -EBUSY);
	assert_int_equal(nlw_walk(buf, n, &w), -EBUSY);
	w.on_error = count_err;	/* errors handed over: the walk goes on */
	n += put_msg(buf + n, 7, 99, v, 1);
	s.msgs = 0;
	assert_int_equal(nlw_walk(buf, n, &w), NLW_MORE);
	assert_int_equal(s.errors, 1);
	assert_int_equal(s.msgs, 1);
	/* an error message too short for its nlmsgerr */
	n = put_ctl(buf, NLMSG_ERROR, -EBUSY);
	((struct nlmsghdr *)buf)->nlmsg_len = 16;
	assert_int_equal(nlw_walk(buf, 16, &w), -EBADMSG);
	/* another request's answer, another socket's, an interrupted dump */
	n = put_msg(buf, 8, 99, v, 1);
	assert_int_equal(nlw_walk(buf, n, &w), -EPROTO);
	n = put_msg(buf, 7, 98, v, 1);
	assert_int_equal(nlw_walk(buf, n, &w), -ESRCH);
	w.seq = w.portid = 0;	/* 0: any, as the queue's packets come */
	assert_int_equal(nlw_walk(buf, n, &w), NLW_MORE);
	((struct nlmsghdr *)buf)->nlmsg_flags |= NLM_F_DUMP_INTR;
	assert_int_equal(nlw_walk(buf, n, &w), -EINTR);
}

/* Found by fuzz_netlink: a length of 2^31 or more once read past the end. */
static void test_hostile_length(void **state)
{
	static const unsigned char crash[] = {
		0x2c, 0x00, 0xfb, 0xff, 0x04, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0xf4, 0x00, 0x02, 0xf6, 0xff, 0xff, 0xff, 0x0a, 0x00, 0x00, 0x00,
	};
	unsigned char *copy = malloc(sizeof(crash));
	struct seen s = { 0 };
	struct nlw w = { .cb = count_msg, .data = &s };

	(void)state;
	memcpy(copy, crash, sizeof(crash));
	assert_false(nlw_ok((const void *)copy, sizeof(crash)));
	assert_int_equal(nlw_walk(copy, sizeof(crash), &w), -EBADMSG);
	assert_int_equal(s.msgs, 0);
	free(copy);
}

static void test_torn(void **state)
{
	static const uint32_t v[] = { 1, 2 };
	unsigned char buf[256];
	struct seen s = { 0 };
	struct nlw w = { .cb = count_msg, .data = &s };
	size_t n = put_msg(buf, 0, 0, v, 2);

	(void)state;
	assert_int_equal(nlw_walk(buf, n - 1, &w), -EBADMSG);	/* cut short */
	assert_int_equal(s.msgs, 0);
	((struct nlmsghdr *)buf)->nlmsg_len = 8;		/* shorter than a header */
	assert_int_equal(nlw_walk(buf, n, &w), -EBADMSG);
	assert_int_equal(s.msgs, 0);
	((struct nlmsghdr *)buf)->nlmsg_len = (uint32_t)n;
	assert_int_equal(nlw_walk(buf, n + 2, &w), -EBADMSG);	/* a tail too short for a header */
	assert_int_equal(s.msgs, 1);
}

/*
 * The kernel's packet messages end where the packet does: a 61-byte
 * payload leaves the message unaligned, and it is the last (only) one of
 * its read.  It must be taken, and its attributes walked within its own
 * length.
 */
static int sum_attr(const struct nlattr *a, void *data)
{
	struct seen *s = data;

	s->attrs++;
	if (mnl_attr_get_payload_len(a) == 4)
		s->attr_sum += mnl_attr_get_u32(a);
	return 0;
}

static int walk_attrs(const struct nlmsghdr *nlh, void *data)
{
	((struct seen *)data)->msgs++;
	return nlw_attr_walk(nlh, 0, sum_attr, data);
}

static void test_unaligned_last(void **state)
{
	unsigned char *buf = calloc(1, 256), odd[61];
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct seen s = { 0 };
	struct nlw w = { .cb = walk_attrs, .data = &s };
	unsigned char *copy;

	(void)state;
	h->nlmsg_type = 100;
	mnl_attr_put_u32(h, 1, 5);
	memset(odd, 0xab, sizeof(odd));
	mnl_attr_put(h, 2, sizeof(odd), odd);
	h->nlmsg_len -= 3;	/* as the kernel sends it: no padding after the payload */
	assert_int_equal(h->nlmsg_len % 4, 1);
	copy = malloc(h->nlmsg_len);	/* not a byte more */
	memcpy(copy, buf, h->nlmsg_len);
	assert_true(nlw_ok((const void *)copy, h->nlmsg_len));
	assert_int_equal(nlw_walk(copy, h->nlmsg_len, &w), NLW_MORE);
	assert_int_equal(s.msgs, 1);
	assert_int_equal(s.attrs, 2);
	assert_int_equal(s.attr_sum, 5);
	/* an attribute claiming the padding the message does not have */
	((struct nlattr *)(copy + 24))->nla_len = 4 + 64;
	assert_int_equal(nlw_walk(copy, ((struct nlmsghdr *)copy)->nlmsg_len, &w), -EBADMSG);
	free(copy);
	free(buf);
}

static void test_attr_bounds(void **state)
{
	static const uint32_t v[] = { 10, 20 };
	unsigned char buf[256];
	struct seen s = { 0 };
	size_t n = put_msg(buf, 0, 0, v, 2);
	struct nlattr *a = (struct nlattr *)(buf + 16);

	(void)state;
	assert_int_equal(nlw_attr_walk((const void *)buf, 0, sum_attr, &s), 0);
	assert_int_equal(s.attr_sum, 30);
	a->nla_len = 3;	/* shorter than its header */
	assert_int_equal(nlw_attr_walk((const void *)buf, 0, sum_attr, &s), -EBADMSG);
	a->nla_len = 0xfff0;	/* past the message */
	assert_int_equal(nlw_attr_walk((const void *)buf, 0, sum_attr, &s), -EBADMSG);
	a->nla_len = 8;
	/* a fixed header longer than the message */
	assert_int_equal(nlw_attr_walk((const void *)buf, n, sum_attr, &s), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_answer),
		cmocka_unit_test(test_walk_control),
		cmocka_unit_test(test_hostile_length),
		cmocka_unit_test(test_torn),
		cmocka_unit_test(test_unaligned_last),
		cmocka_unit_test(test_attr_bounds),
	};

	return cmocka_run_group_tests_name("nlwalk", tests, NULL, NULL);
}
