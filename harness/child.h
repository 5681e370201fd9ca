/*
 * child.h - the processes a run starts in its namespaces, and the JSON
 * lines they write.
 *
 * connrate server and connrate-dut write one JSON line of their counters
 * on SIGUSR1 and a last one at exit; the client writes one per round.  A
 * jchild reads such lines from a pipe with a time limit, so a child that
 * hangs cannot hang the lab.  Children are stopped by PID, with a grace
 * period before SIGKILL, and always reaped.
 */
#ifndef CR_CHILD_H
#define CR_CHILD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <json-c/json.h>

#define CHILD_LINE_MAX (1 << 20)

/* A child that writes JSON lines of its counters on SIGUSR1 and at exit. */
struct jchild {
	const char *type;	/* the "type" of its lines: "server", "dut" */
	pid_t pid;		/* 0: none */
	int out;		/* the read end of its stdout, -1: none */
	char buf[65536];
	size_t len;
	json_object *prev;	/* its counters when the round began */
};

void jchild_init(struct jchild *c, const char *type);
/* Its counters so far: SIGUSR1 (unless ask is false), then its line; NULL: none. */
json_object *jchild_counters(struct jchild *c, bool ask);
/* The counters since the last call (numbers subtracted), and remember these. */
json_object *jchild_delta(struct jchild *c);
/* Drop prev and close out (the process is stopped separately). */
void jchild_close(struct jchild *c);

/*
 * One line from fd into out (without '\n'), keeping what follows in buf.
 * Waits up to timeout_ms (-1: no limit); every 200 ms it looks at *stop
 * and, when set, calls on_stop(arg).  1: a line, 0: EOF or time out, -1:
 * error.
 */
int child_read_line(int fd, char *buf, size_t *len, size_t cap, char *out, size_t outcap,
		    int timeout_ms, const volatile sig_atomic_t *stop,
		    void (*on_stop)(void *), void *arg);

/* Signal, wait up to grace_ms, then SIGKILL; reaped, *pid set to 0. */
void child_stop(pid_t *pid, int sig, int grace_ms);
/* Run av (a --dry-run) and wait: its exit status, 127 when it cannot run. */
int child_dry_run(char **av);
/* Is something listening on TCP port in the namespace? */
bool child_listening(int nsfd, unsigned port);
/* Has a program bound NFQUEUE q in the namespace? */
bool child_queue_bound(int nsfd, unsigned q);

#endif
