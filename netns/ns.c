/*
 * ns.c - namespaces and owner records (see ns.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ns.h"

#define SELF_NS "/proc/thread-self/ns/net"

/*
 * As iproute2: NS_RUN_DIR a shared mount, so the namespaces bound there
 * reach other mount namespaces (and their unmounting too).  When it is
 * not a mount point yet, bind it on itself and make it private, then
 * shared, so that it has a peer group of its own.
 */
static int share_run_dir(void)
{
	if (mount("", NS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	if (mount(NS_RUN_DIR, NS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0 ||
	    mount("", NS_RUN_DIR, "none", MS_PRIVATE | MS_REC, NULL) < 0 ||
	    mount("", NS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return -errno;
	return 0;
}

/*
 * share_run_dir() under the lock `ip netns add` takes for it, an
 * exclusive flock of the directory: two builders (ours or iproute2's) at
 * once would otherwise both find it no mount point and stack bind mounts.
 * A signal ends the wait (-EINTR).
 */
static int make_run_dir_shared(void)
{
	int lock, rc;

	if (mkdir(NS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	lock = open(NS_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock < 0)
		return -errno;
	rc = flock(lock, LOCK_EX) < 0 ? -errno : share_run_dir();
	close(lock);	/* and with it the lock */
	return rc;
}

static int ns_path(const char *name, char *buf, size_t len)
{
	if (!*name || strchr(name, '/') || strlen(name) >= NS_NAME_MAX)
		return -EINVAL;
	snprintf(buf, len, "%s/%s", NS_RUN_DIR, name);
	return 0;
}

int ns_create(const char *name)
{
	char path[128];
	int fd, saved, rc;

	rc = ns_path(name, path, sizeof(path));
	if (rc)
		return rc;
	rc = make_run_dir_shared();
	if (rc)
		return rc;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	saved = open(SELF_NS, O_RDONLY | O_CLOEXEC);
	if (saved < 0) {
		rc = -errno;
		goto out_unlink;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		rc = -errno;
		goto out_close;
	}
	if (mount(SELF_NS, path, "none", MS_BIND, NULL) < 0)
		rc = -errno;
	if (setns(saved, CLONE_NEWNET) < 0 && !rc)
		rc = -errno;
out_close:
	close(saved);
out_unlink:
	if (rc) {
		(void)umount2(path, MNT_DETACH);
		unlink(path);
	}
	return rc;
}

int ns_delete(const char *name)
{
	char path[128];
	int rc = ns_path(name, path, sizeof(path));

	if (rc)
		return rc;
	(void)umount2(path, MNT_DETACH);
	if (unlink(path) < 0)
		return -errno;
	return 0;
}

bool ns_exists(const char *name)
{
	char path[128];

	return ns_path(name, path, sizeof(path)) == 0 && access(path, F_OK) == 0;
}

int ns_open(const char *name)
{
	char path[128];
	int rc = ns_path(name, path, sizeof(path)), fd;

	if (rc)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int ns_enter(int nsfd, int *saved)
{
	*saved = open(SELF_NS, O_RDONLY | O_CLOEXEC);
	if (*saved < 0)
		return -errno;
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		int err = errno;

		close(*saved);
		*saved = -1;
		return -err;
	}
	return 0;
}

int ns_leave(int saved)
{
	int rc = setns(saved, CLONE_NEWNET) < 0 ? -errno : 0;

	close(saved);
	return rc;
}

int ns_open_file(int nsfd, const char *path, int flags)
{
	int saved, fd, rc, err;

	rc = ns_enter(nsfd, &saved);
	if (rc)
		return rc;
	fd = open(path, flags | O_CLOEXEC);
	err = errno;
	rc = ns_leave(saved);
	if (fd < 0)
		return -err;
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

/* --- owner records --- */

bool ns_prefix_ok(const char *p)
{
	size_t n = strlen(p);

	return n >= 1 && n <= 24 && p[0] >= 'a' && p[0] <= 'z' &&
	       strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

unsigned long long ns_proc_starttime(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	int i, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* the command name may hold spaces */
	if (!p)
		return 0;
	for (i = 2; i < 22 && p; i++)
		p = strchr(p + 1, ' ');
	if (p)
		v = strtoull(p + 1, NULL, 10);
	return v;
}

bool ns_record_owner_alive(const struct ns_record *r)
{
	unsigned long long st = ns_proc_starttime(r->pid);

	return st != 0 && st == r->starttime;
}

/* Write the record to a temporary file beside it: 0 or -errno. */
static int record_write_tmp(const struct ns_record *r, char *path, size_t plen,
			    char *tmp, size_t tlen)
{
	unsigned i;
	FILE *f;

	if (!ns_prefix_ok(r->prefix))
		return -EINVAL;
	if (mkdir(NS_OWNER_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(path, plen, "%s/%s", NS_OWNER_DIR, r->prefix);
	snprintf(tmp, tlen, "%s.tmp%d", path, (int)getpid());
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "pid %d\nstarttime %llu\nstate %s\n", (int)r->pid, r->starttime,
		r->state);
	for (i = 0; i < r->nns; i++)
		fprintf(f, "ns %s\n", r->ns[i]);
	for (i = 0; i < r->nchild; i++)
		fprintf(f, "child %d %llu\n", (int)r->child[i].pid, r->child[i].starttime);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		int err = errno;

		fclose(f);
		unlink(tmp);
		return -err;
	}
	fclose(f);
	return 0;
}

int ns_record_write(const struct ns_record *r)
{
	char path[128], tmp[160];
	int rc = record_write_tmp(r, path, sizeof(path), tmp, sizeof(tmp));

	if (rc)
		return rc;
	rc = rename(tmp, path) < 0 ? -errno : 0;
	if (rc)
		unlink(tmp);
	return rc;
}

int ns_record_create(const struct ns_record *r)
{
	char path[128], tmp[160];
	int rc = record_write_tmp(r, path, sizeof(path), tmp, sizeof(tmp));

	if (rc)
		return rc;
	rc = link(tmp, path) < 0 ? -errno : 0;	/* link(), unlike rename(), never replaces */
	unlink(tmp);
	return rc;
}

int ns_record_add_child(const char *prefix, pid_t pid)
{
	struct ns_record r;
	int rc = ns_record_read(prefix, &r);

	if (rc)
		return rc;
	if (r.nchild == NS_MAX_CHILDREN)
		return -ENOSPC;
	r.child[r.nchild].pid = pid;
	r.child[r.nchild++].starttime = ns_proc_starttime(pid);
	return ns_record_write(&r);
}

int ns_record_read(const char *prefix, struct ns_record *r)
{
	char path[128], line[256], val[NS_NAME_MAX];
	unsigned long long start;
	struct stat st;
	FILE *f;
	int pid;

	memset(r, 0, sizeof(*r));
	if (!ns_prefix_ok(prefix))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", NS_OWNER_DIR, prefix);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return -EINVAL;	/* not a record: something else lives there */
	}
	snprintf(r->prefix, sizeof(r->prefix), "%s", prefix);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "pid %d", &pid) == 1)
			r->pid = pid;
		else if (sscanf(line, "starttime %llu", &r->starttime) == 1)
			;
		else if (sscanf(line, "state %15s", r->state) == 1)
			;
		else if (sscanf(line, "child %d %llu", &pid, &start) == 2 && pid > 1 &&
			 r->nchild < NS_MAX_CHILDREN) {
			r->child[r->nchild].pid = pid;
			r->child[r->nchild++].starttime = start;
		} else if (sscanf(line, "ns %63s", val) == 1 && r->nns < NS_MAX_RECORD &&
			 strncmp(val, prefix, strlen(prefix)) == 0 &&
			 val[strlen(prefix)] == '-')
			strcpy(r->ns[r->nns++], val);
	}
	fclose(f);
	return 0;
}

int ns_record_remove(const char *prefix)
{
	char path[128];

	if (!ns_prefix_ok(prefix))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", NS_OWNER_DIR, prefix);
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

/* SIGKILL the record's processes that are still the ones it started. */
static void end_children(const struct ns_record *r)
{
	unsigned i;

	for (i = 0; i < r->nchild; i++) {
		pid_t pid = r->child[i].pid;

		if (pid <= 1 || !r->child[i].starttime ||
		    ns_proc_starttime(pid) != r->child[i].starttime)
			continue;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);	/* ours: reaped; another's: ECHILD at once */
	}
}

int ns_record_teardown(const struct ns_record *r)
{
	unsigned i;
	int rc = 0, e;

	end_children(r);
	for (i = r->nns; i-- > 0;) {
		if (!ns_exists(r->ns[i]))
			continue;
		e = ns_delete(r->ns[i]);
		if (e && !rc)
			rc = e;
	}
	if (!rc)
		rc = ns_record_remove(r->prefix);
	return rc;
}

/* --- running commands inside --- */

static int enter_for_exec(int nsfd)
{
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return -errno;
	/* /sys must show this namespace's devices, as with ip netns exec */
	if (unshare(CLONE_NEWNS) == 0 &&
	    mount("", "/", "none", MS_SLAVE | MS_REC, NULL) == 0 &&
	    umount2("/sys", MNT_DETACH) == 0)
		(void)mount("sysfs", "/sys", "sysfs", 0, NULL);
	return 0;
}

int ns_exec(int nsfd, char *const argv[])
{
	int rc = enter_for_exec(nsfd);

	if (rc)
		return rc;
	execvp(argv[0], argv);
	return -errno;
}

/*
 * Wait for pid at most NS_RUN_LIMIT_MS, then SIGKILL it: a command that
 * hangs (nft reading a FIFO, say) cannot hang the lab.  Its exit status,
 * 128 + signal, or -ETIMEDOUT.
 */
static int wait_limited(pid_t pid)
{
	int status, waited_ms = 0;
	pid_t w;

	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && waited_ms < NS_RUN_LIMIT_MS) {
		usleep(waited_ms < 100 ? 1000 : 10000);
		waited_ms += waited_ms < 100 ? 1 : 10;
	}
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -ETIMEDOUT;
	}
	if (w < 0)
		return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int ns_run(int nsfd, char *const argv[], const char *input)
{
	int pfd[2] = { -1, -1 };
	pid_t pid;

	if (input && pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = errno;

		if (input) {
			close(pfd[0]);
			close(pfd[1]);
		}
		return -err;
	}
	if (pid == 0) {
		if (input) {
			dup2(pfd[0], STDIN_FILENO);
			close(pfd[1]);
		}
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (enter_for_exec(nsfd) == 0)
			execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (input) {
		size_t len = strlen(input), off = 0;

		close(pfd[0]);
		while (off < len) {
			ssize_t n = write(pfd[1], input + off, len - off);

			if (n <= 0)
				break;
			off += (size_t)n;
		}
		close(pfd[1]);
	}
	return wait_limited(pid);
}

pid_t ns_spawn(int nsfd, char *const argv[], int in_fd, int out_fd, int err_fd)
{
	pid_t parent = getpid(), pid = fork();
	int null;

	if (pid != 0)
		return pid < 0 ? -errno : pid;
	/* die with the lab, even by kill -9; and if it died before this line, now */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	null = open("/dev/null", O_RDWR);
	dup2(in_fd >= 0 ? in_fd : null, STDIN_FILENO);
	dup2(out_fd >= 0 ? out_fd : null, STDOUT_FILENO);
	dup2(err_fd >= 0 ? err_fd : null, STDERR_FILENO);
	{
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
	}
	if (enter_for_exec(nsfd) == 0)
		execvp(argv[0], argv);
	fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

bool ns_sysctl_key_ok(const char *key)
{
	size_t n = strlen(key);

	return n > 4 && n < NS_SYSCTL_KEY_MAX && strncmp(key, "net.", 4) == 0 &&
	       strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_.") == n &&
	       !strstr(key, "..") && key[n - 1] != '.';
}

int ns_sysctl_path(const char *key, char *buf, size_t len)
{
	size_t i;

	if (!ns_sysctl_key_ok(key))
		return -EINVAL;
	snprintf(buf, len, "/proc/sys/%s", key);
	for (i = strlen("/proc/sys/"); buf[i]; i++)
		if (buf[i] == '.')
			buf[i] = '/';
	return 0;
}

/* The file of key inside nsfd (the caller's namespace when nsfd < 0): fd or -errno. */
static int sysctl_open(int nsfd, const char *key, int flags)
{
	char path[256];
	int fd, rc = ns_sysctl_path(key, path, sizeof(path));

	if (rc)
		return rc;
	if (nsfd >= 0)
		return ns_open_file(nsfd, path, flags);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int ns_sysctl_write(int nsfd, const char *key, const char *value)
{
	size_t len = strlen(value);
	int fd = sysctl_open(nsfd, key, O_WRONLY), rc;
	ssize_t n;

	if (fd < 0)
		return fd;
	n = write(fd, value, len);
	rc = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	close(fd);
	return rc;
}

int ns_sysctl_read(int nsfd, const char *key, char *buf, size_t len)
{
	int fd = sysctl_open(nsfd, key, O_RDONLY), rc;
	ssize_t n;

	if (fd < 0)
		return fd;
	n = read(fd, buf, len - 1);
	rc = n < 0 ? -errno : 0;
	close(fd);
	if (rc)
		return rc;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	/* "1024\t65535" reads back with a tab: one space, as written */
	for (char *p = buf; *p; p++)
		if (*p == '\t')
			*p = ' ';
	return 0;
}
