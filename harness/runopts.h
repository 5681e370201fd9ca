/*
 * runopts.h - the options of connrate-lab run and the command lines it
 * gives connrate and connrate-dut.
 *
 * The lab's own options are rows of a table (src/opt.h).  The client and
 * saturate options it passes on to connrate come from connrate's own table
 * (cli_options), so a new client option reaches the lab without a copied
 * list; the lab refuses the few it sets itself (--target, --json, ...) and
 * leaves judging the values to connrate's --dry-run.  Options that only
 * saturate takes need --saturate.
 */
#ifndef CR_RUNOPTS_H
#define CR_RUNOPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define RUN_MAX_PROFILES 8
#define RUN_MAX_ARGS 96
#define RUN_MAX_BUILDS 8
#define RUN_MAX_REPEAT 100

/* A firewall build: what runs in the dut (--build NAME=SPEC). */
enum build_kind { BUILD_NONE, BUILD_NFT, BUILD_SIM, BUILD_CMD };

struct run_build {
	char name[24];
	enum build_kind kind;
	const char *arg;	/* the file, the arguments or the command */
};

struct run_opts {
	const char *topology, *rates, *concurrency, *dut_nft, *dut_cmd, *dut_sim;
	const char *request, *response, *name, *out, *server_threads, *backlog;
	const char *respond_after, *profiles;
	bool saturate, force, allow_host, ipv6;
	bool capacity;			/* --capacity (capacity.h) */
	unsigned client_addrs;		/* --client-addresses K, 0: not given */
	unsigned port;
	/* --build NAME=SPEC: an axis of the run; none given: the --dut-* options */
	struct run_build build[RUN_MAX_BUILDS];
	unsigned nbuilds;
	unsigned repeat;		/* --repeat K: each (profile, build) K times */
	char port_text[8];
	/* --profile split at commas (into profiles_copy) */
	char *profile_names[RUN_MAX_PROFILES];
	unsigned nprofiles;
	char *profiles_copy;
	/* connrate options passed on, "--name" [value] */
	const char *pass[RUN_MAX_ARGS];
	unsigned npass;
	char pass_names[RUN_MAX_ARGS / 2][32];
	unsigned nnames;
	const char *saturate_only;	/* the first such option seen */
	const char *lab_sets;		/* the first option the lab sets itself */
	/* the size of --response, set by the caller: the client is told to
	 * expect it (--expect-bytes) unless the user said otherwise */
	char response_bytes[24];
	/* with --capacity, set by the caller: the client's --source range and
	 * the --cooldown that lets the device's table empty (unless given) */
	char source[112];
	char cooldown[24];
};

/*
 * Parse argv (argv[0] is "run").  0: go on; 1: --help or --version was
 * printed; -1: bad input, one line in err.
 */
int run_opts_parse(struct run_opts *o, int argc, char **argv, char *err, size_t errlen);
void run_opts_free(struct run_opts *o);
void run_usage(FILE *f);

/*
 * connrate's command lines, NULL-terminated in av (RUN_MAX_ARGS): with dry,
 * --dry-run is added.  Strings are borrowed from o and the arguments.
 */
unsigned run_client_argv(const struct run_opts *o, const char *connrate,
			 const char *target, char **av, bool dry);
unsigned run_server_argv(const struct run_opts *o, const char *connrate,
			 const char *listen, char **av, bool dry);
/* connrate-dut's: its arguments split at blanks in copy (a strdup of --dut-sim). */
unsigned run_sim_argv(const char *dut, char *copy, char **av, bool dry);
/* The device options of a build: --dut-nft, --dut-sim or --dut-cmd set from it. */
void run_opts_use_build(struct run_opts *o, const struct run_build *b);
/* CMD split at blanks (no shell, no quoting) into av of max; the count. */
unsigned run_split_argv(char *cmd, char **av, unsigned max);

#endif
