/*
 * cli.h - the command line: one option table, parsing, validation, dump.
 *
 * Every option is one row of the table in cli.c: its name, the modes that
 * take it, its default (parsed by the same function as a user's value, so
 * a default can never be something a user could not type) and its help.
 * cli_parse() fills a struct config that is read-only afterwards;
 * cli_validate() checks what no single option can; cli_dump() writes the
 * settings into a JSON object so every result says how it was made.
 */
#ifndef CR_CLI_H
#define CR_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "json.h"
#include "opt.h"
#include "payload.h"

enum cr_mode {
	MODE_SERVER = 1,
	MODE_CLIENT = 2,
	MODE_SATURATE = 4,
};

enum respond_after { RESPOND_EOF, RESPOND_HTTP, RESPOND_BYTES };
enum close_mode { CLOSE_FIN, CLOSE_RST };
enum criteria { CRITERIA_DEFAULT, CRITERIA_RFC9411 };

#define CFG_MAX_TARGETS 64
#define CFG_MAX_RATES 64
#define CFG_MAX_CPUS 1024

struct config {
	enum cr_mode mode;
	const char *prog;

	/* both sides */
	unsigned threads;
	unsigned short cpu[CFG_MAX_CPUS];	/* --cpus: thread i on cpu[i % ncpu] */
	unsigned ncpu;				/* 0: the kernel places threads */
	enum close_mode close;
	const char *json_path;		/* NULL: none, "-": stdout */
	uint64_t timeout_ns;		/* client: per connection; server: idle */
	bool dry_run;

	/* server */
	char listen[64];
	uint16_t port_lo, port_hi;
	uint64_t backlog;
	struct payload response;
	const char *response_path;
	enum respond_after respond_after;
	uint64_t respond_bytes;
	bool sched_batch;		/* --sched batch: worker threads SCHED_BATCH */
	bool keepalive_server;		/* --keepalive: answer every request, keep open */

	/* client and saturate */
	struct endpoint target[CFG_MAX_TARGETS];
	unsigned ntargets;
	uint64_t rate_milli[CFG_MAX_RATES];
	unsigned nrates;
	uint64_t concurrency;
	uint64_t duration_ns;
	uint64_t cooldown_ns;
	uint64_t interval_ns;
	struct payload request;
	const char *request_path;
	uint64_t expect_bytes;
	bool no_half_close;
	struct addr_range source;
	bool has_source;
	uint64_t max_inflight;		/* 0: from RLIMIT_NOFILE */
	uint64_t spin_ns;		/* --spin DUR (0: off) */
	bool spin_auto;			/* --spin auto */
	bool spin_busy;			/* --spin busy */
	uint64_t batch_ns;		/* --batch DUR: open loop wakes at most this often (0: off) */
	bool batch_auto;		/* --batch auto: DUR from what a sleep costs */
	int64_t start_at_ns;		/* --start-at: wall clock, ns since the epoch; 0: now */
	char id[64];			/* --id: this host in the JSON (default: hostname) */
	unsigned share_i, share_n;	/* --share I/N: slice I of N interleaved schedules; n 0: none */
	const char *hdr_log_path;	/* --hdr-log FILE, or NULL */
	bool phased;			/* --ramp-up, --sustain or --ramp-down given */
	bool has_sustain;		/* else the sustain is --duration */
	uint64_t ramp_up_ns;
	uint64_t sustain_ns;
	uint64_t ramp_down_ns;
	uint64_t init_milli;		/* --init-rate; 0: 10% of each round's rate */

	/* capacity (hold.h, capsearch.h) */
	uint64_t hold;			/* --hold N: connections to hold (0: off) */
	uint64_t open_rate_milli;	/* --open-rate */
	uint64_t hold_for_ns;		/* --hold-for */
	uint64_t keepalive_ns;		/* --keepalive DUR (client) */
	bool hold_search;		/* saturate --hold-search */
	bool has_hold_opts;		/* --open-rate, --hold-for or --keepalive DUR given */
	bool has_duration;		/* --duration given (not its default) */
	bool has_timeout;		/* --timeout given (not its default) */

	/* saturate */
	uint64_t start_milli;
	double factor;
	double slowdown;
	double max_error_rate;
	uint64_t refine;
	uint64_t max_lag_ns;
	uint64_t max_rounds;
	enum criteria criteria;
};

/*
 * Parse argv (after the mode word).  Returns 0, 1 when --help or --version
 * was printed, or -1 with one line in err.
 */
int cli_parse(struct config *c, enum cr_mode mode, int argc, char **argv,
	      char *err, size_t errlen);
int cli_validate(struct config *c, char *err, size_t errlen);
void cli_usage(FILE *f, enum cr_mode mode);
void cli_dump(const struct config *c, struct json *j);
void cli_free(struct config *c);
const char *cli_mode_name(enum cr_mode mode);
/* The option table itself (rows for every mode), for programs that pass
 * options on to connrate. */
const struct opt_def *cli_options(size_t *n);

/*
 * --batch auto: the longest batch it picks, so the most lag batching adds
 * (the margin a round's end and saturate's --max-lag allow it).
 */
#define CFG_BATCH_AUTO_MAX_NS (500 * 1000ULL)

/* The longest a --batch makes a start wait (0: no --batch). */
static inline uint64_t cfg_batch_max_ns(const struct config *c)
{
	return c->batch_auto ? CFG_BATCH_AUTO_MAX_NS : c->batch_ns;
}

/* The CPU worker thread i is pinned to, or -1 for none (--cpus none). */
static inline int cfg_thread_cpu(const struct config *c, unsigned i)
{
	return c->ncpu ? c->cpu[i % c->ncpu] : -1;
}

#endif
