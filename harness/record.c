/*
 * record.c - a round's record and run.json (see record.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "ns.h"
#include "record.h"
#include "results.h"

const char *const record_role_names[ROLE__COUNT] = { "client", "server", "dut", "dutb" };

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
json_object *record_json_delta(json_object *a, json_object *b)
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
			json_object_object_add(o, key, record_json_delta(va, vb));
	}
	return o;
}

static json_object *sysctl_json(int nsfd, const struct profile *p)
{
	json_object *o = json_object_new_object();
	char val[256];
	unsigned i;

	for (i = 0; i < sizeof(key_sysctls) / sizeof(key_sysctls[0]); i++)
		if (!ns_sysctl_read(nsfd, key_sysctls[i], val, sizeof(val)))
			json_object_object_add(o, key_sysctls[i], json_object_new_string(val));
	for (i = 0; i < p->n; i++) {
		const struct profile_entry *e = &p->e[i];

		if (e->section == SEC_HOST)
			continue;
		if (!ns_sysctl_read(nsfd, e->key, val, sizeof(val)))
			json_object_object_add(o, e->key, json_object_new_string(val));
	}
	return o;
}

double record_get_d(json_object *o, const char *a, const char *b)
{
	json_object *x;

	if (!json_object_object_get_ex(o, a, &x))
		return 0;
	if (b && !json_object_object_get_ex(x, b, &x))
		return 0;
	return json_object_get_double(x);
}

uint64_t record_get_u(json_object *o, const char *a, const char *b)
{
	return (uint64_t)record_get_d(o, a, b);
}

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

int record_run_json(const char *path, const struct record_run *r)
{
	json_object *o = json_object_new_object(), *cpu = json_object_new_object();
	json_object *profs = json_object_new_array(), *args = json_object_new_array();
	json_object *topo = json_object_new_object();
	struct utsname u;
	char model[256], when[64];
	time_t now = time(NULL);
	unsigned i;
	int j, fd;
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
	for (i = 0; i < r->nprof; i++) {
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
	for (j = 0; j < r->argc; j++)
		json_object_array_add(args, json_object_new_string(r->argv[j]));
	json_object_object_add(o, "options", args);
	json_object_object_add(o, "target", json_object_new_string(r->target));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f && fd >= 0)
		close(fd);
	if (f) {
		fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
		fclose(f);
	}
	json_object_put(o);
	return f ? 0 : -errno;
}


/* --- rounds --- */

static void snapshot(struct record *rec, struct nstat **into, struct ctstats *ct)
{
	unsigned k;

	for (k = 0; k < ROLE__COUNT; k++)
		if (rec->nsfd[k] >= 0)
			counters_read_snmp(rec->nsfd[k], into[k]);
	if (rec->nsfd[ROLE_DUT] >= 0)
		counters_read_conntrack(rec->nsfd[ROLE_DUT], ct);
}

int record_begin(struct record *rec, const int nsfd[ROLE__COUNT])
{
	unsigned k;

	memset(rec, 0, sizeof(*rec));
	for (k = 0; k < ROLE__COUNT; k++) {
		rec->nsfd[k] = nsfd[k];
		rec->before[k] = calloc(1, sizeof(struct nstat));
		rec->after[k] = calloc(1, sizeof(struct nstat));
		if (!rec->before[k] || !rec->after[k]) {
			record_end(rec);
			return -ENOMEM;
		}
	}
	snapshot(rec, rec->before, &rec->ct_before);
	return 0;
}

void record_end(struct record *rec)
{
	unsigned k;

	for (k = 0; k < ROLE__COUNT; k++) {
		free(rec->before[k]);
		free(rec->after[k]);
		rec->before[k] = rec->after[k] = NULL;
	}
}

/* The size of the client's port range, 0 when it cannot be read. */
static uint64_t port_range(int nsfd)
{
	char range[64];
	unsigned lo, hi;

	if (!ns_sysctl_read(nsfd, "net.ipv4.ip_local_port_range", range, sizeof(range)) &&
	    sscanf(range, "%u %u", &lo, &hi) == 2 && hi >= lo)
		return hi - lo + 1;
	return 0;
}

/* What the diagnosis reads of the client's round and the device's counters. */
static void diag_from_round(struct diag_input *in, json_object *cr, json_object *sim)
{
	if (sim) {
		in->sim = true;
		in->sim_table_full = record_get_u(sim, "dropped", "table_full");
		in->sim_dropped = record_get_u(sim, "dropped", "random") + in->sim_table_full;
		in->sim_queue_overflow = record_get_u(sim, "queue", "overflow") +
					 record_get_u(sim, "queue", "user_dropped");
	}
	in->started = record_get_u(cr, "started", NULL);
	in->ok = record_get_u(cr, "ok", NULL);
	in->refused = record_get_u(cr, "errors", "refused");
	in->reset = record_get_u(cr, "errors", "reset");
	in->timeout = record_get_u(cr, "errors", "timeout");
	in->syn_timeout = record_get_u(cr, "errors", "syn_timeout");
	in->addr_not_avail = record_get_u(cr, "errors", "addr_not_avail");
	in->fd_limit = record_get_u(cr, "errors", "fd_limit");
	in->shortc = record_get_u(cr, "errors", "short");
	in->other = record_get_u(cr, "errors", "other");
	in->lag_p99_us = record_get_d(cr, "lag_us", "p99");
	in->connect_p99_us = record_get_d(cr, "connect_us", "p99");
}

/*
 * The kernel's side of the round: per namespace the counter deltas (kept
 * in d[] for the diagnosis), socket states and sysctls, into cnt and sys.
 */
static void kernel_deltas(struct record *rec, const struct profile *p, struct nstat **d,
			  struct diag_input *in, json_object *cnt, json_object *sys)
{
	struct sockstates socks;
	unsigned k;

	snapshot(rec, rec->after, &rec->ct_after);
	for (k = 0; k < ROLE__COUNT; k++) {
		if (rec->nsfd[k] < 0)
			continue;
		d[k] = calloc(1, sizeof(struct nstat));
		if (!d[k])
			continue;
		counters_delta(rec->before[k], rec->after[k], d[k]);
		counters_read_sockets(rec->nsfd[k], &socks);
		if (k == ROLE_CLIENT)
			in->client_time_wait = socks.state[6];	/* TCP_TIME_WAIT */
		json_object_object_add(cnt, record_role_names[k], counters_json(d[k], &socks));
		json_object_object_add(sys, record_role_names[k], sysctl_json(rec->nsfd[k], p));
	}
	in->client_ports = port_range(rec->nsfd[ROLE_CLIENT]);
	in->client = d[ROLE_CLIENT];
	in->server = d[ROLE_SERVER];
	in->dut = d[ROLE_DUT];
}

/* This round's "after" is the next one's "before". */
static void next_round(struct record *rec)
{
	unsigned k;

	for (k = 0; k < ROLE__COUNT; k++) {
		struct nstat *tmp = rec->before[k];

		rec->before[k] = rec->after[k];
		rec->after[k] = tmp;
	}
	rec->ct_before = rec->ct_after;
}

json_object *record_round(struct record *rec, const struct profile *p, json_object *cr,
			  json_object *srv, json_object *sim, const char *died,
			  struct diagnosis *dg)
{
	struct nstat *d[ROLE__COUNT] = { 0 };
	struct ctstats ctd = { 0 };
	struct diag_input in = { 0 };
	json_object *o = json_object_new_object(), *cnt = json_object_new_object();
	json_object *sys = json_object_new_object(), *diag = json_object_new_array(), *dut;
	unsigned k, i;

	kernel_deltas(rec, p, d, &in, cnt, sys);
	if (json_object_object_get_ex(cnt, "dut", &dut)) {
		if (rec->ct_after.present) {
			counters_ct_delta(&rec->ct_before, &rec->ct_after, &ctd);
			json_object_object_add(dut, "conntrack", ct_json(&ctd));
			in.ct = &ctd;
		}
		if (sim)
			json_object_object_add(dut, "sim", json_object_get(sim));
	}
	diag_from_round(&in, cr, sim);
	in.died = died;
	diagnose(&in, dg);
	for (i = 0; i < dg->n; i++)
		json_object_array_add(diag, json_object_new_string(dg->line[i]));
	json_object_object_add(o, "type", json_object_new_string("round"));
	json_object_object_add(o, "profile", json_object_new_string(p->name));
	json_object_object_add(o, "client", json_object_get(cr));
	json_object_object_add(o, "server", srv);
	json_object_object_add(o, "counters", cnt);
	json_object_object_add(o, "sysctl", sys);
	json_object_object_add(o, "diagnosis", diag);
	if (died)
		json_object_object_add(o, "died", json_object_new_string(died));
	json_object_put(sim);
	for (k = 0; k < ROLE__COUNT; k++)
		free(d[k]);
	next_round(rec);
	return o;
}

void record_print(FILE *f, const char *profile, json_object *cr, const struct diagnosis *dg)
{
	const char *mode = json_object_get_string(json_object_object_get(cr, "mode"));
	uint64_t started = record_get_u(cr, "started", NULL), ok = record_get_u(cr, "ok", NULL);
	char what[32], a[24], b[24];
	unsigned i;

	if (mode && !strcmp(mode, "concurrency"))
		snprintf(what, sizeof(what), "c=%llu",
			 (unsigned long long)record_get_u(cr, "concurrency", NULL));
	else
		snprintf(what, sizeof(what), "%.0f/s", record_get_d(cr, "target_rate", NULL));
	fprintf(f, "[%s] %-9s ok %llu/%llu (%.0f/s)  errors %llu  p50 %s  p99 %s%s\n",
		profile, what, (unsigned long long)ok, (unsigned long long)started,
		record_get_d(cr, "achieved_rate", NULL), (unsigned long long)(started - ok),
		results_fmt_us(record_get_d(cr, "latency_us", "p50"), a, sizeof(a)),
		results_fmt_us(record_get_d(cr, "latency_us", "p99"), b, sizeof(b)),
		json_object_get_boolean(json_object_object_get(cr, "interrupted")) ?
		"  (interrupted)" : "");
	for (i = 0; i < dg->n; i++)
		fprintf(f, "    %s\n", dg->line[i]);
	fflush(f);
}
