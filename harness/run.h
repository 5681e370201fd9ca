/*
 * run.h - connrate-lab run: rounds of connrate over profiles, explained.
 *
 * For each profile: build the topology fresh (owner record "running", so
 * down --stale cleans after a kill -9), apply the profile, load --dut-nft
 * into the dut, start --dut-sim or --dut-cmd there, start connrate server
 * in the server namespace and wait until it listens, run connrate client
 * (or saturate) in the client namespace, and tear everything down: on
 * success, on error and on SIGINT/SIGTERM.
 *
 * Counters are taken when a round ends: the client writes one JSON line
 * per round, and each line is the moment to snapshot the kernel's counters
 * in every namespace and to ask the server (SIGUSR1) for its own, so a
 * round's deltas are exactly that round's, whoever chose the rates.
 */
#ifndef CR_RUN_H
#define CR_RUN_H

#include <signal.h>

/*
 * The whole command: argv[0] is "run".  stop is set by the caller's signal
 * handler (installed before this is called); the run then tears down and
 * returns 130.  Returns the exit status.
 */
int cmd_run(int argc, char **argv, const volatile sig_atomic_t *stop);

#endif
