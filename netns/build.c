/*
 * build.c - topologies in namespaces through libnl-route-3 (see build.h).
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/pkt_sched.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/class.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/route.h>
#include <netlink/route/tc.h>

#include "build.h"
#include "ns.h"

static const char stateful_ruleset[] =
	"table inet connrate {\n"
	"\tchain forward {\n"
	"\t\ttype filter hook forward priority filter; policy drop;\n"
	"\t\tct state established,related accept\n"
	"\t\tct state new accept\n"
	"\t}\n"
	"}\n";

struct bctx {
	const struct topo *t;
	const char *prefix;
	int nsfd[TOPO_MAX_NODES];
	struct nl_sock *sk[TOPO_MAX_NODES];
	int kernel_errno;	/* the kernel's own errno of the last refusal */
	char nsname[NS_NAME_MAX];	/* nsname()'s answer: one per message */
	char *err;
	size_t errlen;
};

/* libnl's error space to errno, at the boundary. */
static int nlerr_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_EXIST: return EEXIST;
	case NLE_NOMEM: return ENOMEM;
	case NLE_PERM: return EPERM;
	case NLE_NOACCESS: return EACCES;
	case NLE_INVAL: return EINVAL;
	case NLE_RANGE: return ERANGE;
	case NLE_OBJ_NOTFOUND: return ENOENT;
	case NLE_NODEV: return ENODEV;
	case NLE_BUSY: return EBUSY;
	case NLE_AGAIN: return EAGAIN;
	case NLE_OPNOTSUPP: return EOPNOTSUPP;
	case NLE_AF_NOSUPPORT: return EAFNOSUPPORT;
	case NLE_NOADDR: return EADDRNOTAVAIL;
	case NLE_INTR: return EINTR;
	case NLE_MSGSIZE: return EMSGSIZE;
	default: return EIO;
	}
}

static int berr(struct bctx *b, int line, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int berr(struct bctx *b, int line, int err, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* libnl folds errnos it has no name for (ENETUNREACH, ...) into one */
	if (err == EIO && b->kernel_errno)
		err = b->kernel_errno;
	b->kernel_errno = 0;
	if (line)
		snprintf(b->err, b->errlen, "%s:%d: %s: %s", b->t->path, line, what,
			 strerror(err));
	else
		snprintf(b->err, b->errlen, "%s: %s", what, strerror(err));
	return -err;
}

void build_ns_name(const char *prefix, const char *node, char *buf, size_t len)
{
	snprintf(buf, len, "%s-%s", prefix, node);
}

static const char *nsname(struct bctx *b, unsigned node)
{
	build_ns_name(b->prefix, b->t->node[node].name, b->nsname, sizeof(b->nsname));
	return b->nsname;
}

/* Keep the errno of the kernel's refusal, then let libnl report it as ever. */
static int save_errno(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	(void)nla;
	*(int *)arg = e->error < 0 ? -e->error : e->error;
	return NL_STOP;
}

struct nl_sock *build_route_sock(int nsfd, int *kernel_errno)
{
	struct nl_sock *sk = NULL;
	int saved;

	if (ns_enter(nsfd, &saved))
		return NULL;
	sk = nl_socket_alloc();
	if (sk)
		nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, save_errno, kernel_errno);
	if (sk && nl_connect(sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(sk);
		sk = NULL;
	}
	if (ns_leave(saved) && sk) {
		nl_socket_free(sk);
		sk = NULL;
	}
	return sk;
}

static int ifindex_of(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l = NULL;
	int idx, rc = rtnl_link_get_kernel(sk, 0, name, &l);

	if (rc < 0)
		return -nlerr_errno(rc);
	idx = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return idx;
}

static int link_up(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *orig = NULL, *change;
	int rc = rtnl_link_get_kernel(sk, 0, name, &orig);

	if (rc < 0)
		return -nlerr_errno(rc);
	change = rtnl_link_alloc();
	if (!change) {
		rtnl_link_put(orig);
		return -ENOMEM;
	}
	rtnl_link_set_flags(change, IFF_UP);
	rc = rtnl_link_change(sk, orig, change, 0);
	rtnl_link_put(change);
	rtnl_link_put(orig);
	return rc < 0 ? -nlerr_errno(rc) : 0;
}

static struct nl_addr *prefix_addr(const struct topo_prefix *p)
{
	struct nl_addr *a = nl_addr_build(p->family, p->addr,
					  p->family == AF_INET ? 4 : 16);

	if (a)
		nl_addr_set_prefixlen(a, (int)p->len);
	return a;
}

static int make_veth(struct bctx *b, const struct topo_link *l)
{
	const struct topo_end *a = &l->end[0], *z = &l->end[1];
	struct rtnl_link *link = rtnl_link_veth_alloc(), *peer;
	int rc;

	if (!link)
		return berr(b, l->line, ENOMEM, "cannot create veth \"%s\"", a->ifname);
	rtnl_link_set_name(link, a->ifname);
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(peer, z->ifname);
	/* the peer is born in its own namespace: never in the host's */
	rtnl_link_set_ns_fd(peer, b->nsfd[z->node]);
	rtnl_link_put(peer);
	rc = rtnl_link_add(b->sk[a->node], link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_veth_release(link);
	if (rc < 0)
		return berr(b, l->line, nlerr_errno(rc), "cannot create veth \"%s\" in %s",
			    a->ifname, nsname(b, a->node));
	return 0;
}

/* Put the end into its bridge (before it goes up). */
static int end_enslave(struct bctx *b, int line, const struct topo_end *e, int idx)
{
	const struct topo_end *br = &b->t->bridge[e->master - 1].dev;
	int midx = ifindex_of(b->sk[e->node], br->ifname), rc;

	if (midx < 0)
		return berr(b, line, -midx, "cannot find bridge \"%s\" in %s", br->ifname,
			    nsname(b, e->node));
	rc = rtnl_link_enslave_ifindex(b->sk[e->node], midx, idx);
	if (rc < 0)
		return berr(b, line, nlerr_errno(rc), "cannot put \"%s\" in bridge \"%s\"",
			    e->ifname, br->ifname);
	return 0;
}

static int end_setup(struct bctx *b, int line, const struct topo_end *e)
{
	struct nl_sock *sk = b->sk[e->node];
	int idx = ifindex_of(sk, e->ifname), rc;
	unsigned i;

	if (idx < 0)
		return berr(b, line, -idx, "cannot find \"%s\" in %s", e->ifname,
			    nsname(b, e->node));
	if (e->master && (rc = end_enslave(b, line, e, idx)))
		return rc;
	rc = link_up(sk, e->ifname);
	if (rc)
		return berr(b, line, -rc, "cannot set \"%s\" up", e->ifname);
	for (i = 0; i < e->naddr; i++) {
		struct rtnl_addr *ra = rtnl_addr_alloc();
		struct nl_addr *local = prefix_addr(&e->addr[i]);

		if (!ra || !local) {
			rtnl_addr_put(ra);
			nl_addr_put(local);
			return berr(b, line, ENOMEM, "cannot add address");
		}
		rtnl_addr_set_ifindex(ra, idx);
		rtnl_addr_set_local(ra, local);
		if (e->addr[i].family == AF_INET6)
			rtnl_addr_set_flags(ra, IFA_F_NODAD);	/* usable at once */
		rc = rtnl_addr_add(sk, ra, 0);
		nl_addr_put(local);
		rtnl_addr_put(ra);
		if (rc < 0)
			return berr(b, line, nlerr_errno(rc), "cannot add address %s to \"%s\"",
				    e->addr[i].text, e->ifname);
	}
	return 0;
}

/* A bridge device in its node (no STP: ports forward at once), then its addresses. */
static int make_bridge(struct bctx *b, const struct topo_bridge *br)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int rc;

	if (!link)
		return berr(b, br->line, ENOMEM, "cannot create bridge \"%s\"", br->dev.ifname);
	rtnl_link_set_name(link, br->dev.ifname);
	rc = rtnl_link_set_type(link, "bridge");
	if (rc >= 0)
		rc = rtnl_link_add(b->sk[br->dev.node], link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(link);
	if (rc < 0 && nlerr_errno(rc) == EOPNOTSUPP) {
		snprintf(b->err, b->errlen,
			 "%s:%d: cannot create bridge \"%s\" in %s: this kernel has no bridge "
			 "device (module bridge: modprobe bridge)",
			 b->t->path, br->line, br->dev.ifname, nsname(b, br->dev.node));
		return -EOPNOTSUPP;
	}
	if (rc < 0)
		return berr(b, br->line, nlerr_errno(rc), "cannot create bridge \"%s\" in %s",
			    br->dev.ifname, nsname(b, br->dev.node));
	return end_setup(b, br->line, &br->dev);
}

static int make_route(struct bctx *b, const struct topo_route *r)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = prefix_addr(&r->dst), *gw = prefix_addr(&r->gw);
	int rc = -NLE_NOMEM;

	if (rt && nh && dst && gw) {
		rtnl_route_set_family(rt, (uint8_t)r->dst.family);
		rtnl_route_set_dst(rt, dst);
		rtnl_route_nh_set_gateway(nh, gw);
		rtnl_route_add_nexthop(rt, nh);
		nh = NULL;	/* the route owns it now */
		rc = rtnl_route_add(b->sk[r->node], rt, NLM_F_CREATE | NLM_F_EXCL);
	}
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(dst);
	nl_addr_put(gw);
	rtnl_route_put(rt);
	if (rc < 0)
		return berr(b, r->line, nlerr_errno(rc), "cannot add route %s via %s in %s",
			    r->dst.text, r->gw.text, nsname(b, r->node));
	return 0;
}

static int make_qdisc(struct bctx *b, const struct topo_qdisc *q)
{
	static const char *const kinds[] = { "tbf", "htb", "netem" };
	struct nl_sock *sk = b->sk[q->node];
	struct rtnl_qdisc *qd;
	int idx = ifindex_of(sk, q->ifname), rc;

	if (idx < 0)
		return berr(b, q->line, -idx, "cannot find \"%s\"", q->ifname);
	qd = rtnl_qdisc_alloc();
	if (!qd)
		return berr(b, q->line, ENOMEM, "qdisc");
	rtnl_tc_set_ifindex(TC_CAST(qd), idx);
	rtnl_tc_set_parent(TC_CAST(qd), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(qd), TC_HANDLE(1, 0));
	rtnl_tc_set_kind(TC_CAST(qd), kinds[q->kind]);
	switch (q->kind) {
	case QDISC_TBF:
		rtnl_qdisc_tbf_set_rate(qd, (int)(q->rate_bps / 8), (int)q->burst_bytes, 0);
		rtnl_qdisc_tbf_set_limit_by_latency(qd, (int)(q->latency_ns / 1000));
		break;
	case QDISC_HTB:
		rtnl_htb_set_defcls(qd, TC_HANDLE(1, 0x10));
		break;
	case QDISC_NETEM:
		if (q->delay_ns)
			rtnl_netem_set_delay(qd, (int)(q->delay_ns / 1000));
		if (q->jitter_ns)
			rtnl_netem_set_jitter(qd, (int)(q->jitter_ns / 1000));
		if (q->loss_pct > 0)
			rtnl_netem_set_loss(qd, (int)(q->loss_pct / 100.0 * 4294967295.0));
		break;
	}
	rc = rtnl_qdisc_add(sk, qd, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_qdisc_put(qd);
	if (rc < 0 && q->kind == QDISC_NETEM && nlerr_errno(rc) == ENOENT) {
		snprintf(b->err, b->errlen,
			 "%s:%d: qdisc netem: this kernel has no netem (sch_netem): "
			 "\"Specified qdisc kind is unknown\"; for delay and loss use connrate-dut --delay/--drop",
			 b->t->path, q->line);
		return -EOPNOTSUPP;
	}
	if (rc < 0)
		return berr(b, q->line, nlerr_errno(rc), "cannot add qdisc %s on \"%s\"",
			    kinds[q->kind], q->ifname);
	if (q->kind == QDISC_HTB) {
		struct rtnl_class *cl = rtnl_class_alloc();

		if (!cl)
			return berr(b, q->line, ENOMEM, "htb class");
		rtnl_tc_set_ifindex(TC_CAST(cl), idx);
		rtnl_tc_set_parent(TC_CAST(cl), TC_HANDLE(1, 0));
		rtnl_tc_set_handle(TC_CAST(cl), TC_HANDLE(1, 0x10));
		rtnl_tc_set_kind(TC_CAST(cl), "htb");
		rtnl_htb_set_rate64(cl, q->rate_bps / 8);
		rtnl_htb_set_ceil64(cl, (q->ceil_bps ? q->ceil_bps : q->rate_bps) / 8);
		rc = rtnl_class_add(sk, cl, NLM_F_CREATE | NLM_F_EXCL);
		rtnl_class_put(cl);
		if (rc < 0)
			return berr(b, q->line, nlerr_errno(rc), "cannot add htb class on \"%s\"",
				    q->ifname);
	}
	return 0;
}

static int node_setup(struct bctx *b, unsigned i)
{
	const struct topo_node *n = &b->t->node[i];
	int rc;

	rc = link_up(b->sk[i], "lo");
	if (rc)
		return berr(b, n->line, -rc, "cannot set lo up in %s", nsname(b, i));
	/*
	 * No duplicate address detection on the links to come: with it their
	 * link-local addresses stay tentative for a second or two, and IPv6
	 * neighbour discovery through the lab fails until then.
	 */
	rc = ns_sysctl_write(b->nsfd[i], "net.ipv6.conf.default.accept_dad", "0");
	if (rc && rc != -ENOENT)	/* ENOENT: IPv6 is off in this kernel */
		return berr(b, n->line, -rc, "cannot turn off DAD in %s", nsname(b, i));
	if (!n->forward)
		return 0;
	rc = ns_sysctl_write(b->nsfd[i], "net.ipv4.ip_forward", "1");
	if (!rc)
		rc = ns_sysctl_write(b->nsfd[i], "net.ipv6.conf.all.forwarding", "1");
	if (rc)
		return berr(b, n->line, -rc, "cannot turn on forwarding in %s", nsname(b, i));
	return 0;
}

static int node_stateful(struct bctx *b, unsigned i)
{
	char *const argv[] = { (char *)"nft", (char *)"-f", (char *)"-", NULL };
	int rc;

	if (!b->t->node[i].stateful)
		return 0;
	rc = ns_run(b->nsfd[i], argv, stateful_ruleset);
	if (rc == 127 || rc == -ENOENT)
		return berr(b, b->t->node[i].line, ENOENT,
			    "stateful node %s needs nft (Debian package nftables)", nsname(b, i));
	if (rc)
		return berr(b, b->t->node[i].line, EINVAL,
			    "nft could not load the stateful ruleset in %s (status %d)",
			    nsname(b, i), rc);
	return 0;
}

static void bctx_close(struct bctx *b)
{
	unsigned i;

	for (i = 0; i < TOPO_MAX_NODES; i++) {
		if (b->sk[i])
			nl_socket_free(b->sk[i]);
		if (b->nsfd[i] >= 0)
			close(b->nsfd[i]);
		b->sk[i] = NULL;
		b->nsfd[i] = -1;
	}
}

#define STOPPED() (stop && *stop)

int build_check(const struct topo *t, const char *prefix, char *err, size_t errlen)
{
	struct ns_record rec;
	unsigned i;

	if (!ns_prefix_ok(prefix)) {
		snprintf(err, errlen, "prefix '%s': " NS_PREFIX_RULE, prefix);
		return -EINVAL;
	}
	if (ns_record_read(prefix, &rec) == 0) {
		snprintf(err, errlen, "prefix '%s' is in use (%s/%s); connrate-lab down %s",
			 prefix, NS_OWNER_DIR, prefix, prefix);
		return -EEXIST;
	}
	for (i = 0; i < t->nnodes; i++) {
		char name[NS_NAME_MAX];

		build_ns_name(prefix, t->node[i].name, name, sizeof(name));
		if (ns_exists(name)) {
			snprintf(err, errlen, "namespace %s exists already; not touching it", name);
			return -EEXIST;
		}
	}
	return 0;
}

/*
 * The owner record, made before any namespace and only if no lab has the
 * prefix: so of two labs with one name, one builds and the other touches
 * nothing.
 */
static int record_create(struct bctx *b, struct ns_record *rec)
{
	unsigned i;
	int rc;

	memset(rec, 0, sizeof(*rec));
	snprintf(rec->prefix, sizeof(rec->prefix), "%s", b->prefix);
	rec->pid = getpid();
	rec->starttime = ns_proc_starttime(rec->pid);
	snprintf(rec->state, sizeof(rec->state), "building");
	for (i = 0; i < b->t->nnodes; i++)
		build_ns_name(b->prefix, b->t->node[i].name, rec->ns[rec->nns++], NS_NAME_MAX);
	rc = ns_record_create(rec);
	if (rc == -EEXIST) {
		snprintf(b->err, b->errlen, "prefix '%s' is in use (%s/%s); connrate-lab down %s",
			 b->prefix, NS_OWNER_DIR, b->prefix, b->prefix);
		return rc;
	}
	if (rc)
		return berr(b, 0, -rc, "cannot write the owner record %s/%s", NS_OWNER_DIR, b->prefix);
	return 0;
}

int build_up(const struct topo *t, const char *prefix, const char *state,
	     const volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	struct bctx b = { .t = t, .prefix = prefix, .err = err, .errlen = errlen };
	struct ns_record rec = { 0 };
	unsigned i;
	int rc = 0;

	for (i = 0; i < TOPO_MAX_NODES; i++)
		b.nsfd[i] = -1;
	rc = build_check(t, prefix, err, errlen);
	if (!rc)
		rc = record_create(&b, &rec);
	if (rc)
		return rc;

	for (i = 0; i < t->nnodes && !rc; i++) {
		if (STOPPED()) {
			rec.nns = i;
			goto out_stopped;
		}
		rc = ns_create(rec.ns[i]);
		if (rc) {
			berr(&b, t->node[i].line, -rc, "cannot create namespace %s", rec.ns[i]);
			rec.nns = i;	/* this one and those after it are not ours */
			break;
		}
		b.nsfd[i] = ns_open(rec.ns[i]);
		b.sk[i] = b.nsfd[i] >= 0 ? build_route_sock(b.nsfd[i], &b.kernel_errno) : NULL;
		if (!b.sk[i]) {
			rc = berr(&b, t->node[i].line, EIO, "cannot open netlink in %s", rec.ns[i]);
			break;
		}
		rc = node_setup(&b, i);
	}
	for (i = 0; i < t->nbridges && !rc; i++)
		rc = make_bridge(&b, &t->bridge[i]);
	for (i = 0; i < t->nlinks && !rc; i++) {
		if (STOPPED())
			goto out_stopped;
		rc = make_veth(&b, &t->link[i]);
		if (!rc)
			rc = end_setup(&b, t->link[i].line, &t->link[i].end[0]);
		if (!rc)
			rc = end_setup(&b, t->link[i].line, &t->link[i].end[1]);
	}
	for (i = 0; i < t->nroutes && !rc; i++) {
		if (STOPPED())
			goto out_stopped;
		rc = make_route(&b, &t->route[i]);
	}
	for (i = 0; i < t->nqdiscs && !rc; i++)
		rc = make_qdisc(&b, &t->qdisc[i]);
	for (i = 0; i < t->nnodes && !rc; i++) {
		if (STOPPED())
			goto out_stopped;
		rc = node_stateful(&b, i);
	}
	if (!rc && STOPPED())
		goto out_stopped;
	if (!rc) {
		snprintf(rec.state, sizeof(rec.state), "%s", state);
		rc = ns_record_write(&rec);
		if (rc)
			berr(&b, 0, -rc, "cannot update the owner record");
	}
	bctx_close(&b);
	if (rc)
		ns_record_teardown(&rec);
	return rc;

out_stopped:
	bctx_close(&b);
	ns_record_teardown(&rec);
	snprintf(err, errlen, "interrupted; everything built so far was removed");
	return -EINTR;
}

int build_mark(const char *prefix, const char *state, char *err, size_t errlen)
{
	struct ns_record rec;
	int rc = ns_record_read(prefix, &rec);

	if (!rc) {
		snprintf(rec.state, sizeof(rec.state), "%s", state);
		rc = ns_record_write(&rec);
	}
	if (rc)
		snprintf(err, errlen, "cannot update the owner record of %s: %s", prefix,
			 strerror(-rc));
	return rc;
}

int build_down(const char *prefix, char *err, size_t errlen)
{
	struct ns_record rec;
	int rc = ns_record_read(prefix, &rec);

	if (rc) {
		snprintf(err, errlen, "no lab '%s' (%s/%s: %s); only namespaces the lab made are removed",
			 prefix, NS_OWNER_DIR, prefix, strerror(-rc));
		return rc;
	}
	rc = ns_record_teardown(&rec);
	if (rc && errlen)
		snprintf(err, errlen, "cannot remove lab '%s': %s", prefix, strerror(-rc));
	return rc;
}
