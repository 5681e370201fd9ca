/*
 * Unit tests: harness/page.c - report.html from real runs kept as
 * fixtures: the page's table read back cell by cell against rounds.jsonl,
 * the plots' series counted, the answer checked, nothing fetched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "page.h"

#define FIX "tests/fixtures/"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The page of dir, as text. */
static char *page_of(const char *dir)
{
	char path[] = "/tmp/crpageXXXXXX", file[64], err[512];
	char *html;
	const char *dirs[1] = { dir };

	assert_non_null(mkdtemp(path));
	snprintf(file, sizeof(file), "%s/report.html", path);
	if (page_write(file, dirs, 1, err, sizeof(err)))
		fail_msg("%s", err);
	html = slurp(file);
	unlink(file);
	rmdir(path);
	return html;
}

/* The round records of dir/rounds.jsonl, in order. */
static unsigned rounds_of(const char *dir, json_object **out, unsigned max)
{
	char path[256], *text, *line, *save = NULL;
	unsigned n = 0;

	snprintf(path, sizeof(path), "%s/rounds.jsonl", dir);
	text = slurp(path);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_object *o = json_tokener_parse(line), *t;

		if (o && json_object_object_get_ex(o, "type", &t) &&
		    !strcmp(json_object_get_string(t), "round") && n < max)
			out[n++] = o;
		else
			json_object_put(o);
	}
	free(text);
	return n;
}

static double jd(json_object *o, const char *a, const char *b)
{
	json_object *x;

	assert_true(json_object_object_get_ex(o, a, &x));
	if (b)
		assert_true(json_object_object_get_ex(x, b, &x));
	return json_object_get_double(x);
}

/* The text of cell class cls in row [row, end): tags dropped; NULL when absent. */
static char *cell(const char *row, const char *end, const char *cls, char *buf, size_t len)
{
	char key[64];
	const char *p, *q;
	size_t n = 0;
	int depth = 0;

	snprintf(key, sizeof(key), "<td class=\"%s\">", cls);
	p = strstr(row, key);
	if (!p || p > end)
		return NULL;
	p += strlen(key);
	q = strstr(p, "</td>");
	for (; p < q && n + 1 < len; p++) {
		if (*p == '<')
			depth++;
		else if (*p == '>')
			depth--;
		else if (!depth)
			buf[n++] = *p;
	}
	buf[n] = '\0';
	return buf;
}

/* "70.4us", "1.23s", "6.60ms", "950ns" in microseconds. */
static double us_of(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (!strcmp(end, "ns"))
		return v / 1000;
	if (!strcmp(end, "us"))
		return v;
	if (!strcmp(end, "ms"))
		return v * 1000;
	if (!strcmp(end, "s"))
		return v * 1e6;
	fail_msg("not a time: '%s'", s);
	return 0;
}

/* Within the rounding of units_fmt_ns: three significant digits. */
static void assert_us(const char *cellt, double want)
{
	double got = us_of(cellt);

	if (fabs(got - want) > 0.006 * want + 0.06)
		fail_msg("cell '%s' is %.3f us, rounds.jsonl says %.3f us", cellt, got, want);
}

static uint64_t error_sum(json_object *c)
{
	json_object *e;
	uint64_t n = 0;

	assert_true(json_object_object_get_ex(c, "errors", &e));
	json_object_object_foreach(e, k, v) {
		(void)k;
		n += (uint64_t)json_object_get_int64(v);
	}
	return n;
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (; (s = strstr(s, what)); s += strlen(what))
		n++;
	return n;
}

/* Every table row against its round record, in order. */
static void check_table(const char *html, json_object **r, unsigned n)
{
	const char *row = html;
	char buf[4096];
	unsigned i;

	assert_int_equal(count(html, "<tr class=\"round "), n);
	for (i = 0; i < n; i++) {
		json_object *c, *d;
		const char *end;
		double target = jd(r[i], "client", "target_rate");
		double ach = jd(r[i], "client", "achieved_rate");
		uint64_t errs;
		bool failed;

		row = strstr(row, "<tr class=\"round ");
		end = strstr(row, "</tr>");
		assert_true(json_object_object_get_ex(r[i], "client", &c));
		errs = error_sum(c);
		assert_non_null(cell(row, end, "offered", buf, sizeof(buf)));
		assert_true(fabs(strtod(buf, NULL) - target) < 0.5);
		assert_non_null(cell(row, end, "achieved", buf, sizeof(buf)));
		assert_true(fabs(strtod(buf, NULL) - ach) <= 0.051);
		assert_non_null(cell(row, end, "started", buf, sizeof(buf)));
		assert_int_equal(strtoull(buf, NULL, 10), (uint64_t)jd(c, "started", NULL));
		assert_non_null(cell(row, end, "errors", buf, sizeof(buf)));
		assert_int_equal(strtoull(buf, NULL, 10), errs);
		if (jd(c, "ok", NULL) > 0) {
			assert_us(cell(row, end, "p50", buf, sizeof(buf)), jd(c, "latency_us", "p50"));
			assert_us(cell(row, end, "p99", buf, sizeof(buf)), jd(c, "latency_us", "p99"));
			assert_us(cell(row, end, "connect", buf, sizeof(buf)), jd(c, "connect_us", "p50"));
		} else {	/* no connection ended ok: no time */
			assert_string_equal(cell(row, end, "p50", buf, sizeof(buf)), "-");
			assert_string_equal(cell(row, end, "p99", buf, sizeof(buf)), "-");
			assert_string_equal(cell(row, end, "connect", buf, sizeof(buf)), "-");
		}
		/* the page's verdict against one computed here from the record */
		failed = errs > 0 || ach < 0.95 * target;
		assert_non_null(cell(row, end, "status", buf, sizeof(buf)));
		assert_int_equal(strstr(buf, "failed") != NULL, failed);
		assert_int_equal(strncmp(row, "<tr class=\"round failed\"", 24) == 0, failed);
		/* every diagnosis line beside its round */
		assert_true(json_object_object_get_ex(r[i], "diagnosis", &d));
		{	/* in the row under the round's, before the next round */
			const char *w = end, *next = strstr(end, "<tr class=\"round ");
			size_t li = 0;

			if (!next)
				next = strstr(end, "</tbody>");
			while ((w = strstr(w, "<li>")) && w < next) {
				li++;
				w += 4;
			}
			assert_int_equal(li, json_object_array_length(d));
			if (li)
				assert_non_null(strstr(end, "<tr class=\"diagnosis "));
		}
		row = end;
	}
}

/*
 * Distinct (profile, build) columns, and distinct (column, offered rate)
 * pairs where some connection ended ok (those get distribution curves).
 */
static void shape(json_object **r, unsigned n, unsigned *ncol, unsigned *npairs)
{
	char cols[32][96], pairs[64][128];
	unsigned i, k;

	*ncol = *npairs = 0;
	for (i = 0; i < n; i++) {
		json_object *b;
		char key[96], pair[128];

		snprintf(key, sizeof(key), "%s/%s",
			 json_object_get_string(json_object_object_get(r[i], "profile")),
			 json_object_object_get_ex(r[i], "build", &b) ? json_object_get_string(b) : "");
		for (k = 0; k < *ncol && strcmp(cols[k], key); k++)
			;
		if (k == *ncol)
			snprintf(cols[(*ncol)++], sizeof(cols[0]), "%s", key);
		if (!(jd(r[i], "client", "ok") > 0))
			continue;
		snprintf(pair, sizeof(pair), "%s@%.3f", key, jd(r[i], "client", "target_rate"));
		for (k = 0; k < *npairs && strcmp(pairs[k], pair); k++)
			;
		if (k == *npairs)
			snprintf(pairs[(*npairs)++], sizeof(pairs[0]), "%s", pair);
	}
}

/* Nothing the page would fetch: no script, stylesheet link, image or URL but SVG's namespace. */
static void check_offline(const char *html)
{
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "<link"));
	assert_null(strstr(html, "<img"));
	assert_null(strstr(html, " src="));
	assert_null(strstr(html, "url("));
	assert_null(strstr(html, "@import"));
	assert_int_equal(count(html, "http"), count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
}

static void check_dir(const char *dir)
{
	json_object *r[64];
	unsigned n = rounds_of(dir, r, 64), ncol, npairs, i;
	char *html = page_of(dir);

	assert_true(n > 0);
	check_table(html, r, n);
	check_offline(html);
	shape(r, n, &ncol, &npairs);
	/* achieved (1 a column), p50 and p99 (2), then per rate latency and connect (2) */
	assert_int_equal(count(html, "<path class=\"series "), 3 * ncol + 2 * npairs);
	assert_int_equal(count(html, "<path class=\"guide "), 1);
	for (i = 0; i < n; i++)
		json_object_put(r[i]);
	free(html);
}

static void test_demo_page(void **state)
{
	(void)state;
	check_dir(FIX "report-demo");
}

static void test_builds_page(void **state)
{
	char *html = page_of(FIX "report-ab");

	(void)state;
	check_dir(FIX "report-ab");
	/* builds: the gate's table and a shift sentence per rate */
	assert_non_null(strstr(html, "<section id=\"builds\">"));
	assert_non_null(strstr(html, "connect_p50"));
	assert_int_equal(count(html, "<li class=\"shift\">"), 2);
	assert_non_null(strstr(html, "<th>repeat</th>"));
	free(html);
}

/* The answer: per profile the highest rate whose every round was clean, from the records. */
static void test_answer(void **state)
{
	json_object *r[64];
	unsigned n = rounds_of(FIX "report-demo", r, 64), i, k;
	char *html = page_of(FIX "report-demo"), want[160];
	const char *profiles[2] = { "default", "tuned" };

	(void)state;
	for (k = 0; k < 2; k++) {
		double best = -1, worst_failed = 0;
		const char *li;

		for (i = 0; i < n; i++) {
			double t = jd(r[i], "client", "target_rate");
			bool bad = error_sum(json_object_object_get(r[i], "client")) ||
				   jd(r[i], "client", "achieved_rate") < 0.95 * t;

			if (strcmp(json_object_get_string(json_object_object_get(r[i], "profile")),
				   profiles[k]))
				continue;
			if (bad)
				worst_failed = fmax(worst_failed, t);
			else
				best = fmax(best, t);
		}
		assert_true(best > 0);
		snprintf(want, sizeof(want), "<b>%s</b>: %s <b>%.0f/s</b>", profiles[k],
			 worst_failed ? "highest clean rate" : "clean at every offered rate, up to", best);
		li = strstr(html, want);
		if (!li)
			fail_msg("no '%s' in the answer", want);
		assert_true(li < strstr(html, "<section id=\"rates\">"));
	}
	for (i = 0; i < n; i++)
		json_object_put(r[i]);
	free(html);
}

/* Errors: the row failed, its classes listed, the diagnosis with the counter it names. */
static void test_errors_page(void **state)
{
	char *html = page_of(FIX "report-errs");
	const char *row;

	(void)state;
	check_dir(FIX "report-errs");
	row = strstr(html, "<tr class=\"round failed\">");
	assert_non_null(row);
	assert_non_null(strstr(row, "&#x2717; failed"));
	assert_non_null(strstr(html, "% errors</text>"));	/* the ring on the achieved plot */
	{	/* the failed round's numbers, from its record */
		json_object *r[8], *c;
		unsigned n = rounds_of(FIX "report-errs", r, 8), i;
		char want[160];

		assert_int_equal(n, 2);
		assert_true(json_object_object_get_ex(r[1], "counters", &c));
		assert_true(json_object_object_get_ex(c, "dut", &c));
		assert_true(json_object_object_get_ex(c, "sim", &c));
		snprintf(want, sizeof(want), "based on connrate-dut dropped.table_full %+.0f",
			 jd(c, "dropped", "table_full"));
		assert_non_null(strstr(row, want));
		assert_true(json_object_object_get_ex(r[1], "client", &c));
		snprintf(want, sizeof(want), "failed (%llu of %.0f)",
			 (unsigned long long)error_sum(c), jd(c, "started", NULL));
		assert_non_null(strstr(html, want));
		for (i = 0; i < n; i++)
			json_object_put(r[i]);
	}
	/* a limit is not a delta: no conntrack max cited */
	assert_null(strstr(html, " max +"));
	free(html);
}

/*
 * A run where the dut's conntrack table was full: every round failed, one
 * with no connection ok; the diagnosis cites the conntrack deltas.
 */
static void test_full_table_page(void **state)
{
	char *html = page_of(FIX "report-full");

	(void)state;
	check_dir(FIX "report-full");
	assert_int_equal(count(html, "<tr class=\"round failed\">"), count(html, "<tr class=\"round "));
	assert_non_null(strstr(html, "<b>default</b>: <b>no clean rate</b>"));
	assert_non_null(strstr(html, "based on dut drop +"));
	assert_non_null(strstr(html, ">100% errors</text>"));
	assert_null(strstr(html, "e+02"));
	/* default at 12000/s: nothing ok, so no curve, and the figure says so */
	assert_non_null(strstr(html, "<figcaption>No curve for <b>default</b>: no connection ended ok"));
	free(html);
}

/* A knee: the answer names it and why the next rate failed, from the record. */
static void test_knee_page(void **state)
{
	char *html = page_of(FIX "report-knee");

	(void)state;
	check_dir(FIX "report-knee");
	assert_non_null(strstr(html, "<b>tuned</b>: knee at <b>1000/s</b>; the next rate, 2000/s, "
				     "failed: client (the client itself fell behind"));
	free(html);
}

/* A capacity run: its capacity is the answer, and no empty table of rate rounds. */
static void test_capacity_page(void **state)
{
	char *html = page_of(FIX "report-capacity");

	(void)state;
	if (!strstr(html, "capacity <b>default</b>: <b>400 connections</b> held at once; limit ("))
		fail_msg("no capacity in the answer");
	assert_null(strstr(html, "<table class=\"rounds\""));
	assert_null(strstr(html, "A round is clean when"));
	free(html);
}

/* One error in a round that achieved its rate still makes the round fail. */
static void test_one_error_fails(void **state)
{
	char dir[] = "/tmp/crpageXXXXXX", path[96], err[512], *html;
	const char *dirs[1] = { dir };
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rounds.jsonl", dir);
	f = fopen(path, "w");
	fputs("{\"type\":\"round\",\"profile\":\"x\",\"client\":{\"mode\":\"rate\",\"target_rate\":1000,"
	      "\"achieved_rate\":999,\"started\":1000,\"latency_us\":{\"p50\":10,\"p99\":20},"
	      "\"errors\":{\"timeout\":1}},\"diagnosis\":[]}\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/report.html", dir);
	if (page_write(path, dirs, 1, err, sizeof(err)))
		fail_msg("%s", err);
	html = slurp(path);
	assert_non_null(strstr(html, "<tr class=\"round failed\">"));
	assert_non_null(strstr(html, "<td class=\"errors\">1 (timeout 1)</td>"));
	assert_non_null(strstr(html, "<b>no clean rate</b>; at 1000/s, 0.1% of connections failed (1 of 1000)"));
	free(html);
	unlink(path);
	snprintf(path, sizeof(path), "%s/rounds.jsonl", dir);
	unlink(path);
	rmdir(dir);
}

/*
 * Parts of a record the page reads leniently (results.h does not check
 * them) in shapes no run writes: a bucket that is no pair (the fuzzer's
 * first find), null sentences, a sysctl role that is no object, a null
 * type and option.  The page is written, the round's row is there.
 */
static void test_odd_shapes(void **state)
{
	char dir[] = "/tmp/crpageXXXXXX", path[96], err[512], *html;
	const char *dirs[1] = { dir };
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rounds.jsonl", dir);
	f = fopen(path, "w");
	fputs("{\"type\":null}\n"
	      "{\"type\":\"round\",\"profile\":\"x\",\"client\":{\"mode\":\"rate\",\"target_rate\":1000,"
	      "\"achieved_rate\":1000,\"started\":1000,\"ok\":1000,\"latency_us\":{\"p50\":10,\"p99\":20},"
	      "\"connect_us\":{\"p50\":5,\"p90\":\"x\",\"p99\":null},\"errors\":{},"
	      "\"histogram\":{\"unit\":\"ns\",\"buckets\":[1,[2],\"x\",null,[-5,3],[\"a\",1],[1e400,1],[9000,10]]}},"
	      "\"diagnosis\":[null,5,\"client has TcpExtListenOverflows\"],\"sysctl\":{\"client\":3,\"server\":{\"k\":null}}}\n",
	      f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/run.json", dir);
	f = fopen(path, "w");
	fputs("{\"options\":[null,\"run\"],\"profiles\":[1,{\"name\":null}],\"cpu\":7}\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/report.html", dir);
	if (page_write(path, dirs, 1, err, sizeof(err)))
		fail_msg("%s", err);
	html = slurp(path);
	assert_int_equal(count(html, "<tr class=\"round "), 1);
	assert_int_equal(count(html, "<path class=\"series s0\""), 4);	/* one bucket left: a curve */
	free(html);
	unlink(path);
	snprintf(path, sizeof(path), "%s/run.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/rounds.jsonl", dir);
	unlink(path);
	rmdir(dir);
}

/* A broken rounds.jsonl: refused with the file and line, no page left behind. */
static void test_bad_input(void **state)
{
	char dir[] = "/tmp/crpageXXXXXX", path[96], err[512];
	const char *dirs[1] = { dir };
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rounds.jsonl", dir);
	f = fopen(path, "w");
	fputs("{\"type\":\"round\",\"profile\":\"x\",\"client\":{\"mode\":\"rate\",\"target_rate\":1,"
	      "\"achieved_rate\":1,\"started\":1,\"latency_us\":{\"p50\":1,\"p99\":1},\"errors\":{}}}\n"
	      "{not json\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/report.html", dir);
	assert_int_equal(page_write(path, dirs, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "rounds.jsonl:2: not a JSON object"));
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/report.html.tmp", dir);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/rounds.jsonl", dir);
	unlink(path);
	rmdir(dir);
}

/* Two runs: one page, columns labelled by run, one "how" part each. */
static void test_compare_two(void **state)
{
	char path[] = "/tmp/crpageXXXXXX", file[64], err[512], *html;
	const char *dirs[2] = { FIX "report-demo", FIX "report-ab" };

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(file, sizeof(file), "%s/compare.html", path);
	if (page_write(file, dirs, 2, err, sizeof(err)))
		fail_msg("%s", err);
	html = slurp(file);
	assert_non_null(strstr(html, "<h1>Comparison of"));
	assert_non_null(strstr(html, "<th>run</th>"));
	assert_non_null(strstr(html, "default @ report-demo"));
	assert_int_equal(count(html, "<table class=\"facts\">"), 2);
	check_offline(html);
	free(html);
	unlink(file);
	rmdir(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_page),
		cmocka_unit_test(test_builds_page),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_errors_page),
		cmocka_unit_test(test_knee_page),
		cmocka_unit_test(test_capacity_page),
		cmocka_unit_test(test_full_table_page),
		cmocka_unit_test(test_one_error_fails),
		cmocka_unit_test(test_odd_shapes),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_compare_two),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
