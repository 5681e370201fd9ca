/*
 * dutopts.h - connrate-dut's command line: one table, parsed strictly.
 *
 * Every option is a row of the table in dutopts.c (name, metavar,
 * default, parser, help) run by the engine of src/opt.h, the same one
 * connrate uses: defaults are stated once, in the table, and go through
 * the same parser as user input; --help prints the table.  connrate-lab
 * holds the options of the device it starts as one string (--dut-sim
 * "--queue-maxlen 4096 --queue 3"): dut_opts_parse_line reads that string
 * with the same table, so the lab knows the queue exactly as the device
 * will.
 */
#ifndef CR_DUTOPTS_H
#define CR_DUTOPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct dut_opts {
	unsigned queue;
	uint64_t delay_ns;
	uint64_t cost_ns;
	double drop;
	uint64_t max_flows;		/* 0: no flow table */
	uint64_t flow_timeout_ns;
	uint64_t maxlen;		/* the kernel's queue length, packets */
	bool fail_open;
	bool dry_run;
	const char *json;		/* NULL: no JSON lines; "-": stdout */
	char *words;			/* dut_opts_parse_line's copy (json points into it) */
};

/*
 * argv[1..] into o, the table's defaults first.  OPT_OK, OPT_HELP,
 * OPT_VERSION (src/opt.h), or -1 with one line in err (exit 2 material).
 */
int dut_opts_parse(struct dut_opts *o, int argc, char **argv, char *err, size_t errlen);
/* The same from one string of words separated by blanks; dut_opts_free after. */
int dut_opts_parse_line(struct dut_opts *o, const char *line, char *err, size_t errlen);
void dut_opts_free(struct dut_opts *o);
/* One line per option: "  --name METAVAR   help [default]". */
void dut_opts_usage(FILE *f);

#endif
