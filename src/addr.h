/*
 * addr.h - addresses, endpoints and ranges on the command line.
 *
 *   endpoint     "192.0.2.1:80", "[2001:db8::1]:80", "localhost:80"
 *   address      "192.0.2.1", "2001:db8::1"           (numeric only)
 *   addr range   "10.0.0.1-10.0.0.40", "fd00::1-fd00::8" (inclusive)
 *   port range   "2345" or "2345-2348"
 *
 * Ranges are walked round-robin with addr_range_nth().  Functions return 0
 * or a negative errno; addr_parse_endpoint() may also return -EAI_* style
 * failures as -ENOENT when a name does not resolve.
 */
#ifndef CR_ADDR_H
#define CR_ADDR_H

#include <stdint.h>
#include <sys/socket.h>

struct endpoint {
	struct sockaddr_storage ss;
	socklen_t len;
};

struct addr_range {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t first[16];	/* network byte order */
	uint64_t count;		/* addresses in the range, >= 1 */
};

int addr_parse_endpoint(const char *s, struct endpoint *out);
int addr_parse_address(const char *s, uint16_t port, struct endpoint *out);
int addr_parse_range(const char *s, struct addr_range *out);
int addr_parse_ports(const char *s, uint16_t *lo, uint16_t *hi);
/* The i-th address of the range (i modulo count), port 0. */
void addr_range_nth(const struct addr_range *r, uint64_t i, struct endpoint *out);
/* "192.0.2.1:80" or "[::1]:80" into buf; returns buf. */
const char *addr_format(const struct endpoint *e, char *buf, size_t len);
int addr_port(const struct endpoint *e);
void addr_set_port(struct endpoint *e, uint16_t port);

#endif
