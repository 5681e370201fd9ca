/*
 * main.c - connrate: dispatch to server, client or saturate.
 *
 * Exit status: 0 done; 1 could not run (socket, epoll, threads); 2 bad
 * input (one line on stderr, nothing started); 130 client interrupted.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli.h"
#include "capsearch.h"
#include "client.h"
#include "hdrlog.h"
#include "hold.h"
#include "merge.h"
#include "opt.h"
#include "report.h"
#include "saturate.h"
#include "server.h"
#include "walltime.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: connrate server   [options]   accept, read, answer, close\n"
		"       connrate client   --target HOST:PORT (--rate R[,R2...] | --concurrency C) [options]\n"
		"       connrate saturate --target HOST:PORT [--start R] [--factor F] [options]\n"
		"       connrate merge FILE... [--json FILE|-] [--allow-missing]\n"
		"                                         several load hosts' rounds as one\n"
		"       connrate MODE --help              options of a mode\n"
		"       connrate --version\n"
		"\nconnrate measures how many new TCP connections per second a server, or a\n"
		"device between client and server, handles, and what happens to latency and\n"
		"errors on the way.  See connrate(1).\n");
}

/*
 * SIGINT/SIGTERM arrive on a descriptor, in no particular thread.  They
 * are taken even when the parent ignored them (as a shell does for a
 * background job), so a script can always stop a run with kill -INT.
 */
static int signals_to_fd(enum cr_mode mode)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (mode == MODE_SERVER)
		sigaddset(&set, SIGUSR1);	/* the counters so far */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static int run_client(const struct config *c, struct client_env *env, FILE *out)
{
	struct round_spec spec = { .duration_ns = c->duration_ns };
	struct round_result r;
	unsigned i, n = c->concurrency ? 1 : c->nrates;
	int rc;

	report_header(out);
	if (c->start_at_ns) {
		/* the one conversion of the wall-clock instant to the monotonic clock */
		env->wall_offset_ns = walltime_mono_offset();
		env->start_ns = walltime_to_mono(c->start_at_ns, env->wall_offset_ns);
	}
	for (i = 0; i < n; i++) {
		if (i && !client_cooldown(c, env))
			return 130;
		if (c->concurrency) {
			spec.closed_loop = true;
			spec.concurrency = c->concurrency;
		} else {
			client_rate_spec(c, c->rate_milli[i], &spec);
		}
		rc = client_round(c, env, &spec, &r);
		env->start_ns = 0;	/* later rounds follow at their own pace */
		if (rc < 0) {
			fprintf(stderr, "connrate client: cannot run the round: %s\n",
				strerror(-rc));
			return 1;
		}
		report_row(out, &r);
		if (env->json)
			report_round_json(env->json, c, &r);
		if (env->hdr && !c->interval_ns &&
		    hdrlog_write(env->hdr, r.start_requested_ns,
				 (uint64_t)(r.elapsed_s * 1e9), &r.s.latency) < 0)
			fprintf(stderr, "connrate client: --hdr-log '%s': cannot write\n",
				c->hdr_log_path);
		client_result_free(&r);
		if (r.interrupted)
			return 130;
	}
	return 0;
}

struct merge_cli {
	const char *json_path;
	struct merge_opts o;
};

static int p_merge_json(void *obj, const char *a, char *w, size_t n)
{
	struct merge_cli *m = obj;

	if (!*a)
		return opt_why(w, n, "a file name, or - for standard output");
	m->json_path = a;
	return 0;
}

static int p_allow_missing(void *obj, const char *a, char *w, size_t n)
{
	struct merge_cli *m = obj;

	(void)a; (void)w; (void)n;
	m->o.allow_missing = true;
	return 0;
}

static const struct opt_def merge_opts[] = {
	{ "json", "FILE|-", 1, NULL, p_merge_json,
	  "write the merged rounds as JSON Lines to FILE (- for standard output; "
	  "the table then goes to standard error)" },
	{ "allow-missing", NULL, 1, NULL, p_allow_missing,
	  "merge the hosts there are when a file is absent, empty or short of "
	  "rounds, and name the missing ones in each round's \"missing\"" },
};

/*
 * The merged rounds go to --json FILE only once every round has merged:
 * a refused merge leaves FILE as it was (a previous result, or absent).
 * Returns the exit status.
 */
static int merge_write_json(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "connrate merge: --json '%s': cannot open: %s\n",
			path, strerror(errno));
		return 2;
	}
	if (fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "connrate merge: --json '%s': %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

/* connrate merge FILE... : 0, 2 (bad input or rounds that do not merge), 1. */
static int run_merge(int argc, char **argv)
{
	struct merge_cli m = { 0 };
	struct opt_set set = { merge_opts, sizeof(merge_opts) / sizeof(merge_opts[0]), 1, &m, NULL };
	FILE *json = NULL, *out = stdout;
	char err[1024], *buf = NULL;
	size_t len = 0;
	int args = argc, rc;

	rc = opt_parse(&set, 1, argc, argv, &args, "merge", err, sizeof(err));
	if (rc == OPT_HELP || rc == OPT_VERSION) {
		printf("usage: connrate merge FILE... [options]\n  round k of every "
		       "file (JSON Lines of connrate client) as one round\n\noptions:\n");
		opt_usage(stdout, &set);
		return 0;
	}
	if (rc == 0 && args >= argc)
		snprintf(err, sizeof(err), "name the hosts' JSON files");
	if (rc < 0 || args >= argc) {
		fprintf(stderr, "connrate merge: %s\n", err);
		return 2;
	}
	if (m.json_path && !strcmp(m.json_path, "-")) {
		json = stdout;
		out = stderr;
	} else if (m.json_path && !(json = open_memstream(&buf, &len))) {
		fprintf(stderr, "connrate merge: %s\n", strerror(errno));
		return 1;
	}
	rc = merge_files((const char *const *)argv + args, (unsigned)(argc - args),
			 &m.o, json, out, err, sizeof(err));
	if (rc)
		fprintf(stderr, "connrate merge: %s\n", err);
	if (json && json != stdout) {
		fclose(json);
		rc = rc ? 2 : merge_write_json(m.json_path, buf, len);
		free(buf);
		return rc;
	}
	return rc ? 2 : 0;
}

/*
 * The first word: a mode, or --help / --version (answered here).  Returns
 * -1 when a mode was found (in *mode), else the exit status.
 */
static int first_word(const char *w, enum cr_mode *mode)
{
	if (!strcmp(w, "-h") || !strcmp(w, "--help") || !strcmp(w, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(w, "--version") || !strcmp(w, "version")) {
		printf("connrate %s\n", CR_VERSION);
		return 0;
	}
	if (!strcmp(w, "server"))
		*mode = MODE_SERVER;
	else if (!strcmp(w, "client"))
		*mode = MODE_CLIENT;
	else if (!strcmp(w, "saturate"))
		*mode = MODE_SATURATE;
	else {
		fprintf(stderr, "connrate: unknown mode '%s': server, client, saturate or merge (try --help)\n",
			w);
		return 2;
	}
	return -1;
}

/*
 * --json: "-" is standard output (the table then moves to *out =
 * stderr), else a file appended to.  0, or 2 after one line on stderr.
 */
static int open_json(const struct config *cfg, enum cr_mode mode, FILE **json,
		     FILE **out)
{
	*json = NULL;
	if (!cfg->json_path)
		return 0;
	if (!strcmp(cfg->json_path, "-")) {
		*json = stdout;
		*out = stderr;	/* the table moves out of the JSON's way */
		return 0;
	}
	*json = fopen(cfg->json_path, "a");
	if (*json)
		return 0;
	fprintf(stderr, "connrate %s: --json '%s': cannot open: %s\n",
		cli_mode_name(mode), cfg->json_path, strerror(errno));
	return 2;
}

static int run_mode(const struct config *cfg, enum cr_mode mode,
		    struct client_env *env, FILE *out)
{
	switch (mode) {
	case MODE_SERVER:
		return server_run(cfg, env->sigfd, env->json);
	case MODE_CLIENT:
		if (cfg->hold)
			return hold_run(cfg, env, out);
		return run_client(cfg, env, out);
	case MODE_SATURATE:
		if (cfg->hold_search)
			return capsearch_run(cfg, env, out);
		return saturate_run(cfg, env, out);
	}
	return 1;
}

int main(int argc, char **argv)
{
	static struct config cfg;
	struct client_env env = { .sigfd = -1, .stopfd = -1 };
	enum cr_mode mode;
	FILE *json = NULL, *out = stdout;
	char err[512];
	int rc;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "merge"))
		return run_merge(argc - 1, argv + 1);
	rc = first_word(argv[1], &mode);
	if (rc >= 0)
		return rc;
	rc = cli_parse(&cfg, mode, argc - 1, argv + 1, err, sizeof(err));
	if (rc == 0)
		rc = cli_validate(&cfg, err, sizeof(err));
	if (rc) {
		if (rc < 0)
			fprintf(stderr, "connrate %s: %s\n", cli_mode_name(mode), err);
		cli_free(&cfg);
		return rc < 0 ? 2 : 0;
	}
	if (cfg.dry_run || open_json(&cfg, mode, &json, &out)) {
		cli_free(&cfg);
		return cfg.dry_run ? 0 : 2;
	}
	env.sigfd = signals_to_fd(mode);
	env.stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (env.sigfd < 0 || env.stopfd < 0) {
		fprintf(stderr, "connrate: cannot set up signals: %s\n", strerror(errno));
		return 1;
	}
	env.json = json;
	env.status = isatty(STDERR_FILENO) && out != stderr;
	if (cfg.hdr_log_path) {
		rc = hdrlog_open(cfg.hdr_log_path, cfg.start_at_ns ? cfg.start_at_ns :
				 walltime_now(), &env.hdr);
		if (rc < 0) {
			fprintf(stderr, "connrate %s: --hdr-log '%s': cannot create: %s\n",
				cli_mode_name(mode), cfg.hdr_log_path, strerror(-rc));
			return 2;
		}
	}
	rc = run_mode(&cfg, mode, &env, out);
	if (hdrlog_close(env.hdr) < 0) {
		fprintf(stderr, "connrate %s: --hdr-log '%s': write failed\n",
			cli_mode_name(mode), cfg.hdr_log_path);
		if (!rc)
			rc = 1;
	}
	if (json && json != stdout)
		fclose(json);
	close(env.sigfd);
	close(env.stopfd);
	cli_free(&cfg);
	return rc;
}
