/* Unit tests: harness/results.c - reading runs, compare and gate on fixtures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>
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
	round_line(l, sizeof(l), "tuned", 10000, 10000, 900, 0);	/* the other round as it was */
	round_line(c, sizeof(c), "tuned", 5000, 5000, 2500, 0);	/* p99 x8, +2.2 ms */
	strcat(c, l);
	assert_int_equal(gate(b, c), 1);
	round_line(c, sizeof(c), "tuned", 5000, 5000, 700, 0);	/* p99 x2.3 but +0.4 ms: noise */
	strcat(c, l);
	assert_int_equal(gate(b, c), 0);
	round_line(c, sizeof(c), "tuned", 5000, 5000, 300, 500);	/* 5% errors */
	strcat(c, l);
	assert_int_equal(gate(b, c), 1);
	round_line(c, sizeof(c), "other", 5000, 5000, 300, 0);	/* nothing in common */
	assert_int_equal(gate(b, c), 2);
}

/* gate's table for base against cur, and its status in *rc. */
static char *gate_out(const char *base, const char *cur, int *rc)
{
	struct results *b = run_of(base, "base"), *c = run_of(cur, "cur");
	struct gate_opts o = GATE_DEFAULTS;
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*rc = results_gate(b, c, &o, f, err, sizeof(err));
	fclose(f);
	free(b);
	free(c);
	return buf;
}

/* A round of the baseline that the current run lacks or did not finish fails. */
static void test_gate_missing(void **state)
{
	char b[1024], c[1024], l[512], *out;
	int rc;

	(void)state;
	round_line(b, sizeof(b), "tuned", 2000, 2000, 300, 0);
	round_line(l, sizeof(l), "tuned", 8000, 8000, 900, 0);
	strcat(b, l);
	round_line(c, sizeof(c), "tuned", 2000, 2000, 300, 0);
	out = gate_out(b, c, &rc);
	assert_int_equal(rc, 1);
	if (!strstr(out, "8000/s") || !strstr(out, "missing in the current run"))
		fail_msg("%s", out);
	free(out);
	/* the 8000 round there, but interrupted */
	round_line(l, sizeof(l), "tuned", 8000, 3000, 900, 0);
	strcpy(strstr(l, "}}\n"), "},\"interrupted\":true}\n");
	strcat(c, l);
	out = gate_out(b, c, &rc);
	assert_int_equal(rc, 1);
	if (!strstr(out, "8000/s") || !strstr(out, "interrupted in the current run"))
		fail_msg("%s", out);
	free(out);
}

static void test_gate_knee(void **state)
{
	static const char base[] =
		"{\"type\":\"saturation\",\"profile\":\"tuned\",\"rate\":20000,\"reason\":\"errors\"}\n";
	static const char slow[] =
		"{\"type\":\"saturation\",\"profile\":\"tuned\",\"rate\":12000,\"reason\":\"slowdown\"}\n";

	(void)state;
	static const char none[] =
		"{\"type\":\"saturation\",\"profile\":\"other\",\"rate\":20000,\"reason\":\"errors\"}\n"
		"{\"type\":\"round\",\"profile\":\"tuned\",\"client\":{\"mode\":\"rate\","
		"\"target_rate\":1000,\"achieved_rate\":1000,\"started\":1000,"
		"\"latency_us\":{\"p50\":1,\"p99\":1},\"errors\":{}}}\n";
	char *out;
	int rc;

	(void)state;
	assert_int_equal(gate(base, base), 0);
	assert_int_equal(gate(base, slow), 1);
	/* the profile ran, but found no knee */
	out = gate_out(base, none, &rc);
	assert_int_equal(rc, 1);
	if (!strstr(out, "knee") || !strstr(out, "no knee in the current run"))
		fail_msg("%s", out);
	free(out);
}

static void test_gate_capacity(void **state)
{
	static const char base[] =
		"{\"type\":\"hold\",\"profile\":\"small\",\"client\":{\"target\":4000}}\n"
		"{\"type\":\"capacity\",\"profile\":\"small\",\"connections\":4096,\"reason\":\"open\"}\n";
	static const char near[] =
		"{\"type\":\"capacity\",\"profile\":\"small\",\"connections\":3900,\"reason\":\"open\"}\n";
	static const char less[] =
		"{\"type\":\"capacity\",\"profile\":\"small\",\"connections\":3000,\"reason\":\"answer\"}\n";
	static const char stopped[] =
		"{\"type\":\"capacity\",\"profile\":\"small\",\"connections\":2000,\"reason\":\"interrupted\"}\n";
	char *out;
	int rc;

	(void)state;
	assert_int_equal(gate(base, base), 0);
	assert_int_equal(gate(base, near), 0);	/* -4.8%: within 10% */
	out = gate_out(base, less, &rc);	/* -26.8% */
	assert_int_equal(rc, 1);
	if (!strstr(out, "capacity") || !strstr(out, "capacity dropped"))
		fail_msg("%s", out);
	free(out);
	out = gate_out(base, stopped, &rc);
	assert_int_equal(rc, 1);
	if (!strstr(out, "interrupted in the current run"))
		fail_msg("%s", out);
	free(out);
	/* a baseline of interrupted searches only: nothing to compare */
	assert_int_equal(gate(stopped, base), 2);
	/* compare: one line per capacity, no empty rate table */
	{
		struct results *r = run_of(base, "b");
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		results_compare(r, f);
		fclose(f);
		assert_string_equal(text, "capacity   small @ b: 4096 connections (open)\n");
		free(text);
		free(r);
	}
}

/* In line, the number after "name": becomes what kv says ("name":value). */
static void replace_number(char *line, const char *kv)
{
	char key[64], rest[1024], *at, *end;

	snprintf(key, sizeof(key), "%.*s", (int)(strchr(kv, ':') - kv + 1), kv);
	at = strstr(line, key);
	assert_non_null(at);
	end = at + strlen(key) + strcspn(at + strlen(key), ",}");
	snprintf(rest, sizeof(rest), "%s", end);
	sprintf(at, "%s%s", kv, rest);
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
	/* numbers no run writes: unusable, each named with file and line */
	static const char *const bad_num[][2] = {
		{ "\"achieved_rate\":NaN", "client.achieved_rate" },
		{ "\"achieved_rate\":1e400", "client.achieved_rate" },
		{ "\"achieved_rate\":-Infinity", "client.achieved_rate" },
		{ "\"achieved_rate\":1e30", "client.achieved_rate" },
		{ "\"target_rate\":NaN", "client.target_rate" },
		{ "\"p99\":NaN", "client.latency_us.p99" },
		{ "\"p50\":1e300", "client.latency_us.p50" },
		{ "\"timeout\":-3", "client.errors.timeout" },
		{ "\"timeout\":1.5", "client.errors.timeout" },
		{ "\"timeout\":\"x\"", "client.errors.timeout" },
	};
	char line[1024], text[2048];
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
	for (i = 0; i < sizeof(bad_num) / sizeof(bad_num[0]); i++) {
		/* a good line, then the same with one number replaced */
		round_line(text, sizeof(text), "x", 100, 100, 300, 2);
		round_line(line, sizeof(line), "x", 200, 100, 300, 2);
		replace_number(line, bad_num[i][0]);
		strcat(text, line);
		memset(r, 0, sizeof(*r));
		if (results_parse(text, strlen(text), "f", r, err, sizeof(err)) != -1)
			fail_msg("accepted %s", bad_num[i][0]);
		if (strncmp(err, "f:2: ", 5) || !strstr(err, bad_num[i][1]))
			fail_msg("%s: got '%s'", bad_num[i][0], err);
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

/* A round line longer than any fixed buffer still gives its diagnosis. */
static void test_summary_long_line(void **state)
{
	char dir[] = "/tmp/crsumXXXXXX", path[64], *line, *text;
	size_t i, len, pad = 100000;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rounds.jsonl", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	line = malloc(pad + 1);
	for (i = 0; i < pad; i++)
		line[i] = i % 2 ? ',' : '1';
	line[pad - 1] = '1';
	line[pad] = '\0';
	fprintf(f, "{\"type\":\"round\",\"profile\":\"tuned\",\"client\":{\"mode\":\"rate\","
		   "\"target_rate\":5000,\"achieved_rate\":4000,\"started\":10000,"
		   "\"latency_us\":{\"p50\":100,\"p99\":900},\"errors\":{\"timeout\":3},"
		   "\"histogram\":[%s]},\"diagnosis\":[\"the marker of why\"]}\n", line);
	fclose(f);
	free(line);
	assert_int_equal(results_summary(dir), 0);
	snprintf(path, sizeof(path), "%s/summary.txt", dir);
	text = slurp(path, &len);
	if (!strstr(text, "[tuned] 5000/s:\n    the marker of why\n"))
		fail_msg("summary.txt: %s", text);
	free(text);
	unlink(path);
	snprintf(path, sizeof(path), "%s/rounds.jsonl", dir);
	unlink(path);
	rmdir(dir);
}

static void test_fmt_us(void **state)
{
	char b[24];

	(void)state;
	assert_string_equal(results_fmt_us(12.34, b, sizeof(b)), "12.3us");
	assert_string_equal(results_fmt_us(1250, b, sizeof(b)), "1.25ms");
	assert_string_equal(results_fmt_us(2.5e6, b, sizeof(b)), "2.50s");
	assert_string_equal(results_fmt_us(0.85, b, sizeof(b)), "850ns");
	assert_string_equal(results_fmt_us(-1, b, sizeof(b)), "-");
	assert_string_equal(results_fmt_us(NAN, b, sizeof(b)), "-");
	assert_string_equal(results_fmt_us(INFINITY, b, sizeof(b)), "-");
}

/* The time to first byte has a column of its own: a figure, or - without one. */
static void test_ttfb_column(void **state)
{
	const char *lines =
		"{\"type\":\"round\",\"profile\":\"tuned\",\"client\":{\"mode\":\"rate\","
		"\"target_rate\":5000,\"achieved_rate\":5000,\"started\":10000,"
		"\"latency_us\":{\"p50\":100,\"p99\":900},\"ttfb_us\":{\"p50\":4321},"
		"\"errors\":{\"timeout\":0}}}\n"
		"{\"type\":\"round\",\"profile\":\"tuned\",\"client\":{\"mode\":\"rate\","
		"\"target_rate\":6000,\"achieved_rate\":6000,\"started\":10000,"
		"\"latency_us\":{\"p50\":100,\"p99\":900},\"errors\":{\"timeout\":0}}}\n"
		"{\"type\":\"round\",\"profile\":\"tuned\",\"client\":{\"mode\":\"rate\","
		"\"target_rate\":7000,\"achieved_rate\":7000,\"started\":10000,"
		"\"latency_us\":{\"p50\":100,\"p99\":900},\"ttfb_us\":{\"p50\":0},"
		"\"errors\":{\"timeout\":0}}}\n";
	struct results *r = run_of(lines, "run");
	char *buf = NULL, *row;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(r->nrows, 3);
	assert_true(r->row[0].ttfb_p50_us == 4321);
	assert_true(isnan(r->row[1].ttfb_p50_us));
	assert_true(isnan(r->row[2].ttfb_p50_us));	/* 0: no answer bytes */
	results_compare(r, f);
	fclose(f);
	if (!strstr(buf, "ttfb p50"))
		fail_msg("compare: %s", buf);
	row = strstr(buf, "5000/s");
	assert_non_null(row);
	if (!strstr(row, "4.32ms"))
		fail_msg("compare: %s", buf);
	row = strstr(buf, "6000/s");
	assert_non_null(row);
	assert_non_null(strstr(row, "    900us        -"));
	row = strstr(buf, "7000/s");
	assert_non_null(row);
	assert_non_null(strstr(row, "    900us        -"));
	free(buf);
	free(r);
}

/* More rounds than compare and gate take: the limit is named. */
static void test_too_many(void **state)
{
	struct results *r = calloc(1, sizeof(*r));
	char line[512], err[256], *text = malloc((RESULTS_MAX_ROWS + 1) * sizeof(line));
	size_t len = 0;
	unsigned i;

	(void)state;
	for (i = 0; i <= RESULTS_MAX_ROWS; i++) {
		round_line(line, sizeof(line), "x", 100 + i, 100, 300, 0);
		memcpy(text + len, line, strlen(line));
		len += strlen(line);
	}
	assert_int_equal(results_parse(text, len, "f", r, err, sizeof(err)), -1);
	if (!strstr(err, "f:4097: ") || !strstr(err, "more than 4096 rounds"))
		fail_msg("got '%s'", err);
	free(text);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gate),
		cmocka_unit_test(test_gate_missing),
		cmocka_unit_test(test_gate_knee),
		cmocka_unit_test(test_gate_capacity),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_summary_long_line),
		cmocka_unit_test(test_ttfb_column),
		cmocka_unit_test(test_fmt_us),
	};

	return cmocka_run_group_tests_name("results", tests, NULL, NULL);
}
