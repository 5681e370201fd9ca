/*
 * cost.c - CPU per connection over a window (see cost.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cost.h"

/*
 * Spaces, then a decimal u64 (digits only: no sign, no other blank); the
 * end, or NULL.  Stops at the first character that is not a digit.
 */
static const char *parse_u64(const char *p, uint64_t *v)
{
	uint64_t x = 0;
	const char *s;

	while (*p == ' ')
		p++;
	for (s = p; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (x > (UINT64_MAX - d) / 10)
			return NULL;
		x = x * 10 + d;
	}
	if (p == s)
		return NULL;
	*v = x;
	return p;
}

/* The end of one field: a space, a newline or the end of the text. */
static bool field_end(char c)
{
	return c == ' ' || c == '\n' || c == '\0';
}

int cost_parse_stat(const char *text, struct cost_machine *out)
{
	uint64_t *f[] = { &out->user, &out->nice, &out->system, &out->idle,
			  &out->iowait, &out->irq, &out->softirq, &out->steal };
	const char *p = text;
	unsigned i;

	while (p && strncmp(p, "cpu ", 4) != 0) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return -ENOENT;
	p += 3;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		p = parse_u64(p, f[i]);
		if (!p || !field_end(*p))
			return -EINVAL;
	}
	return 0;
}

/*
 * "PID (COMM) S PPID ... UTIME STIME ...": COMM may hold spaces, ')' and
 * newlines, and nothing after it holds a ')', so the fields start after
 * the last one.  State is field 3, utime 14, stime 15.
 */
int cost_parse_pid_stat(const char *text, struct cost_proc *out)
{
	const char *p = text, *close = strrchr(text, ')');
	uint64_t pid;
	unsigned field;

	p = parse_u64(p, &pid);
	if (!p || strncmp(p, " (", 2) != 0 || !close || close < p)
		return -EINVAL;
	p = close + 1;
	for (field = 3; field < 14; field++) {	/* skip 3..13, may be signed */
		if (*p != ' ' || field_end(p[1]))
			return -EINVAL;
		p++;
		while (!field_end(*p))
			p++;
	}
	p = parse_u64(p, &out->utime);
	if (!p || *p != ' ')
		return -EINVAL;
	p = parse_u64(p, &out->stime);
	if (!p || !field_end(*p))
		return -EINVAL;
	return 0;
}

/* The first len-1 bytes of path, NUL-terminated; 0 or -errno. */
static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	size_t got = 0;

	if (fd < 0)
		return -errno;
	while (got < len - 1) {
		ssize_t r = read(fd, buf + got, len - 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	close(fd);
	return err;
}

/* The "cpu " line comes first; the rest (one line per CPU, intr) is not read. */
int cost_read_machine(struct cost_machine *out)
{
	char buf[4096];
	struct timespec ts;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	int err = read_text("/proc/stat", buf, sizeof(buf));

	if (!err)
		err = cost_parse_stat(buf, out);
	if (err)
		return err;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	out->wall_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	out->ncpu = n > 0 ? (unsigned)n : 0;
	return 0;
}

int cost_read_pid(pid_t pid, struct cost_proc *out)
{
	char path[64], buf[4096];
	int err;

	if (pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	err = read_text(path, buf, sizeof(buf));
	return err ? err : cost_parse_pid_stat(buf, out);
}

/* b - a into *d; -ERANGE when the counter ran backwards. */
static int delta(uint64_t a, uint64_t b, uint64_t *d)
{
	if (b < a)
		return -ERANGE;
	*d = b - a;
	return 0;
}

/* A process's CPU over the window in ticks, or NAN when not measured. */
static int proc_ticks(const struct cost_proc *a, const struct cost_proc *b, double *t)
{
	uint64_t u, s;

	if (!a != !b)
		return -EINVAL;
	if (!a) {
		*t = NAN;
		return 0;
	}
	if (delta(a->utime, b->utime, &u) || delta(a->stime, b->stime, &s))
		return -ERANGE;
	*t = (double)u + (double)s;
	return 0;
}

int cost_window(const struct cost_machine *m0, const struct cost_machine *m1,
		const struct cost_proc *c0, const struct cost_proc *c1,
		const struct cost_proc *s0, const struct cost_proc *s1,
		uint64_t conns, long clk_tck, struct cost *out)
{
	uint64_t us, ni, sy, irq, si, st;
	double busy, total, idle, client, server, tick_us;
	int err;

	if (clk_tck <= 0)
		return -EINVAL;
	if (delta(m0->user, m1->user, &us) || delta(m0->nice, m1->nice, &ni) ||
	    delta(m0->system, m1->system, &sy) || delta(m0->irq, m1->irq, &irq) ||
	    delta(m0->softirq, m1->softirq, &si) || delta(m0->steal, m1->steal, &st))
		return -ERANGE;
	if ((err = proc_ticks(c0, c1, &client)) || (err = proc_ticks(s0, s1, &server)))
		return err;
	tick_us = 1e6 / (double)clk_tck;
	idle = (m1->idle > m0->idle ? (double)(m1->idle - m0->idle) : 0) +
	       (m1->iowait > m0->iowait ? (double)(m1->iowait - m0->iowait) : 0);
	busy = (double)us + (double)ni + (double)sy + (double)irq + (double)si;
	total = busy + (double)st + idle;
	if (m0->wall_ns && m1->wall_ns > m0->wall_ns && m0->ncpu && m0->ncpu == m1->ncpu) {
		/* see cost.h: what is not idle, iowait or stolen was busy */
		total = (double)(m1->wall_ns - m0->wall_ns) / 1e9 * (double)clk_tck * m0->ncpu;
		busy = total - idle - (double)st;
		if (busy < 0)
			busy = 0;
	}
	out->steal_share = total > 0 ? (double)st / total : NAN;
	out->window_cpu_s = total * tick_us / 1e6;
	out->per_conn = conns > 0;
	if (!conns) {
		out->machine_us_per_conn = out->client_us_per_conn = NAN;
		out->server_us_per_conn = out->softirq_us_per_conn = NAN;
		out->resolution_us = NAN;
		return 0;
	}
	tick_us /= (double)conns;
	out->machine_us_per_conn = busy * tick_us;
	out->client_us_per_conn = client * tick_us;
	out->server_us_per_conn = server * tick_us;
	out->softirq_us_per_conn = (double)si * tick_us;
	out->resolution_us = tick_us;
	return 0;
}
