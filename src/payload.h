/*
 * payload.h - request and response payloads, read whole from files.
 *
 * A faked HTTP exchange is just two files.  Without a file the payload is
 * empty.  Files larger than PAYLOAD_MAX are refused.
 */
#ifndef CR_PAYLOAD_H
#define CR_PAYLOAD_H

#include <stddef.h>

#define PAYLOAD_MAX (64u << 20)

struct payload {
	char *data;
	size_t len;
};

/* 0, or -errno (-EFBIG when over PAYLOAD_MAX, -EISDIR for a directory). */
int payload_load(const char *path, struct payload *p);
/* The same with another limit; the data is NUL-terminated too. */
int payload_load_max(const char *path, size_t max, struct payload *p);
void payload_free(struct payload *p);

#endif
