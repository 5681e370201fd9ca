/*
 * addrs.c - more addresses on an interface (see addrs.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "addrs.h"
#include "build.h"
#include "ns.h"

int addrs_nth(const struct topo_prefix *p, uint64_t k, struct topo_prefix *out)
{
	unsigned bytes = p->family == AF_INET ? 4 : 16, host = bytes * 8 - p->len, i;
	unsigned __int128 v = 0, mask, net;
	char text[INET6_ADDRSTRLEN];

	if (p->len > bytes * 8)
		return -ERANGE;
	for (i = 0; i < bytes; i++)
		v = (v << 8) | p->addr[i];
	mask = host >= 128 ? ~(unsigned __int128)0 : (((unsigned __int128)1 << host) - 1);
	net = v & ~mask;
	if ((v & mask) + k > mask || (v & mask) + k < k)
		return -ERANGE;
	v += k;
	if (p->family == AF_INET && host >= 2 && (v & mask) == mask)
		return -ERANGE;	/* the broadcast address */
	if ((v & ~mask) != net)
		return -ERANGE;
	*out = *p;
	for (i = bytes; i-- > 0; v >>= 8)
		out->addr[i] = (uint8_t)v;
	inet_ntop(p->family, out->addr, text, sizeof(text));
	snprintf(out->text, sizeof(out->text), "%s/%u", text, p->len);
	return 0;
}

static int nlerr(int rc)
{
	switch (rc < 0 ? -rc : rc) {
	case NLE_EXIST: return -EEXIST;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_PERM: return -EPERM;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_NODEV: return -ENODEV;
	case NLE_INVAL: return -EINVAL;
	default: return -EIO;
	}
}

static int add_one(struct nl_sock *sk, int ifindex, const struct topo_prefix *p,
		   const int *kerr)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(p->family, p->addr, p->family == AF_INET ? 4 : 16);
	int rc = -ENOMEM;

	if (ra && local) {
		nl_addr_set_prefixlen(local, (int)p->len);
		rtnl_addr_set_ifindex(ra, ifindex);
		rtnl_addr_set_local(ra, local);
		if (p->family == AF_INET6)
			rtnl_addr_set_flags(ra, IFA_F_NODAD);	/* usable at once */
		rc = rtnl_addr_add(sk, ra, 0);
		rc = rc < 0 ? (*kerr ? -*kerr : nlerr(rc)) : 0;
	}
	nl_addr_put(local);
	rtnl_addr_put(ra);
	return rc;
}

int addrs_add_after(int nsfd, const char *ifname, const struct topo_prefix *first,
		    unsigned count)
{
	struct rtnl_link *l = NULL;
	struct topo_prefix p;
	struct nl_sock *sk;
	unsigned k;
	int idx, rc, kerr = 0;

	sk = build_route_sock(nsfd, &kerr);
	if (!sk)
		return errno ? -errno : -EIO;
	rc = rtnl_link_get_kernel(sk, 0, ifname, &l);
	if (rc < 0) {
		rc = nlerr(rc);
		goto out;
	}
	idx = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	for (k = 1; k <= count && rc == 0; k++) {
		rc = addrs_nth(first, k, &p);
		if (rc == 0)
			rc = add_one(sk, idx, &p, &kerr);
	}
out:
	nl_socket_free(sk);
	return rc;
}
