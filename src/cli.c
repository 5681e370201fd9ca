/*
 * cli.c - the option table and what is done with it (see cli.h).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "opt.h"
#include "pacer.h"
#include "spin.h"
#include "units.h"
#include "walltime.h"

#define M_S MODE_SERVER
#define M_C MODE_CLIENT
#define M_T MODE_SATURATE
#define M_CT (MODE_CLIENT | MODE_SATURATE)
#define M_ALL (MODE_SERVER | MODE_CLIENT | MODE_SATURATE)

#define MAX_THREADS 1024
#define MAX_DURATION_NS (7ULL * 24 * 3600 * NS_PER_S)

static int p_threads(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	uint64_t v;
	long cpus;

	if (strcmp(a, "auto") == 0) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		c->threads = cpus > 0 ? (unsigned)cpus : 1;
		return 0;
	}
	if (units_parse_count(a, 1, MAX_THREADS, &v))
		return opt_why(w, n, "a thread count from 1 to %d, or auto", MAX_THREADS);
	c->threads = (unsigned)v;
	return 0;
}

static int p_cpus(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	cpu_set_t allowed;
	unsigned i;
	int rc;

	c->ncpu = 0;
	if (strcmp(a, "none") == 0)
		return 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return opt_why(w, n, "cannot read this process's CPUs: %s", strerror(errno));
	if (strcmp(a, "auto") == 0) {
		for (i = 0; i < CPU_SETSIZE && c->ncpu < CFG_MAX_CPUS; i++)
			if (CPU_ISSET(i, &allowed))
				c->cpu[c->ncpu++] = (unsigned short)i;
		return 0;
	}
	rc = units_parse_cpulist(a, CPU_SETSIZE, c->cpu, CFG_MAX_CPUS, &c->ncpu);
	if (rc)
		return opt_why(w, n, "auto, none, or a CPU list such as 0-3,6 (CPUs below %d)",
			   CPU_SETSIZE);
	for (i = 0; i < c->ncpu; i++)
		if (!CPU_ISSET(c->cpu[i], &allowed)) {
			unsigned k = c->cpu[i];

			c->ncpu = 0;
			return opt_why(w, n, "CPUs this process may run on, and %u is not one (see taskset -p $$)", k);
		}
	return 0;
}

/* Which of two words a is: 0, 1, or -1 for neither. */
static int one_of(const char *a, const char *w0, const char *w1)
{
	return !strcmp(a, w0) ? 0 : !strcmp(a, w1) ? 1 : -1;
}

static int p_sched(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	int k = one_of(a, "batch", "inherit");

	if (k < 0)
		return opt_why(w, n, "batch or inherit");
	c->sched_batch = k == 0;
	return 0;
}

static int p_close(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	int k = one_of(a, "fin", "rst");

	if (k < 0)
		return opt_why(w, n, "fin or rst");
	c->close = k ? CLOSE_RST : CLOSE_FIN;
	return 0;
}

static int p_json(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (!*a)
		return opt_why(w, n, "a file name, or - for standard output");
	c->json_path = a;
	return 0;
}

/*
 * Defaults of options that other options exclude: the table points at these
 * arrays, so a parser tells its default (this very pointer) from a value
 * the user gave.
 */
static const char def_server_timeout[] = "60s", def_timeout[] = "5s";
static const char def_duration[] = "10s", def_sat_duration[] = "5s";
static const char def_open_rate[] = "10k", def_keepalive[] = "10s";
static const char def_hold_for[] = "10s", def_sat_hold_for[] = "3s";

static bool given(const char *a, const char *def1, const char *def2)
{
	return a != def1 && a != def2;
}

static int p_timeout(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_duration_ns(a, NS_PER_US, MAX_DURATION_NS, &c->timeout_ns))
		return opt_why(w, n, "a duration from 1us to 7 days (e.g. 5, 500ms, 2s)");
	c->has_timeout = given(a, def_server_timeout, def_timeout);
	return 0;
}

static int p_listen(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	struct endpoint e;

	if (strlen(a) >= sizeof(c->listen) || addr_parse_address(a, 0, &e))
		return opt_why(w, n, "a numeric IPv4 or IPv6 address (e.g. 0.0.0.0, ::, 127.0.0.1)");
	strcpy(c->listen, a);
	return 0;
}

static int p_port(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (addr_parse_ports(a, &c->port_lo, &c->port_hi))
		return opt_why(w, n, "a port from 1 to 65535, or a range such as 2345-2348");
	if (c->port_hi - c->port_lo >= 64)
		return opt_why(w, n, "at most 64 ports");
	return 0;
}

static int p_backlog(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_count(a, 1, 2147483647ULL, &c->backlog))
		return opt_why(w, n, "a queue length from 1 to 2147483647");
	return 0;
}

static int load_payload(struct payload *p, const char *a, char *w, size_t n)
{
	int rc;

	payload_free(p);
	rc = payload_load(a, p);
	if (rc)
		return opt_why(w, n, "a readable regular file (%s)", payload_strerror(rc));
	return 0;
}

static int p_response(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	c->response_path = a;
	return load_payload(&c->response, a, w, n);
}

static int p_request(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	c->request_path = a;
	return load_payload(&c->request, a, w, n);
}

static int p_respond_after(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (strcmp(a, "eof") == 0) {
		c->respond_after = RESPOND_EOF;
	} else if (strcmp(a, "http") == 0) {
		c->respond_after = RESPOND_HTTP;
	} else if (strncmp(a, "bytes:", 6) == 0 &&
		   units_parse_count(a + 6, 1, UINT64_MAX, &c->respond_bytes) == 0) {
		c->respond_after = RESPOND_BYTES;
	} else {
		return opt_why(w, n, "eof, http or bytes:N (N >= 1)");
	}
	return 0;
}

static int p_target(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	int rc;

	if (c->ntargets == CFG_MAX_TARGETS)
		return opt_why(w, n, "at most %d targets", CFG_MAX_TARGETS);
	rc = addr_parse_endpoint(a, &c->target[c->ntargets]);
	if (rc == -ENOENT)
		return opt_why(w, n, "'%s' does not resolve to an address", a);
	if (rc)
		return opt_why(w, n, "HOST:PORT, e.g. 192.0.2.1:7171 or [::1]:7171");
	c->ntargets++;
	return 0;
}

#define RATES_WANTED "rates > 0 per second, comma-separated, e.g. 1000,2k,0.5 (at most 64, each at most 100M)"

static int p_rate(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	char buf[64];
	const char *p = a;

	c->nrates = 0;
	while (*p) {
		size_t len = strcspn(p, ",");

		if (len == 0 || len >= sizeof(buf) || c->nrates == CFG_MAX_RATES)
			return opt_why(w, n, RATES_WANTED);
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (units_parse_rate_milli(buf, 1, 100000000000ULL,
					   &c->rate_milli[c->nrates]))
			return opt_why(w, n, RATES_WANTED);
		c->nrates++;
		p += len;
		if (*p == ',' && *++p == '\0')
			return opt_why(w, n, RATES_WANTED);
	}
	if (!c->nrates)
		return opt_why(w, n, RATES_WANTED);
	return 0;
}

static int p_concurrency(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_count(a, 1, 10000000, &c->concurrency))
		return opt_why(w, n, "connections in flight, from 1 to 10M");
	return 0;
}

static int p_duration(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_duration_ns(a, NS_PER_MS, MAX_DURATION_NS, &c->duration_ns))
		return opt_why(w, n, "a duration from 1ms to 7 days (e.g. 10, 2.5s, 500ms)");
	c->has_duration = given(a, def_duration, def_sat_duration);
	return 0;
}

static int p_cooldown(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_duration_ns(a, 0, MAX_DURATION_NS, &c->cooldown_ns))
		return opt_why(w, n, "a duration up to 7 days (e.g. 0, 2s)");
	return 0;
}

static int p_interval(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_duration_ns(a, 0, MAX_DURATION_NS, &c->interval_ns) ||
	    (c->interval_ns && c->interval_ns < 10 * NS_PER_MS))
		return opt_why(w, n, "0 (off) or a duration of at least 10ms (e.g. 1, 500ms)");
	return 0;
}

static int p_expect(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_count(a, 0, UINT64_MAX, &c->expect_bytes))
		return opt_why(w, n, "a byte count");
	return 0;
}

static int p_no_half_close(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	(void)a; (void)w; (void)n;
	c->no_half_close = true;
	return 0;
}

static int p_source(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	int rc = addr_parse_range(a, &c->source);

	if (rc == -ERANGE)
		return opt_why(w, n, "a range whose first address comes before its last "
			       "(e.g. 10.0.0.1-10.0.0.40)");
	if (rc)
		return opt_why(w, n, "ADDR or ADDR-ADDR2, numeric, one family (e.g. 10.0.0.1-10.0.0.40)");
	c->has_source = true;
	return 0;
}

static int p_max_inflight(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (strcmp(a, "auto") == 0) {
		c->max_inflight = 0;
		return 0;
	}
	if (units_parse_count(a, 1, 100000000, &c->max_inflight))
		return opt_why(w, n, "a connection count from 1 to 100M, or auto");
	return 0;
}

static int p_dry_run(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	(void)a; (void)w; (void)n;
	c->dry_run = true;
	return 0;
}

static int p_start(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_rate_milli(a, 1, 100000000000ULL, &c->start_milli))
		return opt_why(w, n, "a rate > 0 per second (e.g. 1000, 5k)");
	return 0;
}

static int p_factor(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_double(a, 1.01, 100.0, &c->factor))
		return opt_why(w, n, "a factor from 1.01 to 100 (e.g. 1.5)");
	return 0;
}

static int p_slowdown(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_double(a, 1.0, 1e6, &c->slowdown))
		return opt_why(w, n, "a factor >= 1 (e.g. 3: p50 three times the previous round's)");
	return 0;
}

static int p_max_error_rate(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_double(a, 0.0, 1.0, &c->max_error_rate))
		return opt_why(w, n, "a fraction from 0 to 1 (e.g. 0.01 for 1%%)");
	return 0;
}

static int p_refine(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_count(a, 0, 20, &c->refine))
		return opt_why(w, n, "a round count from 0 to 20");
	return 0;
}

static int p_spin(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	c->spin_auto = !strcmp(a, "auto");
	c->spin_busy = !strcmp(a, "busy");
	c->spin_ns = 0;
	if (c->spin_auto || c->spin_busy || !strcmp(a, "off"))
		return 0;
	if (units_parse_duration_ns(a, 1, SPIN_MAX_NS, &c->spin_ns))
		return opt_why(w, n, "auto, busy, off, or a duration up to 1ms (e.g. 50us)");
	return 0;
}

static int p_batch(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	c->batch_ns = 0;
	c->batch_auto = !strcmp(a, "auto");
	if (c->batch_auto || !strcmp(a, "off"))
		return 0;
	if (units_parse_duration_ns(a, NS_PER_US, 10 * NS_PER_MS, &c->batch_ns))
		return opt_why(w, n, "auto, off, or a duration from 1us to 10ms (e.g. 200us)");
	return 0;
}

static int p_max_lag(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_duration_ns(a, NS_PER_US, MAX_DURATION_NS, &c->max_lag_ns))
		return opt_why(w, n, "a duration of at least 1us (e.g. 1ms)");
	return 0;
}

static int p_max_rounds(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_count(a, 1, 1000, &c->max_rounds))
		return opt_why(w, n, "a round count from 1 to 1000");
	return 0;
}

static int p_hold(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_count(a, 1, 100000000, &c->hold))
		return opt_why(w, n, "a connection count from 1 to 100M");
	return 0;
}

static int p_open_rate(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_rate_milli(a, 1, 100000000000ULL, &c->open_rate_milli))
		return opt_why(w, n, "a rate > 0 per second (e.g. 500, 10k)");
	c->has_hold_opts |= given(a, def_open_rate, NULL);
	return 0;
}

static int p_hold_for(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_duration_ns(a, 0, MAX_DURATION_NS, &c->hold_for_ns))
		return opt_why(w, n, "a duration up to 7 days (e.g. 30s, 0)");
	c->has_hold_opts |= given(a, def_hold_for, def_sat_hold_for);
	return 0;
}

static int p_keepalive(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;

	if (!a) {	/* the server's flag */
		c->keepalive_server = true;
		return 0;
	}
	if (units_parse_duration_ns(a, NS_PER_MS, MAX_DURATION_NS, &c->keepalive_ns))
		return opt_why(w, n, "a duration from 1ms to 7 days (e.g. 10s)");
	c->has_hold_opts |= given(a, def_keepalive, NULL);
	return 0;
}

static int p_hold_search(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	(void)a; (void)w; (void)n;
	c->hold_search = true;
	return 0;
}

#define START_AT_MAX_AHEAD_NS (24 * 3600 * NS_PER_S)

static int p_start_at(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	int64_t t;

	if (walltime_parse(a, &t) || t <= 0)
		return opt_why(w, n, "an RFC 3339 time (e.g. 2026-11-30T06:00:05.5Z, "
			       "2026-11-30T07:00:05+01:00) or @EPOCH[.frac] seconds");
	c->start_at_ns = t;
	return 0;
}

static int p_id(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	const char *p;

	for (p = a; *p; p++)
		if (*p <= ' ' || *p > '~' || *p == '"' || *p == '\\')
			break;
	if (!*a || *p || strlen(a) >= sizeof(c->id))
		return opt_why(w, n, "a name of 1 to %zu printable characters, no "
			       "spaces or quotes", sizeof(c->id) - 1);
	strcpy(c->id, a);
	return 0;
}

#define SHARE_MAX 4096

static int p_share(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	unsigned long i, k;
	char *end;

	errno = 0;
	i = strtoul(a, &end, 10);
	if (end == a || *end != '/' || errno || *a == '-')
		return opt_why(w, n, "I/N: this host's slice I (0 to N-1) of N load hosts");
	a = end + 1;
	k = strtoul(a, &end, 10);
	if (end == a || *end || errno || *a == '-' || k < 1 || k > SHARE_MAX || i >= k)
		return opt_why(w, n, "I/N with 0 <= I < N <= %d", SHARE_MAX);
	c->share_i = (unsigned)i;
	c->share_n = (unsigned)k;
	return 0;
}

static int p_hdr_log(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;

	if (!*a || !strcmp(a, "-"))	/* standard output carries the table or --json - */
		return opt_why(w, n, "a file name (not -)");
	c->hdr_log_path = a;
	return 0;
}

#define RAMP_WANTED "a duration up to 1h (e.g. 0, 30s, 5m)"

static int p_ramp_up(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_duration_ns(a, 0, RAMP_MAX_NS, &c->ramp_up_ns))
		return opt_why(w, n, RAMP_WANTED);
	c->phased = true;
	return 0;
}

static int p_ramp_down(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_duration_ns(a, 0, RAMP_MAX_NS, &c->ramp_down_ns))
		return opt_why(w, n, RAMP_WANTED);
	c->phased = true;
	return 0;
}

static int p_sustain(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_duration_ns(a, NS_PER_MS, MAX_DURATION_NS, &c->sustain_ns))
		return opt_why(w, n, "a duration from 1ms to 7 days (e.g. 300s, 5m)");
	c->phased = c->has_sustain = true;
	return 0;
}

static int p_init_rate(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	if (units_parse_rate_milli(a, 1, 100000000000ULL, &c->init_milli))
		return opt_why(w, n, "a rate > 0 per second (e.g. 100, 1k)");
	return 0;
}

static int p_criteria(void *obj, const char *a, char *w, size_t n)
{
	struct config *c = obj;
	int k = one_of(a, "default", "rfc9411");

	if (k < 0)
		return opt_why(w, n, "default or rfc9411");
	c->criteria = k ? CRITERIA_RFC9411 : CRITERIA_DEFAULT;
	return 0;
}

static const struct opt_def opts[] = {
	/* server */
	{ "listen", "ADDR", M_S, "::", p_listen,
	  "address to listen on; :: also takes IPv4 where the kernel allows" },
	{ "port", "P[-P2]", M_S, "7171", p_port,
	  "port, or a range of up to 64 ports, one listener each per thread" },
	{ "backlog", "N", M_S, "65535", p_backlog,
	  "accept queue length (the kernel caps it at net.core.somaxconn)" },
	{ "response", "FILE", M_S, NULL, p_response,
	  "answer every connection with this file (default: nothing)" },
	{ "respond-after", "WHEN", M_S, "eof", p_respond_after,
	  "eof: after the client's half-close; http: after a header block "
	  "(\\r\\n\\r\\n); bytes:N: after N bytes" },
	{ "sched", "batch|inherit", M_S, "batch", p_sched,
	  "batch: worker threads run SCHED_BATCH and never preempt a thread "
	  "they wake, so a client (or device) on the same CPU finishes its "
	  "request and half-close before the server takes the connection; "
	  "inherit: keep the policy connrate was started with (nice, chrt)" },
	{ "timeout", "DUR", M_S, def_server_timeout, p_timeout,
	  "close a connection that has not finished after DUR" },
	{ "keepalive", NULL, M_S, NULL, p_keepalive,
	  "hold connections: answer every request on a connection at once "
	  "(echo it back) and keep the connection open until the client "
	  "closes it; no --timeout, no --response (for client --hold)" },
	/* client and saturate */
	{ "target", "HOST:PORT", M_CT, NULL, p_target,
	  "server to connect to; repeat for several (round-robin)" },
	{ "rate", "R[,R2...]", M_C, NULL, p_rate,
	  "open loop: start R connections/s on a fixed schedule; a list "
	  "runs one round per rate" },
	{ "concurrency", "C", M_C, NULL, p_concurrency,
	  "closed loop: keep C connections in flight, as fast as they finish" },
	{ "duration", "DUR", M_C, def_duration, p_duration,
	  "length of each round" },
	{ "duration", "DUR", M_T, def_sat_duration, p_duration,
	  "length of each round" },
	{ "cooldown", "DUR", M_CT, "0", p_cooldown,
	  "pause between rounds (lets TIME_WAIT drain)" },
	{ "request", "FILE", M_CT, NULL, p_request,
	  "send this file on every connection (default: nothing)" },
	{ "expect-bytes", "N", M_CT, "0", p_expect,
	  "count an answer shorter than N bytes as 'short'; with N, an RST "
	  "after N bytes counts 'ok' (a server with --close rst), without, "
	  "'reset'" },
	{ "no-half-close", NULL, M_CT, NULL, p_no_half_close,
	  "do not shut down the sending side; read until the server closes "
	  "(for real HTTP servers with Connection: close)" },
	{ "source", "ADDR[-ADDR2]", M_CT, NULL, p_source,
	  "bind to these source addresses in turn (the port is picked per "
	  "4-tuple at connect time)" },
	{ "timeout", "DUR", M_CT, def_timeout, p_timeout,
	  "give up on a connection DUR after it started (counted 'timeout')" },
	{ "max-inflight", "N", M_CT, "auto", p_max_inflight,
	  "most connections open at once (auto: the open-file limit, raised "
	  "to its hard limit)" },
	{ "spin", "auto|busy|off|DUR", M_CT, "auto", p_spin,
	  "open loop: wake DUR before each start and poll up to it, so the "
	  "kernel's wake-up latency does not become lag (auto: measure it, "
	  "at most a fifth of a thread's time, and poll rather than sleep "
	  "where a sleep costs more; busy: never sleep between starts; "
	  "off: sleep to the instant)" },
	{ "batch", "auto|off|DUR", M_CT, "off", p_batch,
	  "open loop: wake at most every DUR, start what fell due since in "
	  "one turn (late by what it waited: that is lag) and read answers "
	  "then, timed by the kernel's arrival stamp" },
	{ "interval", "DUR", M_CT, "0", p_interval,
	  "with --json, also write an 'interval' line every DUR (0: off)" },
	{ "start-at", "TIME", M_C, NULL, p_start_at,
	  "begin the first round's schedule at this wall-clock instant "
	  "(RFC 3339 or @EPOCH[.frac]; within a day), so several load hosts "
	  "start together" },
	{ "id", "NAME", M_C, NULL, p_id,
	  "this load host's name in the JSON, for connrate merge (default: "
	  "the hostname)" },
	{ "share", "I/N", M_C, NULL, p_share,
	  "this host is I of N load hosts at the same --rate (0 <= I < N): its "
	  "schedule is offset by I/N of a start's interval, so the N schedules "
	  "interleave into one at N times the rate instead of starting in step" },
	{ "hdr-log", "FILE", M_C, NULL, p_hdr_log,
	  "write every round's latency histogram (with --interval, every "
	  "interval's) to FILE as an HdrHistogram interval log" },
	{ "ramp-up", "DUR", M_CT, NULL, p_ramp_up,
	  "phases: before the sustain, raise the rate linearly from "
	  "--init-rate to the round's rate over DUR (at most 1h)" },
	{ "sustain", "DUR", M_CT, NULL, p_sustain,
	  "phases: hold the round's rate for DUR (default: --duration); the "
	  "round's headline figures are this phase's" },
	{ "ramp-down", "DUR", M_CT, NULL, p_ramp_down,
	  "phases: after the sustain, lower the rate linearly back to "
	  "--init-rate over DUR (at most 1h)" },
	{ "init-rate", "R", M_CT, NULL, p_init_rate,
	  "phases: the rate the ramps start from and end at (default: 10% of "
	  "the round's rate)" },
	/* capacity */
	{ "hold", "N", M_C, NULL, p_hold,
	  "capacity: open N connections, keep them all open and check each "
	  "with an exchange every --keepalive (server --keepalive)" },
	{ "open-rate", "R", M_CT, def_open_rate, p_open_rate,
	  "with --hold / --hold-search: open R connections per second" },
	{ "hold-for", "DUR", M_C, def_hold_for, p_hold_for,
	  "with --hold: keep them DUR after the last one's scheduled start, "
	  "then check every one a last time" },
	{ "hold-for", "DUR", M_T, def_sat_hold_for, p_hold_for,
	  "with --hold-search: keep each round's connections DUR" },
	{ "keepalive", "DUR", M_CT, def_keepalive, p_keepalive,
	  "with --hold / --hold-search: one exchange per connection every DUR" },
	{ "hold-search", NULL, M_T, NULL, p_hold_search,
	  "capacity search: raise the connections held (--start, --factor, "
	  "then bisect) until some fail to open or to answer" },
	/* saturate */
	{ "start", "R", M_T, "1000", p_start,
	  "rate of the first round" },
	{ "factor", "F", M_T, "1.5", p_factor,
	  "multiply the rate by F after each good round" },
	{ "slowdown", "S", M_T, "3", p_slowdown,
	  "a round is bad when its p50 latency exceeds S times the previous "
	  "good round's" },
	{ "max-error-rate", "E", M_T, "0.01", p_max_error_rate,
	  "a round is bad when errors/started exceeds E" },
	{ "max-lag", "DUR", M_T, "1ms", p_max_lag,
	  "a round whose client lag p99 exceeds DUR shows the client, not the "
	  "target, as the bottleneck" },
	{ "refine", "N", M_T, "0", p_refine,
	  "bisect N more rounds between the last good and first bad rate" },
	{ "max-rounds", "N", M_T, "30", p_max_rounds,
	  "stop stepping after N rounds" },
	{ "criteria", "default|rfc9411", M_T, "default", p_criteria,
	  "when a round passes: default (errors, slowdown, shortfall, as "
	  "above) or rfc9411 (RFC 9411 7.2: under 0.001% failed and under "
	  "0.001% reset in the sustain, the rate within 5%; FIN closes only; "
	  "steps up, then bisects to the highest passing rate)" },
	/* everyone */
	{ "threads", "N", M_ALL, "auto", p_threads,
	  "worker threads, each with its own epoll loop (auto: one per CPU)" },
	{ "cpus", "auto|none|LIST", M_ALL, "auto", p_cpus,
	  "pin worker thread i to the i-th CPU of LIST (e.g. 0-3, round-robin; "
	  "auto: every CPU this process may use); the server also steers each "
	  "CPU's connections to its thread (SO_INCOMING_CPU), so a client and "
	  "server pinned alike on one host keep a connection on one CPU" },
	{ "close", "fin|rst", M_ALL, "fin", p_close,
	  "how this side closes: fin (orderly, TIME_WAIT on the side that "
	  "closes first) or rst (SO_LINGER 0, no TIME_WAIT)" },
	{ "json", "FILE|-", M_ALL, NULL, p_json,
	  "write results as JSON Lines to FILE (- for standard output)" },
	{ "dry-run", NULL, M_ALL, NULL, p_dry_run,
	  "check the options, then exit (0, or 2 with the reason)" },
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

const char *cli_mode_name(enum cr_mode mode)
{
	switch (mode) {
	case MODE_SERVER:
		return "server";
	case MODE_CLIENT:
		return "client";
	case MODE_SATURATE:
		return "saturate";
	}
	return "?";
}

static const char *const mode_synopsis[] = {
	[MODE_SERVER] = "accept connections, read each request, answer, close",
	[MODE_CLIENT] = "open connections on a schedule (--rate) or keep a number "
			"in flight (--concurrency); measure each",
	[MODE_SATURATE] = "raise the rate round by round until the target (or the "
			  "client) gives up; report the knee",
};

static struct opt_set mode_set(enum cr_mode mode, void *obj)
{
	return (struct opt_set){ .def = opts, .n = NOPTS, .modes = mode, .obj = obj };
}

const struct opt_def *cli_options(size_t *n)
{
	*n = NOPTS;
	return opts;
}

void cli_usage(FILE *f, enum cr_mode mode)
{
	struct opt_set set = mode_set(mode, NULL);

	fprintf(f, "usage: connrate %s [options]\n  %s\n\noptions:\n",
		cli_mode_name(mode), mode_synopsis[mode]);
	opt_usage(f, &set);
	fprintf(f, "  %-26s %s\n  %-26s %s\n", "-h, --help", "this text",
		"--version", "print the version");
	fprintf(f, "\nDurations take ns, us, ms, s, m, h (default s); counts and "
		"rates take k, M.\nSee connrate(1) for the output and examples.\n");
}

static void config_init(struct config *c, enum cr_mode mode)
{
	memset(c, 0, sizeof(*c));
	c->mode = mode;
}

int cli_parse(struct config *c, enum cr_mode mode, int argc, char **argv,
	      char *err, size_t errlen)
{
	struct opt_set set = mode_set(mode, c);
	int rc;

	config_init(c, mode);
	rc = opt_parse(&set, 1, argc, argv, NULL, cli_mode_name(mode), err, errlen);
	if (rc == OPT_HELP)
		cli_usage(stdout, mode);
	else if (rc == OPT_VERSION)
		printf("connrate %s\n", CR_VERSION);
	return rc > 0 ? 1 : rc;
}

static bool family_matches(const struct config *c, int family)
{
	unsigned i;

	for (i = 0; i < c->ntargets; i++)
		if (c->target[i].ss.ss_family != family)
			return false;
	return true;
}

/* --ramp-up, --sustain, --ramp-down, --init-rate: what no single one can check. */
static int validate_phases(struct config *c, char *err, size_t errlen)
{
	unsigned i;

	if (!c->phased) {
		if (c->init_milli) {
			snprintf(err, errlen, "--init-rate needs phases: --ramp-up, --sustain or --ramp-down");
			return -1;
		}
		return 0;
	}
	if (c->mode == MODE_CLIENT && c->concurrency) {
		snprintf(err, errlen, "--ramp-up, --sustain and --ramp-down shape the open loop's rate: "
			 "they do not go with --concurrency");
		return -1;
	}
	if (c->has_sustain && c->has_duration) {
		snprintf(err, errlen, "--sustain and --duration both set the sustain phase's length: give one");
		return -1;
	}
	if (!c->has_sustain)
		c->sustain_ns = c->duration_ns;
	for (i = 0; c->init_milli && i < (c->mode == MODE_CLIENT ? c->nrates : 1); i++) {
		uint64_t r = c->mode == MODE_CLIENT ? c->rate_milli[i] : c->start_milli;

		if (c->init_milli <= r)
			continue;
		snprintf(err, errlen, "--init-rate %.10g/s is above %s %.10g/s: the ramps rise from it to the rate",
			 (double)c->init_milli / 1000.0,
			 c->mode == MODE_CLIENT ? "--rate" : "--start",
			 (double)r / 1000.0);
		return -1;
	}
	return 0;
}

/* Capacity rounds open at --open-rate and are judged by what they hold. */
static int validate_hold(const struct config *c, char *err, size_t errlen)
{
	const char *what = c->hold ? "--hold" : "--hold-search";

	if (!c->hold && !c->hold_search) {
		if (!c->has_hold_opts)
			return 0;
		snprintf(err, errlen, "--open-rate, --hold-for and --keepalive go with %s",
			 c->mode == MODE_CLIENT ? "--hold" : "--hold-search");
		return -1;
	}
	if (c->has_duration)
		snprintf(err, errlen, "%s keeps its connections --hold-for DUR: no --duration", what);
	else if (c->interval_ns || c->hdr_log_path)
		snprintf(err, errlen, "%s writes no interval lines or histogram log: no --interval or --hdr-log", what);
	else if (c->request.len || c->expect_bytes)
		snprintf(err, errlen, "%s exchanges one byte at a time: no --request or --expect-bytes", what);
	else if (c->phased)
		snprintf(err, errlen, "%s opens at --open-rate: no --ramp-up, --sustain or --ramp-down", what);
	else if (c->criteria == CRITERIA_RFC9411)
		snprintf(err, errlen, "--criteria judges rates; %s judges the connections held", what);
	else if (c->start_at_ns)
		snprintf(err, errlen, "%s starts at once: no --start-at", what);
	else
		return 0;
	return -1;
}

/* Do two paths name one file (the same name, or one existing inode)? */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (!strcmp(a, b))
		return true;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int cli_validate(struct config *c, char *err, size_t errlen)
{
	if (c->mode == MODE_SERVER) {
		if (c->keepalive_server && (c->response.len || c->respond_after != RESPOND_EOF)) {
			snprintf(err, errlen, "--keepalive answers each request with itself: no --response or --respond-after");
			return -1;
		}
		if (c->keepalive_server && c->has_timeout) {
			snprintf(err, errlen, "--keepalive keeps connections open until the client closes them: no --timeout");
			return -1;
		}
		return 0;
	}
	if (!c->ntargets) {
		snprintf(err, errlen, "--target HOST:PORT is required");
		return -1;
	}
	if (c->mode == MODE_CLIENT && c->hold) {
		if (c->nrates || c->concurrency) {
			snprintf(err, errlen, "--hold (capacity) excludes --rate and --concurrency");
			return -1;
		}
	} else if (c->mode == MODE_CLIENT) {
		if (c->nrates && c->concurrency) {
			snprintf(err, errlen, "--rate (open loop) and --concurrency (closed loop) exclude each other");
			return -1;
		}
		if (!c->nrates && !c->concurrency) {
			snprintf(err, errlen, "say how much load: --rate R (connections/s, open loop) or --concurrency C (closed loop)");
			return -1;
		}
	}
	if (c->start_at_ns) {
		int64_t now = walltime_now();

		if (c->start_at_ns <= now) {
			snprintf(err, errlen, "--start-at: %.3f s in the past (clocks in sync?)",
				 (double)(now - c->start_at_ns) / 1e9);
			return -1;
		}
		if (c->start_at_ns - now > (int64_t)START_AT_MAX_AHEAD_NS) {
			snprintf(err, errlen, "--start-at: more than a day ahead");
			return -1;
		}
	}
	if (cfg_batch_max_ns(c) && (c->concurrency || c->hold || c->hold_search)) {
		snprintf(err, errlen, "--batch groups the open loop's starts: it needs --rate, "
			 "not --concurrency or --hold");
		return -1;
	}
	if (cfg_batch_max_ns(c) && (c->spin_busy || c->spin_ns)) {
		snprintf(err, errlen, "--spin %s wakes early to start on time, --batch makes starts wait "
			 "on purpose: give one", c->spin_busy ? "busy" : "DUR");
		return -1;
	}
	if (c->share_n && !c->nrates) {
		snprintf(err, errlen, "--share offsets an open-loop schedule: it needs --rate");
		return -1;
	}
	if (c->mode == MODE_CLIENT && !c->id[0] &&
	    (gethostname(c->id, sizeof(c->id) - 1) < 0 || !c->id[0]))
		strcpy(c->id, "localhost");
	if (validate_phases(c, err, errlen) || validate_hold(c, err, errlen))
		return -1;
	if (c->hdr_log_path && c->json_path && same_file(c->hdr_log_path, c->json_path)) {
		snprintf(err, errlen, "--hdr-log and --json name one file: '%s'", c->hdr_log_path);
		return -1;
	}
	if (c->mode == MODE_SATURATE && c->criteria == CRITERIA_RFC9411 &&
	    c->close == CLOSE_RST) {
		snprintf(err, errlen, "--close rst with --criteria rfc9411: RFC 9411 does not allow an RST close "
			 "(§6.3: a connection MUST NOT be closed by RST); use --close fin");
		return -1;
	}
	if (c->has_source && !family_matches(c, c->source.family)) {
		snprintf(err, errlen, "--source is %s but a --target is not",
			 c->source.family == AF_INET ? "IPv4" : "IPv6");
		return -1;
	}
	return 0;
}

/* How a saturate search was made: its start, steps and stopping rules. */
static void dump_saturate(const struct config *c, struct json *j)
{
	json_num(j, "start_rate", (double)c->start_milli / 1000.0, 3);
	json_num(j, "factor", c->factor, 3);
	json_num(j, "slowdown", c->slowdown, 3);
	json_num(j, "max_error_rate", c->max_error_rate, 6);
	json_num(j, "max_lag_s", (double)c->max_lag_ns / 1e9, 6);
	json_u64(j, "refine", c->refine);
	json_u64(j, "max_rounds", c->max_rounds);
	json_str(j, "criteria", c->criteria == CRITERIA_RFC9411 ? "rfc9411" : "default");
}

/* A phased round's curve. */
static void dump_phases(const struct config *c, struct json *j)
{
	json_obj(j, "phases");
	json_num(j, "ramp_up_s", (double)c->ramp_up_ns / 1e9, 3);
	json_num(j, "sustain_s", (double)c->sustain_ns / 1e9, 3);
	json_num(j, "ramp_down_s", (double)c->ramp_down_ns / 1e9, 3);
	if (c->init_milli)
		json_num(j, "init_rate", (double)c->init_milli / 1000.0, 3);
	else
		json_str(j, "init_rate", "10%");
	json_obj_end(j);
}

void cli_dump(const struct config *c, struct json *j)
{
	char buf[64];
	unsigned i;

	json_obj(j, "config");
	json_str(j, "mode", cli_mode_name(c->mode));
	json_u64(j, "threads", c->threads);
	if (c->ncpu) {
		json_arr(j, "cpus");
		for (i = 0; i < c->ncpu; i++)
			json_u64(j, NULL, c->cpu[i]);
		json_arr_end(j);
	} else {
		json_str(j, "cpus", "none");
	}
	json_str(j, "close", c->close == CLOSE_RST ? "rst" : "fin");
	json_num(j, "timeout_s", (double)c->timeout_ns / 1e9, 6);
	if (c->mode == MODE_SERVER) {
		json_str(j, "listen", c->listen);
		json_u64(j, "port_lo", c->port_lo);
		json_u64(j, "port_hi", c->port_hi);
		json_u64(j, "backlog", c->backlog);
		json_u64(j, "response_bytes", c->response.len);
		json_str(j, "respond_after", c->respond_after == RESPOND_EOF ? "eof" :
			 c->respond_after == RESPOND_HTTP ? "http" : "bytes");
		if (c->respond_after == RESPOND_BYTES)
			json_u64(j, "respond_bytes", c->respond_bytes);
		json_str(j, "sched", c->sched_batch ? "batch" : "inherit");
	} else {
		json_arr(j, "targets");
		for (i = 0; i < c->ntargets; i++)
			json_str(j, NULL, addr_format(&c->target[i], buf, sizeof(buf)));
		json_arr_end(j);
		json_u64(j, "request_bytes", c->request.len);
		json_u64(j, "expect_bytes", c->expect_bytes);
		json_bool(j, "half_close", !c->no_half_close);
		json_num(j, "duration_s", (double)c->duration_ns / 1e9, 3);
		json_num(j, "cooldown_s", (double)c->cooldown_ns / 1e9, 3);
		json_num(j, "interval_s", (double)c->interval_ns / 1e9, 3);
		json_u64(j, "max_inflight", c->max_inflight);
		if (c->spin_auto || c->spin_busy)
			json_str(j, "spin", c->spin_auto ? "auto" : "busy");
		else
			json_num(j, "spin_us", (double)c->spin_ns / 1e3, 3);
		if (c->batch_auto)
			json_str(j, "batch", "auto");
		else if (c->batch_ns)
			json_num(j, "batch_us", (double)c->batch_ns / 1e3, 3);
		if (c->has_source)
			json_u64(j, "source_addresses", c->source.count);
		if (c->start_at_ns)
			json_num(j, "start_at_s", (double)c->start_at_ns / 1e9, 6);
		if (c->share_n) {
			json_u64(j, "share_i", c->share_i);
			json_u64(j, "share_n", c->share_n);
		}
		if (c->phased)
			dump_phases(c, j);
	}
	if (c->mode == MODE_SATURATE)
		dump_saturate(c, j);
	if (c->hold || c->hold_search) {
		json_u64(j, "hold", c->hold);
		json_num(j, "open_rate", (double)c->open_rate_milli / 1000.0, 3);
		json_num(j, "hold_for_s", (double)c->hold_for_ns / 1e9, 3);
		json_num(j, "keepalive_s", (double)c->keepalive_ns / 1e9, 3);
	}
	if (c->keepalive_server)
		json_bool(j, "keepalive", true);
	json_obj_end(j);
}

void cli_free(struct config *c)
{
	payload_free(&c->request);
	payload_free(&c->response);
}
