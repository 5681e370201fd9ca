/* Unit tests: opt.c - the table-driven option engine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "opt.h"

struct obj {
	long n;
	int flag;
	int nset_n;		/* how often p_n ran */
	char passed[256];	/* what pass() saw */
};

static int p_n(void *o, const char *a, char *w, size_t len)
{
	struct obj *x = o;
	char *end;

	x->nset_n++;
	x->n = strtol(a, &end, 10);
	if (*end || !*a)
		return opt_why(w, len, "a number");
	return 0;
}

static int p_flag(void *o, const char *a, char *w, size_t len)
{
	(void)a, (void)w, (void)len;
	((struct obj *)o)->flag = 1;
	return 0;
}

static int pass(void *o, const struct opt_def *d, const char *a, char *w, size_t len)
{
	struct obj *x = o;
	size_t k = strlen(x->passed);

	if (!strcmp(d->name, "forbidden"))
		return opt_why(w, len, "the lab sets it");
	snprintf(x->passed + k, sizeof(x->passed) - k, "[%s=%s]", d->name, a ? a : "");
	return 0;
}

static const struct opt_def mine[] = {
	{ "n", "N", 1, "7", p_n, "a number" },
	{ "n", "N", 2, "9", p_n, "the same name in mode 2" },
	{ "flag", NULL, 3, NULL, p_flag, "a flag" },
};

static const struct opt_def theirs[] = {
	{ "n", "N", 1, "100", p_n, "shadowed by mine" },
	{ "far", "X", 1, "5", p_n, "passed on" },
	{ "quiet", NULL, 1, NULL, p_flag, "a flag passed on" },
	{ "forbidden", "X", 1, NULL, p_n, "refused by pass" },
	{ "other-mode", "X", 2, NULL, p_n, "not taken in mode 1" },
};

static char err[256];

static int run(struct opt_set *sets, unsigned nsets, int *args, const char *line,
	       char **argv)
{
	static char buf[512];
	int argc = 0;
	char *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", line);
	argv[argc++] = (char *)"prog";
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	err[0] = '\0';
	return opt_parse(sets, nsets, argc, argv, args, "cmd", err, sizeof(err));
}

static void test_defaults_by_mode(void **state)
{
	struct obj o = { 0 };
	struct opt_set set = { mine, 3, 2, &o, NULL };
	char *argv[16];

	(void)state;
	assert_int_equal(run(&set, 1, NULL, "", argv), OPT_OK);
	assert_int_equal(o.n, 9);		/* mode 2's row, not mode 1's */
	assert_int_equal(o.nset_n, 1);
	set.modes = 1;
	assert_int_equal(run(&set, 1, NULL, "--n 12 --flag", argv), OPT_OK);
	assert_int_equal(o.n, 12);
	assert_int_equal(o.flag, 1);
}

static void test_errors(void **state)
{
	struct obj o = { 0 };
	struct opt_set set = { mine, 3, 1, &o, NULL };
	char *argv[16];

	(void)state;
	assert_int_equal(run(&set, 1, NULL, "--n x", argv), -1);
	assert_string_equal(err, "--n 'x': expected a number");
	assert_int_equal(run(&set, 1, NULL, "--nope", argv), -1);
	assert_string_equal(err, "unknown option '--nope' for 'cmd' (try --help)");
	assert_int_equal(run(&set, 1, NULL, "--n", argv), -1);
	assert_string_equal(err, "option '--n' needs a value");
	assert_int_equal(run(&set, 1, NULL, "word", argv), -1);
	assert_string_equal(err, "unexpected argument 'word' (options start with --)");
	assert_int_equal(run(&set, 1, NULL, "--help", argv), OPT_HELP);
	assert_int_equal(run(&set, 1, NULL, "-h", argv), OPT_HELP);
	assert_int_equal(run(&set, 1, NULL, "--version", argv), OPT_VERSION);
}

static void test_words(void **state)
{
	struct obj o = { 0 };
	struct opt_set set = { mine, 3, 1, &o, NULL };
	char *argv[16];
	int args = -1;

	(void)state;
	assert_int_equal(run(&set, 1, &args, "up --n 3 dut -- ls -l", argv), OPT_OK);
	assert_int_equal(o.n, 3);
	assert_string_equal(argv[args], "up");
	assert_string_equal(argv[args + 1], "dut");
	/* "--" ends the options and is dropped; what follows is not parsed */
	assert_string_equal(argv[args + 2], "ls");
	assert_string_equal(argv[args + 3], "-l");
}

static void test_pass_set(void **state)
{
	struct obj o = { 0 };
	struct opt_set sets[2] = {
		{ mine, 3, 1, &o, NULL },
		{ theirs, 5, 1, &o, pass },
	};
	char *argv[16];

	(void)state;
	assert_int_equal(run(sets, 2, NULL, "--far 3 --n 4 --quiet", argv), OPT_OK);
	assert_int_equal(o.n, 4);		/* mine, not passed */
	assert_string_equal(o.passed, "[far=3][quiet=]");
	assert_int_equal(o.nset_n, 2);		/* mine's default, then 4: no default of theirs */
	assert_int_equal(run(sets, 2, NULL, "--forbidden 1", argv), -1);
	assert_string_equal(err, "--forbidden '1': expected the lab sets it");
	assert_int_equal(run(sets, 2, NULL, "--other-mode 1", argv), -1);
}

static void test_usage(void **state)
{
	struct opt_set set = { mine, 3, 1, NULL, NULL };
	char buf[1024] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	(void)state;
	opt_usage(f, &set);
	fclose(f);
	assert_non_null(strstr(buf, "--n N"));
	assert_non_null(strstr(buf, "a number [7]"));
	assert_null(strstr(buf, "mode 2"));
	assert_non_null(strstr(buf, "--flag"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_by_mode),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_pass_set),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
