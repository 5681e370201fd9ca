/*
 * ns.h - network namespaces, named the way iproute2 names them, and the
 * owner records that say which ones the lab made.
 *
 * A namespace NAME is a bind mount of a namespace file on
 * /run/netns/NAME, so `ip netns` and `ip netns exec` see it; /run/netns
 * is made a shared mount point first, under the flock of the directory
 * that `ip netns add` takes for the same step.  The lab
 * switches the calling thread into a namespace with ns_enter() and back
 * with ns_leave(); it never moves itself for good.
 *
 * Owner records live in /run/connrate/PREFIX: the owner's PID and start
 * time, a state ("building", "up", "running"), the namespaces made and the
 * processes started in them (PID and start time), one per line.  The
 * record is created exclusively before the first namespace, so of two labs
 * that want one prefix only one builds.  A record whose state is not "up"
 * and whose owner is gone is stale: `down --stale` ends its processes
 * (those whose start time still matches: a PID can be reused) and removes
 * its namespaces, and nothing else.
 *
 * Every function returns 0 (or a descriptor) or -errno and prints nothing.
 */
#ifndef CR_NS_H
#define CR_NS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define NS_RUN_DIR "/run/netns"
#define NS_OWNER_DIR "/run/connrate"
#define NS_NAME_MAX 64
#define NS_MAX_RECORD 32
#define NS_MAX_CHILDREN 16

int ns_create(const char *name);
int ns_delete(const char *name);
bool ns_exists(const char *name);
/* An fd of the namespace, for ns_enter() and IFLA_NET_NS_FD. */
int ns_open(const char *name);
/* Enter nsfd; *saved gets the namespace to go back to. */
int ns_enter(int nsfd, int *saved);
int ns_leave(int saved);
/* Open a file inside a namespace (e.g. /proc/sys/net/...). */
int ns_open_file(int nsfd, const char *path, int flags);

struct ns_record {
	char prefix[NS_NAME_MAX];
	pid_t pid;
	unsigned long long starttime;	/* /proc/PID/stat field 22 */
	char state[16];
	char ns[NS_MAX_RECORD][NS_NAME_MAX];
	unsigned nns;
	struct { pid_t pid; unsigned long long starttime; } child[NS_MAX_CHILDREN];
	unsigned nchild;
};

/* Write the record (atomically, by rename). */
int ns_record_write(const struct ns_record *r);
/* Create it, only if there is none: -EEXIST when another lab has the prefix. */
int ns_record_create(const struct ns_record *r);
/* Add a process started for the lab (read, append, write). */
int ns_record_add_child(const char *prefix, pid_t pid);
int ns_record_read(const char *prefix, struct ns_record *r);
int ns_record_remove(const char *prefix);
/* Start time of a process, 0 when it does not exist. */
unsigned long long ns_proc_starttime(pid_t pid);
/* Is the record's owner still the process that wrote it? */
bool ns_record_owner_alive(const struct ns_record *r);
/* End its processes (SIGKILL, reaped if ours), remove its namespaces that exist, then the record. */
int ns_record_teardown(const struct ns_record *r);
/* A prefix: [a-z0-9-], 1 to 24 characters, starting with a letter. */
#define NS_PREFIX_RULE "1 to 24 of a-z 0-9 -, starting with a letter"
bool ns_prefix_ok(const char *prefix);

/*
 * Run argv (no shell) inside nsfd with its own mount namespace and /sys
 * remounted, as `ip netns exec` does; input, when not NULL, is written to
 * its standard input.  Returns the exit status (0..255, 128+signal) or
 * -errno when it could not start, -ETIMEDOUT when it was still running
 * after NS_RUN_LIMIT_MS (then it was killed).
 */
#define NS_RUN_LIMIT_MS 30000
int ns_run(int nsfd, char *const argv[], const char *input);
/*
 * Start argv inside nsfd (as ns_run) with the given descriptors as its
 * standard input, output and error (-1: /dev/null), without waiting.  It
 * gets SIGKILL when the calling process dies (PR_SET_PDEATHSIG), so
 * nothing of the lab outlives it, even a kill -9.  Returns the PID or
 * -errno.
 */
pid_t ns_spawn(int nsfd, char *const argv[], int in_fd, int out_fd, int err_fd);
/* The same, replacing this process (for `exec`); returns only on failure. */
int ns_exec(int nsfd, char *const argv[]);
/*
 * Sysctl keys: "net." then [a-z0-9_.] with no empty component, shorter
 * than NS_SYSCTL_KEY_MAX, so a key cannot name a file outside
 * /proc/sys/net.  ns_sysctl_path() gives its file (-EINVAL for a bad key).
 */
#define NS_SYSCTL_KEY_MAX 128
bool ns_sysctl_key_ok(const char *key);
int ns_sysctl_path(const char *key, char *buf, size_t len);
/* Write a sysctl value under /proc/sys inside nsfd. */
int ns_sysctl_write(int nsfd, const char *key, const char *value);
int ns_sysctl_read(int nsfd, const char *key, char *buf, size_t len);
#endif
