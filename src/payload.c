/*
 * payload.c - input files read whole (see payload.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "payload.h"

int payload_load(const char *path, struct payload *p)
{
	return payload_load_max(path, PAYLOAD_MAX, p);
}

/* 0 when st is a regular file of at most max bytes, else why not. */
static int check_file(const struct stat *st, size_t max)
{
	if (S_ISDIR(st->st_mode))
		return -EISDIR;
	if (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode))
		return -ESPIPE;
	if (!S_ISREG(st->st_mode))
		return -ENODEV;
	if ((uint64_t)st->st_size > max)
		return -EFBIG;
	return 0;
}

/* Read up to len bytes; the count read, or -errno. */
static ssize_t read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int payload_load_max(const char *path, size_t max, struct payload *p)
{
	struct stat st;
	ssize_t got;
	int fd, flags, rc;

	p->data = NULL;
	p->len = 0;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = fstat(fd, &st) < 0 ? -errno : check_file(&st, max);
	if (rc)
		goto out_close;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		rc = -errno;
		goto out_close;
	}
	p->data = malloc((size_t)st.st_size + 1);
	if (!p->data) {
		rc = -ENOMEM;
		goto out_close;
	}
	got = read_all(fd, p->data, (size_t)st.st_size);
	if (got < 0) {
		rc = (int)got;
		payload_free(p);
		goto out_close;
	}
	p->len = (size_t)got;
	p->data[got] = '\0';
out_close:
	close(fd);
	return rc;
}

void payload_free(struct payload *p)
{
	free(p->data);
	p->data = NULL;
	p->len = 0;
}

const char *payload_strerror(int rc)
{
	switch (rc) {
	case -ESPIPE:
		return "a FIFO or socket, not a regular file";
	case -ENODEV:
		return "a device, not a regular file";
	case -EFBIG:
		return "too large";
	default:
		return strerror(-rc);
	}
}
