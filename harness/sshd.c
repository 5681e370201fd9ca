/*
 * sshd.c - sshd on a lab's management network (see sshd.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "child.h"
#include "ns.h"
#include "sshd.h"

extern char **environ;

/* Debian's openssh-server; sshd must be run by its absolute path. */
static const char *const sshd_paths[] = { "/usr/sbin/sshd", "/usr/local/sbin/sshd" };
/* Its privilege separation directory, as the package's tmpfiles.d makes it. */
#define SSHD_PRIVSEP_DIR "/run/sshd"

void sshd_dir(const char *prefix, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.ssh", NS_OWNER_DIR, prefix);
}

static int appendf(char *buf, size_t len, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int appendf(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*n >= len)
		return -ENOSPC;
	va_start(ap, fmt);
	w = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= len - *n)
		return -ENOSPC;
	*n += (size_t)w;
	return 0;
}

/* The address of p without its /LEN. */
static void addr_only(const struct topo_prefix *p, char *buf, size_t len)
{
	const char *slash = strchr(p->text, '/');

	snprintf(buf, len, "%.*s", slash ? (int)(slash - p->text) : (int)strlen(p->text),
		 p->text);
}

int sshd_config_text(const struct topo *t, unsigned i, const char *dir, char *buf,
		     size_t len)
{
	const struct topo_sshd *s = &t->sshd[i];
	const struct topo_end *e = topo_find_end(t, s->node, s->ifname);
	char addr[64];
	size_t n = 0;
	unsigned a;
	int rc;

	if (!e)
		return -EINVAL;
	rc = appendf(buf, len, &n, "# sshd of the lab in node %s: on %s's addresses only, "
		     "root by key only\nPort %d\n", t->node[s->node].name, s->ifname, SSHD_PORT);
	for (a = 0; a < e->naddr && !rc; a++) {
		addr_only(&e->addr[a], addr, sizeof(addr));
		rc = appendf(buf, len, &n, "ListenAddress %s\n", addr);
	}
	if (!rc)
		rc = appendf(buf, len, &n,
			     "HostKey %s/host_ed25519_key\n"
			     "AuthorizedKeysFile %s/authorized_keys\n"
			     "PermitRootLogin prohibit-password\n"
			     "PubkeyAuthentication yes\n"
			     "PasswordAuthentication no\n"
			     "KbdInteractiveAuthentication no\n"
			     "UsePAM no\n"
			     "StrictModes yes\n"
			     "PidFile none\n"
			     "X11Forwarding no\n"
			     "AllowAgentForwarding no\n"
			     "AllowTcpForwarding no\n"
			     "PermitTunnel no\n"
			     "PrintMotd no\n"
			     "MaxStartups 64:30:128\n"
			     "MaxSessions 64\n"
			     "Subsystem sftp internal-sftp\n", dir, dir);
	return rc ? rc : (int)n;
}

int sshd_known_hosts_text(const struct topo *t, const char *hostkey, char *buf, size_t len)
{
	char addr[64];
	size_t n = 0, klen = strcspn(hostkey, "\r\n");
	unsigned i, a;
	int rc = 0;

	for (i = 0; i < t->nsshd && !rc; i++) {
		const struct topo_end *e = topo_find_end(t, t->sshd[i].node, t->sshd[i].ifname);

		for (a = 0; e && a < e->naddr && !rc; a++) {
			addr_only(&e->addr[a], addr, sizeof(addr));
			rc = appendf(buf, len, &n, "%s %.*s\n", addr, (int)klen, hostkey);
		}
	}
	return rc ? rc : (int)n;
}

static int write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	size_t len = strlen(text), off = 0;
	int rc = 0;

	if (fd < 0)
		return -errno;
	while (off < len && !rc) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno != EINTR)
			rc = -errno;
		else if (w > 0)
			off += (size_t)w;
	}
	if (close(fd) < 0 && !rc)
		rc = -errno;
	return rc;
}

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EINVAL;
	buf[n] = '\0';
	return 0;
}

/* ssh-keygen -t ed25519 into path, no passphrase: 0, -ENOENT (none), -EIO. */
static int keygen(const char *path, const char *comment)
{
	char *const av[] = { (char *)"ssh-keygen", (char *)"-q", (char *)"-t", (char *)"ed25519",
			     (char *)"-N", (char *)"", (char *)"-C", (char *)comment,
			     (char *)"-f", (char *)path, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, av[0], &fa, NULL, av, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return -rc;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/* The lab's keys: a host key, a user key and authorized_keys for it. */
static int make_keys(const char *prefix, const char *dir, char *err, size_t errlen)
{
	char path[512], comment[128], pub[1024];
	int rc;

	snprintf(comment, sizeof(comment), "connrate-lab %s", prefix);
	snprintf(path, sizeof(path), "%s/host_ed25519_key", dir);
	rc = keygen(path, comment);
	if (!rc) {
		snprintf(path, sizeof(path), "%s/id_ed25519", dir);
		rc = keygen(path, comment);
	}
	if (rc == -ENOENT) {
		snprintf(err, errlen, "sshd lines need ssh-keygen (Debian package openssh-client)");
		return rc;
	}
	if (rc) {
		snprintf(err, errlen, "ssh-keygen could not make the lab's keys in %s", dir);
		return rc;
	}
	snprintf(path, sizeof(path), "%s/id_ed25519.pub", dir);
	rc = read_small(path, pub, sizeof(pub));
	snprintf(path, sizeof(path), "%s/authorized_keys", dir);
	if (!rc)
		rc = write_file(path, pub, 0600);
	if (rc)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
	return rc;
}

/* known_hosts and ssh_config for the controller. */
static int make_client_files(const struct topo *t, const char *dir, char *err, size_t errlen)
{
	char path[512], key[1024], text[8192];
	int rc;

	snprintf(path, sizeof(path), "%s/host_ed25519_key.pub", dir);
	rc = read_small(path, key, sizeof(key));
	if (!rc)
		rc = sshd_known_hosts_text(t, key, text, sizeof(text));
	snprintf(path, sizeof(path), "%s/known_hosts", dir);
	if (rc >= 0)
		rc = write_file(path, text, 0644);
	if (!rc) {
		snprintf(text, sizeof(text),
			 "# ssh -F %s/ssh_config ADDRESS: a host of the lab's management network\n"
			 "Host *\n\tUser root\n\tIdentityFile %s/id_ed25519\n\tIdentitiesOnly yes\n"
			 "\tUserKnownHostsFile %s/known_hosts\n\tStrictHostKeyChecking yes\n"
			 "\tPasswordAuthentication no\n\tBatchMode yes\n\tConnectTimeout 5\n",
			 dir, dir, dir);
		snprintf(path, sizeof(path), "%s/ssh_config", dir);
		rc = write_file(path, text, 0644);
	}
	if (rc)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
	return rc;
}

static const char *find_sshd(void)
{
	size_t i;

	for (i = 0; i < sizeof(sshd_paths) / sizeof(sshd_paths[0]); i++)
		if (access(sshd_paths[i], X_OK) == 0)
			return sshd_paths[i];
	return NULL;
}

/* The last line of the log, for a message. */
static void log_tail(const char *path, char *buf, size_t len)
{
	char all[4096], *end, *start;
	size_t n;

	buf[0] = '\0';
	if (read_small(path, all, sizeof(all)))
		return;
	end = all + strlen(all);
	while (end > all && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	start = strrchr(all, '\n');
	start = start ? start + 1 : all;
	n = strlen(start) < len ? strlen(start) : len - 1;
	memcpy(buf, start, n);
	buf[n] = '\0';
}

/* Until sshd listens, or has died, or SSHD_START_MS passed. */
static int wait_listening(int nsfd, pid_t pid, const char *log, const char *ns,
			  char *err, size_t errlen)
{
	char last[300];
	int waited = 0, status;

	while (!child_listening(nsfd, SSHD_PORT)) {
		if (waitpid(pid, &status, WNOHANG) == pid || waited >= SSHD_START_MS) {
			log_tail(log, last, sizeof(last));
			snprintf(err, errlen, "sshd in %s %s: %s (log %s)", ns,
				 waited >= SSHD_START_MS ? "does not listen" : "exited",
				 *last ? last : "no message", log);
			return -EIO;
		}
		usleep(20000);
		waited += 20;
	}
	return 0;
}

/* Start sshd line i: setsid, not tied to the up command; in the owner record. */
static int spawn_one(const struct topo *t, unsigned i, const char *prefix, const char *dir,
		     const char *bin, char *err, size_t errlen)
{
	const char *node = t->node[t->sshd[i].node].name;
	char conf[512], log[512], ns[NS_NAME_MAX], text[4096];
	char *const av[] = { (char *)bin, (char *)"-D", (char *)"-e", (char *)"-f", conf, NULL };
	int nsfd, logfd, rc;
	pid_t pid;

	snprintf(conf, sizeof(conf), "%s/sshd-%s.conf", dir, node);
	snprintf(log, sizeof(log), "%s/sshd-%s.log", dir, node);
	build_ns_name(prefix, node, ns, sizeof(ns));
	rc = sshd_config_text(t, i, dir, text, sizeof(text));
	if (rc >= 0)
		rc = write_file(conf, text, 0600);
	if (rc) {
		snprintf(err, errlen, "cannot write %s: %s", conf, strerror(-rc));
		return rc;
	}
	nsfd = ns_open(ns);
	if (nsfd < 0) {
		snprintf(err, errlen, "cannot open namespace %s: %s", ns, strerror(-nsfd));
		return nsfd;
	}
	logfd = open(log, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	pid = logfd < 0 ? -errno : fork();
	if (pid == 0) {
		sigset_t none;

		setsid();
		dup2(logfd, STDOUT_FILENO);
		dup2(logfd, STDERR_FILENO);
		close(STDIN_FILENO);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		ns_exec(nsfd, av);
		_exit(127);
	}
	if (logfd >= 0)
		close(logfd);
	if (pid < 0) {
		close(nsfd);
		snprintf(err, errlen, "cannot start sshd in %s: %s", ns, strerror(-pid));
		return pid;
	}
	rc = ns_record_add_child(prefix, pid);
	if (rc) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		snprintf(err, errlen, "cannot add sshd to the owner record: %s", strerror(-rc));
	} else {
		rc = wait_listening(nsfd, pid, log, ns, err, errlen);
	}
	close(nsfd);
	return rc;
}

int sshd_start(const struct topo *t, const char *prefix, char *err, size_t errlen)
{
	const char *bin = find_sshd();
	char dir[256];
	unsigned i;
	int rc;

	if (!t->nsshd)
		return 0;
	if (!bin) {
		snprintf(err, errlen, "%s:%d: sshd lines need %s (Debian package openssh-server)",
			 t->path, t->sshd[0].line, sshd_paths[0]);
		return -ENOENT;
	}
	sshd_dir(prefix, dir, sizeof(dir));
	sshd_remove(prefix);	/* a leftover of an earlier lab of this name */
	if (mkdir(dir, 0700) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot make %s: %s", dir, strerror(-rc));
		return rc;
	}
	if (mkdir(SSHD_PRIVSEP_DIR, 0755) < 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "cannot make %s (sshd needs it): %s", SSHD_PRIVSEP_DIR,
			 strerror(-rc));
		return rc;
	}
	rc = make_keys(prefix, dir, err, errlen);
	if (!rc)
		rc = make_client_files(t, dir, err, errlen);
	for (i = 0; i < t->nsshd && !rc; i++)
		rc = spawn_one(t, i, prefix, dir, bin, err, errlen);
	return rc;
}

/* Is /proc/PID/ns/net one of the n namespaces of ino[]? */
static bool in_lab(pid_t pid, const ino_t *ino, const dev_t *dev, unsigned n)
{
	char path[64];
	struct stat st;
	unsigned i;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (stat(path, &st) < 0)
		return false;
	for (i = 0; i < n; i++)
		if (st.st_ino == ino[i] && st.st_dev == dev[i])
			return true;
	return false;
}

int sshd_end_all(const char *prefix)
{
	ino_t ino[NS_MAX_RECORD];
	dev_t dev[NS_MAX_RECORD];
	struct ns_record rec;
	struct dirent *de;
	struct stat st;
	char path[128];
	unsigned i, n = 0;
	int rc = ns_record_read(prefix, &rec), ended = 0;
	DIR *d;

	if (rc)
		return rc;
	for (i = 0; i < rec.nns; i++) {
		snprintf(path, sizeof(path), "%s/%s", NS_RUN_DIR, rec.ns[i]);
		if (stat(path, &st) == 0) {
			ino[n] = st.st_ino;
			dev[n++] = st.st_dev;
		}
	}
	d = n ? opendir("/proc") : NULL;
	while (d && (de = readdir(d))) {
		pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);

		if (pid <= 1 || pid == getpid() || !in_lab(pid, ino, dev, n))
			continue;
		if (kill(pid, SIGKILL) == 0)
			ended++;
		waitpid(pid, NULL, WNOHANG);	/* ours: reaped; another's: ECHILD */
	}
	if (d)
		closedir(d);
	return ended;
}

int sshd_remove(const char *prefix)
{
	char dir[256], path[512];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (!ns_prefix_ok(prefix))
		return -EINVAL;
	sshd_dir(prefix, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) < 0 && !rc)
			rc = -errno;
	}
	closedir(d);
	if (rmdir(dir) < 0 && !rc)
		rc = -errno;
	return rc;
}
