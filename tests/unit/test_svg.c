/* Unit tests: harness/svg.c - the plot writer's elements, scales and escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "svg.h"

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (; (s = strstr(s, what)); s += strlen(what))
		n++;
	return n;
}

/* The plot written to a string. */
static char *render(struct svg_plot *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(svg_write(p, f), 0);
	fclose(f);
	svg_free(p);
	return text;
}

static void test_elements(void **state)
{
	struct svg_axis x = { .label = "offered", .from_zero = true };
	struct svg_axis y = { .label = "achieved", .from_zero = true };
	struct svg_plot *p = svg_new("t", &x, &y);
	double xs[3] = { 1000, 2000, 3000 }, ys[3] = { 1000, 1900, 1200 };
	char *s;

	(void)state;
	assert_int_equal(svg_series(p, "a", (struct svg_style){ 0, 0, 0 }, xs, ys, 3), 0);
	assert_int_equal(svg_series(p, "b", (struct svg_style){ 1, 1, 1 }, xs, xs, 3), 0);
	assert_int_equal(svg_guide(p, "diagonal", 0, 0, 3000, 3000), 0);
	assert_int_equal(svg_note(p, 3000, 1200, (struct svg_style){ 0, 0, 0 }, "40% short"), 0);
	assert_int_equal(svg_nseries(p), 2);
	s = render(p);
	assert_int_equal(count(s, "<path class=\"series "), 2);
	assert_int_equal(count(s, "<path class=\"guide "), 1);
	assert_int_equal(count(s, "class=\"note\""), 1);
	/* a line tells the two series apart without colour: b is dashed, a square marker */
	assert_non_null(strstr(s, "stroke-dasharray=\"7 4\""));
	assert_int_equal(count(s, "<rect x="), 3 + 1 + 1);	/* b's 3 points, its legend, the frame */
	/* from zero, nice ticks: 0 .. 3k on x */
	assert_non_null(strstr(s, ">0</text>"));
	assert_non_null(strstr(s, ">3k</text>"));
	free(s);
}

/* A log axis drops points <= 0: the line breaks there (two moves). */
static void test_log_breaks(void **state)
{
	struct svg_axis x = { .label = "x" }, y = { .label = "y", .scale = SVG_LOG };
	struct svg_plot *p = svg_new("t", &x, &y);
	double xs[5] = { 1, 2, 3, 4, 5 }, ys[5] = { 10, 20, 0, 40, NAN };
	char *s, *d;

	(void)state;
	assert_int_equal(svg_series(p, "s", (struct svg_style){ 0, 0, 0 }, xs, ys, 5), 0);
	s = render(p);
	d = strstr(s, "<path class=\"series s0\"");
	assert_non_null(d);
	d = strstr(d, " d=\"");
	assert_non_null(d);
	assert_int_equal(count(d, "M") - count(strchr(d + 4, '"'), "M"), 2);
	/* decades: 10 and 100 labelled in microseconds' neighbour, plain numbers here */
	assert_non_null(strstr(s, ">10</text>"));
	assert_non_null(strstr(s, ">100</text>"));
	free(s);
}

static void test_escape(void **state)
{
	struct svg_axis x = { .label = "a<b" }, y = { .label = "c&d" };
	struct svg_plot *p = svg_new("\"t\"", &x, &y);
	double v[1] = { 1 };
	char *s;

	(void)state;
	assert_int_equal(svg_series(p, "<script>", (struct svg_style){ 0, 0, 0 }, v, v, 1), 0);
	s = render(p);
	assert_null(strstr(s, "<script"));
	assert_non_null(strstr(s, "&lt;script&gt;"));
	assert_non_null(strstr(s, "a&lt;b"));
	assert_non_null(strstr(s, "c&amp;d"));
	assert_non_null(strstr(s, "&quot;t&quot;"));
	free(s);
}

static void test_formats(void **state)
{
	char b[32];

	(void)state;
	svg_fmt_us(50, b, sizeof(b));
	assert_string_equal(b, "50 \xc2\xb5s");
	svg_fmt_us(1500, b, sizeof(b));
	assert_string_equal(b, "1.5 ms");
	svg_fmt_us(2e6, b, sizeof(b));
	assert_string_equal(b, "2 s");
	svg_fmt_num(12000, b, sizeof(b));
	assert_string_equal(b, "12k");
	svg_fmt_num(250, b, sizeof(b));
	assert_string_equal(b, "250");
	assert_string_not_equal(svg_colour(0), svg_colour(1));
	assert_string_equal(svg_colour(0), svg_colour(SVG_COLOURS));
}

/* Given ticks outside the range are left out. */
static void test_given_ticks(void **state)
{
	static const double t[4] = { 0.5, 1, 2, 3 };
	struct svg_axis x = { .label = "x", .ticks = t, .nticks = 4 }, y = { .label = "y" };
	struct svg_plot *p = svg_new("t", &x, &y);
	double v[2] = { 0, 2 };
	char *s;

	(void)state;
	assert_int_equal(svg_series(p, "s", (struct svg_style){ 0, 0, 0 }, v, v, 2), 0);
	svg_range(p, false, 0, 2);
	s = render(p);
	assert_non_null(strstr(s, ">0.5</text>"));
	assert_non_null(strstr(s, ">2</text>"));
	assert_null(strstr(s, ">3</text>"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elements),
		cmocka_unit_test(test_log_breaks),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_given_ticks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
