/*
 * build.h - build a topology in network namespaces, and take it down.
 *
 * Through netlink (libnl-route-3): each namespace PREFIX-NODE with lo up,
 * bridge devices inside their nodes, veth pairs created with each end
 * directly in its namespace (nothing is ever attached to the host's
 * namespace), ends put in their bridges, addresses, links up, routes,
 * root qdiscs; then forwarding for `forward` nodes and a minimal stateful
 * nft ruleset for `stateful` ones.  The owner record is written before the
 * first namespace exists and lists each one before it is made, so a
 * failure, a signal (*stop set) or a kill -9 at any point leaves nothing
 * that `down` or `down --stale` cannot find.  On failure build_up()
 * removes everything it made itself.
 *
 * libnl's -NLE_* codes are turned into -errno here; the rest of the lab
 * sees one convention.
 */
#ifndef CR_BUILD_H
#define CR_BUILD_H

#include <signal.h>
#include <stddef.h>

#include "topo.h"

struct nl_sock;

/* Can t be built as prefix (name free, no namespace in the way)?  0 or -errno + err. */
int build_check(const struct topo *t, const char *prefix, char *err, size_t errlen);
/* 0, -EINTR when stopped, or -errno with a message in err. */
int build_up(const struct topo *t, const char *prefix, const char *state,
	     const volatile sig_atomic_t *stop, char *err, size_t errlen);
/* Set the state of prefix's owner record ("up", "running"). */
int build_mark(const char *prefix, const char *state, char *err, size_t errlen);
/* Remove what the record of prefix lists.  0 or -errno with err. */
int build_down(const char *prefix, char *err, size_t errlen);
/* The namespace name of a node: PREFIX-NODE. */
/*
 * A route socket in namespace nsfd, or NULL (errno set); a kernel refusal
 * leaves its errno in *kernel_errno, which libnl would fold into one code.
 */
struct nl_sock *build_route_sock(int nsfd, int *kernel_errno);

void build_ns_name(const char *prefix, const char *node, char *buf, size_t len);

#endif
