/*
 * opt.h - options from tables: parsing, defaults, help.
 *
 * A program's options are rows of a table: the name, a metavar (NULL for a
 * flag), the modes that take it (a bit mask, for a program with several
 * commands), the default as a user would type it, a parser and one line of
 * help.  Defaults go through the same parser as user input, so a default can
 * never be a value a user could not type, and each default is stated once.
 *
 * The engine knows nothing of what options mean.  It hands each value to its
 * row's parser together with the object of the row's set.  One command line
 * may take rows from several sets: connrate-lab run takes its own rows, then
 * connrate's client rows, which it does not parse but passes on; a set with
 * a pass function sends every row there (and applies none of its defaults,
 * which belong to the program the options are passed to).  Where two rows
 * share a name, the first wins.
 */
#ifndef CR_OPT_H
#define CR_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A parser sets its fields, or writes why not (after "--name 'VALUE': expected "). */
typedef int (*opt_parse_fn)(void *obj, const char *arg, char *why, size_t whylen);

struct opt_def {
	const char *name;
	const char *metavar;	/* NULL: a flag without argument */
	unsigned modes;		/* the modes that take it */
	const char *def;	/* default, as a user would type it; NULL: none */
	opt_parse_fn parse;
	const char *help;
};

struct opt_set {
	const struct opt_def *def;
	size_t n;
	unsigned modes;		/* the rows of these modes */
	void *obj;		/* handed to each parser */
	/* if set, every row of the set comes here instead (arg NULL for a flag) */
	int (*pass)(void *obj, const struct opt_def *o, const char *arg,
		    char *why, size_t whylen);
};

enum { OPT_OK = 0, OPT_HELP = 1, OPT_VERSION = 2 };

/*
 * Apply the defaults of every set without a pass function, then parse
 * argv[1..].  Words that are not options: with args, getopt_long has moved
 * them to the end of argv and *args is the index of the first (a "--" ends
 * the options and is dropped: what follows it is never parsed); without, the first is an
 * error.  Returns OPT_OK, OPT_HELP (-h or --help), OPT_VERSION (--version),
 * or -1 with one line in err (what names the command in "unknown option").
 */
int opt_parse(const struct opt_set *sets, unsigned nsets, int argc, char **argv,
	      int *args, const char *what, char *err, size_t errlen);
/* The row called name among a set's modes, or NULL. */
const struct opt_def *opt_find(const struct opt_set *set, const char *name);
/* One line per row of the set: "  --name METAVAR   help [default]". */
void opt_usage(FILE *f, const struct opt_set *set);
void opt_usage_row(FILE *f, const struct opt_def *o, bool with_default);
/* Does row i belong to the set's modes, and is it the first of its name? */
bool opt_usage_shown(const struct opt_set *set, size_t i);
/* Write a reason into why and return -1: for parsers. */
int opt_why(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
