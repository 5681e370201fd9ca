/*
 * child.c - a run's processes and their JSON lines (see child.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "nfq.h"
#include "ns.h"
#include "record.h"

void jchild_init(struct jchild *c, const char *type)
{
	memset(c, 0, sizeof(*c));
	c->type = type;
	c->out = -1;
}

int child_read_line(int fd, char *buf, size_t *len, size_t cap, char *out, size_t outcap,
		    int timeout_ms, const volatile sig_atomic_t *stop,
		    void (*on_stop)(void *), void *arg)
{
	int waited = 0;

	for (;;) {
		char *nl = memchr(buf, '\n', *len);
		struct pollfd pf = { fd, POLLIN, 0 };
		ssize_t n;
		int pr;

		if (nl) {
			size_t l = (size_t)(nl - buf);

			snprintf(out, outcap, "%.*s", (int)(l < outcap ? l : outcap - 1), buf);
			memmove(buf, nl + 1, *len - l - 1);
			*len -= l + 1;
			return 1;
		}
		if (*len == cap)
			*len = 0;	/* a line longer than we take: drop it */
		if (on_stop && stop && *stop)
			on_stop(arg);
		pr = poll(&pf, 1, 200);
		if (pr == 0) {
			waited += 200;
			if (timeout_ms >= 0 && waited >= timeout_ms)
				return 0;
			continue;
		}
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		*len += (size_t)n;
	}
}

json_object *jchild_counters(struct jchild *c, bool ask)
{
	char *line;
	json_object *o = NULL;

	if (c->pid <= 0 || c->out < 0 || !(line = malloc(CHILD_LINE_MAX)))
		return NULL;
	if (ask)
		kill(c->pid, SIGUSR1);
	while (child_read_line(c->out, c->buf, &c->len, sizeof(c->buf), line, CHILD_LINE_MAX,
			       3000, NULL, NULL, NULL) == 1) {
		o = json_tokener_parse(line);
		if (o && !strcmp(json_object_get_string(json_object_object_get(o, "type")) ?: "", c->type))
			break;
		json_object_put(o);
		o = NULL;
	}
	free(line);
	return o;
}

json_object *jchild_delta(struct jchild *c)
{
	json_object *now = jchild_counters(c, true), *d;

	if (!now)
		return NULL;
	d = record_json_delta(c->prev, now);
	json_object_put(c->prev);
	c->prev = now;
	return d;
}

void jchild_close(struct jchild *c)
{
	json_object_put(c->prev);
	c->prev = NULL;
	if (c->out >= 0)
		close(c->out);
	c->out = -1;
}

void child_stop(pid_t *pid, int sig, int grace_ms)
{
	int status, waited = 0;

	if (*pid <= 0)
		return;
	kill(*pid, sig);
	while (waitpid(*pid, &status, WNOHANG) == 0) {
		if (waited >= grace_ms) {
			kill(*pid, SIGKILL);
			waitpid(*pid, &status, 0);
			break;
		}
		usleep(20000);
		waited += 20;
	}
	*pid = 0;
}

int child_dry_run(char **av)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		execvp(av[0], av);
		fprintf(stderr, "connrate-lab run: cannot run %s (beside connrate-lab or on PATH): %s\n",
			av[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		return -1;
	/* a signal caught meanwhile only sets the stop flag: wait on */
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* Does a line of /proc/net/tcp{,6} say LISTEN on port? */
static bool listen_line(const char *line, unsigned port)
{
	char local[64], remote[64];
	unsigned st;

	return sscanf(line, "%*d: %63s %63s %x", local, remote, &st) == 3 &&
	       st == 0x0A && strlen(local) > 5 &&
	       strtoul(strrchr(local, ':') + 1, NULL, 16) == port;
}

bool child_listening(int nsfd, unsigned port)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	char line[512];
	bool found = false;
	unsigned i;

	for (i = 0; i < 2 && !found; i++) {
		int fd = ns_open_file(nsfd, files[i], O_RDONLY);
		FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;

		if (!f) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while (!found && fgets(line, sizeof(line), f))
			found = listen_line(line, port);
		fclose(f);
	}
	return found;
}

bool child_queue_bound(int nsfd, unsigned q)
{
	char buf[8192];
	int fd = ns_open_file(nsfd, "/proc/net/netfilter/nfnetlink_queue", O_RDONLY);
	ssize_t n;
	uint64_t a, b;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return nfq_proc_stats(buf, (uint16_t)q, &a, &b) == 0;
}
