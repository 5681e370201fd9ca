/* Unit tests: report.c - the table row's figures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report.h"

/* The row of r as report_row() writes it (caller frees). */
static char *row_of(const struct round_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	report_row(f, r);
	fclose(f);
	return buf;
}

/* ttfb p50 is a time when answers were timed, "-" when none was (not 0ns). */
static void test_ttfb_cell(void **state)
{
	static struct round_result r;
	char *row;
	int i;

	(void)state;
	memset(&r, 0, sizeof(r));
	stats_init(&r.s);
	r.spec.rate_milli = 100000;
	for (i = 0; i < 100; i++) {
		r.s.started++;
		r.s.ok++;
		histo_add(&r.s.latency, 50000);
		histo_add(&r.s.connect, 20000);
		histo_add(&r.s.lag, 100);
	}
	row = row_of(&r);
	if (!strstr(row, "|        -\n"))
		fail_msg("no answer timed, yet a ttfb: %s", row);
	free(row);
	for (i = 0; i < 100; i++)
		histo_add(&r.s.ttfb, 4000000);
	row = row_of(&r);
	if (strstr(row, "|        -\n") || !strstr(row, "ms\n"))
		fail_msg("answers timed, no ttfb: %s", row);
	free(row);
	row = NULL;
	for (i = 0; i < PHASES; i++)
		stats_init(&r.phase[i]);
	r.spec.phased = true;
	row = row_of(&r);
	if (!strstr(row, "ttfb p50 -\n"))
		fail_msg("a phase without timed answers, yet a ttfb: %s", row);
	free(row);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ttfb_cell),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
