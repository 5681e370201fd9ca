/*
 * capacity.h - connrate-lab run --capacity: the lab's side of the
 * capacity search (the search itself is connrate saturate --hold-search,
 * src/capsearch.h).
 *
 * Before the client starts, the lab gives the client node more addresses
 * on its link (capacity_sources(), then capacity_setup()), so that the client's ports are no limit short of
 * the client's descriptors, and passes them on as --source FIRST-LAST.
 * The server runs with --keepalive.  Each "hold" round is recorded with
 * the lab's counters like any round (type "hold" in rounds.jsonl); the
 * search's "capacity" line gets the diagnosis of the round that failed,
 * so the reason names the lab's counters that explain it (conntrack
 * count/max and drops in the dut, connrate-dut table_full), and a
 * limit of the client is said to be the client's.
 */
#ifndef CR_CAPACITY_H
#define CR_CAPACITY_H

#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "diagnose.h"
#include "topo.h"

/*
 * x ~64k ports: ~1M connections.  connect() looks for a free port by
 * walking the range, longer the more of it is in use: 200k connections
 * from 4 addresses (80% of their ports) left a client process 5882 of
 * its 18182 starts behind; from 16 (20%), none were.
 */
#define CAPACITY_DEFAULT_ADDRS 16
#define CAPLOG_MAX 64
#define CAPACITY_CT_CLOSE_MS 10000	/* nf_conntrack_tcp_timeout_close's default */

struct capacity_src {
	char ifname[TOPO_NAME_MAX];
	struct topo_prefix base;	/* the addresses added come after it */
	unsigned extra;			/* how many are added */
	char range[112];		/* "10.71.1.1-10.71.1.16", for --source */
};

/*
 * naddr addresses for the client node on its first link with an address
 * of family: its own and the naddr - 1 after it when they are free, else
 * the first naddr free ones in a row after it in its subnet (none of them
 * another node's in the topology).  -1 with err when there are none.  Pure.
 */
int capacity_sources(const struct topo *t, int client_node, int family, unsigned naddr,
		     struct capacity_src *out, char *err, size_t errlen);
/* Add the extra addresses in the client's namespace; 0 or -1 with err. */
int capacity_setup(int nsfd, const struct capacity_src *s, char *err, size_t errlen);

/* The pause between rounds (connrate --cooldown) that lets the device's table empty. */
void capacity_cooldown(const char *dut_sim, char *buf, size_t len);

/* What explained each failed hold round: its target and one diagnosis line. */
struct caplog {
	uint64_t target[CAPLOG_MAX];
	char why[CAPLOG_MAX][DIAG_LEN];
	unsigned n;
};

/* Keep the line of dg that names the device (else its first) for a round of target. */
void caplog_note(struct caplog *l, uint64_t target, uint64_t held, const struct diagnosis *dg);
/* Add "explained_by" (the failed round's line) to a capacity line; returns it, or NULL. */
const char *caplog_explain(const struct caplog *l, json_object *cap);
/* The person's line of a hold round record. */
void capacity_print_round(FILE *f, const char *label, json_object *cr, const struct diagnosis *dg);

#endif
