/* Unit tests: harness/results.c - reading runs, compare and gate on fixtures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "counters.h"
#include "results.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 20);

	assert_non_null(f);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* A round line of profile p at rate r with ok/s a, p99 q (us) and errors e. */
static void round_line(char *out, size_t len, const char *p, double r, double a,
		       double q, unsigned e)
{
	snprintf(out, len,
		 "{\"type\":\"round\",\"profile\":\"%s\",\"client\":{\"mode\":\"rate\","
		 "\"target_rate\":%.0f,\"achieved_rate\":%.1f,\"started\":10000,"
		 "\"latency_us\":{\"p50\":100,\"p99\":%.1f},\"errors\":{\"timeout\":%u}}}\n",
		 p, r, a, q, e);
}

static struct results *run_of(const char *lines, const char *name)
{
	struct results *r = calloc(1, sizeof(*r));
	char err[256];

	if (results_parse(lines, strlen(lines), name, r, err, sizeof(err)))
		fail_msg("%s", err);
	return r;
}

static int gate(const char *base, const char *cur)
{
	struct results *b = run_of(base, "base"), *c = run_of(cur, "cur");
	struct gate_opts o = GATE_DEFAULTS;
	char err[256];
	FILE *devnull = fopen("/dev/null", "w");
	int rc = results_gate(b, c, &o, devnull, err, sizeof(err));

	fclose(devnull);
	free(b);
	free(c);
	return rc;
}

static void test_gate(void **state)
{
	char b[1024], c[1024], l[512];

	(void)state;
	round_line(b, sizeof(b), "tuned", 5000, 5000, 300, 0);
	round_line(l, sizeof(l), "tuned", 10000, 10000, 900, 0);
	strcat(b, l);
	assert_int_equal(gate(b, b), 0);			/* itself */
	round_line(c, sizeof(c), "tuned", 5000, 4700, 500, 0);	/* -6%: within */
	round_line(l, sizeof(l), "tuned", 10000, 9500, 1300, 0);
	strcat(c, l);
	assert_int_equal(gate(b, c), 0);
	round_line(c, sizeof(c), "tuned", 5000, 5000, 300, 0);
	round_line(l, sizeof(l), "tuned", 10000, 8000, 900, 0);	/* -20% */
	strcat(c, l);
	assert_int_equal(gate(b, c), 1);
	round_line(c, sizeof(c), "tuned", 5000, 5000, 2500, 0);	/* p99 x8, +2.2 ms */
	assert_int_equal(gate(b, c), 1);
	round_line(c, sizeof(c), "tuned", 5000, 5000, 700, 0);	/* p99 x2.3 but +0.4 ms: noise */
	assert_int_equal(gate(b, c), 0);
	round_line(c, sizeof(c), "tuned", 5000, 5000, 300, 500);	/* 5% errors */
	assert_int_equal(gate(b, c), 1);
	round_line(c, sizeof(c), "other", 5000, 5000, 300, 0);	/* nothing in common */
	assert_int_equal(gate(b, c), 2);
}

static void test_gate_knee(void **state)
{
	static const char base[] =
		"{\"type\":\"saturation\",\"profile\":\"tuned\",\"rate\":20000,\"reason\":\"errors\"}\n";
	static const char slow[] =
		"{\"type\":\"saturation\",\"profile\":\"tuned\",\"rate\":12000,\"reason\":\"slowdown\"}\n";

	(void)state;
	assert_int_equal(gate(base, base), 0);
	assert_int_equal(gate(base, slow), 1);
}

static void test_bad_files(void **state)
{
	static const char *const bad[] = {
		"{\"type\":\"round\"",			/* truncated */
		"hello\n",				/* not JSON */
		"[1,2]\n",				/* not an object */
		"{\"type\":\"round\",\"profile\":\"x\"}\n",	/* no client */
		"{\"type\":\"round\",\"profile\":\"x\",\"client\":{\"mode\":\"rate\"}}\n",
		"",					/* no rounds */
		"{\"type\":\"run\"}\n",			/* no rounds either */
		/* started out of any integer's range (found by fuzz_results) */
		"{\"type\":\"round\",\"profile\":\"x\",\"client\":{\"mode\":\"rate\","
		"\"target_rate\":1,\"achieved_rate\":1,\"started\":1e300,"
		"\"latency_us\":{\"p50\":1,\"p99\":1},\"errors\":{}}}\n",
		"{\"type\":\"round\",\"profile\":\"x\",\"client\":{\"mode\":\"rate\","
		"\"target_rate\":1,\"achieved_rate\":1,\"started\":-5,"
		"\"latency_us\":{\"p50\":1,\"p99\":1},\"errors\":{}}}\n",
	};
	struct results *r = calloc(1, sizeof(*r));
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(r, 0, sizeof(*r));
		if (results_parse(bad[i], strlen(bad[i]), "f", r, err, sizeof(err)) != -1)
			fail_msg("accepted bad file %zu", i);
		assert_non_null(strstr(err, "f"));
	}
	free(r);
}

static void test_fixtures(void **state)
{
	struct results *r = calloc(1, sizeof(*r));
	struct nstat *s = calloc(1, sizeof(*s));
	struct ctstats ct = { 0 };
	char err[256], *text;
	size_t len;

	(void)state;
	/* a real run's rounds.jsonl */
	text = slurp("tests/fixtures/rounds.jsonl", &len);
	assert_int_equal(results_parse(text, len, "fx", r, err, sizeof(err)), 0);
	assert_int_equal(r->nrows, 2);
	assert_int_equal(r->nsat, 1);
	assert_true(r->row[0].achieved > 0);
	free(text);
	/* /proc/net/snmp and netstat as a kernel wrote them */
	text = slurp("tests/fixtures/snmp.txt", &len);
	assert_int_equal(counters_parse_snmp(text, s), 0);
	free(text);
	text = slurp("tests/fixtures/netstat.txt", &len);
	assert_int_equal(counters_parse_snmp(text, s), 0);
	free(text);
	assert_true(nstat_get(s, "TcpActiveOpens") >= 0);
	assert_true(s->n > 100);
	/* netlink answers as bytes */
	text = slurp("tests/fixtures/ct-stats.bin", &len);
	assert_int_equal(counters_parse_ct(text, len, &ct), 0);
	assert_int_equal(ct.found, 15);
	assert_int_equal(ct.count, 4000);
	free(text);
	free(s);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gate),
		cmocka_unit_test(test_gate_knee),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_fixtures),
	};

	return cmocka_run_group_tests_name("results", tests, NULL, NULL);
}
