/*
 * cost.h - CPU per connection over a round's window.
 *
 * A firewall build that adds work per new connection may not lower the
 * achieved rate (below the knee the rate is what was offered), but it
 * spends more CPU for each connection.  On a lab machine everything runs on
 * the same cores: client, server, and the device's forwarding, conntrack
 * and rules in softirq.  So we take CPU snapshots at the start and end of a
 * round's own window (not its setup or cooldown) and divide by the
 * connections the window started:
 *
 *   machine_us_per_conn   user+nice+system+irq+softirq of /proc/stat's
 *                         "cpu " line (all CPUs); idle, iowait and steal
 *                         are not work of ours.  Guest time is already in
 *                         user.
 *   client_us_per_conn    utime+stime of the client's /proc/PID/stat
 *   server_us_per_conn    the same for the server (both already sum the
 *                         process's threads, live and exited)
 *   softirq_us_per_conn   softirq alone: the network stack and netfilter
 *   steal_share           steal / all ticks of the window: a hypervisor
 *                         taking the CPU from us; a high share says the
 *                         round's figures are not to be trusted
 *
 * The rest of the machine figure, minus client and server, is the device
 * and the kernel's forwarding (plus whatever else ran: the figure is for
 * a quiet machine, and steal and the spread over repeats show how quiet).
 *
 * Counts are in clock ticks (sysconf(_SC_CLK_TCK), usually 100/s), so
 * each difference is good to one tick: at 10 ms per tick, a 5 s window of
 * 30000 connections resolves 0.33 us per connection; resolution_us says
 * so for each window.  A process's end snapshot must be taken before it
 * is reaped: a zombie's /proc/PID/stat still holds its times.
 *
 * Parsers take text (tests feed fixtures, the fuzzer anything); the
 * readers open the files and parse.  Functions return 0 or -errno and
 * print nothing.
 */
#ifndef CR_COST_H
#define CR_COST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The "cpu " line of /proc/stat, in ticks, and (from the reader) when it
 * was read and how many CPUs count.  Where the kernel stops its tick on
 * idle CPUs (NOHZ), short bursts of work between ticks are never sampled
 * into user or system, while idle is measured exactly: a load of many
 * short wake-ups (connrate's) reads as an idle machine.  So with wall_ns
 * and ncpu known, busy time is the window's CPU time less idle, iowait
 * and steal; the tick fields alone serve only when they are not.
 */
struct cost_machine {
	uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
	uint64_t wall_ns;		/* CLOCK_MONOTONIC at the read, 0: unknown */
	unsigned ncpu;			/* online CPUs, 0: unknown */
};

/* utime and stime of /proc/PID/stat, in ticks. */
struct cost_proc {
	uint64_t utime, stime;
};

struct cost {
	bool per_conn;			/* false: no connections, figures NAN */
	double machine_us_per_conn;
	double client_us_per_conn;
	double server_us_per_conn;
	double softirq_us_per_conn;
	double steal_share;		/* 0..1; NAN when no tick passed */
	double resolution_us;		/* one tick per connection */
	double window_cpu_s;		/* all ticks of all CPUs, in seconds */
};

/* /proc/stat text: the aggregate "cpu " line (at least 8 numbers). */
int cost_parse_stat(const char *text, struct cost_machine *out);
/* /proc/PID/stat text: fields 14 and 15, after the last ')'. */
int cost_parse_pid_stat(const char *text, struct cost_proc *out);
int cost_read_machine(struct cost_machine *out);
int cost_read_pid(pid_t pid, struct cost_proc *out);

/*
 * The window between snapshots *0 and *1 that started conns connections;
 * clk_tck from sysconf(_SC_CLK_TCK).  client or server may be NULL pairs
 * (not measured: NAN).  -ERANGE when a busy counter ran backwards (the
 * snapshots swapped); idle and iowait, which the kernel lets step back a
 * little, count as 0 then.
 */
int cost_window(const struct cost_machine *m0, const struct cost_machine *m1,
		const struct cost_proc *c0, const struct cost_proc *c1,
		const struct cost_proc *s0, const struct cost_proc *s1,
		uint64_t conns, long clk_tck, struct cost *out);

#endif
