/*
 * main.c - connrate-lab: build labs of network namespaces and run in them.
 *
 *   connrate-lab up TOPOLOGY [--name PREFIX] [--profile P]
 *   connrate-lab down PREFIX | --stale
 *   connrate-lab exec PREFIX NODE -- CMD...
 *   connrate-lab run ...                 (run.c)
 *   connrate-lab compare DIR [DIR...]
 *   connrate-lab gate BASELINE CURRENT
 *
 * Exit status: 0 done, 1 the kernel refused something (everything built
 * was removed), 2 bad input (nothing built), 130 interrupted (everything
 * built was removed).  This file holds the commands and the one stop flag
 * that SIGINT, SIGTERM and SIGHUP set; the work is in the modules.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abgate.h"
#include "abtest.h"
#include "build.h"
#include "lab.h"
#include "ns.h"
#include "opt.h"
#include "profile.h"
#include "results.h"
#include "run.h"
#include "sshd.h"
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

static int need_root(const char *what)
{
	if (geteuid() == 0)
		return 0;
	fprintf(stderr, "connrate-lab %s: needs root (network namespaces)\n", what);
	return 1;
}

/*
 * Parse a command's options; positional words start at *args.  Returns
 * 0 to go on, or the exit status: 0 after --help, 2 on bad input.
 */
static int parse_cmd(const char *cmd, const struct opt_set *set, int argc, char **argv,
		     int *args, const char *usage, bool *done)
{
	char err[512];
	int rc = opt_parse(set, 1, argc, argv, args, cmd, err, sizeof(err));

	*done = rc != OPT_OK;
	if (rc == OPT_HELP || rc == OPT_VERSION) {
		if (rc == OPT_HELP) {
			fputs(usage, stdout);
			opt_usage(stdout, set);
		} else {
			printf("connrate-lab %s\n", CR_VERSION);
		}
		return 0;
	}
	if (rc < 0)
		fprintf(stderr, "connrate-lab %s: %s\n", cmd, err);
	return rc < 0 ? 2 : 0;
}

/* --- up --- */

struct up {
	char prefix[NS_NAME_MAX];
	const char *profile_name;
	bool allow_host;
	struct topo t;
	char *text;
	struct profile *prof;
};

static int p_up_name(void *obj, const char *a, char *w, size_t n)
{
	struct up *u = obj;

	if (!ns_prefix_ok(a))
		return opt_why(w, n, NS_PREFIX_RULE);
	snprintf(u->prefix, sizeof(u->prefix), "%s", a);
	return 0;
}

static int p_up_profile(void *obj, const char *a, char *w, size_t n)
{
	(void)w, (void)n;
	((struct up *)obj)->profile_name = a;
	return 0;
}

static int p_up_host(void *obj, const char *a, char *w, size_t n)
{
	(void)a, (void)w, (void)n;
	((struct up *)obj)->allow_host = true;
	return 0;
}

static const struct opt_def up_opts[] = {
	{ "name", "PREFIX", 1, NULL, p_up_name,
	  "name the namespaces PREFIX-NODE (default: cr and six hex digits)" },
	{ "profile", "P", 1, NULL, p_up_profile,
	  "apply sysctl profile P (sysctl-profiles/P.conf, or a file)" },
	{ "allow-host-sysctl", NULL, 1, NULL, p_up_host,
	  "let the profile's [host] keys change the host (restored by down)" },
};

static void print_node(const struct topo *t, const char *prefix, unsigned i)
{
	char name[NS_NAME_MAX];
	unsigned l, e, a;

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
	for (l = 0; l < t->nbridges; l++) {
		if (t->bridge[l].dev.node != i)
			continue;
		printf(" %s (bridge)", t->bridge[l].dev.ifname);
		for (a = 0; a < t->bridge[l].dev.naddr; a++)
			printf(" %s", t->bridge[l].dev.addr[a].text);
	}
	if (t->node[i].forward)
		printf("  (forward%s)", t->node[i].stateful ? ", stateful" : "");
	putchar('\n');
}

static void print_sshd(const struct topo *t, const char *prefix)
{
	char dir[256];
	unsigned i;

	if (!t->nsshd)
		return;
	sshd_dir(prefix, dir, sizeof(dir));
	printf("sshd (root by key) on");
	for (i = 0; i < t->nsshd; i++) {
		const struct topo_end *e = topo_find_end(t, t->sshd[i].node, t->sshd[i].ifname);

		printf(" %s %.*s", t->node[t->sshd[i].node].name,
		       (int)strcspn(e->addr[0].text, "/"), e->addr[0].text);
	}
	printf("\nssh from the management network: ssh -F %s/ssh_config ADDRESS\n", dir);
}

static void print_lab(const struct topo *t, const char *prefix)
{
	unsigned i;

	printf("lab %s is up (%s): %u namespace%s\n", prefix, t->path, t->nnodes,
	       t->nnodes == 1 ? "" : "s");
	for (i = 0; i < t->nnodes; i++)
		print_node(t, prefix, i);
	printf("run inside: connrate-lab exec %s NODE -- CMD...\n"
	       "take down:  connrate-lab down %s\n", prefix, prefix);
}

/* Everything up needs from its input: 0, or the exit status with a line said. */
static int up_load(struct up *u, const char *topology)
{
	char err[512], dir[PATH_MAX];

	if (topo_load(topology, lab_datadir("netns/topologies", dir, sizeof(dir)),
		      &u->t, &u->text, err, sizeof(err))) {
		fprintf(stderr, "connrate-lab up: %s\n", err);
		return 2;
	}
	if (u->profile_name) {
		u->prof = malloc(sizeof(*u->prof));
		if (!u->prof) {
			fprintf(stderr, "connrate-lab up: out of memory\n");
			return 1;
		}
		if (lab_load_profile(u->profile_name, u->allow_host, u->prof, err, sizeof(err))) {
			fprintf(stderr, "connrate-lab up: %s\n", err);
			return 2;
		}
	}
	if (need_root("up"))
		return 1;
	if (!*u->prefix)
		lab_default_prefix(u->prefix, sizeof(u->prefix));
	if (build_check(&u->t, u->prefix, err, sizeof(err))) {
		fprintf(stderr, "connrate-lab up: %s\n", err);
		return 2;
	}
	return 0;
}

/* Build the lab and apply the profile: the exit status, with a line said. */
static int up_build(struct up *u)
{
	char err[512];
	int rc;

	catch_signals();
	rc = build_up(&u->t, u->prefix, "building", &stop_flag, err, sizeof(err));
	if (!rc && u->prof &&
	    (lab_apply_profile(&u->t, u->prefix, u->prof, err, sizeof(err)) || stop_flag)) {
		if (stop_flag)
			snprintf(err, sizeof(err), "interrupted; everything built so far was removed");
		rc = stop_flag ? -EINTR : -EINVAL;
		lab_host_restore(u->prefix);
		build_down(u->prefix, err + strlen(err), 0);
	}
	if (!rc && u->t.nsshd && (rc = sshd_start(&u->t, u->prefix, err, sizeof(err)))) {
		lab_host_restore(u->prefix);
		sshd_end_all(u->prefix);
		build_down(u->prefix, err + strlen(err), 0);
		sshd_remove(u->prefix);
	}
	if (!rc)
		rc = build_mark(u->prefix, "up", err, sizeof(err));
	if (rc == -EINTR) {
		fprintf(stderr, "connrate-lab up: %s\n", err);
		return 130;
	}
	if (rc) {
		fprintf(stderr, "connrate-lab up: %s (nothing was left behind)\n", err);
		return 1;
	}
	print_lab(&u->t, u->prefix);
	print_sshd(&u->t, u->prefix);
	if (u->prof)
		printf("profile %s: %u key%s set and read back\n", u->prof->name, u->prof->n,
		       u->prof->n == 1 ? "" : "s");
	return 0;
}

static int cmd_up(int argc, char **argv)
{
	static const char usage[] =
		"usage: connrate-lab up TOPOLOGY [--name PREFIX] [--profile P [--allow-host-sysctl]]\n"
		"  build the namespaces, bridges, links, routes and qdiscs of TOPOLOGY\n"
		"  (a shipped name such as dut, or a .topo file) as PREFIX-NODE, start\n"
		"  an sshd for each of its sshd lines, and apply sysctl profile P to them\n\noptions:\n";
	struct up *u = calloc(1, sizeof(*u));
	struct opt_set set = { up_opts, sizeof(up_opts) / sizeof(up_opts[0]), 1, u, NULL };
	bool done;
	int args, rc;

	if (!u)
		return 1;
	rc = parse_cmd("up", &set, argc, argv, &args, usage, &done);
	if (!done && argc - args != 1) {
		fprintf(stderr, "connrate-lab up: expected one TOPOLOGY (a shipped name or a .topo file)\n");
		rc = 2;
	} else if (!done) {
		rc = up_load(u, argv[args]);
		if (!rc)
			rc = up_build(u);
	}
	free(u->prof);
	free(u->text);
	free(u);
	return rc;
}

/* --- down, exec --- */

/* 0 when the lab ran sshds (its ssh directory exists). */
static int access_ssh_dir(const char *prefix)
{
	char dir[256];

	sshd_dir(prefix, dir, sizeof(dir));
	return access(dir, F_OK);
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
		if (!access_ssh_dir(rec.prefix))
			sshd_end_all(rec.prefix);
		if (ns_record_teardown(&rec)) {
			fprintf(stderr, "connrate-lab down: cannot remove stale lab %s\n", rec.prefix);
			rc = 1;
			continue;
		}
		sshd_remove(rec.prefix);
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

/* Is the lab a live run's or build's?  Then say whose, and leave it. */
static bool in_use(const char *prefix)
{
	struct ns_record rec;

	if (ns_record_read(prefix, &rec) || !strcmp(rec.state, "up") ||
	    !ns_record_owner_alive(&rec))
		return false;
	fprintf(stderr, "connrate-lab down: lab %s belongs to connrate-lab (PID %d, %s); "
		"stop it (kill -INT %d) and it takes its lab down itself\n",
		prefix, (int)rec.pid, rec.state, (int)rec.pid);
	return true;
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
	if (in_use(argv[1]))
		return 1;
	if (lab_host_restore(argv[1]))
		return 1;
	if (!access_ssh_dir(argv[1]))
		sshd_end_all(argv[1]);
	if (build_down(argv[1], err, sizeof(err))) {
		fprintf(stderr, "connrate-lab down: %s\n", err);
		return 2;
	}
	if (sshd_remove(argv[1]))
		fprintf(stderr, "connrate-lab down: cannot remove the lab's ssh directory %s.ssh\n",
			argv[1]);
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

/* --- compare, gate --- */

/* Load every directory into one results set: 0, or the exit status. */
static int load_dirs(const char *cmd, char **dirs, int n, struct results *res)
{
	char err[512];
	int i;

	for (i = 0; i < n; i++) {
		if (results_load(dirs[i], res, err, sizeof(err))) {
			fprintf(stderr, "connrate-lab %s: %s\n", cmd, err);
			return 2;
		}
	}
	return 0;
}

/* With builds and repeats: each build's estimates against the first one's. */
static void compare_builds(const struct results *res)
{
	struct results *base = calloc(1, sizeof(*base)), *cur = calloc(1, sizeof(*cur));
	struct abg_opts shown;
	char err[256];
	unsigned i, k;

	for (k = 0; k < ABG__COUNT; k++)
		shown.tol[k] = ABG_OFF;
	for (i = 0; base && cur && i < res->nrows; i++) {
		const char *b = res->row[i].build;

		if (!*b || !strcmp(b, res->row[0].build))
			continue;
		for (k = 0; k < i && strcmp(res->row[k].build, b); k++)
			;
		if (k < i)
			continue;	/* shown already */
		abg_select(res, res->row[0].build, base);
		abg_select(res, b, cur);
		if (!abg_has_repeats(base, cur))
			continue;
		printf("\n%s against %s:\n", b, res->row[0].build);
		abg_gate(base, cur, &shown, stdout, err, sizeof(err));
	}
	free(base);
	free(cur);
}

static int cmd_compare(int argc, char **argv)
{
	struct results *res;
	int rc;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout,
			"usage: connrate-lab compare DIR [DIR...]\n"
			"  one table of the runs' rounds: rows = offered rate, columns = profile (and run)\n");
		return argc < 2 ? 2 : 0;
	}
	res = calloc(1, sizeof(*res));
	if (!res)
		return 1;
	rc = load_dirs("compare", argv + 1, argc - 1, res);
	if (!rc) {
		results_compare(res, stdout);
		compare_builds(res);
	}
	free(res);
	if (!rc && argc > 2)	/* a plot of them together, next to the first run's own */
		results_plot((const char *const *)argv + 1, (unsigned)argc - 1, argv[1], "compare");
	if (!rc)		/* and their page, there too */
		results_page((const char *const *)argv + 1, (unsigned)argc - 1, argv[1], "compare");
	return rc;
}

struct gate_args {
	struct gate_opts o;
	struct abg_opts ab;
	const char *baseline, *current;
};

static int p_pct(double *dst, const char *a, char *w, size_t n)
{
	char *end;

	*dst = strtod(a, &end);
	if (*end || !*a || !(*dst >= 0 && *dst <= 1e6))
		return opt_why(w, n, "a percentage >= 0");
	return 0;
}

static int p_rate_drop(void *obj, const char *a, char *w, size_t n)
{
	return p_pct(&((struct gate_args *)obj)->o.max_rate_drop_pct, a, w, n);
}

static int p_p99_rise(void *obj, const char *a, char *w, size_t n)
{
	return p_pct(&((struct gate_args *)obj)->o.max_p99_rise_pct, a, w, n);
}

static int p_tolerance(void *obj, const char *a, char *w, size_t n)
{
	return abg_set_tolerance(&((struct gate_args *)obj)->ab, a, w, n);
}

static int p_baseline(void *obj, const char *a, char *w, size_t n)
{
	(void)w, (void)n;
	((struct gate_args *)obj)->baseline = a;
	return 0;
}

static int p_current(void *obj, const char *a, char *w, size_t n)
{
	(void)w, (void)n;
	((struct gate_args *)obj)->current = a;
	return 0;
}

static const struct opt_def gate_opts[] = {
	{ "baseline", "NAME", 1, NULL, p_baseline,
	  "with one DIR: the build (--build NAME=...) to compare against" },
	{ "current", "NAME", 1, NULL, p_current,
	  "with one DIR: the build under test" },
	{ "tolerance", "METRIC=PCT", 1, NULL, p_tolerance,
	  "with repeats: how much worse a metric may be (connect_p50 3, latency_p50 3, "
	  "achieved 2, errors 0.1 points; latency_p99, cost and knee off: shown, not "
	  "gated); repeatable, PCT may be off" },
	{ "max-rate-drop", "PCT", 1, "10", p_rate_drop,
	  "without repeats: fail when a round's achieved rate (or the knee) drops by more" },
	{ "max-p99-rise", "PCT", 1, "100", p_p99_rise,
	  "without repeats: fail when a round's p99 latency rises by more (and by 0.5 ms)" },
};

/* The two sides of the gate, from one directory's builds or two directories. */
static int gate_load(struct gate_args *ga, char **dirs, int ndirs,
		     struct results *base, struct results *cur)
{
	struct results *all;
	int rc;

	if (!ga->baseline != !ga->current || (ga->baseline && ndirs != 1) ||
	    (!ga->baseline && ndirs != 2)) {
		fprintf(stderr, "connrate-lab gate: expected DIR --baseline NAME --current NAME, "
			"or BASELINE and CURRENT results directories\n");
		return 2;
	}
	if (!ga->baseline) {
		rc = load_dirs("gate", dirs, 1, base);
		return rc ? rc : load_dirs("gate", dirs + 1, 1, cur);
	}
	all = calloc(1, sizeof(*all));
	if (!all)
		return 1;
	rc = load_dirs("gate", dirs, 1, all);
	if (!rc) {
		abg_select(all, ga->baseline, base);
		abg_select(all, ga->current, cur);
		if (!base->nrows || !cur->nrows) {
			fprintf(stderr, "connrate-lab gate: %s: no round of build '%s'\n", dirs[0],
				!base->nrows ? ga->baseline : ga->current);
			rc = 2;
		}
	}
	free(all);
	return rc;
}

static int gate_compare(struct gate_args *ga, const struct results *base,
			const struct results *cur)
{
	char err[512];
	int rc;

	if (abg_has_repeats(base, cur) || ga->baseline) {
		rc = abg_gate(base, cur, &ga->ab, stdout, err, sizeof(err));
	} else {
		printf("no repeats on both sides: no intervals (run with --repeat %u or more); "
		       "tolerances on single rounds\n", ab_min_repeats(0.95));
		rc = results_gate(base, cur, &ga->o, stdout, err, sizeof(err));
	}
	if (rc == 2)
		fprintf(stderr, "connrate-lab gate: %s\n", err);
	return rc;
}

static int cmd_gate(int argc, char **argv)
{
	static const char usage[] =
		"usage: connrate-lab gate BASELINE CURRENT [options]\n"
		"       connrate-lab gate DIR --baseline NAME --current NAME [options]\n"
		"  compare rounds of the same profile and offered rate (and saturate knees);\n"
		"  exit 1 when the current run is worse beyond the tolerances, 0 when not,\n"
		"  2 when the two cannot be compared.  With repeats (run --repeat K, K >= 4)\n"
		"  each metric gets an estimate and a 95% interval, and fails only when the\n"
		"  whole interval lies beyond its tolerance.\n\noptions:\n";
	struct gate_args ga = { .o = GATE_DEFAULTS };
	struct opt_set set = { gate_opts, sizeof(gate_opts) / sizeof(gate_opts[0]), 1, &ga, NULL };
	struct results *base, *cur;
	bool done;
	int args, rc;

	abg_defaults(&ga.ab);
	rc = parse_cmd("gate", &set, argc, argv, &args, usage, &done);
	if (done)
		return rc;
	base = calloc(1, sizeof(*base));
	cur = calloc(1, sizeof(*cur));
	rc = !base || !cur ? 1 : gate_load(&ga, argv + args, argc - args, base, cur);
	if (!rc)
		rc = gate_compare(&ga, base, cur);
	free(base);
	free(cur);
	return rc;
}

/* --- main --- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: connrate-lab up TOPOLOGY [--name PREFIX] [--profile P [--allow-host-sysctl]]\n"
		"                                                   build a lab, print it\n"
		"       connrate-lab down PREFIX | --stale          remove it (and only it)\n"
		"       connrate-lab exec PREFIX NODE -- CMD...     run a command in one namespace\n"
		"       connrate-lab run --topology T --profile P[,P2...] (--rate R,... | --concurrency C | --saturate) ...\n"
		"       connrate-lab compare DIR [DIR...]           side-by-side table (+ plot)\n"
		"       connrate-lab gate BASELINE CURRENT | DIR --baseline NAME --current NAME\n"
		"\nTopologies: netns/topologies/*.topo (loopback, pair, dut, dut-shaped, multi) or a file;\n"
		"profiles: sysctl-profiles/*.conf (default, tuned, ...) or a file.\n"
		"Namespaces are named PREFIX-NODE; `ip netns` sees them.  COMMAND --help for more.\n");
}

static int cmd_run_caught(int argc, char **argv)
{
	catch_signals();	/* first: a signal at any later point is the run's to handle */
	return cmd_run(argc, argv, &stop_flag);
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
		{ "up", cmd_up }, { "down", cmd_down }, { "exec", cmd_exec },
		{ "run", cmd_run_caught }, { "compare", cmd_compare }, { "gate", cmd_gate },
	};
	size_t i;

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
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "connrate-lab: unknown command '%s' (up, down, exec, run, compare, gate; try --help)\n",
		argv[1]);
	return 2;
}
