/*
 * lab.c - connrate-lab: build labs of network namespaces and run in them.
 *
 *   connrate-lab up TOPOLOGY [--name PREFIX]
 *   connrate-lab down PREFIX | --stale
 *   connrate-lab exec PREFIX ROLE -- CMD...
 *
 * Exit status: 0 done, 1 the kernel refused something (everything built
 * was removed), 2 bad input (nothing built), 130 interrupted (everything
 * built was removed).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "hostkeys.h"
#include "lab.h"
#include "results.h"
#include "run.h"
#include "ns.h"
#include "profile.h"
#include "topo.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

const volatile sig_atomic_t *lab_stop_flag(void)
{
	return &stop_flag;
}

void lab_catch_signals(void)
{
	catch_signals();
}

/* sub beside this program's binary, if it is there. */
static bool beside_self(const char *sub, int mode, char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return false;
	exe[n] = '\0';
	snprintf(buf, len, "%s/%s", dirname(exe), sub);
	return access(buf, mode) == 0;
}

/* Where the shipped files are: beside the binary, else the install. */
const char *lab_datadir(const char *sub, char *buf, size_t len)
{
	if (!beside_self(sub, R_OK, buf, len))
		snprintf(buf, len, "%s/%s", CR_DATADIR, sub);
	return buf;
}

const char *lab_binary(const char *name, char *buf, size_t len)
{
	if (!beside_self(name, X_OK, buf, len))
		snprintf(buf, len, "%s", name);	/* then execvp looks on PATH */
	return buf;
}

void lab_default_prefix(char *buf, size_t len)
{
	struct timespec ts;
	struct ns_record rec;
	unsigned v;

	do {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = ((unsigned)getpid() * 2654435761u) ^ (unsigned)ts.tv_nsec;
		snprintf(buf, len, "cr%06x", v & 0xffffff);
	} while (ns_record_read(buf, &rec) == 0);
}

/* The profile sections node i takes (see profile_node_sections). */
static void node_sections(const struct topo *t, unsigned i, bool sec[SEC__COUNT])
{
	profile_node_sections(t->node[i].name, t->nnodes == 1, sec);
}

int lab_load_profile(const char *name, bool allow_host, struct profile *p,
		     char *err, size_t errlen)
{
	enum key_kind kinds[PROFILE_MAX_KEYS];
	char dir[PATH_MAX];
	int rc;

	if (profile_load(name, lab_datadir("sysctl-profiles", dir, sizeof(dir)), p, err, errlen))
		return -1;
	rc = profile_probe(p, kinds);
	if (rc) {
		snprintf(err, errlen, "%s: cannot probe the kernel's sysctls: %s", p->path,
			 strerror(-rc));
		return -1;
	}
	return profile_check(p, kinds, allow_host, err, errlen);
}

int lab_apply_profile(const struct topo *t, const char *prefix,
		      const struct profile *p, char *err, size_t errlen)
{
	const struct profile_entry *plan[PROFILE_MAX_KEYS];
	char name[NS_NAME_MAX];
	bool sec[SEC__COUNT], used[SEC__COUNT] = { 0 };
	unsigned i, k;
	int fd, rc = 0;

	for (i = 0; i < t->nnodes && !rc; i++) {
		build_ns_name(prefix, t->node[i].name, name, sizeof(name));
		fd = ns_open(name);
		if (fd < 0) {
			snprintf(err, errlen, "cannot open namespace %s: %s", name, strerror(-fd));
			return -1;
		}
		node_sections(t, i, sec);
		for (k = 0; k < SEC__COUNT; k++)
			used[k] = used[k] || sec[k];
		rc = profile_apply(p, plan, profile_plan(p, sec, plan), fd, err, errlen);
		close(fd);
	}
	for (k = SEC_CLIENT; k <= SEC_DUT && !rc; k++)
		if (profile_has(p, (enum profile_section)k) && !used[k])
			fprintf(stderr, "connrate-lab: profile %s: [%s] keys not applied: topology %s has no %s node\n",
				p->name, profile_section_name((enum profile_section)k), t->path,
				profile_section_name((enum profile_section)k));
	if (rc)
		return rc;
	return hostkeys_take(p, prefix, LAB_HOST_WAIT_MS, err, errlen);
}

/* Put the host's sysctls back if lab prefix changed them. */
int lab_host_restore(const char *prefix)
{
	char err[512];

	if (hostkeys_release(prefix, err, sizeof(err))) {
		fprintf(stderr, "connrate-lab: %s\n", err);
		return -1;
	}
	return 0;
}

/* The same for every lab that is gone (down --stale). */
int lab_host_restore_stale(void)
{
	char err[512];
	unsigned n;

	if (hostkeys_release_stale(&n, err, sizeof(err))) {
		fprintf(stderr, "connrate-lab: %s\n", err);
		return -1;
	}
	if (n)
		printf("restored %u host sysctl%s left by labs that are gone\n", n, n == 1 ? "" : "s");
	return 0;
}

static int need_root(const char *what)
{
	if (geteuid() == 0)
		return 0;
	fprintf(stderr, "connrate-lab %s: needs root (network namespaces)\n", what);
	return 1;
}

static void print_lab(const struct topo *t, const char *prefix)
{
	unsigned i, l, e, a;

	printf("lab %s is up (%s): %u namespace%s\n", prefix, t->path, t->nnodes,
	       t->nnodes == 1 ? "" : "s");
	for (i = 0; i < t->nnodes; i++) {
		char name[NS_NAME_MAX];

		build_ns_name(prefix, t->node[i].name, name, sizeof(name));
		printf("  %-24s", name);
		for (l = 0; l < t->nlinks; l++) {
			for (e = 0; e < 2; e++) {
				const struct topo_end *end = &t->link[l].end[e];

				if (end->node != i)
					continue;
				printf(" %s", end->ifname);
				for (a = 0; a < end->naddr; a++)
					printf(" %s", end->addr[a].text);
			}
		}
		if (t->node[i].forward)
			printf("  (forward%s)", t->node[i].stateful ? ", stateful" : "");
		putchar('\n');
	}
	printf("run inside: connrate-lab exec %s NODE -- CMD...\n"
	       "take down:  connrate-lab down %s\n", prefix, prefix);
}

static int cmd_up(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "profile", required_argument, NULL, 'p' },
		{ "allow-host-sysctl", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char prefix[NS_NAME_MAX] = "", err[512], dir[PATH_MAX];
	const char *profile_name = NULL;
	struct profile *prof = NULL;
	bool allow_host = false;
	struct topo *t;
	char *text = NULL;
	int ch, rc;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			if (!ns_prefix_ok(optarg)) {
				fprintf(stderr, "connrate-lab up: --name '%s': 1 to 24 of a-z 0-9 -, starting with a letter\n",
					optarg);
				return 2;
			}
			snprintf(prefix, sizeof(prefix), "%s", optarg);
			break;
		case 'p':
			profile_name = optarg;
			break;
		case 'H':
			allow_host = true;
			break;
		case 'h':
			printf("usage: connrate-lab up TOPOLOGY [--name PREFIX] [--profile P [--allow-host-sysctl]]\n"
			       "  build the namespaces, links, routes and qdiscs of TOPOLOGY (a\n"
			       "  shipped name such as dut, or a .topo file) as PREFIX-NODE, and\n"
			       "  apply sysctl profile P (sysctl-profiles/P.conf, or a file) to them\n");
			return 0;
		default:
			fprintf(stderr, "connrate-lab up: unknown option '%s' (try --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "connrate-lab up: expected one TOPOLOGY (a shipped name or a .topo file)\n");
		return 2;
	}
	t = malloc(sizeof(*t));
	if (!t)
		return 1;
	if (topo_load(argv[optind], lab_datadir("netns/topologies", dir, sizeof(dir)),
		      t, &text, err, sizeof(err))) {
		fprintf(stderr, "connrate-lab up: %s\n", err);
		free(t);
		return 2;
	}
	if (profile_name) {
		prof = malloc(sizeof(*prof));
		if (!prof || lab_load_profile(profile_name, allow_host, prof, err, sizeof(err))) {
			fprintf(stderr, "connrate-lab up: %s\n", prof ? err : "out of memory");
			free(prof);
			free(text);
			free(t);
			return 2;
		}
	}
	if (need_root("up")) {
		free(prof);
		free(text);
		free(t);
		return 1;
	}
	if (!*prefix)
		lab_default_prefix(prefix, sizeof(prefix));
	if (build_check(t, prefix, err, sizeof(err))) {
		fprintf(stderr, "connrate-lab up: %s\n", err);
		free(prof);
		free(text);
		free(t);
		return 2;
	}
	catch_signals();
	rc = build_up(t, prefix, "building", &stop_flag, err, sizeof(err));
	if (!rc && prof && (lab_apply_profile(t, prefix, prof, err, sizeof(err)) || stop_flag)) {
		if (stop_flag)
			snprintf(err, sizeof(err), "interrupted; everything built so far was removed");
		rc = stop_flag ? -EINTR : -EINVAL;
		lab_host_restore(prefix);
		build_down(prefix, err + strlen(err), 0);
	}
	if (!rc)
		rc = build_mark(prefix, "up", err, sizeof(err));
	if (rc == -EINTR) {
		fprintf(stderr, "connrate-lab up: %s\n", err);
		rc = 130;
	} else if (rc) {
		fprintf(stderr, "connrate-lab up: %s (nothing was left behind)\n", err);
		rc = 1;
	} else {
		print_lab(t, prefix);
		if (prof)
			printf("profile %s: %u key%s set and read back\n", prof->name, prof->n,
			       prof->n == 1 ? "" : "s");
	}
	free(prof);
	free(text);
	free(t);
	return rc;
}

static int down_stale(void)
{
	DIR *d = opendir(NS_OWNER_DIR);
	struct dirent *de;
	int rc = 0, n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct ns_record rec;

		if (!ns_prefix_ok(de->d_name) || ns_record_read(de->d_name, &rec))
			continue;
		if (!strcmp(rec.state, "up") || ns_record_owner_alive(&rec))
			continue;
		lab_host_restore(rec.prefix);
		if (ns_record_teardown(&rec)) {
			fprintf(stderr, "connrate-lab down: cannot remove stale lab %s\n", rec.prefix);
			rc = 1;
			continue;
		}
		printf("removed stale lab %s (owner %d gone, state %s, %u namespaces)\n",
		       rec.prefix, (int)rec.pid, rec.state, rec.nns);
		n++;
	}
	closedir(d);
	if (lab_host_restore_stale())	/* also saves whose lab record is gone */
		rc = 1;
	if (!n && !rc)
		printf("no stale labs\n");
	return rc;
}

static int cmd_down(int argc, char **argv)
{
	char err[512];

	if (argc != 2) {
		fprintf(stderr, "connrate-lab down: expected PREFIX or --stale\n");
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		printf("usage: connrate-lab down PREFIX | --stale\n"
		       "  remove the namespaces of lab PREFIX, or of every lab whose\n"
		       "  builder or run died; never anything the lab did not make\n");
		return 0;
	}
	if (need_root("down"))
		return 1;
	signal(SIGINT, SIG_IGN);	/* a half-done teardown helps no one */
	signal(SIGTERM, SIG_IGN);
	if (!strcmp(argv[1], "--stale"))
		return down_stale();
	if (!ns_prefix_ok(argv[1])) {
		fprintf(stderr, "connrate-lab down: '%s' is not a lab prefix\n", argv[1]);
		return 2;
	}
	if (lab_host_restore(argv[1]))
		return 1;
	if (build_down(argv[1], err, sizeof(err))) {
		fprintf(stderr, "connrate-lab down: %s\n", err);
		return 2;
	}
	printf("lab %s removed\n", argv[1]);
	return 0;
}

static int cmd_exec(int argc, char **argv)
{
	struct ns_record rec;
	char name[NS_NAME_MAX];
	unsigned i;
	int fd, rc;

	if (argc < 5 || strcmp(argv[3], "--") != 0) {
		fprintf(stderr, "connrate-lab exec: expected PREFIX NODE -- CMD...\n");
		return 2;
	}
	if (!ns_prefix_ok(argv[1]) || ns_record_read(argv[1], &rec)) {
		fprintf(stderr, "connrate-lab exec: no lab '%s'\n", argv[1]);
		return 2;
	}
	build_ns_name(argv[1], argv[2], name, sizeof(name));
	for (i = 0; i < rec.nns; i++)
		if (!strcmp(rec.ns[i], name))
			break;
	if (i == rec.nns || !topo_name_ok(argv[2])) {
		fprintf(stderr, "connrate-lab exec: lab %s has no node '%s'\n", argv[1], argv[2]);
		return 2;
	}
	fd = ns_open(name);
	if (fd < 0) {
		fprintf(stderr, "connrate-lab exec: cannot open namespace %s: %s\n", name,
			strerror(-fd));
		return 1;
	}
	rc = ns_exec(fd, argv + 4);
	fprintf(stderr, "connrate-lab exec: cannot run %s in %s: %s\n", argv[4], name,
		strerror(-rc));
	return rc == -ENOENT ? 127 : 126;
}

static int cmd_compare(int argc, char **argv)
{
	struct results *res;
	char err[512];
	int i;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout,
			"usage: connrate-lab compare DIR [DIR...]\n"
			"  one table of the runs' rounds: rows = offered rate, columns = profile (and run)\n");
		return argc < 2 ? 2 : 0;
	}
	res = calloc(1, sizeof(*res));
	if (!res)
		return 1;
	for (i = 1; i < argc; i++) {
		if (results_load(argv[i], res, err, sizeof(err))) {
			fprintf(stderr, "connrate-lab compare: %s\n", err);
			free(res);
			return 2;
		}
	}
	results_compare(res, stdout);
	free(res);
	if (argc > 2)	/* a plot of them together, next to the first run's own */
		results_plot((const char *const *)argv + 1, (unsigned)argc - 1, argv[1], "compare");
	return 0;
}

static int cmd_gate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "max-rate-drop", required_argument, NULL, 'r' },
		{ "max-p99-rise", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gate_opts o = GATE_DEFAULTS;
	struct results *base, *cur;
	char err[512], *end;
	int ch, rc;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		double *dst = ch == 'r' ? &o.max_rate_drop_pct : &o.max_p99_rise_pct;

		switch (ch) {
		case 'r':
		case 'p':
			*dst = strtod(optarg, &end);
			if (*end || !*optarg || *dst < 0 || *dst > 1e6) {
				fprintf(stderr, "connrate-lab gate: --%s '%s': expected a percentage >= 0\n",
					ch == 'r' ? "max-rate-drop" : "max-p99-rise", optarg);
				return 2;
			}
			break;
		case 'h':
			printf("usage: connrate-lab gate BASELINE CURRENT [--max-rate-drop PCT] [--max-p99-rise PCT]\n"
			       "  compare rounds of the same profile and offered rate (and saturate knees);\n"
			       "  exit 1 when the current run is worse beyond the tolerances, 0 when not,\n"
			       "  2 when the two cannot be compared.  Defaults fit a noisy machine:\n"
			       "  rate drop 10%%, p99 rise 100%% (and at least 0.5 ms), errors +1 point.\n");
			return 0;
		default:
			fprintf(stderr, "connrate-lab gate: unknown option '%s' (try --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "connrate-lab gate: expected BASELINE and CURRENT results directories\n");
		return 2;
	}
	base = calloc(1, sizeof(*base));
	cur = calloc(1, sizeof(*cur));
	if (!base || !cur) {
		free(base);
		free(cur);
		return 1;
	}
	if (results_load(argv[optind], base, err, sizeof(err)) ||
	    results_load(argv[optind + 1], cur, err, sizeof(err))) {
		fprintf(stderr, "connrate-lab gate: %s\n", err);
		rc = 2;
	} else {
		rc = results_gate(base, cur, &o, stdout, err, sizeof(err));
		if (rc == 2)
			fprintf(stderr, "connrate-lab gate: %s\n", err);
	}
	free(base);
	free(cur);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: connrate-lab up TOPOLOGY [--name PREFIX] [--profile P [--allow-host-sysctl]]\n"
		"                                                   build a lab, print it\n"
		"       connrate-lab down PREFIX | --stale          remove it (and only it)\n"
		"       connrate-lab exec PREFIX NODE -- CMD...     run a command in one namespace\n"
		"       connrate-lab run --topology T --profile P[,P2...] (--rate R,... | --concurrency C | --saturate) ...\n"
		"       connrate-lab compare DIR [DIR...]           side-by-side table (+ plot)\n"
		"       connrate-lab gate BASELINE CURRENT [--max-rate-drop PCT] [--max-p99-rise PCT]\n"
		"\nTopologies: netns/topologies/*.topo (loopback, pair, dut, dut-shaped) or a file;\n"
		"profiles: sysctl-profiles/*.conf (default, tuned, ...) or a file.\n"
		"Namespaces are named PREFIX-NODE; `ip netns` sees them.  COMMAND --help for more.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("connrate-lab %s\n", CR_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "up"))
		return cmd_up(argc - 1, argv + 1);
	if (!strcmp(argv[1], "down"))
		return cmd_down(argc - 1, argv + 1);
	if (!strcmp(argv[1], "exec"))
		return cmd_exec(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "compare"))
		return cmd_compare(argc - 1, argv + 1);
	if (!strcmp(argv[1], "gate"))
		return cmd_gate(argc - 1, argv + 1);
	fprintf(stderr, "connrate-lab: unknown command '%s' (up, down, exec, run, compare, gate; try --help)\n",
		argv[1]);
	return 2;
}
