/*
 * dutopts.h - connrate-dut's command line, parsed strictly.
 */
#ifndef CR_DUTOPTS_H
#define CR_DUTOPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dut_opts {
	unsigned queue;
	uint64_t delay_ns;
	uint64_t cost_ns;
	double drop;
	uint64_t max_flows;		/* 0: no flow table */
	uint64_t flow_timeout_ns;
	uint64_t maxlen;
	bool fail_open;
	bool dry_run;
	bool help;
	const char *json;
};

/* 0, or -1 with one line in err (exit 2 material). */
int dut_opts_parse(struct dut_opts *o, int argc, char **argv, char *err, size_t errlen);

#endif
