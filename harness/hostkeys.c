/*
 * hostkeys.c - [host] keys held by one lab at a time (see hostkeys.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "hostkeys.h"
#include "payload.h"

#define LOCK_PATH HOSTKEYS_DIR "/.lock"
#define LOCK_WAIT_MS 10000	/* what is done under the lock takes milliseconds */
#define SAVE_MAX 1024

/* flock LOCK_PATH, retrying until wait_ms have passed: the fd, or -1 with err. */
static int lock_dir(unsigned wait_ms, char *err, size_t errlen)
{
	mono_ns end = clock_now_ns() + (mono_ns)wait_ms * NS_PER_MS;
	int fd;

	if ((mkdir(NS_OWNER_DIR, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(HOSTKEYS_DIR, 0755) < 0 && errno != EEXIST) ||
	    (fd = open(LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		snprintf(err, errlen, "cannot open %s: %s", LOCK_PATH, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || clock_now_ns() >= end) {
			snprintf(err, errlen, "cannot lock %s: %s", LOCK_PATH,
				 errno == EWOULDBLOCK ? "another connrate-lab keeps it" : strerror(errno));
			close(fd);
			return -1;
		}
		usleep(10000);
	}
	return fd;
}

static void save_path(const char *key, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", HOSTKEYS_DIR, key);
}

/* One "name value" line of a save file into s. */
static bool save_line(char *line, struct hostkeys_save *s)
{
	char *val = strchr(line, ' ');
	int pid;

	if (!val)
		return false;
	*val++ = '\0';
	if (!strcmp(line, "prefix"))
		return ns_prefix_ok(val) && snprintf(s->prefix, sizeof(s->prefix), "%s", val) > 0;
	if (!strcmp(line, "pid")) {
		if (sscanf(val, "%d", &pid) != 1 || pid <= 0)
			return false;
		s->pid = pid;
		return true;
	}
	if (!strcmp(line, "starttime"))
		return sscanf(val, "%llu", &s->starttime) == 1;
	if (!strcmp(line, "old"))
		return *val && strlen(val) < sizeof(s->old) &&
		       snprintf(s->old, sizeof(s->old), "%s", val) > 0;
	return true;	/* a line of a later version */
}

int hostkeys_read(const char *path, struct hostkeys_save *s, char *err, size_t errlen)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct payload pl;
	char *line, *next;
	bool ok = true;
	int rc;

	memset(s, 0, sizeof(*s));
	if (!ns_sysctl_key_ok(base)) {
		snprintf(err, errlen, "%s: not the save of a sysctl key", path);
		return -1;
	}
	snprintf(s->key, sizeof(s->key), "%s", base);
	rc = payload_load_max(path, SAVE_MAX, &pl);
	if (rc) {
		snprintf(err, errlen, "cannot read the saved host sysctl %s: %s", path,
			 payload_strerror(rc));
		return -1;
	}
	for (line = pl.data; ok && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		ok = save_line(line, s);
	}
	payload_free(&pl);
	if (!ok || !*s->prefix || !s->pid || !*s->old) {
		snprintf(err, errlen, "%s: not a save of connrate-lab (check the key's value, then remove it)",
			 path);
		return -1;
	}
	return 0;
}

/* Write s as its save file: whole or not at all (temp file, rename). */
static int write_save(const struct hostkeys_save *s, char *err, size_t errlen)
{
	char path[384], tmp[416];
	FILE *f;

	save_path(s->key, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid());	/* not a key: skipped */
	f = fopen(tmp, "we");
	if (!f) {
		snprintf(err, errlen, "cannot save host sysctl %s in %s: %s", s->key, tmp, strerror(errno));
		return -1;
	}
	fprintf(f, "prefix %s\npid %d\nstarttime %llu\nold %s\n", s->prefix, (int)s->pid,
		s->starttime, s->old);
	if (fflush(f) || fsync(fileno(f)) || fclose(f) || rename(tmp, path)) {
		snprintf(err, errlen, "cannot save host sysctl %s in %s: %s", s->key, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Is the process that took s still running? */
static bool holder_running(const struct hostkeys_save *s)
{
	unsigned long long st = ns_proc_starttime(s->pid);

	return st != 0 && st == s->starttime;
}

/* Is the lab that holds s still there: its process, or its lab up? */
static bool holder_alive(const struct hostkeys_save *s)
{
	struct ns_record rec;

	return holder_running(s) ||
	       (ns_record_read(s->prefix, &rec) == 0 && !strcmp(rec.state, "up"));
}

/* Write the old value of s back and remove its save (a key now gone: nothing to restore). */
static int restore(const struct hostkeys_save *s, char *err, size_t errlen)
{
	char path[384];
	int rc = ns_sysctl_write(-1, s->key, s->old);

	if (rc && rc != -ENOENT) {
		snprintf(err, errlen, "cannot restore host sysctl %s = %s: %s", s->key, s->old,
			 strerror(-rc));
		return -1;
	}
	save_path(s->key, path, sizeof(path));
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Under the lock: restore the saves of prefix (or, prefix NULL, of every
 * holder gone).  Every match is tried; the first failure is reported.
 */
static int release_locked(const char *prefix, unsigned *n, char *err, size_t errlen)
{
	DIR *d = opendir(HOSTKEYS_DIR);
	struct hostkeys_save s;
	struct dirent *de;
	char path[384], e2[512];
	int rc = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!ns_sysctl_key_ok(de->d_name))
			continue;	/* ".lock", temp files */
		save_path(de->d_name, path, sizeof(path));
		if (hostkeys_read(path, &s, e2, sizeof(e2)) ||
		    (prefix ? strcmp(s.prefix, prefix) != 0 : holder_alive(&s)))
			continue;
		if (restore(&s, e2, sizeof(e2))) {
			if (!rc)
				snprintf(err, errlen, "%s", e2);
			rc = -1;
		} else if (n) {
			(*n)++;
		}
	}
	closedir(d);
	return rc;
}

/* release_locked() under the lock. */
static int release(const char *prefix, unsigned *n, char *err, size_t errlen)
{
	int fd, rc;

	if (access(HOSTKEYS_DIR, F_OK) < 0)
		return 0;	/* no lab ever held a key */
	fd = lock_dir(LOCK_WAIT_MS, err, errlen);
	if (fd < 0)
		return -1;
	rc = release_locked(prefix, n, err, errlen);
	close(fd);
	return rc;
}

int hostkeys_release(const char *prefix, char *err, size_t errlen)
{
	return release(prefix, NULL, err, errlen);
}

int hostkeys_release_stale(unsigned *n, char *err, size_t errlen)
{
	*n = 0;
	return release(NULL, n, err, errlen);
}

/*
 * Under the lock: is each [host] key of p free for prefix?  1 when one is
 * held by another live lab (*busy says which), 0 when all are free, -1
 * with err when a save cannot be read.
 */
static int find_holder(const struct profile *p, const char *prefix, struct hostkeys_save *busy,
		       char *err, size_t errlen)
{
	char path[384];
	unsigned i;

	for (i = 0; i < p->n; i++) {
		if (p->e[i].section != SEC_HOST)
			continue;
		save_path(p->e[i].key, path, sizeof(path));
		if (access(path, F_OK) < 0)
			continue;
		if (hostkeys_read(path, busy, err, errlen))
			return -1;
		if (strcmp(busy->prefix, prefix) && holder_alive(busy))
			return 1;
	}
	return 0;
}

/*
 * Under the lock, every key free: save each (a stale save is written back
 * first and its old value kept), then write the profile's values.
 */
static int save_and_apply(const struct profile *p, const char *prefix, char *err, size_t errlen)
{
	const struct profile_entry *list[PROFILE_MAX_KEYS];
	struct hostkeys_save s;
	char path[384];
	unsigned i, n = 0;
	int rc;

	for (i = 0; i < p->n; i++) {
		if (p->e[i].section != SEC_HOST)
			continue;
		list[n++] = &p->e[i];
		save_path(p->e[i].key, path, sizeof(path));
		if (access(path, F_OK) == 0) {
			if (hostkeys_read(path, &s, err, errlen) || restore(&s, err, errlen))
				return -1;
		} else {
			memset(&s, 0, sizeof(s));
			snprintf(s.key, sizeof(s.key), "%s", p->e[i].key);
			rc = ns_sysctl_read(-1, s.key, s.old, sizeof(s.old));
			if (rc) {
				snprintf(err, errlen, "%s:%d: cannot read %s: %s", p->path,
					 p->e[i].line, s.key, strerror(-rc));
				return -1;
			}
		}
		snprintf(s.prefix, sizeof(s.prefix), "%s", prefix);
		s.pid = getpid();
		s.starttime = ns_proc_starttime(s.pid);
		if (write_save(&s, err, errlen))
			return -1;
	}
	return profile_apply(p, list, n, -1, err, errlen);
}

/* The line that says who holds a key. */
static void busy_error(const struct hostkeys_save *b, bool up, unsigned wait_ms, char *err,
		       size_t errlen)
{
	if (up)
		snprintf(err, errlen, "[host] key %s is held by lab %s (pid %d), which is up: take it down first (connrate-lab down %s)",
			 b->key, b->prefix, (int)b->pid, b->prefix);
	else
		snprintf(err, errlen, "[host] key %s is held by lab %s (pid %d), still running after %u s: one lab with [host] keys at a time",
			 b->key, b->prefix, (int)b->pid, wait_ms / 1000);
}

int hostkeys_take(const struct profile *p, const char *prefix, unsigned wait_ms,
		  char *err, size_t errlen)
{
	mono_ns end = clock_now_ns() + (mono_ns)wait_ms * NS_PER_MS;
	struct hostkeys_save busy;
	char e2[256];
	int fd, rc;

	if (!profile_has(p, SEC_HOST))
		return 0;
	for (;;) {
		fd = lock_dir(LOCK_WAIT_MS, err, errlen);
		if (fd < 0)
			return -1;
		rc = find_holder(p, prefix, &busy, err, errlen);
		if (rc <= 0)
			break;
		close(fd);
		/* an up lab keeps its keys until it is taken down: no use waiting */
		if (!holder_running(&busy) || clock_now_ns() >= end) {
			busy_error(&busy, !holder_running(&busy), wait_ms, err, errlen);
			return -1;
		}
		usleep(100000);
	}
	if (!rc && save_and_apply(p, prefix, err, errlen)) {
		/* nothing left behind: what was taken goes back */
		release_locked(prefix, NULL, e2, sizeof(e2));
		rc = -1;
	}
	close(fd);
	return rc;
}
