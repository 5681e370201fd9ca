/*
 * dutopts.c - connrate-dut's options (see dutopts.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "dutopts.h"
#include "units.h"

static int bad(char *err, size_t len, const char *opt, const char *val, const char *want)
{
	snprintf(err, len, "--%s '%s': expected %s", opt, val, want);
	return -1;
}

int dut_opts_parse(struct dut_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	static const struct option lo[] = {
		{ "queue", 1, NULL, 'q' }, { "delay", 1, NULL, 'd' }, { "cost-us", 1, NULL, 'c' },
		{ "drop", 1, NULL, 'p' }, { "max-flows", 1, NULL, 'm' },
		{ "flow-timeout", 1, NULL, 't' }, { "queue-maxlen", 1, NULL, 'l' },
		{ "fail-open", 0, NULL, 'f' }, { "json", 1, NULL, 'j' }, { "help", 0, NULL, 'h' },
		{ "dry-run", 0, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int ch;

	memset(o, 0, sizeof(*o));
	o->flow_timeout_ns = 30 * NS_PER_S;
	o->maxlen = 1024;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (ch) {
		case 'q':
			if (units_parse_count(optarg, 0, 65535, &v) || strpbrk(optarg, "kKMG."))
				return bad(err, errlen, "queue", optarg, "a queue number from 0 to 65535");
			o->queue = (unsigned)v;
			break;
		case 'd':
			if (units_parse_duration_ns(optarg, 0, 60 * NS_PER_S, &o->delay_ns))
				return bad(err, errlen, "delay", optarg, "a duration up to 60s (e.g. 20ms)");
			break;
		case 'c':
			if (units_parse_count(optarg, 0, 1000000, &v))
				return bad(err, errlen, "cost-us", optarg, "microseconds from 0 to 1000000");
			o->cost_ns = v * NS_PER_US;
			break;
		case 'p':
			if (units_parse_double(optarg, 0.0, 1.0, &o->drop))
				return bad(err, errlen, "drop", optarg, "a fraction from 0 to 1 (e.g. 0.01)");
			break;
		case 'm':
			if (units_parse_count(optarg, 0, 16000000, &o->max_flows))
				return bad(err, errlen, "max-flows", optarg, "a flow count from 0 to 16M");
			break;
		case 't':
			if (units_parse_duration_ns(optarg, NS_PER_MS, 24 * 3600 * NS_PER_S,
						    &o->flow_timeout_ns))
				return bad(err, errlen, "flow-timeout", optarg, "a duration from 1ms to 24h");
			break;
		case 'l':
			if (units_parse_count(optarg, 1, 1000000, &o->maxlen))
				return bad(err, errlen, "queue-maxlen", optarg, "a packet count from 1 to 1M");
			break;
		case 'f':
			o->fail_open = true;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'h':
			o->help = true;
			return 0;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return -1;
		default:
			snprintf(err, errlen, "unknown option '%s' (try --help)", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}
