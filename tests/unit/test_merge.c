/* Unit tests: merge.c and jread.c - exact sums, split histograms, refusals. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli.h"
#include "client.h"
#include "jread.h"
#include "merge.h"
#include "report.h"

/* A client's round line, as connrate client --id id --rate rate writes it. */
static char *round_line(const char *id, const char *rate, const struct stats *s,
			int64_t start_ns)
{
	static struct config c;
	char a0[] = "client", a1[] = "--target", a2[] = "127.0.0.1:9", a3[] = "--rate",
	     a5[] = "--id", a7[] = "--threads", a8[] = "2", a4[32], a6[64];
	char *argv[] = { a0, a1, a2, a3, a4, a5, a6, a7, a8, NULL }, err[256], *buf = NULL;
	struct round_result *r = calloc(1, sizeof(*r));
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	snprintf(a4, sizeof(a4), "%s", rate);
	snprintf(a6, sizeof(a6), "%s", id);
	assert_int_equal(cli_parse(&c, MODE_CLIENT, 9, argv, err, sizeof(err)), 0);
	assert_int_equal(cli_validate(&c, err, sizeof(err)), 0);
	r->spec.rate_milli = c.rate_milli[0];
	r->spec.duration_ns = c.duration_ns;
	r->threads = 2;
	r->s = *s;
	r->elapsed_s = (double)c.duration_ns / 1e9;
	r->start_requested_ns = start_ns;
	r->start_actual_ns = start_ns + 1000 * (int64_t)strlen(id);
	r->cpu_wakeups = 100 * strlen(id);
	report_round_json(f, &c, r);
	fclose(f);
	cli_free(&c);
	free(r);
	return buf;
}

/* n outcomes of every kind, latencies drawn from a fixed stream. */
static void fill(struct stats *s, unsigned seed, unsigned n)
{
	unsigned i;

	stats_init(s);
	srand(seed);
	for (i = 0; i < n; i++) {
		uint64_t v = 10000 + (uint64_t)rand() % 5000000;

		s->started++;
		if (i % 97 == 0) {
			stats_fail(s, (enum outcome)(i % OUT__ERRORS), i % OUT__ERRORS == OUT_OTHER ? EHOSTUNREACH : 0);
			continue;
		}
		s->ok++;
		histo_add(&s->latency, v);
		histo_add(&s->connect, v / 3);
		histo_add(&s->lag, v / 100);
		histo_add(&s->ttfb, v / 2);
		s->bytes_sent += 7;
		s->bytes_received += 11;
	}
}

static void test_exact_sums(void **state)
{
	struct stats *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct merge_round *ra = malloc(sizeof(*ra)), *rb = malloc(sizeof(*rb));
	char *la, *lb, why[256];
	int i;

	(void)state;
	fill(a, 1, 30000);
	fill(b, 2, 17000);
	la = round_line("alpha", "1000", a, 1700000000000000000LL);
	lb = round_line("beta", "1000", b, 1700000000000000000LL);
	assert_int_equal(merge_parse_round(la, strlen(la), ra, why, sizeof(why)), 0);
	assert_int_equal(merge_parse_round(lb, strlen(lb), rb, why, sizeof(why)), 0);
	assert_string_equal(ra->host, "alpha");
	assert_int_equal(ra->s.started, a->started);
	assert_int_equal(merge_add(ra, rb, why, sizeof(why)), 0);
	assert_int_equal(ra->s.started, a->started + b->started);
	assert_int_equal(ra->s.ok, a->ok + b->ok);
	for (i = 0; i < OUT__ERRORS; i++)
		assert_int_equal(ra->s.err[i], a->err[i] + b->err[i]);
	assert_int_equal(ra->s.other[0].err, EHOSTUNREACH);
	assert_int_equal(ra->s.other[0].count, a->other[0].count + b->other[0].count);
	assert_int_equal(ra->s.bytes_sent, a->bytes_sent + b->bytes_sent);
	assert_int_equal(ra->s.bytes_received, a->bytes_received + b->bytes_received);
	assert_int_equal(ra->s.connect.count, a->connect.count + b->connect.count);
	assert_int_equal(ra->s.lag.count, a->lag.count + b->lag.count);
	assert_int_equal(ra->s.ttfb.count, a->ttfb.count + b->ttfb.count);
	assert_int_equal(ra->threads, 4);
	assert_true(ra->cpu_wakeups == 500 + 400);
	/* the union of the windows: beta (4 us late) began 1 us before alpha (5 us) */
	assert_int_equal(ra->start_actual_ns, 1700000000000000000LL + 4000);
	assert_true(ra->elapsed_s > 10.0000009 && ra->elapsed_s < 10.0000011);
	/* a round without wakeups (an older connrate): the sum has none either */
	{
		char *w = strstr(la, ",\"wakeups\":500");

		assert_non_null(w);
		memmove(w, w + strlen(",\"wakeups\":500"), strlen(w + strlen(",\"wakeups\":500")) + 1);
		assert_int_equal(merge_parse_round(la, strlen(la), ra, why, sizeof(why)), 0);
		assert_true(ra->cpu_wakeups < 0);
		assert_int_equal(merge_add(ra, rb, why, sizeof(why)), 0);
		assert_true(ra->cpu_wakeups < 0);
	}
	/* --batch: untimed answers are summed, the longest batch kept */
	{
		static const char *const ins[] = { "\"batch_us\":250.000,\"untimed\":7,",
						   "\"batch_us\":100.000,\"untimed\":3," };
		char *l[2] = { la, lb }, *m;
		int h;

		for (h = 0; h < 2; h++) {
			char *at = strstr(l[h], "\"interrupted\"");

			assert_non_null(at);
			m = malloc(strlen(l[h]) + strlen(ins[h]) + 1);
			sprintf(m, "%.*s%s%s", (int)(at - l[h]), l[h], ins[h], at);
			free(l[h]);
			l[h] = m;
		}
		la = l[0];
		lb = l[1];
		assert_int_equal(merge_parse_round(la, strlen(la), ra, why, sizeof(why)), 0);
		assert_int_equal(merge_parse_round(lb, strlen(lb), rb, why, sizeof(why)), 0);
		assert_int_equal(merge_add(ra, rb, why, sizeof(why)), 0);
		assert_true(ra->untimed == 10);
		assert_true(ra->batch_us == 250);
	}
	free(la); free(lb); free(a); free(b); free(ra); free(rb);
}

/* One host's samples dealt to three hosts merge back to the original. */
static void test_split_merges_back(void **state)
{
	struct stats *all = malloc(sizeof(*all)), *part = malloc(3 * sizeof(*part));
	struct merge_round *acc = malloc(sizeof(*acc)), *r = malloc(sizeof(*r));
	static const double q[] = { 0.5, 0.9, 0.99, 0.999 };
	static const char *const ids[] = { "h1", "h22", "h333" };
	char why[256], *line;
	unsigned i, k;

	(void)state;
	stats_init(all);
	for (k = 0; k < 3; k++)
		stats_init(&part[k]);
	srand(7);
	for (i = 0; i < 100000; i++) {
		uint64_t v = (uint64_t)(rand() % 10 ? 40000 + rand() % 20000 : rand() % 90000000);
		struct stats *p = &part[(unsigned)rand() % 3];

		histo_add(&all->latency, v);
		histo_add(&p->latency, v);
		all->started++, all->ok++, p->started++, p->ok++;
	}
	for (k = 0; k < 3; k++) {
		line = round_line(ids[k], "500", &part[k], 1700000000000000000LL);
		assert_int_equal(merge_parse_round(line, strlen(line), k ? r : acc, why, sizeof(why)), 0);
		if (k)
			assert_int_equal(merge_add(acc, r, why, sizeof(why)), 0);
		free(line);
	}
	assert_memory_equal(acc->s.latency.bucket, all->latency.bucket, sizeof(all->latency.bucket));
	assert_int_equal(acc->s.latency.count, all->latency.count);
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		assert_int_equal(histo_quantile(&acc->s.latency, q[i]),
				 histo_quantile(&all->latency, q[i]));
	free(all); free(part); free(acc); free(r);
}

static void test_refusals(void **state)
{
	struct stats *s = malloc(sizeof(*s));
	struct merge_round *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	char why[256], *la, *lb, *bad;
	size_t i;

	(void)state;
	fill(s, 3, 1000);
	la = round_line("a", "1000", s, 1700000000000000000LL);
	lb = round_line("b", "999", s, 1700000000000000000LL);
	assert_int_equal(merge_parse_round(la, strlen(la), a, why, sizeof(why)), 0);
	assert_int_equal(merge_parse_round(lb, strlen(lb), b, why, sizeof(why)), 0);
	assert_int_equal(merge_add(a, b, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "rate 999.000/s per host"));
	b->target_rate = a->target_rate;
	b->closed_loop = true;
	assert_int_equal(merge_add(a, b, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "mode concurrency"));
	/* a bucket bound that is not connrate's */
	bad = malloc(strlen(la) + 16);
	i = (size_t)(strstr(la, "\"buckets\":[[") + 12 - la);
	sprintf(bad, "%.*s10001%s", (int)i, la, strchr(la + i, ','));	/* 10001 % 64 != 63 */
	assert_int_equal(merge_parse_round(bad, strlen(bad), b, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "upper bound"));
	/* no host: a round of a connrate that cannot be merged */
	free(bad);
	bad = strdup("{\"type\":\"round\",\"mode\":\"rate\",\"target_rate\":1,"
		     "\"duration_s\":1,\"elapsed_s\":1,\"threads\":1}");
	assert_int_equal(merge_parse_round(bad, strlen(bad), b, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "\"host\""));
	/* counts that do not add up: more ok than started, a histogram short of ok */
	s->ok += s->started;
	free(bad);
	bad = round_line("c", "1000", s, 1700000000000000000LL);
	assert_int_equal(merge_parse_round(bad, strlen(bad), b, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "add up to more than started"));
	s->ok -= s->started + 1;
	free(bad);
	bad = round_line("c", "1000", s, 1700000000000000000LL);
	assert_int_equal(merge_parse_round(bad, strlen(bad), b, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "\"histogram\" holds"));
	assert_int_equal(merge_parse_round("{\"type\":\"round\"", 15, b, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not JSON"));
	free(la); free(lb); free(bad); free(s); free(a); free(b);
}

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/test_mergeXXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_files(void **state)
{
	struct stats *s = malloc(sizeof(*s));
	char *la = NULL, *lb, *lc, *fa, *fb, *fc, *fe, err[512], *out = NULL;
	const char *files[4];
	struct merge_opts o = { false };
	size_t len = 0;
	FILE *f;

	(void)state;
	fill(s, 4, 2000);
	la = round_line("a", "100", s, 1700000000000000000LL);
	lb = round_line("b", "100", s, 1700000000000000000LL);
	lc = round_line("a", "100", s, 1700000000000000000LL);
	fa = write_tmp(la), fb = write_tmp(lb), fc = write_tmp(lc), fe = write_tmp("");
	files[0] = fa, files[1] = fb;
	f = open_memstream(&out, &len);
	assert_int_equal(merge_files(files, 2, &o, f, NULL, err, sizeof(err)), 0);
	fclose(f);
	assert_non_null(strstr(out, "\"target_rate\":200.000"));
	assert_non_null(strstr(out, "\"started\":4000"));
	assert_non_null(strstr(out, "\"hosts_merged\":2"));
	assert_non_null(strstr(out, "\"missing\":[]"));
	free(out);
	files[1] = fc;		/* the same id twice */
	assert_int_equal(merge_files(files, 2, &o, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "host id 'a'"));
	files[1] = fb, files[2] = fe, files[3] = "/nonexistent/x.json";
	assert_int_equal(merge_files(files, 4, &o, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty file"));
	o.allow_missing = true;
	f = open_memstream(&out, &len);
	assert_int_equal(merge_files(files, 4, &o, f, NULL, err, sizeof(err)), 0);
	fclose(f);
	assert_non_null(strstr(out, "\"reason\":\"empty file\""));
	assert_non_null(strstr(out, "\"reason\":\"no such file\""));
	assert_non_null(strstr(out, "\"started\":4000"));
	free(out);
	/* a host cut off while writing its second round */
	{
		char *two = malloc(2 * strlen(la) + 1), *cut = malloc(strlen(lb) + 40);
		char *f2, *fcut;

		sprintf(two, "%s%s", la, la);
		sprintf(cut, "%s%.30s", lb, lb);
		f2 = write_tmp(two), fcut = write_tmp(cut);
		files[0] = f2, files[1] = fcut;
		o.allow_missing = false;
		assert_int_equal(merge_files(files, 2, &o, NULL, NULL, err, sizeof(err)), -1);
		assert_non_null(strstr(err, ":2: truncated"));
		o.allow_missing = true;
		f = open_memstream(&out, &len);
		assert_int_equal(merge_files(files, 2, &o, f, NULL, err, sizeof(err)), 0);
		fclose(f);
		assert_non_null(strstr(out, "\"hosts_merged\":2"));
		assert_non_null(strstr(strchr(out, '\n'), "\"reason\":\"file cut off while writing\""));
		free(out);
		unlink(f2); unlink(fcut);
		free(f2); free(fcut); free(two); free(cut);
	}
	unlink(fa); unlink(fb); unlink(fc); unlink(fe);
	free(fa); free(fb); free(fc); free(fe); free(la); free(lb); free(lc); free(s);
}

static void test_jread(void **state)
{
	static const char *const bad[] = {
		"", "{", "{\"a\"}", "{\"a\":}", "[1,]", "[01]", "\"\\x\"", "\"\\ud800\"",
		"[1] 2", "tru", "{\"a\":1,}", "\"a\nb\"", "-", "1.", "1e",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	};
	const char *t = "{\"k\":\"a\\u00e9\\ud83d\\ude00\\n\",\"n\":18446744073709551615,"
			"\"arr\":[true,false,null,-1.5e3],\"o\":{}}";
	struct jdoc d;
	uint64_t u;
	double v;
	size_t i;

	(void)state;
	assert_int_equal(jread_parse(t, strlen(t), &d), 0);
	assert_string_equal(jread_str(&d, &d.node[0], "k"), "a\xc3\xa9\xf0\x9f\x98\x80\n");
	assert_int_equal(jread_u64(jread_get(&d, &d.node[0], "n"), &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(jread_get(&d, &d.node[0], "arr")->count, 4);
	assert_int_equal(jread_num(jread_at(&d, jread_get(&d, &d.node[0], "arr"), 3), &v), 0);
	assert_true(v == -1500.0);
	assert_int_equal(jread_u64(jread_at(&d, jread_get(&d, &d.node[0], "arr"), 3), &u), -EINVAL);
	assert_null(jread_get(&d, &d.node[0], "missing"));
	jread_free(&d);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (jread_parse(bad[i], strlen(bad[i]), &d) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_sums),
		cmocka_unit_test(test_split_merges_back),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_jread),
	};

	return cmocka_run_group_tests_name("merge", tests, NULL, NULL);
}
