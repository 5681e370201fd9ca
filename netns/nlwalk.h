/*
 * nlwalk.h - one checked walk over netlink messages and their attributes.
 *
 * Every netlink answer this project reads goes through here: the
 * sock_diag and ctnetlink dumps of the lab's counters, and the packets of
 * nfnetlink_queue in connrate-dut; the fuzzer drives the same code.
 *
 * A message is taken only when its header fits, its length is at least a
 * header and at most what is left, compared unsigned (libmnl's
 * mnl_nlmsg_ok compares an int, so a length of 2^31 or more passes as
 * fitting).  The next message starts at the aligned end; the last one may
 * end unaligned, as the kernel's packet messages do (a 61-byte payload).
 * Attributes are walked within the message's own length, never up to its
 * aligned end (libmnl's mnl_attr_parse does, and reads up to 3 bytes past
 * an unaligned message), and an attribute that does not fit refuses the
 * message.
 *
 * Control messages as libmnl's mnl_cb_run handles them: NOOP and OVERRUN
 * skipped, DONE or an ACK ends the answer, an error message returns its
 * error, an interrupted dump is -EINTR, a message of another request
 * (sequence or port id, when given) -EPROTO or -ESRCH.  No allocation, no
 * printing, no library: connrate-dut links this one object of netns/.
 */
#ifndef CR_NLWALK_H
#define CR_NLWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;
struct nlattr;

/* For each data message (or error message): 0 to go on, or -errno to end the walk with. */
typedef int (*nlw_msg_cb)(const struct nlmsghdr *nlh, void *data);
/* For each attribute (its length checked): 0 to go on, or -errno. */
typedef int (*nlw_attr_cb)(const struct nlattr *a, void *data);

struct nlw {
	uint32_t seq;		/* the request's sequence number; 0: any */
	uint32_t portid;	/* our port id; 0: any */
	nlw_msg_cb cb;		/* data messages (NULL: skipped) */
	nlw_msg_cb on_error;	/* error messages; NULL: their error ends the walk */
	void *data;
};

enum { NLW_DONE = 0, NLW_MORE = 1 };

/* Does a whole message of valid length start at nlh, within rem bytes? */
bool nlw_ok(const struct nlmsghdr *nlh, size_t rem);
/*
 * Walk the messages in buf.  NLW_DONE: a DONE or an ACK ended the answer;
 * NLW_MORE: every message was taken and the answer may go on (read
 * again); or -EBADMSG (a torn or short message), an error message's error,
 * -EPROTO, -ESRCH, -EINTR, or a callback's error.
 */
int nlw_walk(const void *buf, size_t len, const struct nlw *w);
/*
 * Walk the attributes of a message that nlw_ok took, after its fixed
 * header of hdrlen bytes (aligned up).  0, -EBADMSG, or cb's error.
 */
int nlw_attr_walk(const struct nlmsghdr *nlh, size_t hdrlen, nlw_attr_cb cb, void *data);

#endif
