/* Unit tests: dut/flow.c - packet headers and the flow table. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "flow.h"

/* An IPv4 TCP packet from a:pa to b:pb. */
static size_t pkt4(uint8_t *p, uint32_t a, uint16_t pa, uint32_t b, uint16_t pb)
{
	memset(p, 0, 40);
	p[0] = 0x45;
	p[9] = 6;
	a = htonl(a);
	b = htonl(b);
	memcpy(p + 12, &a, 4);
	memcpy(p + 16, &b, 4);
	p[20] = (uint8_t)(pa >> 8);
	p[21] = (uint8_t)pa;
	p[22] = (uint8_t)(pb >> 8);
	p[23] = (uint8_t)pb;
	return 40;
}

static void test_flow_key(void **state)
{
	uint8_t p[64];
	struct flowkey k1, k2, k3;

	(void)state;
	assert_int_equal(flow_key(p, pkt4(p, 0x0a470101, 40000, 0x0a470201, 7171), &k1), 0);
	assert_int_equal(flow_key(p, pkt4(p, 0x0a470201, 7171, 0x0a470101, 40000), &k2), 0);
	assert_memory_equal(&k1, &k2, sizeof(k1));	/* both directions, one flow */
	assert_int_equal(flow_key(p, pkt4(p, 0x0a470101, 40001, 0x0a470201, 7171), &k3), 0);
	assert_memory_not_equal(&k1, &k3, sizeof(k1));
	assert_int_equal(k1.family, 4);
	assert_int_equal(k1.proto, 6);
	assert_int_equal(flow_key(p, 10, &k1), -1);	/* truncated */
	p[0] = 0x75;
	assert_int_equal(flow_key(p, 40, &k1), -1);	/* not IP */
	memset(p, 0, sizeof(p));
	p[0] = 0x60;
	p[6] = 6;
	assert_int_equal(flow_key(p, 60, &k1), 0);
	assert_int_equal(k1.family, 6);
}

static void test_flow_table(void **state)
{
	struct flowtab *t = flowtab_new(3, 1000);
	struct flowkey k[5];
	uint8_t p[64];
	int i;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < 5; i++)
		flow_key(p, pkt4(p, 0x0a000001, (uint16_t)(1000 + i), 0x0a000002, 80), &k[i]);
	assert_int_equal(flowtab_touch(t, &k[0], 0), FT_NEW);
	assert_int_equal(flowtab_touch(t, &k[1], 100), FT_NEW);
	assert_int_equal(flowtab_touch(t, &k[0], 200), FT_HIT);
	assert_int_equal(flowtab_touch(t, &k[2], 300), FT_NEW);
	assert_int_equal(flowtab_count(t), 3);
	assert_int_equal(flowtab_touch(t, &k[3], 400), FT_FULL);	/* table full */
	assert_int_equal(flowtab_count(t), 3);
	/* k[1] (last seen at 100) expires first at 1100; k[0] was seen at 200 */
	assert_int_equal(flowtab_touch(t, &k[3], 1100), FT_NEW);
	assert_int_equal(flowtab_touch(t, &k[1], 1100), FT_FULL);
	assert_int_equal(flowtab_touch(t, &k[0], 1150), FT_HIT);
	flowtab_expire(t, 5000);
	assert_int_equal(flowtab_count(t), 0);
	assert_int_equal(flowtab_peak(t), 3);
	assert_int_equal(flowtab_touch(t, &k[4], 5000), FT_NEW);
	flowtab_free(t);
	assert_null(flowtab_new(0, 1000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_key),
		cmocka_unit_test(test_flow_table),
	};

	return cmocka_run_group_tests_name("flow", tests, NULL, NULL);
}
