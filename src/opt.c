/*
 * opt.c - options from tables (see opt.h).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"

#define OPT_VAL_BASE 256

int opt_why(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Does an earlier row of the sets (in the modes that take it) have name? */
static bool shadowed(const struct opt_set *sets, unsigned s, size_t i)
{
	const char *name = sets[s].def[i].name;
	unsigned t;
	size_t j;

	for (t = 0; t <= s; t++)
		for (j = 0; j < (t < s ? sets[t].n : i); j++)
			if ((sets[t].def[j].modes & sets[t].modes) &&
			    !strcmp(sets[t].def[j].name, name))
				return true;
	return false;
}

static bool taken(const struct opt_set *sets, unsigned s, size_t i)
{
	return (sets[s].def[i].modes & sets[s].modes) && !shadowed(sets, s, i);
}

static int apply_defaults(const struct opt_set *sets, unsigned nsets,
			  char *err, size_t errlen)
{
	char why[256];
	unsigned s;
	size_t i;

	for (s = 0; s < nsets; s++) {
		if (sets[s].pass)
			continue;
		for (i = 0; i < sets[s].n; i++) {
			const struct opt_def *o = &sets[s].def[i];

			if (!o->def || !taken(sets, s, i))
				continue;
			if (o->parse(sets[s].obj, o->def, why, sizeof(why))) {
				snprintf(err, errlen, "internal: bad default for --%s: %s",
					 o->name, why);
				return -1;
			}
		}
	}
	return 0;
}

/* The getopt_long table: val is OPT_VAL_BASE + the row's place in all sets. */
static struct option *long_options(const struct opt_set *sets, unsigned nsets)
{
	struct option *lo;
	size_t total = 0, nl = 0, i;
	unsigned s;
	int val = OPT_VAL_BASE;

	for (s = 0; s < nsets; s++)
		total += sets[s].n;
	lo = calloc(total + 3, sizeof(*lo));
	if (!lo)
		return NULL;
	for (s = 0; s < nsets; s++)
		for (i = 0; i < sets[s].n; i++, val++) {
			if (!taken(sets, s, i))
				continue;
			lo[nl++] = (struct option){ sets[s].def[i].name,
				sets[s].def[i].metavar ? required_argument : no_argument,
				NULL, val };
		}
	lo[nl++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[nl++] = (struct option){ "version", no_argument, NULL, 'V' };
	return lo;
}

/* Hand one value to its row's parser (or its set's pass function). */
static int take(const struct opt_set *sets, unsigned nsets, int val,
		const char *arg, char *err, size_t errlen)
{
	const struct opt_set *set = sets;
	const struct opt_def *o;
	size_t k = (size_t)(val - OPT_VAL_BASE);
	char why[256] = "";
	int rc;

	while (k >= set->n && set < sets + nsets - 1) {
		k -= set->n;
		set++;
	}
	o = &set->def[k];
	rc = set->pass ? set->pass(set->obj, o, arg, why, sizeof(why))
		       : o->parse(set->obj, arg, why, sizeof(why));
	if (!rc)
		return 0;
	if (o->metavar)
		snprintf(err, errlen, "--%s '%s': expected %s", o->name, arg, why);
	else
		snprintf(err, errlen, "--%s: %s", o->name, why);
	return -1;
}

int opt_parse(const struct opt_set *sets, unsigned nsets, int argc, char **argv,
	      int *args, const char *what, char *err, size_t errlen)
{
	struct option *lo;
	int ch, rc = OPT_OK;

	if (apply_defaults(sets, nsets, err, errlen))
		return -1;
	lo = long_options(sets, nsets);
	if (!lo) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	optind = 0;	/* 0: getopt_long starts afresh, even after a cut-short parse */
	opterr = 0;
	while (rc == OPT_OK &&
	       (ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		if (ch == 'h') {
			rc = OPT_HELP;
		} else if (ch == 'V') {
			rc = OPT_VERSION;
		} else if (ch == ':') {
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			rc = -1;
		} else if (ch == '?' || ch < OPT_VAL_BASE) {
			if (what)
				snprintf(err, errlen, "unknown option '%s' for '%s' (try --help)",
					 argv[optind - 1], what);
			else
				snprintf(err, errlen, "unknown option '%s' (try --help)",
					 argv[optind - 1]);
			rc = -1;
		} else {
			rc = take(sets, nsets, ch, optarg, err, errlen);
		}
	}
	free(lo);
	if (rc != OPT_OK)
		return rc;
	if (args) {
		*args = optind;
	} else if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (options start with --)",
			 argv[optind]);
		return -1;
	}
	return OPT_OK;
}

const struct opt_def *opt_find(const struct opt_set *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if ((set->def[i].modes & set->modes) && !strcmp(set->def[i].name, name))
			return &set->def[i];
	return NULL;
}

void opt_usage_row(FILE *f, const struct opt_def *o, bool with_default)
{
	char left[48];

	snprintf(left, sizeof(left), "--%s%s%s", o->name,
		 o->metavar ? " " : "", o->metavar ? o->metavar : "");
	fprintf(f, "  %-26s %s", left, o->help);
	if (o->def && with_default)
		fprintf(f, " [%s]", o->def);
	fputc('\n', f);
}

bool opt_usage_shown(const struct opt_set *set, size_t i)
{
	return taken(set, 0, i);
}

void opt_usage(FILE *f, const struct opt_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (taken(set, 0, i))
			opt_usage_row(f, &set->def[i], !set->pass);
}
