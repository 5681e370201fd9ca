/*
 * dutopts.c - connrate-dut's option table (see dutopts.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dutopts.h"
#include "opt.h"
#include "units.h"

static int p_queue(void *obj, const char *a, char *w, size_t n)
{
	struct dut_opts *o = obj;
	uint64_t v;

	if (units_parse_count(a, 0, 65535, &v) || strpbrk(a, "kKMG."))
		return opt_why(w, n, "a queue number from 0 to 65535");
	o->queue = (unsigned)v;
	return 0;
}

static int p_delay(void *obj, const char *a, char *w, size_t n)
{
	if (units_parse_duration_ns(a, 0, 60 * NS_PER_S, &((struct dut_opts *)obj)->delay_ns))
		return opt_why(w, n, "a duration up to 60s (e.g. 20ms)");
	return 0;
}

static int p_cost(void *obj, const char *a, char *w, size_t n)
{
	uint64_t v;

	if (units_parse_count(a, 0, 1000000, &v))
		return opt_why(w, n, "microseconds from 0 to 1000000");
	((struct dut_opts *)obj)->cost_ns = v * NS_PER_US;
	return 0;
}

static int p_drop(void *obj, const char *a, char *w, size_t n)
{
	if (units_parse_double(a, 0.0, 1.0, &((struct dut_opts *)obj)->drop))
		return opt_why(w, n, "a fraction from 0 to 1 (e.g. 0.01)");
	return 0;
}

static int p_max_flows(void *obj, const char *a, char *w, size_t n)
{
	if (units_parse_count(a, 0, 16000000, &((struct dut_opts *)obj)->max_flows))
		return opt_why(w, n, "a flow count from 0 to 16M");
	return 0;
}

static int p_flow_timeout(void *obj, const char *a, char *w, size_t n)
{
	if (units_parse_duration_ns(a, NS_PER_MS, 24 * 3600 * NS_PER_S,
				    &((struct dut_opts *)obj)->flow_timeout_ns))
		return opt_why(w, n, "a duration from 1ms to 24h");
	return 0;
}

static int p_maxlen(void *obj, const char *a, char *w, size_t n)
{
	if (units_parse_count(a, 1, 1000000, &((struct dut_opts *)obj)->maxlen))
		return opt_why(w, n, "a packet count from 1 to 1M");
	return 0;
}

static int p_fail_open(void *obj, const char *a, char *w, size_t n)
{
	(void)a, (void)w, (void)n;
	((struct dut_opts *)obj)->fail_open = true;
	return 0;
}

static int p_json(void *obj, const char *a, char *w, size_t n)
{
	(void)w, (void)n;
	((struct dut_opts *)obj)->json = a;
	return 0;
}

static int p_dry_run(void *obj, const char *a, char *w, size_t n)
{
	(void)a, (void)w, (void)n;
	((struct dut_opts *)obj)->dry_run = true;
	return 0;
}

static const struct opt_def opts[] = {
	{ "queue", "N", 1, "0", p_queue, "the queue to bind" },
	{ "delay", "DUR", 1, "0", p_delay,
	  "hold every packet DUR before accepting it (netem's delay)" },
	{ "cost-us", "N", 1, "0", p_cost,
	  "spend N microseconds of CPU per packet (inspection cost)" },
	{ "drop", "P", 1, "0", p_drop, "drop a fraction P of packets, 0..1 (loss)" },
	{ "max-flows", "N", 1, "0", p_max_flows,
	  "a flow table of N entries (0: none); a new flow beyond it is dropped (table_full)" },
	{ "flow-timeout", "DUR", 1, "30s", p_flow_timeout,
	  "forget a flow DUR after its last packet" },
	{ "queue-maxlen", "N", 1, "1024", p_maxlen, "the kernel's queue length for this queue" },
	{ "fail-open", NULL, 1, NULL, p_fail_open,
	  "accept packets when the queue is full (default: the kernel drops)" },
	{ "json", "FILE|-", 1, NULL, p_json,
	  "write the counters as JSON lines (on SIGUSR1 and at exit)" },
	{ "dry-run", NULL, 1, NULL, p_dry_run, "check the options, then exit (0, or 2 with the reason)" },
};

static struct opt_set dut_set(struct dut_opts *o)
{
	return (struct opt_set){ .def = opts, .n = sizeof(opts) / sizeof(opts[0]), .modes = 1,
				 .obj = o };
}

int dut_opts_parse(struct dut_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	struct opt_set set = dut_set(o);

	memset(o, 0, sizeof(*o));
	return opt_parse(&set, 1, argc, argv, NULL, NULL, err, errlen);
}

int dut_opts_parse_line(struct dut_opts *o, const char *line, char *err, size_t errlen)
{
	size_t len = strlen(line), max = len / 2 + 3;
	char **av = calloc(max, sizeof(*av)), *words = strdup(line), *save = NULL, *tok;
	int ac = 0, rc = -1;

	memset(o, 0, sizeof(*o));
	if (!av || !words) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	av[ac++] = (char *)"connrate-dut";
	for (tok = strtok_r(words, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
		av[ac++] = tok;
	rc = dut_opts_parse(o, ac, av, err, errlen);
	o->words = words;
	words = NULL;
out:
	free(words);
	free(av);
	return rc;
}

void dut_opts_free(struct dut_opts *o)
{
	free(o->words);
	o->words = NULL;
	o->json = NULL;
}

void dut_opts_usage(FILE *f)
{
	struct opt_set set = dut_set(NULL);

	opt_usage(f, &set);
}
