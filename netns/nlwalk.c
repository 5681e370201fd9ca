/*
 * nlwalk.c - the checked netlink walk (see nlwalk.h).
 */
#include <errno.h>

#include <linux/netlink.h>

#include "nlwalk.h"

/* Aligned lengths in size_t: a 32-bit length near 2^32 must not wrap to 0. */
static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

bool nlw_ok(const struct nlmsghdr *nlh, size_t rem)
{
	return rem >= sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) && nlh->nlmsg_len <= rem;
}

static int error_msg(const struct nlmsghdr *nlh, const struct nlw *w)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	int rc;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
		return -EBADMSG;
	if (e->error == 0)
		return NLW_DONE;	/* an ACK */
	if (w->on_error) {
		rc = w->on_error(nlh, w->data);
		return rc < 0 ? rc : NLW_MORE;
	}
	return e->error < 0 ? e->error : -EPROTO;
}

/* One message: NLW_MORE to go on, NLW_DONE, or -errno. */
static int take(const struct nlmsghdr *nlh, const struct nlw *w)
{
	int rc;

	if (w->seq && nlh->nlmsg_seq && nlh->nlmsg_seq != w->seq)
		return -EPROTO;
	if (w->portid && nlh->nlmsg_pid && nlh->nlmsg_pid != w->portid)
		return -ESRCH;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		return -EINTR;
	switch (nlh->nlmsg_type) {
	case NLMSG_DONE:
		return NLW_DONE;
	case NLMSG_ERROR:
		return error_msg(nlh, w);
	}
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE || !w->cb)
		return NLW_MORE;	/* NOOP, OVERRUN, or nobody asked */
	rc = w->cb(nlh, w->data);
	return rc < 0 ? rc : NLW_MORE;
}

int nlw_walk(const void *buf, size_t len, const struct nlw *w)
{
	const char *p = buf;
	size_t rem = len, step;
	int rc;

	while (rem) {
		const struct nlmsghdr *nlh = (const void *)p;

		if (!nlw_ok(nlh, rem))
			return -EBADMSG;
		rc = take(nlh, w);
		if (rc != NLW_MORE)
			return rc;
		step = align4(nlh->nlmsg_len);
		if (step >= rem)
			break;	/* the last message; it may end unaligned */
		p += step;
		rem -= step;
	}
	return NLW_MORE;
}

int nlw_attr_walk(const struct nlmsghdr *nlh, size_t hdrlen, nlw_attr_cb cb, void *data)
{
	size_t off = NLMSG_HDRLEN + align4(hdrlen), end = nlh->nlmsg_len;
	const char *base = (const char *)nlh;
	int rc;

	if (end < off)
		return -EBADMSG;
	while (end - off >= sizeof(struct nlattr)) {
		const struct nlattr *a = (const void *)(base + off);

		if (a->nla_len < sizeof(*a) || a->nla_len > end - off)
			return -EBADMSG;
		rc = cb(a, data);
		if (rc < 0)
			return rc;
		off += align4(a->nla_len);
		if (off >= end)
			break;
	}
	return 0;
}
