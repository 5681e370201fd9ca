/*
 * addr.c - address parsing and formatting (see addr.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "units.h"

int addr_parse_address(const char *s, uint16_t port, struct endpoint *out)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		out->len = sizeof(*sin);
		return 0;
	}
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		out->len = sizeof(*sin6);
		return 0;
	}
	return -EINVAL;
}

int addr_parse_endpoint(const char *s, struct endpoint *out)
{
	char host[256];
	const char *colon, *port_s;
	struct addrinfo hints = { 0 }, *res = NULL;
	uint64_t port;
	size_t hlen;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		hlen = (size_t)(rb - s - 1);
		port_s = rb + 2;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return -EINVAL;	/* IPv6 needs brackets */
		hlen = (size_t)(colon - s);
		port_s = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (units_parse_count(port_s, 1, 65535, &port) || strpbrk(port_s, "kKMG."))
		return -EINVAL;
	if (addr_parse_address(host, (uint16_t)port, out) == 0)
		return 0;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	addr_set_port(out, (uint16_t)port);
	freeaddrinfo(res);
	return 0;
}

static const uint8_t *ep_bytes(const struct endpoint *e, size_t *n)
{
	if (e->ss.ss_family == AF_INET) {
		*n = 4;
		return (const uint8_t *)&((const struct sockaddr_in *)&e->ss)->sin_addr;
	}
	*n = 16;
	return (const uint8_t *)&((const struct sockaddr_in6 *)&e->ss)->sin6_addr;
}

/* b - a over the last 8 bytes, or -1 when b < a or the prefixes differ. */
static int64_t addr_distance(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t va = 0, vb = 0;
	size_t i, tail = n < 8 ? n : 8;

	if (memcmp(a, b, n - tail) != 0)
		return -1;
	for (i = n - tail; i < n; i++) {
		va = va << 8 | a[i];
		vb = vb << 8 | b[i];
	}
	if (vb < va || vb - va >= (uint64_t)INT64_MAX)
		return -1;
	return (int64_t)(vb - va);
}

int addr_parse_range(const char *s, struct addr_range *out)
{
	char first[INET6_ADDRSTRLEN + 1];
	const char *dash = strchr(s, '-');
	struct endpoint a, b;
	const uint8_t *pa, *pb;
	size_t n, m;
	int64_t d;

	memset(out, 0, sizeof(*out));
	if (!dash) {
		if (addr_parse_address(s, 0, &a))
			return -EINVAL;
		pa = ep_bytes(&a, &n);
		out->family = a.ss.ss_family;
		memcpy(out->first, pa, n);
		out->count = 1;
		return 0;
	}
	if ((size_t)(dash - s) >= sizeof(first))
		return -EINVAL;
	memcpy(first, s, (size_t)(dash - s));
	first[dash - s] = '\0';
	if (addr_parse_address(first, 0, &a) || addr_parse_address(dash + 1, 0, &b))
		return -EINVAL;
	if (a.ss.ss_family != b.ss.ss_family)
		return -EINVAL;
	pa = ep_bytes(&a, &n);
	pb = ep_bytes(&b, &m);
	d = addr_distance(pa, pb, n);
	if (d < 0)
		return -ERANGE;
	out->family = a.ss.ss_family;
	memcpy(out->first, pa, n);
	out->count = (uint64_t)d + 1;
	return 0;
}

void addr_range_nth(const struct addr_range *r, uint64_t i, struct endpoint *out)
{
	uint8_t *p;
	size_t n, k;
	uint64_t add = i % r->count, carry = 0;

	memset(out, 0, sizeof(*out));
	out->ss.ss_family = (sa_family_t)r->family;
	if (r->family == AF_INET) {
		n = 4;
		p = (uint8_t *)&((struct sockaddr_in *)&out->ss)->sin_addr;
		out->len = sizeof(struct sockaddr_in);
	} else {
		n = 16;
		p = (uint8_t *)&((struct sockaddr_in6 *)&out->ss)->sin6_addr;
		out->len = sizeof(struct sockaddr_in6);
	}
	memcpy(p, r->first, n);
	for (k = n; k-- > 0 && (add || carry);) {
		uint64_t v = p[k] + (add & 0xff) + carry;

		p[k] = (uint8_t)v;
		carry = v >> 8;
		add >>= 8;
	}
}

int addr_parse_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[16];
	const char *dash = strchr(s, '-');
	uint64_t a, b;

	if (!dash) {
		if (strpbrk(s, "kKMG.") || units_parse_count(s, 1, 65535, &a))
			return -EINVAL;
		*lo = *hi = (uint16_t)a;
		return 0;
	}
	if ((size_t)(dash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(dash - s));
	buf[dash - s] = '\0';
	if (strpbrk(s, "kKMG.") || units_parse_count(buf, 1, 65535, &a) ||
	    units_parse_count(dash + 1, 1, 65535, &b) || b < a)
		return -EINVAL;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

int addr_port(const struct endpoint *e)
{
	return ntohs(((const struct sockaddr_in *)&e->ss)->sin_port);
}

void addr_set_port(struct endpoint *e, uint16_t port)
{
	((struct sockaddr_in *)&e->ss)->sin_port = htons(port);
}

const char *addr_format(const struct endpoint *e, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	size_t n;
	const uint8_t *p = ep_bytes(e, &n);

	inet_ntop(e->ss.ss_family, p, host, sizeof(host));
	if (e->ss.ss_family == AF_INET6)
		snprintf(buf, len, "[%s]:%d", host, addr_port(e));
	else
		snprintf(buf, len, "%s:%d", host, addr_port(e));
	return buf;
}
