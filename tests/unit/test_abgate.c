/*
 * Unit tests: harness/abgate.c - the gate over repeats, paired or
 * interleaved, on records written as the lab writes them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "abgate.h"
#include "results.h"

/* Per-round noise: what the machine did during round i, on both builds. */
static const double noise[] = { 1.0, 1.3, 0.7, 1.1, 0.9, 1.25, 0.8, 1.05 };
#define ROUNDS 8

/*
 * The records of ROUNDS rounds of builds a and b, b's connect and latency
 * shift times a's, paired ("pair":i) or not.
 */
static char *records(double shift, bool paired)
{
	size_t len = 16384, k = 0;
	char *t = malloc(len);
	unsigned i, s;

	for (i = 0; i < ROUNDS; i++)
		for (s = 0; s < 2; s++) {
			double f = 40 * noise[i] * (s ? shift : 1);
			char pair[32] = "";

			if (paired)
				snprintf(pair, sizeof(pair), ",\"pair\":%u", i + 1);
			k += (size_t)snprintf(t + k, len - k,
				"{\"type\":\"round\",\"profile\":\"tuned\",\"build\":\"%s\","
				"\"repeat\":%u%s,\"client\":{\"mode\":\"rate\",\"target_rate\":6000,"
				"\"achieved_rate\":3000,\"started\":3000,\"latency_us\":{\"p50\":%.3f,"
				"\"p99\":%.3f},\"connect_us\":{\"p50\":%.3f},\"errors\":{\"timeout\":0}}}\n",
				s ? "b" : "a", i + 1, pair, 2 * f, 5 * f, f);
		}
	return t;
}

/* Gate b against a of one run with tolerances tol (NULL: none given). */
static int gate_tol(const char *text, char *out, size_t outlen, const char *const *tol)
{
	struct results *all = calloc(1, sizeof(*all)), *a = calloc(1, sizeof(*a)),
		       *b = calloc(1, sizeof(*b));
	struct abg_opts o;
	char err[256];
	FILE *f = fmemopen(out, outlen, "w");
	int rc;

	assert_int_equal(results_parse(text, strlen(text), "run", all, err, sizeof(err)), 0);
	abg_defaults(&o);
	for (; tol && *tol; tol++)
		assert_int_equal(abg_set_tolerance(&o, *tol, err, sizeof(err)), 0);
	abg_select(all, "a", a);
	abg_select(all, "b", b);
	rc = abg_gate(a, b, &o, f, err, sizeof(err));
	fclose(f);
	free(all);
	free(a);
	free(b);
	return rc;
}

/* The exit status of the gate with the defaults, the table in out. */
static int gate(const char *text, char *out, size_t outlen)
{
	return gate_tol(text, out, outlen, NULL);
}

/*
 * Pairs have their own defaults (connect p50 1%): +2% exactly, in every
 * pair, fails them; a tolerance given wins over the design's default.
 */
static void test_paired_default_tolerance(void **state)
{
	static const char *const loose[] = { "connect_p50=3", "latency_p50=3", NULL };
	char out[4096];
	char *t = records(1.02, true);

	(void)state;
	assert_int_equal(gate(t, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "1%  FAIL"));
	assert_int_equal(gate_tol(t, out, sizeof(out), loose), 0);
	free(t);
}

/* +5% under +-30% round-to-round noise: pairs see it, interleaving cannot. */
static void test_paired_catches_5pct(void **state)
{
	char out[4096];
	char *t = records(1.05, true);

	(void)state;
	assert_int_equal(gate(t, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "paired"));
	assert_non_null(strstr(out, "connect_p50"));
	free(t);
	t = records(1.05, false);
	assert_int_equal(gate(t, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "interleaved"));
	free(t);
}

static void test_paired_aa_passes(void **state)
{
	char out[4096];
	char *t = records(1.0, true);

	(void)state;
	assert_int_equal(gate(t, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "paired"));
	free(t);
}

/* A pair whose other half is missing is left out, not matched to another. */
static void test_pairs_match_by_number(void **state)
{
	char out[4096];
	char *t = records(1.05, true), *cut;

	(void)state;
	/* drop a's record of pair 1: pairs 2..8 remain, still 7 >= 6 */
	cut = strchr(t, '\n') + 1;
	assert_int_equal(gate(cut, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "7 against 8 repeats"));
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paired_catches_5pct),
		cmocka_unit_test(test_paired_aa_passes),
		cmocka_unit_test(test_pairs_match_by_number),
		cmocka_unit_test(test_paired_default_tolerance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
