/*
 * payload.h - input files read whole: request and response payloads, and
 * every other file a user names as input (topologies, profiles, results).
 *
 * A faked HTTP exchange is just two files.  Without a file the payload is
 * empty.  A path may name anything, so the file is opened without blocking
 * (a FIFO with no writer would block open() for ever) and without becoming
 * a controlling terminal, then refused unless it is a regular file
 * (a FIFO, socket or device never ends or never starts) and at most the
 * size limit; only then is it read, in blocking mode.  Links are followed:
 * an input may be a link to a file.
 */
#ifndef CR_PAYLOAD_H
#define CR_PAYLOAD_H

#include <stddef.h>

#define PAYLOAD_MAX (64u << 20)

struct payload {
	char *data;
	size_t len;
};

/*
 * 0, or -errno: -EISDIR a directory, -ESPIPE a FIFO or socket, -ENODEV a
 * device, -EFBIG over PAYLOAD_MAX; payload_strerror() says which.
 */
int payload_load(const char *path, struct payload *p);
/* The same with another limit; the data is NUL-terminated too. */
int payload_load_max(const char *path, size_t max, struct payload *p);
void payload_free(struct payload *p);
/* Why payload_load failed, as a message: "a FIFO or socket, not a regular file". */
const char *payload_strerror(int rc);

#endif
