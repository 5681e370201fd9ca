/*
 * profile.c - sysctl profiles (see profile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ns.h"
#include "payload.h"
#include "profile.h"
#include "topo.h"

static const char *const section_names[SEC__COUNT] = {
	[SEC_CLIENT] = "client", [SEC_SERVER] = "server", [SEC_DUT] = "dut",
	[SEC_ALL] = "all", [SEC_HOST] = "host",
};

const char *profile_section_name(enum profile_section s)
{
	return s < SEC__COUNT ? section_names[s] : "?";
}

static int perr(char *err, size_t len, const char *path, int line,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int perr(char *err, size_t len, const char *path, int line,
		const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, len, "%s:%d: %s", path, line, msg);
	return -1;
}

/* Trim blanks at both ends and fold inner runs to one space, in place. */
static void fold(char *s)
{
	char *r = s, *w = s;
	bool blank = false;

	while (*r == ' ' || *r == '\t')
		r++;
	for (; *r; r++) {
		if (*r == ' ' || *r == '\t') {
			blank = true;
			continue;
		}
		if (blank && w != s)
			*w++ = ' ';
		blank = false;
		*w++ = *r;
	}
	*w = '\0';
}

bool profile_value_equal(const char *a, const char *b)
{
	char x[PROFILE_VALUE_MAX * 2], y[PROFILE_VALUE_MAX * 2];

	snprintf(x, sizeof(x), "%s", a);
	snprintf(y, sizeof(y), "%s", b);
	fold(x);
	fold(y);
	return strcmp(x, y) == 0;
}

/* The section "[name]" names, or -1. */
static int section_of(const char *line)
{
	size_t n = strlen(line);
	int i;

	for (i = 0; i < SEC__COUNT && line[n - 1] == ']'; i++)
		if (strlen(section_names[i]) == n - 2 && !strncmp(line + 1, section_names[i], n - 2))
			return i;
	return -1;
}

/* "key = value" (comment cut, blanks folded) into p under section: 0 or -1 with err. */
static int parse_key(char *line, int section, int lineno, struct profile *p,
		     char *err, size_t errlen)
{
	char *eq = strchr(line, '='), *key = line, *val;
	unsigned i;

	if (!eq)
		return perr(err, errlen, p->path, lineno, "expected 'key = value'");
	if (section < 0)
		return perr(err, errlen, p->path, lineno,
			    "a key before any section: start with [client], [server], [dut], [all] or [host]");
	*eq = '\0';
	val = eq + 1;
	fold(key);
	fold(val);
	if (!ns_sysctl_key_ok(key))
		return perr(err, errlen, p->path, lineno,
			    "key '%s': a sysctl under net. of [a-z0-9_.] (e.g. net.ipv4.tcp_tw_reuse)", key);
	if (!*val || strlen(val) >= PROFILE_VALUE_MAX || strpbrk(val, "\\\"'`$;"))
		return perr(err, errlen, p->path, lineno, "key '%s': %s", key,
			    *val ? "the value is too long or has quotes or shell characters"
				 : "no value after '='");
	for (i = 0; i < p->n; i++)
		if ((int)p->e[i].section == section && !strcmp(p->e[i].key, key))
			return perr(err, errlen, p->path, lineno, "key '%s' again in [%s] (first on line %d)",
				    key, section_names[section], p->e[i].line);
	if (p->n == PROFILE_MAX_KEYS)
		return perr(err, errlen, p->path, lineno, "more than %d keys", PROFILE_MAX_KEYS);
	p->e[p->n].section = (enum profile_section)section;
	snprintf(p->e[p->n].key, PROFILE_KEY_MAX, "%s", key);
	snprintf(p->e[p->n].value, PROFILE_VALUE_MAX, "%s", val);
	p->e[p->n].line = lineno;
	p->n++;
	return 0;
}

int profile_parse(const char *text, const char *path, struct profile *p,
		  char *err, size_t errlen)
{
	char *copy = strdup(text), *line, *next, *hash;
	int lineno = 0, section = -1, rc = 0;

	memset(p, 0, sizeof(*p));
	snprintf(p->path, sizeof(p->path), "%s", path);
	if (!copy) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	for (line = copy; line && !rc; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		fold(line);
		if (!*line)
			continue;
		if (line[0] != '[') {
			rc = parse_key(line, section, lineno, p, err, errlen);
			continue;
		}
		section = section_of(line);
		if (section < 0)
			rc = perr(err, errlen, path, lineno,
				  "unknown section '%s' ([client], [server], [dut], [all], [host])", line);
	}
	free(copy);
	return rc;
}

int profile_load(const char *name, const char *dir, struct profile *p,
		 char *err, size_t errlen)
{
	char path[512], *text;
	const char *base;
	int rc = topo_load_text("profile", name, dir, ".conf", 65536, &text, path,
				sizeof(path), err, errlen);

	if (rc)
		return rc;
	rc = profile_parse(text, path, p, err, errlen);
	free(text);
	base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	snprintf(p->name, sizeof(p->name), "%.*s", (int)strcspn(base, "."), base);
	return rc;
}

/*
 * The file that tells whether key is per namespace.  A key of one
 * interface (net.ipv4.conf.eth0.rp_filter) is what its "default" sibling
 * is: the interface exists only in the lab's namespaces.
 */
static void probe_path(const char *key, char *buf, size_t len)
{
	static const char *const fams[] = { "net.ipv4.conf.", "net.ipv6.conf.",
					     "net.ipv4.neigh.", "net.ipv6.neigh." };
	char k[PROFILE_KEY_MAX + 16];
	size_t i;

	snprintf(k, sizeof(k), "%s", key);
	for (i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		size_t n = strlen(fams[i]);
		const char *ifn = key + n, *dot;

		if (strncmp(key, fams[i], n) != 0 || !(dot = strchr(ifn, '.')))
			continue;
		if (!strncmp(ifn, "all.", 4) || !strncmp(ifn, "default.", 8) ||
		    !strncmp(ifn, "lo.", 3))
			break;
		snprintf(k, sizeof(k), "%sdefault%s", fams[i], dot);
		break;
	}
	if (ns_sysctl_path(k, buf, len))
		buf[0] = '\0';		/* too long with "default": no such file */
}

/*
 * A key a fresh namespace has not, or cannot write, seen from the host's
 * namespace: global when the host can write it, read-only when not even
 * root may open it for writing (opening writes nothing).
 */
static enum key_kind host_kind(const char *key, enum key_kind in_netns)
{
	char path[512];
	int fd;

	if (ns_sysctl_path(key, path, sizeof(path)) || access(path, F_OK) < 0)
		return in_netns;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return KEY_GLOBAL;
	}
	return errno == EACCES || errno == EPERM ? KEY_READONLY : KEY_GLOBAL;
}

int profile_probe(const struct profile *p, enum key_kind *kinds)
{
	int pfd[2], status;
	unsigned i;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (pid == 0) {
		/* a fresh namespace that dies with this child: nothing to clean */
		close(pfd[0]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		for (i = 0; i < p->n; i++) {
			char path[512];
			unsigned char k = KEY_MISSING;
			int fd;

			probe_path(p->e[i].key, path, sizeof(path));
			if (access(path, F_OK) == 0) {
				fd = open(path, O_WRONLY | O_CLOEXEC);
				k = fd >= 0 ? KEY_NETNS : KEY_GLOBAL;
				if (fd >= 0)
					close(fd);
			} else {
				/* not in a fresh namespace: maybe global and host-only */
				k = KEY_MISSING;
			}
			if (write(pfd[1], &k, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	close(pfd[1]);
	for (i = 0; i < p->n; i++) {
		unsigned char k;

		if (read(pfd[0], &k, 1) != 1)
			break;
		kinds[i] = (enum key_kind)k;
	}
	close(pfd[0]);
	waitpid(pid, &status, 0);
	if (i < p->n || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EIO;
	for (i = 0; i < p->n; i++)
		if (kinds[i] != KEY_NETNS)
			kinds[i] = host_kind(p->e[i].key, kinds[i]);
	return 0;
}

bool profile_has(const struct profile *p, enum profile_section s)
{
	unsigned i;

	for (i = 0; i < p->n; i++)
		if (p->e[i].section == s)
			return true;
	return false;
}

int profile_check(const struct profile *p, const enum key_kind *kinds,
		  bool allow_host, char *err, size_t errlen)
{
	unsigned i;

	for (i = 0; i < p->n; i++) {
		const struct profile_entry *e = &p->e[i];

		if (kinds[i] == KEY_MISSING)
			return perr(err, errlen, p->path, e->line,
				    "key '%s' does not exist in this kernel", e->key);
		if (kinds[i] == KEY_READONLY)
			return perr(err, errlen, p->path, e->line,
				    "key '%s' is read-only: the kernel reports it, no one can set it; remove it",
				    e->key);
		if (e->section == SEC_HOST) {
			if (kinds[i] == KEY_NETNS)
				return perr(err, errlen, p->path, e->line,
					    "key '%s' is per network namespace: put it under [client], [server], [dut] or [all] (under [host] it would only change the host's own namespace)",
					    e->key);
			if (!allow_host)
				return perr(err, errlen, p->path, e->line,
					    "[host] key '%s' changes the whole machine: refused without --allow-host-sysctl",
					    e->key);
		} else if (kinds[i] == KEY_GLOBAL) {
			return perr(err, errlen, p->path, e->line,
				    "key '%s' is global, not per network namespace: it cannot be set in [%s]; move it to [host] (needs --allow-host-sysctl)",
				    e->key, section_names[e->section]);
		}
	}
	return 0;
}

void profile_node_sections(const char *node, bool lone, bool sec[SEC__COUNT])
{
	memset(sec, 0, sizeof(bool) * SEC__COUNT);
	sec[SEC_CLIENT] = !strcmp(node, "client") || lone;
	sec[SEC_SERVER] = !strcmp(node, "server") || lone;
	sec[SEC_DUT] = !strcmp(node, "dut") || !strcmp(node, "duta") || !strcmp(node, "dutb");
	sec[SEC_ALL] = true;
}

unsigned profile_plan(const struct profile *p, const bool sec[SEC__COUNT],
		      const struct profile_entry **out)
{
	static const enum profile_section order[] = { SEC_ALL, SEC_CLIENT, SEC_SERVER, SEC_DUT };
	unsigned k, i, j, n = 0;

	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		if (!sec[order[k]])
			continue;
		for (i = 0; i < p->n; i++) {
			if (p->e[i].section != order[k])
				continue;
			/* a later section's value replaces an earlier one, in its own turn */
			for (j = 0; j < n && strcmp(out[j]->key, p->e[i].key); j++)
				;
			if (j < n) {
				n--;
				memmove(&out[j], &out[j + 1], sizeof(out[0]) * (n - j));
			}
			out[n++] = &p->e[i];
		}
	}
	return n;
}

int profile_apply(const struct profile *p, const struct profile_entry *const *list,
		  unsigned n, int nsfd, char *err, size_t errlen)
{
	char got[512];
	unsigned i;
	int rc;

	for (i = 0; i < n; i++) {
		const struct profile_entry *e = list[i];

		rc = ns_sysctl_write(nsfd, e->key, e->value);
		if (rc)
			return perr(err, errlen, p->path, e->line, "cannot set %s = %s: %s",
				    e->key, e->value, strerror(-rc));
		rc = ns_sysctl_read(nsfd, e->key, got, sizeof(got));
		if (rc)
			return perr(err, errlen, p->path, e->line, "cannot read back %s: %s",
				    e->key, strerror(-rc));
		if (!profile_value_equal(got, e->value))
			return perr(err, errlen, p->path, e->line,
				    "%s: wrote '%s', the kernel keeps '%s'", e->key, e->value, got);
	}
	return 0;
}
