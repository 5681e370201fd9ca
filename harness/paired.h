/*
 * paired.h - builds side by side: two devices in parallel in one round.
 *
 * Interleaving runs builds one after the other, each on a fresh lab, and
 * what the machine does in between (a neighbour's job, a timer storm)
 * lands on one build and not the other: on a shared machine connect p50
 * moves 3-4% between repeats of one build.  The paired design measures
 * both builds in the same round instead.  A topology with two devices,
 * duta and dutb, each on its own path from the client to the server
 * (dut-pair.topo), gets build a in one and build b in the other; the
 * client alternates its two targets (the server's address behind duta,
 * then the one behind dutb), so every instant of machine noise falls on
 * both builds alike, and the round gives each build its own figures (the
 * client's per-target figures).  Round i is pair i: which device gets
 * which build swaps every round, so a difference between the two paths
 * falls on each build in half the pairs.  Each pair is one round on a
 * freshly built lab, as in the interleaved design, so the two designs
 * differ in one thing only.
 *
 * The round's record becomes one record per build, with the build's own
 * client figures (its target's started, ok, errors, latency, connect and
 * histogram; achieved is its ok over the round's window) and "pair",
 * "design":"paired", and "device" (the node that ran it).  The rest of
 * the record (the kernel's counters, the diagnosis) is the round's, shared
 * by both; the machine's CPU per connection cannot be split between two
 * devices of one round and is left out.
 */
#ifndef CR_PAIRED_H
#define CR_PAIRED_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "topo.h"

/*
 * "ADDR:PORT" of node server's address (v6 or v4) on the link it shares
 * with node via.  0, or -ENOENT when there is none.
 */
int paired_target(const struct topo *t, int server, int via, bool ipv6, unsigned port,
		  char *buf, size_t len);
/*
 * Add "--target" target2 after the first "--target" of the command line
 * av (n words, NULL-terminated, room for max).  The new count, or 0 when
 * there is no room or no --target.
 */
unsigned paired_add_target(char **av, unsigned n, unsigned max, const char *target2);
/*
 * The record of one build out of the round's record rec (borrowed): a
 * copy whose "client" holds target t's figures, with "build", "repeat"
 * and "pair" (pair), "design", "device".  NULL when the client's round
 * has no such target (or no memory).  The caller puts it.
 */
json_object *paired_record(json_object *rec, unsigned t, const char *build,
			   const char *device, unsigned pair);

#endif
