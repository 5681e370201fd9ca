/*
 * run.c - connrate-lab run (see run.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "build.h"
#include "counters.h"
#include "diagnose.h"
#include "lab.h"
#include "nfq.h"
#include "ns.h"
#include "profile.h"
#include "results.h"
#include "run.h"
#include "topo.h"

#define MAX_PROFILES 8
#define MAX_ARGS 96
#define LINE_MAX_LEN (1 << 20)

/* Counters always written, zero or not. */
static const char *const key_counters[] = {
	"TcpActiveOpens", "TcpPassiveOpens", "TcpAttemptFails", "TcpEstabResets",
	"TcpOutRsts", "TcpRetransSegs", "TcpExtListenOverflows", "TcpExtListenDrops",
	"TcpExtTCPTimeWaitOverflow", "TcpExtTCPSynRetrans", "TcpExtTCPReqQFullDrop",
	"TcpExtTCPReqQFullDoCookies", "TcpExtSyncookiesSent",
};

/* Sysctls recorded for every namespace, besides the profile's. */
static const char *const key_sysctls[] = {
	"net.ipv4.ip_local_port_range", "net.ipv4.tcp_tw_reuse", "net.core.somaxconn",
	"net.ipv4.tcp_max_syn_backlog", "net.ipv4.tcp_syncookies",
	"net.ipv4.tcp_max_tw_buckets",
};

/* Client options passed through to connrate, with an argument or not. */
static const struct { const char *name; bool arg; bool sat_only; } passthrough[] = {
	{ "duration", true, false }, { "cooldown", true, false }, { "threads", true, false },
	{ "timeout", true, false }, { "close", true, false }, { "expect-bytes", true, false },
	{ "no-half-close", false, false }, { "max-inflight", true, false },
	{ "interval", true, false }, { "spin", true, false },
	{ "start", true, true }, { "factor", true, true }, { "slowdown", true, true },
	{ "max-error-rate", true, true }, { "max-lag", true, true }, { "refine", true, true },
	{ "max-rounds", true, true },
};
#define NPASS (sizeof(passthrough) / sizeof(passthrough[0]))

enum role { ROLE_CLIENT, ROLE_SERVER, ROLE_DUT, ROLE__COUNT };
static const char *const role_names[ROLE__COUNT] = { "client", "server", "dut" };

/* A child that writes JSON lines of its counters on SIGUSR1 and at exit. */
struct jchild {
	const char *type;	/* "server", "dut" */
	pid_t pid;
	int out;
	char buf[65536];
	size_t len;
	json_object *prev;	/* its counters when the round began */
};

struct run {
	/* options */
	const char *topology, *rates, *concurrency, *dut_nft, *dut_cmd, *dut_sim;
	const char *request, *response, *name, *out, *server_threads, *backlog;
	const char *respond_after;
	bool saturate, force, allow_host, ipv6;
	unsigned port;
	char *profile_names[MAX_PROFILES];
	unsigned nprofiles;
	char *pass[MAX_ARGS];
	unsigned npass;
	char *argv_copy;
	/* what was loaded */
	struct topo *t;
	char *topo_text;
	struct profile *prof[MAX_PROFILES];
	char prefix[NS_NAME_MAX];
	char connrate[PATH_MAX];
	char outdir[PATH_MAX];
	char target[80];
	int node[ROLE__COUNT];		/* node index per role, -1: none */
	FILE *rounds;
	/* per profile */
	const struct profile *p;
	int nsfd[ROLE__COUNT];
	pid_t cli_pid, cmd_pid;
	struct jchild srv, sim;
	char dut_bin[PATH_MAX];
	struct nstat *before[ROLE__COUNT], *after[ROLE__COUNT];
	struct ctstats ct_before, ct_after;
	unsigned rounds_done;
	bool interrupted;
	const volatile sig_atomic_t *stop;	/* set by a signal */
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "connrate-lab run: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 2;
}

static void run_usage(void)
{
	printf("usage: connrate-lab run --topology T --profile P[,P2...] (--rate R[,R2...] | --concurrency C | --saturate)\n"
	       "         [--dut-nft FILE] [--dut-sim \"ARGS\"] [--dut-cmd \"CMD\"] [--request F] [--response F]\n"
	       "         [--name PREFIX] [--out DIR] [--force] [--allow-host-sysctl] [--ipv6]\n"
	       "         [--port P] [--server-threads N] [--backlog N] [--respond-after WHEN]\n"
	       "         [client options: --duration --cooldown --threads --timeout --close --expect-bytes\n"
	       "          --no-half-close --max-inflight --interval --spin; saturate: --start --factor --slowdown\n"
	       "          --max-error-rate --max-lag --refine --max-rounds]\n"
	       "\nFor each profile: build the topology fresh, apply the profile, start the device and\n"
	       "the server, run the client's rounds, read the kernel's counters around each round,\n"
	       "tear down.  Results in --out DIR (default results/<time>-<topology>): run.json,\n"
	       "rounds.jsonl, summary.txt, latency.svg.\n");
}

/* --- options --- */

static int parse_opts(struct run *r, int argc, char **argv)
{
	enum { O_TOPO = 1000, O_PROFILE, O_RATE, O_CONC, O_SAT, O_NFT, O_CMD, O_SIM,
	       O_REQ, O_RSP, O_NAME, O_OUT, O_FORCE, O_HOST, O_V6, O_PORT, O_SRVT,
	       O_BACKLOG, O_RA, O_HELP, O_PASS };
	struct option lo[64] = {
		{ "topology", 1, NULL, O_TOPO }, { "profile", 1, NULL, O_PROFILE },
		{ "rate", 1, NULL, O_RATE }, { "concurrency", 1, NULL, O_CONC },
		{ "saturate", 0, NULL, O_SAT }, { "dut-nft", 1, NULL, O_NFT },
		{ "dut-cmd", 1, NULL, O_CMD }, { "dut-sim", 1, NULL, O_SIM },
		{ "request", 1, NULL, O_REQ }, { "response", 1, NULL, O_RSP },
		{ "name", 1, NULL, O_NAME }, { "out", 1, NULL, O_OUT },
		{ "force", 0, NULL, O_FORCE }, { "allow-host-sysctl", 0, NULL, O_HOST },
		{ "ipv6", 0, NULL, O_V6 }, { "port", 1, NULL, O_PORT },
		{ "server-threads", 1, NULL, O_SRVT }, { "backlog", 1, NULL, O_BACKLOG },
		{ "respond-after", 1, NULL, O_RA }, { "help", 0, NULL, O_HELP },
	};
	unsigned nlo = 20, i;
	char *pl = NULL, *tok, *save = NULL, *end;
	int ch;

	for (i = 0; i < NPASS; i++)
		lo[nlo++] = (struct option){ passthrough[i].name, passthrough[i].arg ? 1 : 0,
					     NULL, O_PASS + (int)i };
	lo[nlo] = (struct option){ NULL, 0, NULL, 0 };
	r->port = 7171;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		switch (ch) {
		case O_TOPO: r->topology = optarg; break;
		case O_PROFILE: pl = optarg; break;
		case O_RATE: r->rates = optarg; break;
		case O_CONC: r->concurrency = optarg; break;
		case O_SAT: r->saturate = true; break;
		case O_NFT: r->dut_nft = optarg; break;
		case O_CMD: r->dut_cmd = optarg; break;
		case O_SIM: r->dut_sim = optarg; break;
		case O_REQ: r->request = optarg; break;
		case O_RSP: r->response = optarg; break;
		case O_NAME: r->name = optarg; break;
		case O_OUT: r->out = optarg; break;
		case O_FORCE: r->force = true; break;
		case O_HOST: r->allow_host = true; break;
		case O_V6: r->ipv6 = true; break;
		case O_PORT:
			r->port = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !*optarg || r->port < 1 || r->port > 65535)
				return usage_error("--port '%s': expected a port from 1 to 65535", optarg);
			break;
		case O_SRVT: r->server_threads = optarg; break;
		case O_BACKLOG: r->backlog = optarg; break;
		case O_RA: r->respond_after = optarg; break;
		case O_HELP: run_usage(); return 3;
		case ':': return usage_error("option '%s' needs a value", argv[optind - 1]);
		case '?': return usage_error("unknown option '%s' (try --help)", argv[optind - 1]);
		default:
			if (ch >= O_PASS && ch < O_PASS + (int)NPASS) {
				static char optname[NPASS][32];
				unsigned k = (unsigned)(ch - O_PASS);

				if (r->npass + 2 >= MAX_ARGS)
					return usage_error("%s", "too many options");
				snprintf(optname[k], sizeof(optname[k]), "--%s", passthrough[k].name);
				r->pass[r->npass++] = optname[k];
				if (passthrough[k].arg)
					r->pass[r->npass++] = optarg;
				break;	/* saturate-only options are checked after the loop */
			}
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!r->topology)
		return usage_error("%s", "--topology T is required (a shipped name such as dut, or a .topo file)");
	if (!!r->rates + !!r->concurrency + r->saturate != 1)
		return usage_error("%s", "say what to run: one of --rate R[,R2...], --concurrency C or --saturate");
	for (i = 0; i < r->npass; i++) {
		unsigned k;

		for (k = 0; k < NPASS; k++)
			if (passthrough[k].sat_only && r->pass[i][0] == '-' &&
			    !strcmp(r->pass[i] + 2, passthrough[k].name) && !r->saturate)
				return usage_error("%s only goes with --saturate", r->pass[i]);
	}
	if (!!r->dut_sim + !!r->dut_cmd > 1)
		return usage_error("%s", "--dut-sim and --dut-cmd exclude each other (one device at a time)");
	if (r->name && !ns_prefix_ok(r->name))
		return usage_error("--name '%s': 1 to 24 of a-z 0-9 -, starting with a letter", r->name);
	if (!pl)
		pl = (char *)"default";
	r->argv_copy = strdup(pl);
	for (tok = strtok_r(r->argv_copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (r->nprofiles == MAX_PROFILES)
			return usage_error("--profile: at most %s profiles", "8");
		r->profile_names[r->nprofiles++] = tok;
	}
	if (!r->nprofiles)
		return usage_error("--profile '%s': expected P[,P2...]", pl);
	return 0;
}

/* --- roles and the target --- */

static int role_node(const struct topo *t, enum role role)
{
	int i = topo_node_index(t, role_names[role]);

	if (i >= 0 || role == ROLE_DUT)
		return i;
	return t->nnodes == 1 ? 0 : -1;
}

static int find_target(struct run *r)
{
	const struct topo *t = r->t;
	int fam = r->ipv6 ? AF_INET6 : AF_INET;
	unsigned l, e, a;

	if (r->node[ROLE_SERVER] == r->node[ROLE_CLIENT]) {
		snprintf(r->target, sizeof(r->target), r->ipv6 ? "[::1]:%u" : "127.0.0.1:%u", r->port);
		return 0;
	}
	for (l = 0; l < t->nlinks; l++)
		for (e = 0; e < 2; e++) {
			const struct topo_end *end = &t->link[l].end[e];

			if ((int)end->node != r->node[ROLE_SERVER])
				continue;
			for (a = 0; a < end->naddr; a++) {
				char host[64];

				if (end->addr[a].family != fam)
					continue;
				snprintf(host, sizeof(host), "%.*s", (int)strcspn(end->addr[a].text, "/"),
					 end->addr[a].text);
				snprintf(r->target, sizeof(r->target), r->ipv6 ? "[%s]:%u" : "%s:%u",
					 host, r->port);
				return 0;
			}
		}
	return -1;
}

/* --- argv for connrate --- */

/* Append "--name value" when value is set. */
static void arg(char **av, unsigned *n, const char *name, const char *value)
{
	if (!value)
		return;
	av[(*n)++] = (char *)name;
	av[(*n)++] = (char *)value;
}

static void argv_end(char **av, unsigned *n, bool dry)
{
	arg(av, n, "--json", "-");
	if (dry)
		av[(*n)++] = (char *)"--dry-run";
	av[*n] = NULL;
}

static unsigned client_argv(struct run *r, char **av, bool dry)
{
	unsigned n = 0, i;

	av[n++] = r->connrate;
	av[n++] = (char *)(r->saturate ? "saturate" : "client");
	arg(av, &n, "--target", r->target);
	arg(av, &n, "--rate", r->rates);
	arg(av, &n, "--concurrency", r->concurrency);
	arg(av, &n, "--request", r->request);
	for (i = 0; i < r->npass; i++)
		av[n++] = r->pass[i];
	argv_end(av, &n, dry);
	return n;
}

static unsigned server_argv(struct run *r, char **av, bool dry)
{
	static char port_s[16];
	unsigned n = 0;

	snprintf(port_s, sizeof(port_s), "%u", r->port);
	av[n++] = r->connrate;
	av[n++] = (char *)"server";
	arg(av, &n, "--port", port_s);
	arg(av, &n, "--listen", r->ipv6 || r->node[ROLE_SERVER] != r->node[ROLE_CLIENT] ? "::" : "0.0.0.0");
	arg(av, &n, "--threads", r->server_threads);
	arg(av, &n, "--backlog", r->backlog);
	arg(av, &n, "--response", r->response);
	arg(av, &n, "--respond-after", r->respond_after);
	argv_end(av, &n, dry);
	return n;
}

/* Run connrate --dry-run: the core judges its own options. */
static int dry_run(char **av)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		execvp(av[0], av);
		fprintf(stderr, "connrate-lab run: cannot run %s (beside connrate-lab or on PATH): %s\n",
			av[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		return -1;
	/* a signal caught meanwhile only sets the stop flag: wait on */
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* --- lines from a child --- */

/*
 * Read one line from fd into out (without '\n'), keeping what follows in
 * buf.  Waits up to timeout_ms (-1: no limit, but wakes every 200 ms to
 * look at the stop flag and calls on_stop once).  1: a line, 0: EOF or
 * timeout, -1: error.
 */
static int read_line(int fd, char *buf, size_t *len, size_t cap, char *out,
		     size_t outcap, int timeout_ms, void (*on_stop)(struct run *),
		     struct run *r)
{
	int waited = 0;

	for (;;) {
		char *nl = memchr(buf, '\n', *len);
		struct pollfd pf = { fd, POLLIN, 0 };
		ssize_t n;
		int pr;

		if (nl) {
			size_t l = (size_t)(nl - buf);

			snprintf(out, outcap, "%.*s", (int)(l < outcap ? l : outcap - 1), buf);
			memmove(buf, nl + 1, *len - l - 1);
			*len -= l + 1;
			return 1;
		}
		if (*len == cap)
			*len = 0;	/* a line longer than we take: drop it */
		if (on_stop && *r->stop)
			on_stop(r);
		pr = poll(&pf, 1, 200);
		if (pr == 0) {
			waited += 200;
			if (timeout_ms >= 0 && waited >= timeout_ms)
				return 0;
			continue;
		}
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		*len += (size_t)n;
	}
}

static void interrupt_client(struct run *r)
{
	if (!r->interrupted && r->cli_pid > 0) {
		kill(r->cli_pid, SIGINT);
		r->interrupted = true;
	}
}

/* --- snapshots and deltas --- */

static void snapshot(struct run *r, struct nstat **into, struct ctstats *ct)
{
	unsigned k;

	for (k = 0; k < ROLE__COUNT; k++)
		if (r->nsfd[k] >= 0)
			counters_read_snmp(r->nsfd[k], into[k]);
	if (r->nsfd[ROLE_DUT] >= 0)
		counters_read_conntrack(r->nsfd[ROLE_DUT], ct);
}

static json_object *counters_json(const struct nstat *d, const struct sockstates *socks)
{
	json_object *o = json_object_new_object(), *so = json_object_new_object();
	unsigned i;

	for (i = 0; i < sizeof(key_counters) / sizeof(key_counters[0]); i++)
		json_object_object_add(o, key_counters[i],
				       json_object_new_int64(nstat_get(d, key_counters[i])));
	for (i = 0; i < d->n; i++)
		if (d->e[i].v && !json_object_object_get_ex(o, d->e[i].name, NULL))
			json_object_object_add(o, d->e[i].name, json_object_new_int64(d->e[i].v));
	for (i = 1; i < TCP_STATES; i++)
		if (socks->state[i])
			json_object_object_add(so, counters_tcp_state_name(i),
					       json_object_new_int64((int64_t)socks->state[i]));
	json_object_object_add(o, "sockets", so);
	return o;
}

static json_object *ct_json(const struct ctstats *d)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "found", json_object_new_int64((int64_t)d->found));
	json_object_object_add(o, "insert", json_object_new_int64((int64_t)d->insert));
	json_object_object_add(o, "insert_failed", json_object_new_int64((int64_t)d->insert_failed));
	json_object_object_add(o, "drop", json_object_new_int64((int64_t)d->drop));
	json_object_object_add(o, "early_drop", json_object_new_int64((int64_t)d->early_drop));
	json_object_object_add(o, "invalid", json_object_new_int64((int64_t)d->invalid));
	json_object_object_add(o, "search_restart", json_object_new_int64((int64_t)d->search_restart));
	json_object_object_add(o, "count", json_object_new_int64((int64_t)d->count));
	json_object_object_add(o, "max", json_object_new_int64((int64_t)d->max));
	return o;
}

/* Numeric members of b minus a, recursively (the server's counters). */
static json_object *json_delta(json_object *a, json_object *b)
{
	json_object *o = json_object_new_object();

	json_object_object_foreach(b, key, vb) {
		json_object *va = NULL;

		if (a)
			json_object_object_get_ex(a, key, &va);
		if (json_object_is_type(vb, json_type_int))
			json_object_object_add(o, key, json_object_new_int64(
				json_object_get_int64(vb) - (va ? json_object_get_int64(va) : 0)));
		else if (json_object_is_type(vb, json_type_double))
			json_object_object_add(o, key, json_object_new_double(
				json_object_get_double(vb) - (va ? json_object_get_double(va) : 0)));
		else if (json_object_is_type(vb, json_type_object) && strcmp(key, "config"))
			json_object_object_add(o, key, json_delta(va, vb));
	}
	return o;
}

static json_object *sysctl_json(struct run *r, enum role k)
{
	json_object *o = json_object_new_object();
	char val[256];
	unsigned i;

	for (i = 0; i < sizeof(key_sysctls) / sizeof(key_sysctls[0]); i++)
		if (!ns_sysctl_read(r->nsfd[k], key_sysctls[i], val, sizeof(val)))
			json_object_object_add(o, key_sysctls[i], json_object_new_string(val));
	for (i = 0; i < r->p->n; i++) {
		const struct profile_entry *e = &r->p->e[i];

		if (e->section == SEC_HOST)
			continue;
		if (!ns_sysctl_read(r->nsfd[k], e->key, val, sizeof(val)))
			json_object_object_add(o, e->key, json_object_new_string(val));
	}
	return o;
}

static double jget_d(json_object *o, const char *a, const char *b)
{
	json_object *x;

	if (!json_object_object_get_ex(o, a, &x))
		return 0;
	if (b && !json_object_object_get_ex(x, b, &x))
		return 0;
	return json_object_get_double(x);
}

static uint64_t jget_u(json_object *o, const char *a, const char *b)
{
	return (uint64_t)jget_d(o, a, b);
}

/* A child's counters so far: SIGUSR1 (unless ask is false), then its line. */
static json_object *child_counters(struct run *r, struct jchild *c, bool ask)
{
	char *line;
	json_object *o = NULL;

	if (c->pid <= 0 || c->out < 0 || !(line = malloc(LINE_MAX_LEN)))
		return NULL;
	if (ask)
		kill(c->pid, SIGUSR1);
	while (read_line(c->out, c->buf, &c->len, sizeof(c->buf), line, LINE_MAX_LEN, 3000,
			 NULL, r) == 1) {
		o = json_tokener_parse(line);
		if (o && !strcmp(json_object_get_string(json_object_object_get(o, "type")) ?: "", c->type))
			break;
		json_object_put(o);
		o = NULL;
	}
	free(line);
	return o;
}

/* The delta since the last call, and remember this one. */
static json_object *child_delta(struct run *r, struct jchild *c)
{
	json_object *now = child_counters(r, c, true), *d;

	if (!now)
		return NULL;
	d = json_delta(c->prev, now);
	json_object_put(c->prev);
	c->prev = now;
	return d;
}

static void on_round(struct run *r, json_object *cr)
{
	struct nstat *d[ROLE__COUNT] = { 0 };
	struct sockstates socks, client_socks = { 0 };
	struct ctstats ctd = { 0 };
	struct diag_input in = { 0 };
	struct diagnosis dg;
	json_object *rec = json_object_new_object(), *cnt = json_object_new_object();
	json_object *sys = json_object_new_object(), *srv, *sim, *diag = json_object_new_array();
	unsigned k, i;
	char a[24], b[24];

	srv = child_delta(r, &r->srv);
	sim = child_delta(r, &r->sim);
	snapshot(r, r->after, &r->ct_after);
	for (k = 0; k < ROLE__COUNT; k++) {
		if (r->nsfd[k] < 0)
			continue;
		d[k] = calloc(1, sizeof(struct nstat));
		counters_delta(r->before[k], r->after[k], d[k]);
		counters_read_sockets(r->nsfd[k], &socks);
		if (k == ROLE_CLIENT)
			client_socks = socks;
		json_object_object_add(cnt, role_names[k], counters_json(d[k], &socks));
		json_object_object_add(sys, role_names[k], sysctl_json(r, k));
	}
	if (r->nsfd[ROLE_DUT] >= 0 && r->ct_after.present) {
		json_object *dut;

		counters_ct_delta(&r->ct_before, &r->ct_after, &ctd);
		json_object_object_get_ex(cnt, "dut", &dut);
		json_object_object_add(dut, "conntrack", ct_json(&ctd));
	}
	if (sim) {
		json_object *dut;

		if (json_object_object_get_ex(cnt, "dut", &dut))
			json_object_object_add(dut, "sim", json_object_get(sim));
		in.sim = true;
		in.sim_table_full = jget_u(sim, "dropped", "table_full");
		in.sim_dropped = jget_u(sim, "dropped", "random") + in.sim_table_full;
		in.sim_queue_overflow = jget_u(sim, "queue", "overflow") + jget_u(sim, "queue", "user_dropped");
	}
	in.started = jget_u(cr, "started", NULL);
	in.ok = jget_u(cr, "ok", NULL);
	in.refused = jget_u(cr, "errors", "refused");
	in.reset = jget_u(cr, "errors", "reset");
	in.timeout = jget_u(cr, "errors", "timeout");
	in.syn_timeout = jget_u(cr, "errors", "syn_timeout");
	in.addr_not_avail = jget_u(cr, "errors", "addr_not_avail");
	in.fd_limit = jget_u(cr, "errors", "fd_limit");
	in.shortc = jget_u(cr, "errors", "short");
	in.other = jget_u(cr, "errors", "other");
	in.lag_p99_us = jget_d(cr, "lag_us", "p99");
	in.connect_p99_us = jget_d(cr, "connect_us", "p99");
	in.client_time_wait = client_socks.state[6];	/* TCP_TIME_WAIT */
	{
		char range[64];
		unsigned lo, hi;

		if (!ns_sysctl_read(r->nsfd[ROLE_CLIENT], "net.ipv4.ip_local_port_range", range,
				    sizeof(range)) && sscanf(range, "%u %u", &lo, &hi) == 2 && hi >= lo)
			in.client_ports = hi - lo + 1;
	}
	in.client = d[ROLE_CLIENT];
	in.server = d[ROLE_SERVER];
	in.dut = d[ROLE_DUT];
	in.ct = r->ct_after.present ? &ctd : NULL;
	diagnose(&in, &dg);
	for (i = 0; i < dg.n; i++)
		json_object_array_add(diag, json_object_new_string(dg.line[i]));

	json_object_object_add(rec, "type", json_object_new_string("round"));
	json_object_object_add(rec, "profile", json_object_new_string(r->p->name));
	json_object_object_add(rec, "client", json_object_get(cr));
	json_object_object_add(rec, "server", srv);
	json_object_object_add(rec, "counters", cnt);
	json_object_object_add(rec, "sysctl", sys);
	json_object_object_add(rec, "diagnosis", diag);
	fprintf(r->rounds, "%s\n", json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN));
	fflush(r->rounds);
	json_object_put(sim);

	{
		const char *mode = json_object_get_string(json_object_object_get(cr, "mode"));
		char what[32];

		if (mode && !strcmp(mode, "concurrency"))
			snprintf(what, sizeof(what), "c=%llu", (unsigned long long)jget_u(cr, "concurrency", NULL));
		else
			snprintf(what, sizeof(what), "%.0f/s", jget_d(cr, "target_rate", NULL));
		printf("[%s] %-9s ok %llu/%llu (%.0f/s)  errors %llu  p50 %s  p99 %s%s\n",
		       r->p->name, what, (unsigned long long)in.ok,
		       (unsigned long long)in.started, jget_d(cr, "achieved_rate", NULL),
		       (unsigned long long)(in.started - in.ok),
		       results_fmt_us(jget_d(cr, "latency_us", "p50"), a, sizeof(a)),
		       results_fmt_us(jget_d(cr, "latency_us", "p99"), b, sizeof(b)),
		       json_object_get_boolean(json_object_object_get(cr, "interrupted")) ?
		       "  (interrupted)" : "");
		for (i = 0; i < dg.n; i++)
			printf("    %s\n", dg.line[i]);
		fflush(stdout);
	}
	json_object_put(rec);
	for (k = 0; k < ROLE__COUNT; k++) {
		if (r->nsfd[k] >= 0) {
			struct nstat *tmp = r->before[k];

			r->before[k] = r->after[k];
			r->after[k] = tmp;
		}
		free(d[k]);
	}
	r->ct_before = r->ct_after;
	r->rounds_done++;
}

/* --- processes --- */

static void stop_child(pid_t *pid, int sig, int grace_ms)
{
	int status, waited = 0;

	if (*pid <= 0)
		return;
	kill(*pid, sig);
	while (waitpid(*pid, &status, WNOHANG) == 0) {
		if (waited >= grace_ms) {
			kill(*pid, SIGKILL);
			waitpid(*pid, &status, 0);
			break;
		}
		usleep(20000);
		waited += 20;
	}
	*pid = 0;
}

static bool listening(int nsfd, unsigned port)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	char line[512];
	unsigned i;

	for (i = 0; i < 2; i++) {
		int fd = ns_open_file(nsfd, files[i], O_RDONLY);
		FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;

		if (!f) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while (fgets(line, sizeof(line), f)) {
			char local[64], remote[64];
			unsigned st;

			if (sscanf(line, "%*d: %63s %63s %x", local, remote, &st) == 3 &&
			    st == 0x0A && strlen(local) > 5 &&
			    strtoul(strrchr(local, ':') + 1, NULL, 16) == port) {
				fclose(f);
				return true;
			}
		}
		fclose(f);
	}
	return false;
}

static int open_log(struct run *r, const char *what)
{
	char path[PATH_MAX + 128];

	snprintf(path, sizeof(path), "%s/%s-%s.log", r->outdir, what, r->p->name);
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

/* Split CMD on blanks into argv (no shell, no quoting). */
static unsigned split_argv(char *cmd, char **av, unsigned max)
{
	unsigned n = 0;
	char *save = NULL, *tok;

	for (tok = strtok_r(cmd, " \t", &save); tok && n + 1 < max; tok = strtok_r(NULL, " \t", &save))
		av[n++] = tok;
	av[n] = NULL;
	return n;
}

/* The queue number in --dut-sim's arguments (0 when not given). */
static unsigned sim_queue(const char *args)
{
	const char *q = strstr(args, "--queue");

	return q ? (unsigned)strtoul(q + strlen("--queue") + (q[7] == '=' ? 1 : 0), NULL, 10) : 0;
}

static unsigned sim_argv(struct run *r, char *copy, char **av, bool dry)
{
	unsigned n = 0;

	av[n++] = r->dut_bin;
	n += split_argv(copy, av + n, MAX_ARGS - 6);
	argv_end(av, &n, dry);
	return n;
}

static bool queue_bound(int nsfd, unsigned q)
{
	char buf[8192];
	int fd = ns_open_file(nsfd, "/proc/net/netfilter/nfnetlink_queue", O_RDONLY);
	ssize_t n;
	uint64_t a, b;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return nfq_proc_stats(buf, (uint16_t)q, &a, &b) == 0;
}

/* Start connrate-dut in the dut and steer forwarded TCP to its queue. */
static int start_sim(struct run *r)
{
	char *copy = strdup(r->dut_sim), *av[MAX_ARGS], qs[16];
	unsigned q = sim_queue(r->dut_sim);
	int p[2], log = open_log(r, "dut"), waited, status, rc = 0;

	snprintf(qs, sizeof(qs), "%u", q);
	sim_argv(r, copy, av, false);
	if (pipe2(p, O_CLOEXEC) < 0) {
		free(copy);
		return -1;
	}
	r->sim.pid = ns_spawn(r->nsfd[ROLE_DUT], av, -1, p[1], log);
	close(p[1]);
	r->sim.out = p[0];
	if (log >= 0)
		close(log);
	free(copy);
	for (waited = 0; !queue_bound(r->nsfd[ROLE_DUT], q); waited += 20) {
		if (waited > 5000 || r->sim.pid < 0 || waitpid(r->sim.pid, &status, WNOHANG) != 0 || *r->stop) {
			fprintf(stderr, "connrate-lab run: connrate-dut did not bind queue %u (see %s/dut-%s.log)\n",
				q, r->outdir, r->p->name);
			if (r->sim.pid > 0 && waitpid(r->sim.pid, &status, WNOHANG) != 0)
				r->sim.pid = 0;
			return -1;
		}
		usleep(20000);
	}
	{
		char *v4[] = { (char *)"iptables", (char *)"-w", (char *)"-A", (char *)"FORWARD",
			       (char *)"-p", (char *)"tcp", (char *)"-j", (char *)"NFQUEUE",
			       (char *)"--queue-num", qs, NULL };
		char *v6[] = { (char *)"ip6tables", (char *)"-w", (char *)"-A", (char *)"FORWARD",
			       (char *)"-p", (char *)"tcp", (char *)"-j", (char *)"NFQUEUE",
			       (char *)"--queue-num", qs, NULL };

		rc = ns_run(r->nsfd[ROLE_DUT], v4, NULL);
		if (!rc)
			rc = ns_run(r->nsfd[ROLE_DUT], v6, NULL);
	}
	if (rc) {
		fprintf(stderr, "connrate-lab run: could not steer the dut's forwarded traffic to queue %u "
			"(iptables -j NFQUEUE, status %d; Debian package iptables)\n", q, rc);
		return -1;
	}
	return 0;
}

/* SIGTERM: it accepts what it holds, writes its final line, exits. */
static void stop_sim(struct run *r)
{
	json_object *last;

	if (r->sim.pid <= 0)
		return;
	kill(r->sim.pid, SIGTERM);
	last = child_counters(r, &r->sim, false);
	if (last) {
		printf("[%s] dut: %llu packets, dropped %llu random and %llu table_full, flow peak %llu, cpu %.2fs\n",
		       r->p->name, (unsigned long long)jget_u(last, "packets", NULL),
		       (unsigned long long)jget_u(last, "dropped", "random"),
		       (unsigned long long)jget_u(last, "dropped", "table_full"),
		       (unsigned long long)jget_u(last, "flows", "peak"),
		       jget_d(last, "cpu", "user_s") + jget_d(last, "cpu", "sys_s"));
		json_object_put(last);
	}
	stop_child(&r->sim.pid, SIGTERM, 3000);
}

static int run_profile(struct run *r)
{
	char err[1024], *line = NULL, buf[65536];
	char *av[MAX_ARGS];
	size_t len = 0;
	int pipe_cli[2] = { -1, -1 }, pipe_srv[2] = { -1, -1 }, log = -1, slog = -1;
	int rc = 0, status, waited;
	unsigned k;
	char *cmdcopy = NULL;

	r->cli_pid = r->cmd_pid = 0;
	memset(&r->srv, 0, sizeof(r->srv));
	memset(&r->sim, 0, sizeof(r->sim));
	r->srv.type = "server";
	r->sim.type = "dut";
	r->srv.out = r->sim.out = -1;
	r->interrupted = false;
	for (k = 0; k < ROLE__COUNT; k++)
		r->nsfd[k] = -1;
	printf("== profile %s: building %s as %s\n", r->p->name, r->t->path, r->prefix);
	fflush(stdout);
	rc = build_up(r->t, r->prefix, "running", r->stop, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "connrate-lab run: %s\n", err);
		return rc == -EINTR ? -EINTR : -1;
	}
	if (lab_apply_profile(r->t, r->prefix, r->p, err, sizeof(err))) {
		fprintf(stderr, "connrate-lab run: profile %s: %s\n", r->p->name, err);
		rc = -1;
		goto out;
	}
	for (k = 0; k < ROLE__COUNT; k++) {
		char name[NS_NAME_MAX];

		if (r->node[k] < 0)
			continue;
		build_ns_name(r->prefix, r->t->node[r->node[k]].name, name, sizeof(name));
		r->nsfd[k] = ns_open(name);
	}
	if (r->dut_nft) {
		char *nav[] = { (char *)"nft", (char *)"-f", (char *)r->dut_nft, NULL };
		int st = ns_run(r->nsfd[ROLE_DUT], nav, NULL);

		if (st) {
			fprintf(stderr, "connrate-lab run: nft could not load %s into the dut (status %d)\n",
				r->dut_nft, st);
			rc = -1;
			goto out;
		}
	}
	if (r->dut_cmd) {
		int dlog = open_log(r, "dut");

		cmdcopy = strdup(r->dut_cmd);
		split_argv(cmdcopy, av, MAX_ARGS);
		r->cmd_pid = ns_spawn(r->nsfd[ROLE_DUT], av, -1, dlog, dlog);
		if (dlog >= 0)
			close(dlog);
		if (r->cmd_pid < 0) {
			fprintf(stderr, "connrate-lab run: cannot start --dut-cmd: %s\n", strerror(-r->cmd_pid));
			rc = -1;
			goto out;
		}
	}
	if (r->dut_sim && start_sim(r))
		goto out_fail;
	if (pipe2(pipe_srv, O_CLOEXEC) < 0 || pipe2(pipe_cli, O_CLOEXEC) < 0) {
		rc = -1;
		goto out;
	}
	slog = open_log(r, "server");
	server_argv(r, av, false);
	r->srv.pid = ns_spawn(r->nsfd[ROLE_SERVER], av, -1, pipe_srv[1], slog);
	close(pipe_srv[1]);
	pipe_srv[1] = -1;
	r->srv.out = pipe_srv[0];
	pipe_srv[0] = -1;
	for (waited = 0; !listening(r->nsfd[ROLE_SERVER], r->port); waited += 20) {
		if (waited > 5000 || waitpid(r->srv.pid, &status, WNOHANG) != 0 || *r->stop) {
			fprintf(stderr, "connrate-lab run: the server did not listen on port %u (see %s/server-%s.log)\n",
				r->port, r->outdir, r->p->name);
			rc = *r->stop ? -EINTR : -1;
			goto out;
		}
		usleep(20000);
	}
	for (k = 0; k < ROLE__COUNT; k++) {
		r->before[k] = calloc(1, sizeof(struct nstat));
		r->after[k] = calloc(1, sizeof(struct nstat));
	}
	snapshot(r, r->before, &r->ct_before);
	r->srv.prev = child_counters(r, &r->srv, true);
	r->sim.prev = child_counters(r, &r->sim, true);
	log = open_log(r, "client");
	client_argv(r, av, false);
	r->cli_pid = ns_spawn(r->nsfd[ROLE_CLIENT], av, -1, pipe_cli[1], log);
	close(pipe_cli[1]);
	pipe_cli[1] = -1;
	line = malloc(LINE_MAX_LEN);
	while (line && read_line(pipe_cli[0], buf, &len, sizeof(buf), line, LINE_MAX_LEN, -1,
				 interrupt_client, r) == 1) {
		json_object *o = json_tokener_parse(line);
		const char *type = o ? json_object_get_string(json_object_object_get(o, "type")) : NULL;

		if (type && !strcmp(type, "round")) {
			on_round(r, o);
		} else if (type && !strcmp(type, "saturation")) {
			char a[32];

			json_object_object_add(o, "profile", json_object_new_string(r->p->name));
			fprintf(r->rounds, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
			fflush(r->rounds);
			snprintf(a, sizeof(a), "%.0f", jget_d(o, "rate", NULL));
			printf("[%s] knee %s connections/s: %s\n", r->p->name, a,
			       json_object_get_string(json_object_object_get(o, "detail")));
		}
		json_object_put(o);
	}
	waitpid(r->cli_pid, &status, 0);
	r->cli_pid = 0;
	if (r->interrupted || *r->stop)
		rc = -EINTR;
	else if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0)) {
		fprintf(stderr, "connrate-lab run: the client failed (status %d; see %s/client-%s.log)\n",
			WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
			r->outdir, r->p->name);
		rc = -1;
	}
	goto out;
out_fail:
	rc = *r->stop ? -EINTR : -1;
out:
	free(line);
	stop_child(&r->cli_pid, SIGINT, 3000);
	stop_child(&r->cmd_pid, SIGTERM, 3000);
	stop_sim(r);
	stop_child(&r->srv.pid, SIGTERM, 3000);
	json_object_put(r->srv.prev);
	json_object_put(r->sim.prev);
	r->srv.prev = r->sim.prev = NULL;
	if (r->srv.out >= 0)
		close(r->srv.out);
	if (r->sim.out >= 0)
		close(r->sim.out);
	for (k = 0; k < ROLE__COUNT; k++) {
		if (r->nsfd[k] >= 0)
			close(r->nsfd[k]);
		free(r->before[k]);
		free(r->after[k]);
		r->before[k] = r->after[k] = NULL;
	}
	if (pipe_cli[0] >= 0)
		close(pipe_cli[0]);
	if (pipe_srv[0] >= 0)
		close(pipe_srv[0]);
	if (pipe_srv[1] >= 0)
		close(pipe_srv[1]);
	if (pipe_cli[1] >= 0)
		close(pipe_cli[1]);
	if (log >= 0)
		close(log);
	if (slog >= 0)
		close(slog);
	free(cmdcopy);
	lab_host_restore(r->prefix);
	if (build_down(r->prefix, err, sizeof(err)))
		fprintf(stderr, "connrate-lab run: %s\n", err);
	return rc;
}

/* --- run.json --- */

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[512];

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && c) {
			snprintf(buf, len, "%s", c + 2);
			buf[strcspn(buf, "\n")] = '\0';
			break;
		}
	}
	fclose(f);
}

static int write_run_json(struct run *r, int argc, char **argv)
{
	json_object *o = json_object_new_object(), *cpu = json_object_new_object();
	json_object *profs = json_object_new_array(), *args = json_object_new_array();
	json_object *topo = json_object_new_object();
	struct utsname u;
	char path[PATH_MAX + 16], model[256], when[64];
	time_t now = time(NULL);
	unsigned i;
	int j;
	FILE *f;

	uname(&u);
	cpu_model(model, sizeof(model));
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	json_object_object_add(o, "type", json_object_new_string("run"));
	json_object_object_add(o, "started", json_object_new_string(when));
	json_object_object_add(o, "kernel", json_object_new_string(u.release));
	json_object_object_add(cpu, "model", json_object_new_string(model));
	json_object_object_add(cpu, "count", json_object_new_int((int)sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_object_add(o, "cpu", cpu);
	json_object_object_add(o, "connrate_version", json_object_new_string(CR_VERSION));
	json_object_object_add(topo, "path", json_object_new_string(r->t->path));
	json_object_object_add(topo, "text", json_object_new_string(r->topo_text));
	json_object_object_add(o, "topology", topo);
	for (i = 0; i < r->nprofiles; i++) {
		json_object *p = json_object_new_object(), *keys = json_object_new_object();
		unsigned e;

		json_object_object_add(p, "name", json_object_new_string(r->prof[i]->name));
		json_object_object_add(p, "path", json_object_new_string(r->prof[i]->path));
		for (e = 0; e < r->prof[i]->n; e++) {
			char k[200];

			snprintf(k, sizeof(k), "[%s] %s", profile_section_name(r->prof[i]->e[e].section),
				 r->prof[i]->e[e].key);
			json_object_object_add(keys, k, json_object_new_string(r->prof[i]->e[e].value));
		}
		json_object_object_add(p, "keys", keys);
		json_object_array_add(profs, p);
	}
	json_object_object_add(o, "profiles", profs);
	for (j = 0; j < argc; j++)
		json_object_array_add(args, json_object_new_string(argv[j]));
	json_object_object_add(o, "options", args);
	json_object_object_add(o, "target", json_object_new_string(r->target));
	snprintf(path, sizeof(path), "%s/run.json", r->outdir);
	f = fopen(path, "we");
	if (f) {
		fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
		fclose(f);
	}
	json_object_put(o);
	return f ? 0 : -1;
}

static int prepare_outdir(struct run *r)
{
	char def[PATH_MAX];
	struct stat st;

	if (r->out) {
		snprintf(r->outdir, sizeof(r->outdir), "%s", r->out);
	} else {
		char when[32], base[64];
		time_t now = time(NULL);
		const char *slash = strrchr(r->t->path, '/');

		strftime(when, sizeof(when), "%Y%m%d-%H%M%S", localtime(&now));
		snprintf(base, sizeof(base), "%.*s", (int)strcspn(slash ? slash + 1 : r->t->path, "."),
			 slash ? slash + 1 : r->t->path);
		snprintf(def, sizeof(def), "results/%s-%s", when, base);
		snprintf(r->outdir, sizeof(r->outdir), "%s", def);
	}
	if (stat(r->outdir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return usage_error("--out '%s': exists and is not a directory", r->outdir);
		if (!results_dir_empty(r->outdir) && !r->force)
			return usage_error("--out '%s': not empty; pick another or add --force", r->outdir);
	}
	return 0;
}

/* SIGINT/SIGTERM while the options were checked: 130, nothing made */
static int stopped_early(void)
{
	fprintf(stderr, "connrate-lab run: interrupted before anything was built\n");
	return 130;
}

int cmd_run(int argc, char **argv, const volatile sig_atomic_t *stop)
{
	struct run *r = calloc(1, sizeof(*r));
	char err[1024], dir[PATH_MAX], path[PATH_MAX + 32], *av[MAX_ARGS];
	unsigned i;
	int rc;

	if (!r)
		return 1;
	r->stop = stop;
	rc = parse_opts(r, argc, argv);
	if (rc == 3)
		rc = 0;
	if (rc || !r->topology)
		goto out_free;
	r->t = malloc(sizeof(*r->t));
	if (topo_load(r->topology, lab_datadir("netns/topologies", dir, sizeof(dir)), r->t,
		      &r->topo_text, err, sizeof(err))) {
		fprintf(stderr, "connrate-lab run: %s\n", err);
		rc = 2;
		goto out_free;
	}
	for (i = 0; i < r->nprofiles; i++) {
		r->prof[i] = malloc(sizeof(struct profile));
		if (lab_load_profile(r->profile_names[i], r->allow_host, r->prof[i], err, sizeof(err))) {
			fprintf(stderr, "connrate-lab run: %s\n", err);
			rc = 2;
			goto out_free;
		}
	}
	for (i = 0; i < ROLE__COUNT; i++)
		r->node[i] = role_node(r->t, (enum role)i);
	if (r->node[ROLE_CLIENT] < 0 || r->node[ROLE_SERVER] < 0) {
		fprintf(stderr, "connrate-lab run: %s: needs nodes named client and server (or a single node)\n",
			r->t->path);
		rc = 2;
		goto out_free;
	}
	if ((r->dut_nft || r->dut_cmd || r->dut_sim) && r->node[ROLE_DUT] < 0) {
		fprintf(stderr, "connrate-lab run: %s has no node named dut for --dut-nft/--dut-cmd/--dut-sim\n",
			r->t->path);
		rc = 2;
		goto out_free;
	}
	if (r->dut_nft && access(r->dut_nft, R_OK) != 0) {
		fprintf(stderr, "connrate-lab run: --dut-nft '%s': cannot read: %s\n", r->dut_nft,
			strerror(errno));
		rc = 2;
		goto out_free;
	}
	if (find_target(r)) {
		fprintf(stderr, "connrate-lab run: %s: the server node has no %s address\n",
			r->t->path, r->ipv6 ? "IPv6" : "IPv4");
		rc = 2;
		goto out_free;
	}
	lab_binary("connrate", r->connrate, sizeof(r->connrate));
	if (r->dut_sim) {
		char *copy = strdup(r->dut_sim);
		int st;

		lab_binary("connrate-dut", r->dut_bin, sizeof(r->dut_bin));
		sim_argv(r, copy, av, true);
		st = dry_run(av);
		free(copy);
		if (st) {
			rc = *r->stop ? stopped_early() : st == 127 ? 1 : 2;
			goto out_free;
		}
	}
	client_argv(r, av, true);
	rc = dry_run(av);
	if (!rc) {
		server_argv(r, av, true);
		rc = dry_run(av);
	}
	if (rc) {
		rc = *r->stop ? stopped_early() : rc == 127 ? 1 : 2;
		goto out_free;
	}
	rc = prepare_outdir(r);
	if (rc)
		goto out_free;
	if (geteuid() != 0) {
		fprintf(stderr, "connrate-lab run: needs root (network namespaces)\n");
		rc = 1;
		goto out_free;
	}
	if (r->name)
		snprintf(r->prefix, sizeof(r->prefix), "%s", r->name);
	else
		lab_default_prefix(r->prefix, sizeof(r->prefix));
	if (build_check(r->t, r->prefix, err, sizeof(err))) {
		fprintf(stderr, "connrate-lab run: %s\n", err);
		rc = 2;
		goto out_free;
	}
	if (*r->stop) {
		rc = stopped_early();
		goto out_free;
	}
	if (results_mkdir_p(r->outdir)) {
		fprintf(stderr, "connrate-lab run: cannot create %s: %s\n", r->outdir, strerror(errno));
		rc = 1;
		goto out_free;
	}
	write_run_json(r, argc, argv);
	snprintf(path, sizeof(path), "%s/rounds.jsonl", r->outdir);
	r->rounds = fopen(path, r->force ? "we" : "wxe");
	if (!r->rounds) {
		fprintf(stderr, "connrate-lab run: cannot write %s: %s\n", path, strerror(errno));
		rc = 1;
		goto out_free;
	}
	printf("results in %s; target %s\n", r->outdir, r->target);
	rc = 0;
	for (i = 0; i < r->nprofiles && !rc; i++) {
		r->p = r->prof[i];
		rc = run_profile(r);
	}
	fclose(r->rounds);
	r->rounds = NULL;
	if (r->rounds_done) {
		const char *dirs[1] = { r->outdir };

		results_summary(r->outdir);
		results_plot(dirs, 1, r->outdir, "latency");
	}
	rc = rc == -EINTR ? 130 : rc ? 1 : 0;
	if (rc == 130)
		fprintf(stderr, "connrate-lab run: interrupted; the lab was taken down\n");
out_free:
	for (i = 0; i < MAX_PROFILES; i++)
		free(r->prof[i]);
	free(r->topo_text);
	free(r->t);
	free(r->argv_copy);
	free(r);
	return rc;
}
