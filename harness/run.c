/*
 * run.c - connrate-lab run: the round loop (see run.h).
 *
 * The options are runopts.c's, the children child.c's, the records
 * record.c's; this file builds the lab per profile, starts what runs in
 * it, reads the client's rounds and tears everything down.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "build.h"
#include "capacity.h"
#include "child.h"
#include "cost.h"
#include "counters.h"
#include "dutopts.h"
#include "lab.h"
#include "ns.h"
#include "payload.h"
#include "order.h"
#include "paired.h"
#include "profile.h"
#include "record.h"
#include "results.h"
#include "run.h"
#include "runopts.h"
#include "topo.h"

/* A device of the lab: node dut, or duta and dutb side by side. */
struct dev {
	enum lab_role role;		/* ROLE_DUT or ROLE_DUTB */
	const struct run_build *build;	/* NULL: the --dut-* options */
	struct jchild sim;		/* connrate-dut */
	pid_t cmd_pid;			/* --dut-cmd */
};

struct run {
	struct run_opts o;
	const volatile sig_atomic_t *stop;	/* set by a signal */
	/* what was loaded */
	struct topo *t;
	char *topo_text;
	struct profile *prof[RUN_MAX_PROFILES];
	char prefix[NS_NAME_MAX];
	char connrate[PATH_MAX];
	char dut_bin[PATH_MAX];
	char outdir[PATH_MAX];
	char target[80];
	char target_b[80];		/* paired: the server's address behind dutb */
	bool paired;			/* two devices: builds side by side */
	int node[ROLE__COUNT];		/* node index per role, -1: none */
	FILE *rounds;
	unsigned rounds_done;
	/* per profile, build and repeat */
	const struct profile *p;
	const struct run_build *build;	/* NULL: no --build */
	unsigned repeat;		/* 1.. */
	struct cost_machine m0;		/* at the round's start */
	struct cost_proc c0, s0;
	bool round_open;
	int nsfd[ROLE__COUNT];
	pid_t cli_pid;
	int cli_out;
	struct jchild srv;
	struct dev dev[2];		/* dev[0] in dut (or duta), dev[1] in dutb */
	unsigned ndev;
	struct record rec;
	bool interrupted;
	char died[512];			/* who died since the last round, "" none */
	bool any_died;			/* in any round: the run fails */
	struct caplog cap;		/* --capacity: what explained failed rounds */
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "connrate-lab run: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 2;
}

/* --- roles and the target --- */

static int role_node(const struct topo *t, enum lab_role role)
{
	int i = topo_node_index(t, record_role_names[role]);

	if (i < 0 && role == ROLE_DUT)
		i = topo_node_index(t, "duta");
	if (i >= 0 || role == ROLE_DUT || role == ROLE_DUTB)
		return i;
	return t->nnodes == 1 ? 0 : -1;
}

/* The first address of the server node in the family asked for. */
static int find_target(struct run *r)
{
	const struct topo *t = r->t;
	int fam = r->o.ipv6 ? AF_INET6 : AF_INET;
	unsigned l, e, a;

	if (r->node[ROLE_SERVER] == r->node[ROLE_CLIENT]) {
		snprintf(r->target, sizeof(r->target), r->o.ipv6 ? "[::1]:%u" : "127.0.0.1:%u",
			 r->o.port);
		return 0;
	}
	for (l = 0; l < t->nlinks; l++)
		for (e = 0; e < 2; e++) {
			const struct topo_end *end = &t->link[l].end[e];

			if ((int)end->node != r->node[ROLE_SERVER])
				continue;
			for (a = 0; a < end->naddr; a++) {
				if (end->addr[a].family != fam)
					continue;
				snprintf(r->target, sizeof(r->target), r->o.ipv6 ? "[%.*s]:%u" : "%.*s:%u",
					 (int)strcspn(end->addr[a].text, "/"), end->addr[a].text,
					 r->o.port);
				return 0;
			}
		}
	return -1;
}

static const char *server_listen(const struct run *r)
{
	return r->o.ipv6 || r->node[ROLE_SERVER] != r->node[ROLE_CLIENT] ? "::" : "0.0.0.0";
}

/* --- the device --- */

/* "what (PID n) exited with status s" or "... was killed by signal s (name)" */
static void describe_exit(char *buf, size_t len, const char *what, pid_t pid, int status)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "%s (PID %d) exited with status %d", what, (int)pid,
			 WEXITSTATUS(status));
	else
		snprintf(buf, len, "%s (PID %d) was killed by signal %d (%s)", what, (int)pid,
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
}

/* The node a device runs in: "dut", "duta", "dutb". */
static const char *dev_node(const struct run *r, const struct dev *d)
{
	return r->t->node[r->node[d->role]].name;
}

/* Has *pid ended?  Then say so in r->died, reap it, and forget it. */
static void watch_one(struct run *r, pid_t *pid, const char *what)
{
	size_t k = strlen(r->died);
	int status;

	if (*pid <= 0 || waitpid(*pid, &status, WNOHANG) != *pid)
		return;
	if (k)
		k += (size_t)snprintf(r->died + k, sizeof(r->died) - k, "; ");
	if (k < sizeof(r->died))
		describe_exit(r->died + k, sizeof(r->died) - k, what, *pid, status);
	*pid = 0;
	r->any_died = true;
}

/* The lab's long-running processes: has one of them died? */
static void watch_children(struct run *r)
{
	char what[96];
	unsigned i;

	watch_one(r, &r->srv.pid, "the server (connrate server)");
	for (i = 0; i < r->ndev; i++) {
		snprintf(what, sizeof(what), "the device%s%s (connrate-dut)",
			 r->paired ? " in " : "", r->paired ? dev_node(r, &r->dev[i]) : "");
		watch_one(r, &r->dev[i].sim.pid, what);
		snprintf(what, sizeof(what), "the device%s%s (--dut-cmd)",
			 r->paired ? " in " : "", r->paired ? dev_node(r, &r->dev[i]) : "");
		watch_one(r, &r->dev[i].cmd_pid, what);
	}
}

/* Start av in role's namespace, listed in the owner record: PID or -errno. */
static pid_t spawn(struct run *r, enum lab_role role, char **av, int out, int err)
{
	pid_t pid = ns_spawn(r->nsfd[role], av, -1, out, err);

	if (pid > 0)
		ns_record_add_child(r->prefix, pid);	/* else PDEATHSIG alone */
	return pid;
}

/* DIR/WHAT-PROFILE[-BUILD].log; a device's log names its own build. */
static const char *log_of(const struct run *r, const char *what, const struct run_build *b,
			  char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s-%s%s%s.log", r->outdir, what, r->p->name,
		 b ? "-" : "", b ? b->name : "");
	return buf;
}

static const char *log_path(const struct run *r, const char *what, char *buf, size_t len)
{
	return log_of(r, what, r->build, buf, len);
}

static int open_log_of(struct run *r, const char *what, const struct run_build *b)
{
	char path[PATH_MAX + 128];

	return open(log_of(r, what, b, path, sizeof(path)),
		    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
}

static int open_log(struct run *r, const char *what)
{
	return open_log_of(r, what, r->build);
}

/* The queue number in --dut-sim's arguments, read as connrate-dut reads them. */
static unsigned sim_queue(const char *args)
{
	struct dut_opts o;
	char err[256];
	unsigned q = 0;

	if (dut_opts_parse_line(&o, args, err, sizeof(err)) == 0)
		q = o.queue;	/* the dry run has refused what does not parse */
	dut_opts_free(&o);
	return q;
}

/* Forwarded TCP, v4 and v6, to NFQUEUE q in the dut. */
static int steer_to_queue(struct run *r, const struct dev *d, unsigned q)
{
	char qs[16];
	char *v4[] = { (char *)"iptables", (char *)"-w", (char *)"-A", (char *)"FORWARD",
		       (char *)"-p", (char *)"tcp", (char *)"-j", (char *)"NFQUEUE",
		       (char *)"--queue-num", qs, NULL };
	char *v6[] = { (char *)"ip6tables", (char *)"-w", (char *)"-A", (char *)"FORWARD",
		       (char *)"-p", (char *)"tcp", (char *)"-j", (char *)"NFQUEUE",
		       (char *)"--queue-num", qs, NULL };
	int rc;

	snprintf(qs, sizeof(qs), "%u", q);
	rc = ns_run(r->nsfd[d->role], v4, NULL);
	if (!rc)
		rc = ns_run(r->nsfd[d->role], v6, NULL);
	if (rc)
		fprintf(stderr, "connrate-lab run: could not steer the %s's forwarded traffic to queue %u "
			"(iptables -j NFQUEUE, status %d; Debian package iptables)\n",
			dev_node(r, d), q, rc);
	return rc ? -1 : 0;
}

/* Start connrate-dut in the dut, wait until it has its queue, steer to it. */
static int start_sim(struct run *r, struct dev *d)
{
	char *copy = strdup(r->o.dut_sim), *av[RUN_MAX_ARGS], path[PATH_MAX + 128];
	unsigned q = sim_queue(r->o.dut_sim);
	int p[2], log = open_log_of(r, "dut", d->build), waited, status;

	if (!copy || pipe2(p, O_CLOEXEC) < 0) {
		free(copy);
		if (log >= 0)
			close(log);
		return -1;
	}
	run_sim_argv(r->dut_bin, copy, av, false);
	d->sim.pid = spawn(r, d->role, av, p[1], log);
	close(p[1]);
	d->sim.out = p[0];
	if (log >= 0)
		close(log);
	free(copy);
	for (waited = 0; !child_queue_bound(r->nsfd[d->role], q); waited += 20) {
		if (waited > 5000 || d->sim.pid < 0 || *r->stop ||
		    waitpid(d->sim.pid, &status, WNOHANG) != 0) {
			fprintf(stderr, "connrate-lab run: connrate-dut did not bind queue %u (see %s)\n",
				q, log_of(r, "dut", d->build, path, sizeof(path)));
			if (d->sim.pid > 0 && waitpid(d->sim.pid, &status, WNOHANG) != 0)
				d->sim.pid = 0;
			return -1;
		}
		usleep(20000);
	}
	return steer_to_queue(r, d, q);
}

/* SIGTERM: it accepts what it holds, writes its final line, exits. */
static void stop_sim(struct run *r, struct dev *d)
{
	json_object *last;

	if (d->sim.pid <= 0)
		return;
	kill(d->sim.pid, SIGTERM);
	last = jchild_counters(&d->sim, false);
	if (last) {
		printf("[%s] %s: %llu packets, dropped %llu random and %llu table_full, flow peak %llu, cpu %.2fs\n",
		       r->p->name, dev_node(r, d), (unsigned long long)record_get_u(last, "packets", NULL),
		       (unsigned long long)record_get_u(last, "dropped", "random"),
		       (unsigned long long)record_get_u(last, "dropped", "table_full"),
		       (unsigned long long)record_get_u(last, "flows", "peak"),
		       record_get_d(last, "cpu", "user_s") + record_get_d(last, "cpu", "sys_s"));
		json_object_put(last);
	}
	child_stop(&d->sim.pid, SIGTERM, 3000);
}

static int load_nft(struct run *r, const struct dev *d)
{
	char *nav[] = { (char *)"nft", (char *)"-f", (char *)r->o.dut_nft, NULL };
	int st = ns_run(r->nsfd[d->role], nav, NULL);

	if (st == -ETIMEDOUT)
		fprintf(stderr, "connrate-lab run: nft -f %s did not finish in %d s; it was stopped\n",
			r->o.dut_nft, NS_RUN_LIMIT_MS / 1000);
	else if (st)
		fprintf(stderr, "connrate-lab run: nft could not load %s into the %s (status %d)\n",
			r->o.dut_nft, dev_node(r, d), st);
	return st ? -1 : 0;
}

static int start_cmd(struct run *r, struct dev *d)
{
	char *copy = strdup(r->o.dut_cmd), *av[RUN_MAX_ARGS], path[PATH_MAX + 128];
	int log = open_log_of(r, "dut", d->build);

	if (copy) {
		run_split_argv(copy, av, RUN_MAX_ARGS);
		d->cmd_pid = spawn(r, d->role, av, log, log);
	} else {
		d->cmd_pid = -ENOMEM;
	}
	if (log >= 0)
		close(log);
	free(copy);
	if (d->cmd_pid < 0) {
		fprintf(stderr, "connrate-lab run: cannot start --dut-cmd: %s\n", strerror(-d->cmd_pid));
		return -1;
	}
	usleep(200000);		/* a program that cannot run ends at once */
	watch_one(r, &d->cmd_pid, "--dut-cmd");
	if (*r->died) {
		fprintf(stderr, "connrate-lab run: %s before the first round (see %s)\n",
			r->died, log_of(r, "dut", d->build, path, sizeof(path)));
		return -1;
	}
	return 0;
}

/*
 * The user's device, in each device node: an nft ruleset, then
 * connrate-dut or their own program (a device's build sets the --dut-*).
 */
static int start_device(struct run *r)
{
	unsigned i;

	for (i = 0; i < r->ndev; i++) {
		struct dev *d = &r->dev[i];

		if (d->build)
			run_opts_use_build(&r->o, d->build);
		if (r->o.dut_nft && load_nft(r, d))
			return -1;
		if (r->o.dut_cmd && start_cmd(r, d))
			return -1;
		if (r->o.dut_sim && start_sim(r, d))
			return -1;
	}
	return 0;
}

/* --- server and client --- */

static int start_server(struct run *r)
{
	char *av[RUN_MAX_ARGS], path[PATH_MAX + 128];
	int p[2], log, waited, status;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	log = open_log(r, "server");
	run_server_argv(&r->o, r->connrate, server_listen(r), av, false);
	r->srv.pid = spawn(r, ROLE_SERVER, av, p[1], log);
	close(p[1]);
	r->srv.out = p[0];
	if (log >= 0)
		close(log);
	for (waited = 0; !child_listening(r->nsfd[ROLE_SERVER], r->o.port); waited += 20) {
		if (waited > 5000 || r->srv.pid < 0 || *r->stop ||
		    waitpid(r->srv.pid, &status, WNOHANG) != 0) {
			if (r->srv.pid < 0 || waitpid(r->srv.pid, &status, WNOHANG) != 0)
				r->srv.pid = 0;	/* reaped: never signalled again */
			fprintf(stderr, "connrate-lab run: the server did not listen on port %u (see %s)\n",
				r->o.port, log_path(r, "server", path, sizeof(path)));
			return -1;
		}
		usleep(20000);
	}
	return 0;
}

static void interrupt_client(void *arg)
{
	struct run *r = arg;

	if (!r->interrupted && r->cli_pid > 0) {
		kill(r->cli_pid, SIGINT);
		r->interrupted = true;
	}
}

static void write_line(struct run *r, json_object *o)
{
	fprintf(r->rounds, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(r->rounds);
}

/* The run's axes into a record: "build" and "repeat", when the run has them. */
static void add_axes(const struct run *r, json_object *o)
{
	if (r->build) {
		json_object_object_add(o, "build", json_object_new_string(r->build->name));
		json_object_object_add(o, "design", json_object_new_string("interleaved"));
	}
	if (r->o.repeat > 1)
		json_object_object_add(o, "repeat", json_object_new_int((int)r->repeat));
}

/*
 * Paired: the round's record becomes one per build (paired.h), the
 * baseline's first; the second device's own counters join the round's.
 */
static void write_pair(struct run *r, json_object *rec)
{
	json_object *simb = jchild_delta(&r->dev[1].sim), *cnt, *dutb, *one;
	unsigned i, k;

	if (simb && json_object_object_get_ex(rec, "counters", &cnt) &&
	    json_object_object_get_ex(cnt, "dutb", &dutb))
		json_object_object_add(dutb, "sim", json_object_get(simb));
	json_object_put(simb);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < 2 && r->dev[i].build != &r->o.build[k]; i++)
			;
		one = i < 2 ? paired_record(rec, i, r->o.build[k].name,
					    dev_node(r, &r->dev[i]), r->repeat) : NULL;
		if (!one) {
			fprintf(stderr, "connrate-lab run: the client's round has no figures per target\n");
			continue;
		}
		write_line(r, one);
		json_object_put(one);
	}
}

/* "profile", "profile/build" or "profile/build #2" */
static const char *run_label(const struct run *r, char *buf, size_t len)
{
	size_t k = (size_t)snprintf(buf, len, "%s", r->p->name);

	if (r->paired && k < len)
		k += (size_t)snprintf(buf + k, len - k, "/%s:%s %s:%s", dev_node(r, &r->dev[0]),
				      r->dev[0].build->name, dev_node(r, &r->dev[1]),
				      r->dev[1].build->name);
	else if (r->build && k < len)
		k += (size_t)snprintf(buf + k, len - k, "/%s", r->build->name);
	if (r->o.repeat > 1 && k < len)
		snprintf(buf + k, len - k, " #%u", r->repeat);
	return buf;
}

static json_object *num_or_null(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

/* Connections the round made: a phased round's headline counts its sustain alone. */
static uint64_t round_conns(json_object *cr)
{
	json_object *ph;
	uint64_t n = 0;

	if (!json_object_object_get_ex(cr, "phases", &ph))
		return record_get_u(cr, "started", NULL);
	json_object_object_foreach(ph, name, v) {
		(void)name;
		n += record_get_u(v, "started", NULL);
	}
	return n;
}

/*
 * The CPU the round cost per connection, from the machine's and the
 * client's and server's counters at the round's start and now (null
 * figures without connections; NULL when the start was not seen).
 */
static json_object *round_cost(struct run *r, json_object *cr)
{
	struct cost_machine m1;
	struct cost_proc c1, s1;
	struct cost c;
	json_object *o;
	uint64_t conns = round_conns(cr);

	if (!r->round_open || cost_read_machine(&m1) || cost_read_pid(r->cli_pid, &c1) ||
	    cost_read_pid(r->srv.pid, &s1) ||
	    cost_window(&r->m0, &m1, &r->c0, &c1, &r->s0, &s1, conns, sysconf(_SC_CLK_TCK), &c))
		return NULL;
	r->round_open = false;
	o = json_object_new_object();
	json_object_object_add(o, "machine_us_per_conn", num_or_null(c.machine_us_per_conn));
	json_object_object_add(o, "client_us_per_conn", num_or_null(c.client_us_per_conn));
	json_object_object_add(o, "server_us_per_conn", num_or_null(c.server_us_per_conn));
	json_object_object_add(o, "softirq_us_per_conn", num_or_null(c.softirq_us_per_conn));
	json_object_object_add(o, "steal_share", num_or_null(c.steal_share));
	json_object_object_add(o, "resolution_us", num_or_null(c.resolution_us));
	return o;
}

/*
 * --capacity, after a round: the kernel keeps the round's reset
 * connections in the dut's conntrack table for its close timeout, and
 * then reaps them slowly while they still count against its size.  Wait
 * out the timeout and sweep the table, so the next round (the client's
 * --cooldown lasts longer) finds it empty.
 */
static void capacity_settle(struct run *r)
{
	uint64_t live, ms;

	if (r->nsfd[ROLE_DUT] < 0)
		return;
	for (ms = 0; ms < CAPACITY_CT_CLOSE_MS + 300 && !*r->stop; ms += 50)
		usleep(50000);
	(void)counters_ct_sweep(r->nsfd[ROLE_DUT], &live);
}

/* A line from the client: a round (recorded with the counters) or the knee. */
static void on_line(struct run *r, json_object *o)
{
	const char *type = o ? json_object_get_string(json_object_object_get(o, "type")) : NULL;

	if (type && !strcmp(type, "round_start")) {
		r->round_open = !cost_read_machine(&r->m0) && !cost_read_pid(r->cli_pid, &r->c0) &&
				!cost_read_pid(r->srv.pid, &r->s0);
	} else if (type && (!strcmp(type, "round") || !strcmp(type, "hold"))) {
		bool hold = !strcmp(type, "hold");
		struct diagnosis dg;
		json_object *srv, *sim, *rec, *cost = round_cost(r, o);
		char label[96];

		watch_children(r);
		srv = jchild_delta(&r->srv);
		sim = jchild_delta(&r->dev[0].sim);
		rec = record_round(&r->rec, r->p, o, srv, sim, *r->died ? r->died : NULL, &dg);
		r->died[0] = '\0';
		add_axes(r, rec);
		if (cost)
			json_object_object_add(rec, "cost", cost);
		if (hold) {	/* a capacity round: not a rate round to compare */
			json_object_object_add(rec, "type", json_object_new_string("hold"));
			caplog_note(&r->cap, record_get_u(o, "target", NULL),
				    record_get_u(o, "held", NULL), &dg);
		}
		if (r->paired)
			write_pair(r, rec);
		else
			write_line(r, rec);
		json_object_put(rec);
		if (hold)
			capacity_print_round(stdout, run_label(r, label, sizeof(label)), o, &dg);
		else
			record_print(stdout, run_label(r, label, sizeof(label)), o, &dg);
		r->rounds_done++;
		if (hold)
			capacity_settle(r);
	} else if (type && !strcmp(type, "saturation")) {
		json_object_object_add(o, "profile", json_object_new_string(r->p->name));
		add_axes(r, o);
		write_line(r, o);
		printf("[%s] knee %.0f connections/s: %s\n", r->p->name,
		       record_get_d(o, "rate", NULL),
		       json_object_get_string(json_object_object_get(o, "detail")));
	} else if (type && !strcmp(type, "capacity")) {
		const char *why;

		json_object_object_add(o, "profile", json_object_new_string(r->p->name));
		add_axes(r, o);
		why = caplog_explain(&r->cap, o);
		write_line(r, o);
		r->cap.n = 0;
		printf("[%s] capacity %llu connections (%s): %s%s%s\n", r->p->name,
		       (unsigned long long)record_get_u(o, "connections", NULL),
		       json_object_get_string(json_object_object_get(o, "reason")),
		       json_object_get_string(json_object_object_get(o, "detail")),
		       why ? "; " : "", why ? why : "");
	}
}

/*
 * --capacity: the client's extra source addresses (not when client and
 * server share a node: loopback has ports enough per address pair), and
 * the pause between rounds.
 */
static int lab_capacity(struct run *r)
{
	struct capacity_src s;
	char err[512];

	if (!r->o.capacity)
		return 0;
	capacity_cooldown(r->o.dut_sim, r->o.cooldown, sizeof(r->o.cooldown));
	r->o.source[0] = '\0';
	if (r->node[ROLE_CLIENT] == r->node[ROLE_SERVER])
		return 0;
	if (capacity_sources(r->t, r->node[ROLE_CLIENT], r->o.ipv6 ? AF_INET6 : AF_INET,
			     r->o.client_addrs ? r->o.client_addrs : CAPACITY_DEFAULT_ADDRS,
			     &s, err, sizeof(err)) ||
	    capacity_setup(r->nsfd[ROLE_CLIENT], &s, err, sizeof(err))) {
		fprintf(stderr, "connrate-lab run: --capacity: %s\n", err);
		return -1;
	}
	snprintf(r->o.source, sizeof(r->o.source), "%s", s.range);
	return 0;
}

/* Run the client to its end, recording each round.  0, -EINTR or -1. */
static int run_client(struct run *r)
{
	char *av[RUN_MAX_ARGS], *line = malloc(CHILD_LINE_MAX), buf[65536], path[PATH_MAX + 128];
	size_t len = 0;
	unsigned i, n;
	int p[2], log, status;

	if (!line || record_begin(&r->rec, r->nsfd) || pipe2(p, O_CLOEXEC) < 0) {
		free(line);
		return -1;
	}
	r->srv.prev = jchild_counters(&r->srv, true);
	for (i = 0; i < r->ndev; i++)
		r->dev[i].sim.prev = jchild_counters(&r->dev[i].sim, true);
	log = open_log(r, "client");
	n = run_client_argv(&r->o, r->connrate, r->target, av, false);
	if (r->paired)
		paired_add_target(av, n, RUN_MAX_ARGS, r->target_b);
	r->cli_pid = spawn(r, ROLE_CLIENT, av, p[1], log);
	close(p[1]);
	if (log >= 0)
		close(log);
	while (child_read_line(p[0], buf, &len, sizeof(buf), line, CHILD_LINE_MAX, -1,
			       r->stop, interrupt_client, r) == 1) {
		json_object *o = json_tokener_parse(line);

		on_line(r, o);
		json_object_put(o);
	}
	close(p[0]);
	free(line);
	if (r->cli_pid < 0 || waitpid(r->cli_pid, &status, 0) < 0)
		status = 127 << 8;
	r->cli_pid = 0;
	if (r->interrupted || *r->stop)
		return -EINTR;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "connrate-lab run: the client failed (status %d; see %s)\n",
			WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
			log_path(r, "client", path, sizeof(path)));
		return -1;
	}
	return 0;
}

/* --- one profile --- */

/* Build the lab: 0, or -EINTR or -1 with nothing left behind. */
static int lab_build(struct run *r)
{
	char err[1024];
	int rc;

	printf("== profile %s: building %s as %s\n", r->p->name, r->t->path, r->prefix);
	fflush(stdout);
	rc = build_up(r->t, r->prefix, "running", r->stop, err, sizeof(err));
	if (rc)
		fprintf(stderr, "connrate-lab run: %s\n", err);
	return rc == -EINTR ? -EINTR : rc ? -1 : 0;
}

/* Apply the profile and open each role's namespace. */
static int lab_enter(struct run *r)
{
	char err[1024], name[NS_NAME_MAX];
	unsigned k;

	if (lab_apply_profile(r->t, r->prefix, r->p, err, sizeof(err))) {
		fprintf(stderr, "connrate-lab run: profile %s: %s\n", r->p->name, err);
		return -1;
	}
	for (k = 0; k < ROLE__COUNT; k++) {
		if (r->node[k] < 0)
			continue;
		build_ns_name(r->prefix, r->t->node[r->node[k]].name, name, sizeof(name));
		r->nsfd[k] = ns_open(name);
	}
	return 0;
}

/* Stop every child (client first, server last) and take the lab down. */
static void teardown(struct run *r)
{
	char err[1024];
	unsigned k;

	child_stop(&r->cli_pid, SIGINT, 3000);
	for (k = 0; k < r->ndev; k++) {
		child_stop(&r->dev[k].cmd_pid, SIGTERM, 3000);
		stop_sim(r, &r->dev[k]);
	}
	child_stop(&r->srv.pid, SIGTERM, 3000);
	jchild_close(&r->srv);
	for (k = 0; k < r->ndev; k++)
		jchild_close(&r->dev[k].sim);
	record_end(&r->rec);
	for (k = 0; k < ROLE__COUNT; k++) {
		if (r->nsfd[k] >= 0)
			close(r->nsfd[k]);
		r->nsfd[k] = -1;
	}
	lab_host_restore(r->prefix);
	if (build_down(r->prefix, err, sizeof(err)))
		fprintf(stderr, "connrate-lab run: %s\n", err);
}

/* One profile on a freshly built lab.  0, -EINTR or -1. */
static int run_profile(struct run *r)
{
	unsigned k;
	int rc;

	r->cli_pid = 0;
	r->interrupted = false;
	r->died[0] = '\0';
	jchild_init(&r->srv, "server");
	for (k = 0; k < r->ndev; k++) {
		r->dev[k].cmd_pid = 0;
		jchild_init(&r->dev[k].sim, "dut");
	}
	memset(&r->rec, 0, sizeof(r->rec));
	for (k = 0; k < ROLE__COUNT; k++)
		r->nsfd[k] = -1;
	rc = lab_build(r);
	if (rc)
		return rc;
	rc = lab_enter(r);
	if (!rc)
		rc = lab_capacity(r);
	if (!rc)
		rc = start_device(r);
	if (!rc)
		rc = start_server(r);
	if (!rc)
		rc = run_client(r);
	if (rc == -1 && *r->stop)
		rc = -EINTR;
	teardown(r);
	return rc;
}

/* --- before anything is built --- */

/*
 * A file the lab hands on (nft -f, the server's --response): read as every
 * input is read (payload.h: a FIFO or device is refused, never waited on);
 * its size into *len when asked.
 */
static int check_input(const char *opt, const char *path, size_t *len, char *err, size_t errlen)
{
	struct payload pl = { 0 };
	int rc = payload_load(path, &pl);

	if (rc)
		snprintf(err, errlen, "%s '%s': %s", opt, path, payload_strerror(rc));
	else if (len)
		*len = pl.len;
	payload_free(&pl);
	return rc ? -1 : 0;
}

static bool has_device_build(const struct run_opts *o)
{
	unsigned i;

	for (i = 0; i < o->nbuilds; i++)
		if (o->build[i].kind != BUILD_NONE)
			return true;
	return false;
}

/*
 * Two devices (duta, dutb): exactly two builds, no --dut-*, and the
 * server's address behind each device as the client's two targets.
 */
static int paired_inputs(struct run *r)
{
	int srv = r->node[ROLE_SERVER];

	if (r->o.nbuilds != 2 || r->o.dut_nft || r->o.dut_sim || r->o.dut_cmd)
		return usage_error("%s has two devices (duta, dutb): give two builds to run side by side "
				   "(--build a=SPEC --build b=SPEC), and no --dut-nft/--dut-sim/--dut-cmd",
				   r->t->path);
	if (r->o.saturate || r->o.capacity)
		return usage_error("%s has two devices side by side: --saturate or --capacity would find "
				   "the limit of both at once, not of either build (use a topology with one dut)",
				   r->t->path);
	if (paired_target(r->t, srv, r->node[ROLE_DUT], r->o.ipv6, r->o.port, r->target,
			  sizeof(r->target)) ||
	    paired_target(r->t, srv, r->node[ROLE_DUTB], r->o.ipv6, r->o.port, r->target_b,
			  sizeof(r->target_b)))
		return usage_error(r->o.ipv6 ? "%s: the server needs an IPv6 address on its link to duta and to dutb" :
				   "%s: the server needs an IPv4 address on its link to duta and to dutb",
				   r->t->path);
	return 0;
}

/* Topology, profiles, roles, target: 0, or the exit status with a line said. */
static int load_inputs(struct run *r)
{
	char err[1024], dir[PATH_MAX];
	unsigned i;

	r->t = calloc(1, sizeof(*r->t));
	if (!r->t)
		return 1;
	if (topo_load(r->o.topology, lab_datadir("netns/topologies", dir, sizeof(dir)), r->t,
		      &r->topo_text, err, sizeof(err)))
		return usage_error("%s", err);
	for (i = 0; i < r->o.nprofiles; i++) {
		r->prof[i] = malloc(sizeof(struct profile));
		if (!r->prof[i])
			return 1;
		if (lab_load_profile(r->o.profile_names[i], r->o.allow_host, r->prof[i],
				     err, sizeof(err)))
			return usage_error("%s", err);
	}
	for (i = 0; i < ROLE__COUNT; i++)
		r->node[i] = role_node(r->t, (enum lab_role)i);
	r->paired = r->node[ROLE_DUTB] >= 0;
	r->ndev = r->paired ? 2 : 1;
	r->dev[0].role = ROLE_DUT;
	r->dev[1].role = ROLE_DUTB;
	if (r->node[ROLE_CLIENT] < 0 || r->node[ROLE_SERVER] < 0)
		return usage_error("%s: needs nodes named client and server (or a single node)",
				   r->t->path);
	if (r->o.client_addrs && r->node[ROLE_CLIENT] == r->node[ROLE_SERVER])
		return usage_error("%s: --client-addresses: the client and the server share one node "
				   "(loopback): no addresses to add", r->t->path);
	if ((r->o.dut_nft || r->o.dut_cmd || r->o.dut_sim || has_device_build(&r->o)) &&
	    r->node[ROLE_DUT] < 0)
		return usage_error("%s has no node named dut for --dut-nft/--dut-cmd/--dut-sim or --build",
				   r->t->path);
	if (r->o.dut_nft && check_input("--dut-nft", r->o.dut_nft, NULL, err, sizeof(err)))
		return usage_error("%s", err);
	for (i = 0; i < r->o.nbuilds; i++)
		if (r->o.build[i].kind == BUILD_NFT &&
		    check_input("--build", r->o.build[i].arg, NULL, err, sizeof(err)))
			return usage_error("%s", err);
	if (r->o.response) {	/* the request is connrate's to check (--dry-run) */
		size_t len;

		if (check_input("--response", r->o.response, &len, err, sizeof(err)))
			return usage_error("%s", err);
		snprintf(r->o.response_bytes, sizeof(r->o.response_bytes), "%zu", len);
	}
	if (r->paired)
		return paired_inputs(r);
	if (find_target(r))
		return usage_error(r->o.ipv6 ? "%s: the server node has no IPv6 address" :
				   "%s: the server node has no IPv4 address", r->t->path);
	return 0;
}

/* SIGINT/SIGTERM while the options were checked: 130, nothing made */
static int stopped_early(void)
{
	fprintf(stderr, "connrate-lab run: interrupted before anything was built\n");
	return 130;
}

static int sim_dry_run(struct run *r, const char *args)
{
	char *copy = strdup(args), *av[RUN_MAX_ARGS];
	int st;

	if (!copy)
		return 1;
	run_sim_argv(r->dut_bin, copy, av, true);
	st = child_dry_run(av);
	free(copy);
	return st;
}

/* connrate and connrate-dut judge their own options (--dry-run). */
static int dry_runs(struct run *r)
{
	char *av[RUN_MAX_ARGS];
	unsigned i;
	int st = 0;

	lab_binary("connrate", r->connrate, sizeof(r->connrate));
	lab_binary("connrate-dut", r->dut_bin, sizeof(r->dut_bin));
	if (r->o.dut_sim)
		st = sim_dry_run(r, r->o.dut_sim);
	for (i = 0; i < r->o.nbuilds && !st; i++)
		if (r->o.build[i].kind == BUILD_SIM)
			st = sim_dry_run(r, r->o.build[i].arg);
	if (!st) {
		run_client_argv(&r->o, r->connrate, r->target, av, true);
		st = child_dry_run(av);
	}
	if (!st) {
		run_server_argv(&r->o, r->connrate, server_listen(r), av, true);
		st = child_dry_run(av);
	}
	if (st)
		return *r->stop ? stopped_early() : st == 127 ? 1 : 2;
	return 0;
}

/*
 * The results directory: --out, or results/TIME-TOPOLOGY-PREFIX (the
 * prefix is unique, so two runs started in one second never meet).
 */
static int prepare_outdir(struct run *r)
{
	struct stat st;

	if (r->o.out) {
		snprintf(r->outdir, sizeof(r->outdir), "%s", r->o.out);
	} else {
		const char *slash = strrchr(r->t->path, '/');
		const char *base = slash ? slash + 1 : r->t->path;
		char when[32];
		time_t now = time(NULL);

		strftime(when, sizeof(when), "%Y%m%d-%H%M%S", localtime(&now));
		snprintf(r->outdir, sizeof(r->outdir), "results/%s-%.*s-%s", when,
			 (int)strcspn(base, "."), base, r->prefix);
	}
	if (lstat(r->outdir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return usage_error("--out '%s': exists and is not a directory", r->outdir);
		if (!results_dir_empty(r->outdir) && !r->o.force)
			return usage_error("--out '%s': not empty; pick another or add --force", r->outdir);
	}
	return 0;
}

/* What a run writes in its directory: removed first under --force. */
static bool run_output(const char *name)
{
	static const char *const files[] = {
		"run.json", "rounds.jsonl", "summary.txt", "latency.svg", "report.html",
	};
	size_t i, n = strlen(name);

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!strcmp(name, files[i]))
			return true;
	return n > 4 && !strcmp(name + n - 4, ".log");
}

/*
 * Remove the outputs of an earlier run (a symlink among them is removed,
 * never followed), so every file of this one is created anew.
 */
static int clear_outputs(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)))
		if (run_output(de->d_name) && unlinkat(dirfd(d), de->d_name, 0) < 0 && !rc)
			rc = -errno;
	closedir(d);
	return rc;
}

/* Everything before the first build: 0, or the exit status. */
static int prepare(struct run *r)
{
	char err[1024];
	int rc = load_inputs(r);

	if (!rc)
		rc = dry_runs(r);
	if (rc)
		return rc;
	if (r->o.name)
		snprintf(r->prefix, sizeof(r->prefix), "%s", r->o.name);
	else
		lab_default_prefix(r->prefix, sizeof(r->prefix));
	rc = prepare_outdir(r);
	if (rc)
		return rc;
	if (geteuid() != 0) {
		fprintf(stderr, "connrate-lab run: needs root (network namespaces)\n");
		return 1;
	}
	if (build_check(r->t, r->prefix, err, sizeof(err)))
		return usage_error("%s", err);
	return *r->stop ? stopped_early() : 0;
}

/* The results directory, run.json and rounds.jsonl open: 0 or 1. */
static int open_results(struct run *r, int argc, char **argv)
{
	struct record_run rr = { r->t, r->topo_text, r->prof, r->o.nprofiles, argc, argv, r->target };
	char path[PATH_MAX + 32];

	if (results_mkdir_p(r->outdir) || (r->o.force && clear_outputs(r->outdir))) {
		fprintf(stderr, "connrate-lab run: cannot create %s: %s\n", r->outdir, strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/run.json", r->outdir);
	record_run_json(path, &rr);
	snprintf(path, sizeof(path), "%s/rounds.jsonl", r->outdir);
	r->rounds = fopen(path, r->o.force ? "we" : "wxe");
	if (!r->rounds) {
		fprintf(stderr, "connrate-lab run: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("results in %s; target %s\n", r->outdir, r->target);
	return 0;
}

/*
 * Paired: pair i is one round of both builds side by side on a freshly
 * built lab; the devices swap builds every pair, so a difference between
 * the two paths falls on each build alike.
 */
static int run_pairs(struct run *r)
{
	unsigned i;
	int rc = 0;

	r->build = NULL;
	for (i = 0; !rc && i < r->o.repeat; i++) {
		r->dev[0].build = &r->o.build[i % 2];
		r->dev[1].build = &r->o.build[!(i % 2)];
		r->repeat = i + 1;
		rc = run_profile(r);
	}
	return rc;
}

/*
 * Every build of the profile, each --repeat times, in turns (order.h) so
 * the machine's drift falls on all alike; each on a freshly built lab.
 */
static int run_builds(struct run *r)
{
	unsigned nb = r->o.nbuilds ? r->o.nbuilds : 1, done[RUN_MAX_BUILDS] = { 0 };
	unsigned order[RUN_MAX_BUILDS * RUN_MAX_REPEAT], i;
	int rc = order_runs(nb, r->o.repeat, order, sizeof(order) / sizeof(order[0]));

	for (i = 0; !rc && i < nb * r->o.repeat; i++) {
		r->build = r->o.nbuilds ? &r->o.build[order[i]] : NULL;
		r->dev[0].build = r->build;
		r->repeat = ++done[order[i]];
		rc = run_profile(r);
	}
	return rc;
}

/* Every profile in turn, then the summary, the plot and the page.  The exit status. */
static int run_profiles(struct run *r)
{
	unsigned i;
	int rc = 0;

	for (i = 0; i < r->o.nprofiles && !rc; i++) {
		r->p = r->prof[i];
		rc = r->paired ? run_pairs(r) : run_builds(r);
	}
	fclose(r->rounds);
	r->rounds = NULL;
	if (r->rounds_done) {
		const char *dirs[1] = { r->outdir };

		results_summary(r->outdir);
		if (!r->o.capacity)	/* latency against offered rate: no such rounds */
			results_plot(dirs, 1, r->outdir, "latency");
		results_page(dirs, 1, r->outdir, "report");
	}
	if (rc == -EINTR)
		fprintf(stderr, "connrate-lab run: interrupted; the lab was taken down\n");
	else if (r->any_died && !rc)
		fprintf(stderr, "connrate-lab run: a process of the lab died during a round (see the diagnosis in %s/summary.txt)\n",
			r->outdir);
	return rc == -EINTR ? 130 : rc || r->any_died ? 1 : 0;
}

int cmd_run(int argc, char **argv, const volatile sig_atomic_t *stop)
{
	struct run *r = calloc(1, sizeof(*r));
	char err[1024];
	unsigned i;
	int rc;

	if (!r)
		return 1;
	r->stop = stop;
	rc = run_opts_parse(&r->o, argc, argv, err, sizeof(err));
	if (rc == 1) {
		rc = 0;		/* --help or --version */
		goto out;
	}
	rc = rc < 0 ? usage_error("%s", err) : prepare(r);
	if (!rc)
		rc = open_results(r, argc, argv);
	if (!rc)
		rc = run_profiles(r);
out:
	for (i = 0; i < RUN_MAX_PROFILES; i++)
		free(r->prof[i]);
	free(r->topo_text);
	free(r->t);
	run_opts_free(&r->o);
	free(r);
	return rc;
}
