/*
 * addrs.h - more addresses on one interface of a lab's namespace.
 *
 * Holding several hundred thousand connections takes more source ports
 * than one address has (about 64k per address and destination), so the
 * lab gives the client node the addresses that follow its own on its
 * link (10.71.1.1/24 -> 10.71.1.2, 10.71.1.3, ...: one contiguous range,
 * as connrate --source takes it).  addrs_nth() is the arithmetic, pure;
 * addrs_add_after() asks the kernel (libnl-route-3; -errno returns, as
 * everywhere outside netns/).
 */
#ifndef CR_ADDRS_H
#define CR_ADDRS_H

#include <stdint.h>

#include "topo.h"

/*
 * The address k after p's, with p's prefix length, into out (text
 * included).  -ERANGE when it leaves p's subnet or is its IPv4 broadcast.
 */
int addrs_nth(const struct topo_prefix *p, uint64_t k, struct topo_prefix *out);
/* Add the count addresses after first's to ifname in namespace nsfd; 0 or -errno. */
int addrs_add_after(int nsfd, const char *ifname, const struct topo_prefix *first,
		    unsigned count);

#endif
