/*
 * main.c - connrate: dispatch to server, client or saturate.
 *
 * Exit status: 0 done; 1 could not run (socket, epoll, threads); 2 bad
 * input (one line on stderr, nothing started); 130 client interrupted.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "report.h"
#include "saturate.h"
#include "server.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: connrate server   [options]   accept, read, answer, close\n"
		"       connrate client   --target HOST:PORT (--rate R[,R2...] | --concurrency C) [options]\n"
		"       connrate saturate --target HOST:PORT [--start R] [--factor F] [options]\n"
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
		if (rc < 0) {
			fprintf(stderr, "connrate client: cannot run the round: %s\n",
				strerror(-rc));
			return 1;
		}
		report_row(out, &r);
		if (env->json)
			report_round_json(env->json, c, &r);
		if (r.interrupted)
			return 130;
	}
	return 0;
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
		fprintf(stderr, "connrate: unknown mode '%s': server, client or saturate (try --help)\n",
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
		return run_client(cfg, env, out);
	case MODE_SATURATE:
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
	rc = run_mode(&cfg, mode, &env, out);
	if (json && json != stdout)
		fclose(json);
	close(env.sigfd);
	close(env.stopfd);
	cli_free(&cfg);
	return rc;
}
