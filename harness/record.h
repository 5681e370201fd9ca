/*
 * record.h - a round's record: one line of rounds.jsonl.
 *
 * What the client reported for the round, the kernel's counters in every
 * namespace of the lab (SNMP/netstat and socket states; conntrack in the
 * dut), the server's and the device's own counters, the sysctls in force,
 * and the diagnosis drawn from all of them.  Counters are deltas: a
 * snapshot is taken when the client reports a round and the previous one
 * (or the one taken before the client started) is subtracted, so a
 * round's deltas are exactly that round's, whoever chose the rates.
 *
 * Also run.json: how the run was made (kernel, CPU, version, topology,
 * profiles, options).
 */
#ifndef CR_RECORD_H
#define CR_RECORD_H

#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "counters.h"
#include "diagnose.h"
#include "profile.h"
#include "topo.h"

/* ROLE_DUT is node dut, or duta of a paired topology; ROLE_DUTB its dutb. */
enum lab_role { ROLE_CLIENT, ROLE_SERVER, ROLE_DUT, ROLE_DUTB, ROLE__COUNT };
extern const char *const record_role_names[ROLE__COUNT];

struct record {
	int nsfd[ROLE__COUNT];		/* borrowed; -1: no such node */
	struct nstat *before[ROLE__COUNT], *after[ROLE__COUNT];
	struct ctstats ct_before, ct_after;
};

/* Take the first snapshot.  0 or -ENOMEM. */
int record_begin(struct record *rec, const int nsfd[ROLE__COUNT]);
void record_end(struct record *rec);
/*
 * The record of the round the client reported in cr (borrowed), with the
 * server's and device's deltas srv and sim (taken; NULL: none), for
 * profile p; died names a process of the lab that ended during the round
 * (NULL: none).  Fills dg.  The caller puts the returned object.
 */
json_object *record_round(struct record *rec, const struct profile *p, json_object *cr,
			  json_object *srv, json_object *sim, const char *died,
			  struct diagnosis *dg);
/* The round's line for a person: rate, ok, errors, p50, p99, diagnosis. */
void record_print(FILE *f, const char *profile, json_object *cr, const struct diagnosis *dg);

/* Numeric members of b minus a, recursively ("config" left out). */
json_object *record_json_delta(json_object *a, json_object *b);
/* o.a (or o.a.b) as a number; 0 when missing. */
double record_get_d(json_object *o, const char *a, const char *b);
uint64_t record_get_u(json_object *o, const char *a, const char *b);

/* What run.json says of the run. */
struct record_run {
	const struct topo *t;
	const char *topo_text;
	struct profile *const *prof;
	unsigned nprof;
	int argc;
	char **argv;
	const char *target;
};

/* Write path (run.json).  0 or -errno. */
int record_run_json(const char *path, const struct record_run *run);

#endif
