/*
 * runopts.c - connrate-lab run's options and command lines (see runopts.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ns.h"
#include "opt.h"
#include "runopts.h"
#include "units.h"

/* A row that keeps its value as text: which field is the row's data. */
#define TEXT_OPT(fn, field)						\
	static int fn(void *obj, const char *a, char *w, size_t n)	\
	{								\
		(void)w, (void)n;					\
		((struct run_opts *)obj)->field = a;			\
		return 0;						\
	}

TEXT_OPT(p_topology, topology)
TEXT_OPT(p_profile, profiles)
TEXT_OPT(p_rate, rates)
TEXT_OPT(p_concurrency, concurrency)
TEXT_OPT(p_dut_nft, dut_nft)
TEXT_OPT(p_dut_cmd, dut_cmd)
TEXT_OPT(p_dut_sim, dut_sim)
TEXT_OPT(p_request, request)
TEXT_OPT(p_response, response)
TEXT_OPT(p_out, out)
TEXT_OPT(p_server_threads, server_threads)
TEXT_OPT(p_backlog, backlog)
TEXT_OPT(p_respond_after, respond_after)

#define FLAG_OPT(fn, field)						\
	static int fn(void *obj, const char *a, char *w, size_t n)	\
	{								\
		(void)a, (void)w, (void)n;				\
		((struct run_opts *)obj)->field = true;			\
		return 0;						\
	}

FLAG_OPT(p_saturate, saturate)
FLAG_OPT(p_force, force)
FLAG_OPT(p_allow_host, allow_host)
FLAG_OPT(p_ipv6, ipv6)
FLAG_OPT(p_capacity, capacity)

static int p_client_addrs(void *obj, const char *a, char *w, size_t n)
{
	uint64_t v;

	if (units_parse_count(a, 1, 250, &v))
		return opt_why(w, n, "an address count from 1 to 250");
	((struct run_opts *)obj)->client_addrs = (unsigned)v;
	return 0;
}

static int p_name(void *obj, const char *a, char *w, size_t n)
{
	if (!ns_prefix_ok(a))
		return opt_why(w, n, NS_PREFIX_RULE);
	((struct run_opts *)obj)->name = a;
	return 0;
}

static int p_port(void *obj, const char *a, char *w, size_t n)
{
	struct run_opts *o = obj;
	uint64_t v;

	if (units_parse_count(a, 1, 65535, &v))
		return opt_why(w, n, "a port from 1 to 65535");
	o->port = (unsigned)v;
	snprintf(o->port_text, sizeof(o->port_text), "%u", o->port);
	return 0;
}

/* NAME=SPEC, SPEC one of nft:FILE, sim:ARGS, cmd:CMD, none */
static int p_build(void *obj, const char *a, char *w, size_t n)
{
	static const struct { const char *prefix; enum build_kind kind; } kinds[] = {
		{ "nft:", BUILD_NFT }, { "sim:", BUILD_SIM }, { "cmd:", BUILD_CMD },
	};
	struct run_opts *o = obj;
	const char *eq = strchr(a, '=');
	struct run_build *b;
	size_t len = eq ? (size_t)(eq - a) : 0, i;

	if (!eq || !len || len >= sizeof(b->name) || strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789_-") != len)
		return opt_why(w, n, "NAME=SPEC, NAME of 1 to 23 of a-z 0-9 _ -");
	if (o->nbuilds == RUN_MAX_BUILDS)
		return opt_why(w, n, "at most %d builds", RUN_MAX_BUILDS);
	b = &o->build[o->nbuilds];
	snprintf(b->name, sizeof(b->name), "%.*s", (int)len, a);
	for (i = 0; i < o->nbuilds; i++)
		if (!strcmp(o->build[i].name, b->name))
			return opt_why(w, n, "a new NAME (%s is taken)", b->name);
	b->kind = BUILD_NONE;
	b->arg = NULL;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strncmp(eq + 1, kinds[i].prefix, 4) && eq[5]) {
			b->kind = kinds[i].kind;
			b->arg = eq + 5;
		}
	if (b->kind == BUILD_NONE && strcmp(eq + 1, "none"))
		return opt_why(w, n, "SPEC nft:FILE, sim:\"ARGS\", cmd:\"CMD\" or none");
	o->nbuilds++;
	return 0;
}

static int p_repeat(void *obj, const char *a, char *w, size_t n)
{
	uint64_t v;

	if (units_parse_count(a, 1, RUN_MAX_REPEAT, &v))
		return opt_why(w, n, "a count from 1 to %d", RUN_MAX_REPEAT);
	((struct run_opts *)obj)->repeat = (unsigned)v;
	return 0;
}

void run_opts_use_build(struct run_opts *o, const struct run_build *b)
{
	o->dut_nft = b->kind == BUILD_NFT ? b->arg : NULL;
	o->dut_sim = b->kind == BUILD_SIM ? b->arg : NULL;
	o->dut_cmd = b->kind == BUILD_CMD ? b->arg : NULL;
}

static const struct opt_def run_opts_table[] = {
	{ "topology", "T", 1, NULL, p_topology,
	  "a shipped topology (loopback, pair, dut, dut-shaped, dut-pair) or a .topo file" },
	{ "profile", "P[,P2...]", 1, "default", p_profile,
	  "sysctl profiles, each run on a freshly built lab" },
	{ "rate", "R[,R2...]", 1, NULL, p_rate,
	  "open loop: rounds at these rates (connections/s)" },
	{ "concurrency", "C", 1, NULL, p_concurrency,
	  "closed loop: keep C connections in flight" },
	{ "saturate", NULL, 1, NULL, p_saturate,
	  "raise the rate round by round until the device gives up (the knee)" },
	{ "capacity", NULL, 1, NULL, p_capacity,
	  "concurrent connection capacity: raise the connections held (connrate "
	  "saturate --hold-search; --start N, --factor, --refine) until the device "
	  "stops holding them" },
	{ "client-addresses", "K", 1, NULL, p_client_addrs,
	  "with --capacity: the client's own address and the K-1 after it, "
	  "passed on as --source (default 16: about 1M source ports, few in use each)" },
	{ "dut-nft", "FILE", 1, NULL, p_dut_nft,
	  "load this nftables ruleset into the dut (nft -f)" },
	{ "dut-sim", "\"ARGS\"", 1, NULL, p_dut_sim,
	  "run connrate-dut ARGS in the dut, forwarded TCP steered to its queue" },
	{ "dut-cmd", "\"CMD\"", 1, NULL, p_dut_cmd,
	  "run CMD (split at blanks, no shell) in the dut: your firewall build" },
	{ "build", "NAME=SPEC", 1, NULL, p_build,
	  "a firewall build to compare, repeatable: nft:FILE, sim:\"ARGS\", cmd:\"CMD\" "
	  "or none; builds take turns, each on a freshly built lab" },
	{ "repeat", "K", 1, "1", p_repeat,
	  "run each (profile, build) K times, interleaved, so gate can give intervals" },
	{ "request", "FILE", 1, NULL, p_request,
	  "the client sends this file on every connection" },
	{ "response", "FILE", 1, NULL, p_response,
	  "the server answers every connection with this file" },
	{ "name", "PREFIX", 1, NULL, p_name,
	  "name the namespaces PREFIX-NODE (default: cr and six hex digits)" },
	{ "out", "DIR", 1, NULL, p_out,
	  "results directory (default results/<time>-<topology>)" },
	{ "force", NULL, 1, NULL, p_force,
	  "write into --out DIR even if it is not empty" },
	{ "allow-host-sysctl", NULL, 1, NULL, p_allow_host,
	  "let the profiles' [host] keys change the host (always restored)" },
	{ "ipv6", NULL, 1, NULL, p_ipv6,
	  "connect over IPv6" },
	{ "port", "P", 1, "7171", p_port,
	  "the server's port" },
	{ "server-threads", "N", 1, NULL, p_server_threads,
	  "the server's --threads" },
	{ "backlog", "N", 1, NULL, p_backlog,
	  "the server's --backlog" },
	{ "respond-after", "WHEN", 1, NULL, p_respond_after,
	  "the server's --respond-after" },
};

#define NRUNOPTS (sizeof(run_opts_table) / sizeof(run_opts_table[0]))

/* connrate's options that the lab sets itself */
static const char *const lab_sets[] = { "target", "json", "dry-run", "source", "listen" };

static bool lab_sets_it(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(lab_sets) / sizeof(lab_sets[0]); i++)
		if (!strcmp(name, lab_sets[i]))
			return true;
	return false;
}

static int pass(void *obj, const struct opt_def *d, const char *a, char *w, size_t n)
{
	struct run_opts *o = obj;

	if (lab_sets_it(d->name)) {
		if (!o->lab_sets)
			o->lab_sets = d->name;
		return 0;
	}
	if (o->npass + 2 >= RUN_MAX_ARGS)
		return opt_why(w, n, "fewer options (at most %d words)", RUN_MAX_ARGS - 2);
	snprintf(o->pass_names[o->nnames], sizeof(o->pass_names[0]), "--%s", d->name);
	o->pass[o->npass++] = o->pass_names[o->nnames++];
	if (a)
		o->pass[o->npass++] = a;
	if (!(d->modes & MODE_CLIENT) && !o->saturate_only)
		o->saturate_only = d->name;
	return 0;
}

void run_usage(FILE *f)
{
	struct opt_set own = { run_opts_table, NRUNOPTS, 1, NULL, NULL };
	struct opt_set client = { NULL, 0, MODE_CLIENT | MODE_SATURATE, NULL, pass };

	client.def = cli_options(&client.n);
	fprintf(f, "usage: connrate-lab run --topology T --profile P[,P2...] "
		"(--rate R[,R2...] | --concurrency C | --saturate | --capacity) [options]\n"
		"\nFor each profile: build the topology fresh, apply the profile, start the device and\n"
		"the server, run the client's rounds, read the kernel's counters around each round,\n"
		"tear down.  Results in --out DIR: run.json, rounds.jsonl, summary.txt, latency.svg, report.html.\n"
		"\noptions:\n");
	size_t i;

	opt_usage(f, &own);
	fprintf(f, "\nconnrate's client options, passed on (see connrate client --help;\n"
		"the saturate ones need --saturate):\n");
	for (i = 0; i < client.n; i++)
		if (opt_usage_shown(&client, i) && !opt_find(&own, client.def[i].name) &&
		    !lab_sets_it(client.def[i].name))
			opt_usage_row(f, &client.def[i], false);
}

/* What no single option can check. */
static int validate(struct run_opts *o, char *err, size_t errlen)
{
	char *tok, *save = NULL;
	unsigned i;

	if (!o->topology)
		return opt_why(err, errlen, "--topology T is required (a shipped name such as dut, or a .topo file)");
	if (!!o->rates + !!o->concurrency + o->saturate + o->capacity != 1)
		return opt_why(err, errlen, "say what to run: one of --rate R[,R2...], --concurrency C, --saturate or --capacity");
	if (o->capacity && (o->request || o->response || o->respond_after))
		return opt_why(err, errlen, "--capacity exchanges one byte at a time: no --request, --response or --respond-after");
	if (o->client_addrs && !o->capacity)
		return opt_why(err, errlen, "--client-addresses only goes with --capacity");
	if (o->lab_sets)
		return opt_why(err, errlen, "--%s: the lab sets it itself (from the topology and its own files)",
			       o->lab_sets);
	if (o->saturate_only && !o->saturate && !o->capacity)
		return opt_why(err, errlen, "--%s only goes with --saturate or --capacity", o->saturate_only);
	if (o->nbuilds && (o->dut_nft || o->dut_sim || o->dut_cmd))
		return opt_why(err, errlen, "--build and --dut-nft/--dut-sim/--dut-cmd exclude each other "
			       "(a build is nft:FILE, sim:\"ARGS\", cmd:\"CMD\" or none)");
	if (!!o->dut_sim + !!o->dut_cmd > 1)
		return opt_why(err, errlen, "--dut-sim and --dut-cmd exclude each other (one device at a time)");
	o->profiles_copy = strdup(o->profiles);
	if (!o->profiles_copy)
		return opt_why(err, errlen, "out of memory");
	for (tok = strtok_r(o->profiles_copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->nprofiles == RUN_MAX_PROFILES)
			return opt_why(err, errlen, "--profile: at most %d profiles", RUN_MAX_PROFILES);
		o->profile_names[o->nprofiles++] = tok;
	}
	if (!o->nprofiles)
		return opt_why(err, errlen, "--profile '%s': expected P[,P2...]", o->profiles);
	for (i = 0; i < o->npass; i++)	/* each client run would truncate the one file */
		if (!strcmp(o->pass[i], "--hdr-log") &&
		    (o->nprofiles > 1 || o->nbuilds > 1 || o->repeat > 1))
			return opt_why(err, errlen, "--hdr-log FILE holds one client run: one profile, "
				       "one build, no --repeat");
	return 0;
}

int run_opts_parse(struct run_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	struct opt_set sets[2] = {
		{ run_opts_table, NRUNOPTS, 1, o, NULL },
		{ NULL, 0, MODE_CLIENT | MODE_SATURATE, o, pass },
	};
	int rc;

	memset(o, 0, sizeof(*o));
	sets[1].def = cli_options(&sets[1].n);
	rc = opt_parse(sets, 2, argc, argv, NULL, NULL, err, errlen);
	if (rc == OPT_HELP)
		run_usage(stdout);
	else if (rc == OPT_VERSION)
		printf("connrate-lab %s\n", CR_VERSION);
	if (rc)
		return rc > 0 ? 1 : -1;
	return validate(o, err, errlen);
}

void run_opts_free(struct run_opts *o)
{
	free(o->profiles_copy);
	o->profiles_copy = NULL;
}

/* --- command lines --- */

/* Append "name value" when value is set. */
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

/* Did the user pass option name ("--expect-bytes") on to connrate? */
static bool passed(const struct run_opts *o, const char *name)
{
	unsigned i;

	for (i = 0; i < o->npass; i++)
		if (!strcmp(o->pass[i], name))
			return true;
	return false;
}

unsigned run_client_argv(const struct run_opts *o, const char *connrate,
			 const char *target, char **av, bool dry)
{
	unsigned n = 0, i;

	av[n++] = (char *)connrate;
	av[n++] = (char *)(o->saturate || o->capacity ? "saturate" : "client");
	if (o->capacity)
		av[n++] = (char *)"--hold-search";
	arg(av, &n, "--target", target);
	if (o->capacity && *o->source)
		arg(av, &n, "--source", o->source);
	if (o->capacity && *o->cooldown && !passed(o, "--cooldown"))
		arg(av, &n, "--cooldown", o->cooldown);
	arg(av, &n, "--rate", o->rates);
	arg(av, &n, "--concurrency", o->concurrency);
	arg(av, &n, "--request", o->request);
	if (*o->response_bytes && !passed(o, "--expect-bytes"))
		arg(av, &n, "--expect-bytes", o->response_bytes);
	for (i = 0; i < o->npass; i++)
		av[n++] = (char *)o->pass[i];
	argv_end(av, &n, dry);
	return n;
}

unsigned run_server_argv(const struct run_opts *o, const char *connrate,
			 const char *listen, char **av, bool dry)
{
	unsigned n = 0;

	av[n++] = (char *)connrate;
	av[n++] = (char *)"server";
	if (o->capacity)
		av[n++] = (char *)"--keepalive";
	arg(av, &n, "--port", o->port_text);
	arg(av, &n, "--listen", listen);
	arg(av, &n, "--threads", o->server_threads);
	arg(av, &n, "--backlog", o->backlog);
	arg(av, &n, "--response", o->response);
	arg(av, &n, "--respond-after", o->respond_after);
	argv_end(av, &n, dry);
	return n;
}

unsigned run_split_argv(char *cmd, char **av, unsigned max)
{
	unsigned n = 0;
	char *save = NULL, *tok;

	for (tok = strtok_r(cmd, " \t", &save); tok && n + 1 < max; tok = strtok_r(NULL, " \t", &save))
		av[n++] = tok;
	av[n] = NULL;
	return n;
}

unsigned run_sim_argv(const char *dut, char *copy, char **av, bool dry)
{
	unsigned n = 0;

	av[n++] = (char *)dut;
	n += run_split_argv(copy, av + n, RUN_MAX_ARGS - 6);
	argv_end(av, &n, dry);
	return n;
}
