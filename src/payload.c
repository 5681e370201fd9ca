/*
 * payload.c - payload files (see payload.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "payload.h"

int payload_load(const char *path, struct payload *p)
{
	return payload_load_max(path, PAYLOAD_MAX, p);
}

int payload_load_max(const char *path, size_t max, struct payload *p)
{
	struct stat st;
	size_t got = 0;
	int fd, err;

	p->data = NULL;
	p->len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		goto fail_errno;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail_errno;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		goto fail_errno;
	}
	p->data = malloc((size_t)st.st_size + 1);
	if (!p->data)
		goto fail_errno;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, p->data + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail_errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	p->len = got;
	p->data[got] = '\0';
	close(fd);
	return 0;

fail_errno:
	err = errno;
	free(p->data);
	p->data = NULL;
	close(fd);
	return -err;
}

void payload_free(struct payload *p)
{
	free(p->data);
	p->data = NULL;
	p->len = 0;
}
