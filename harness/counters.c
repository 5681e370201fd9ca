/*
 * counters.c - the kernel's counters (see counters.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include "counters.h"
#include "nlwalk.h"
#include "ns.h"

/* --- snmp / netstat --- */

static void put(struct nstat *s, const char *proto, const char *name, int64_t v)
{
	unsigned i;
	char full[NSTAT_NAME];

	if ((size_t)snprintf(full, sizeof(full), "%s%s", proto, name) >= sizeof(full))
		return;
	for (i = 0; i < s->n; i++) {
		if (!strcmp(s->e[i].name, full)) {
			s->e[i].v = v;
			return;
		}
	}
	if (s->n == NSTAT_MAX)
		return;
	snprintf(s->e[s->n].name, NSTAT_NAME, "%s", full);
	s->e[s->n].v = v;
	s->n++;
}

int counters_parse_snmp(const char *text, struct nstat *out)
{
	char *copy = strdup(text), *hdr = NULL, *line, *next, *save1, *save2;

	if (!copy)
		return -ENOMEM;
	for (line = copy; line && *line; line = next) {
		char *colon;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		colon = strchr(line, ':');
		if (!colon)
			continue;
		if (!hdr || strncmp(hdr, line, (size_t)(colon - line) + 1) != 0) {
			hdr = line;	/* names line: the values follow */
			continue;
		}
		{
			char proto[NSTAT_NAME], *n, *v;

			snprintf(proto, sizeof(proto), "%.*s", (int)(colon - line), line);
			n = strtok_r(strchr(hdr, ':') + 1, " \t", &save1);
			v = strtok_r(colon + 1, " \t", &save2);
			while (n && v) {
				char *end;
				long long x = strtoll(v, &end, 10);

				if (*end == '\0')
					put(out, proto, n, x);
				n = strtok_r(NULL, " \t", &save1);
				v = strtok_r(NULL, " \t", &save2);
			}
		}
		hdr = NULL;
	}
	free(copy);
	return 0;
}

static int read_ns_file(int nsfd, const char *path, char *buf, size_t len)
{
	int fd = ns_open_file(nsfd, path, O_RDONLY);
	size_t got = 0;

	if (fd < 0)
		return fd;
	while (got < len - 1) {
		ssize_t n = read(fd, buf + got, len - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return 0;
}

int counters_read_snmp(int nsfd, struct nstat *out)
{
	static const char *const files[] = { "/proc/net/snmp", "/proc/net/netstat" };
	char *buf = malloc(65536);
	unsigned i;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	out->n = 0;
	for (i = 0; i < 2 && !rc; i++) {
		rc = read_ns_file(nsfd, files[i], buf, 65536);
		if (!rc)
			rc = counters_parse_snmp(buf, out);
	}
	free(buf);
	return rc;
}

int64_t nstat_get(const struct nstat *s, const char *name)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->e[i].name, name))
			return s->e[i].v;
	return 0;
}

void counters_delta(const struct nstat *a, const struct nstat *b, struct nstat *d)
{
	unsigned i;

	d->n = 0;
	for (i = 0; i < b->n; i++) {
		snprintf(d->e[d->n].name, NSTAT_NAME, "%s", b->e[i].name);
		d->e[d->n].v = b->e[i].v - nstat_get(a, b->e[i].name);
		d->n++;
	}
}

/* --- netlink plumbing --- */

static struct mnl_socket *mnl_in(int nsfd, int bus)
{
	struct mnl_socket *nl = NULL;
	int saved;

	if (ns_enter(nsfd, &saved))
		return NULL;
	nl = mnl_socket_open(bus);
	if (ns_leave(saved) < 0 && nl) {
		mnl_socket_close(nl);
		return NULL;
	}
	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

/*
 * Send one request and walk the answer until it ends (DONE or ACK) with
 * the checked walker the fuzzer drives, never libmnl's mnl_cb_run.
 */
static int talk(struct mnl_socket *nl, void *req, size_t len, uint32_t seq,
		nlw_msg_cb cb, void *data)
{
	const size_t size = MNL_SOCKET_BUFFER_SIZE * 4;
	struct nlw w = { .seq = seq, .portid = mnl_socket_get_portid(nl), .cb = cb, .data = data };
	char *buf = malloc(size);
	ssize_t n;
	int rc = NLW_MORE;

	if (!buf)
		return -ENOMEM;
	if (mnl_socket_sendto(nl, req, len) < 0)
		rc = -errno;
	while (rc == NLW_MORE) {
		n = mnl_socket_recvfrom(nl, buf, size);
		if (n <= 0) {
			rc = n < 0 ? -errno : -EBADMSG;
			break;
		}
		rc = nlw_walk(buf, (size_t)n, &w);
	}
	free(buf);
	return rc;
}

/* --- sock_diag --- */

static const char *const tcp_states[TCP_STATES] = {
	"", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
	"NEW_SYN_RECV",
};

const char *counters_tcp_state_name(unsigned st)
{
	return st < TCP_STATES ? tcp_states[st] : "?";
}

size_t counters_build_diag_req(void *buf, size_t len, int family, uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct inet_diag_req_v2 *req;

	if (len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*req)))
		return 0;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = ~0u;
	return nlh->nlmsg_len;
}

/* One socket of a sock_diag answer. */
static int diag_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sockstates *s = data;
	const struct inet_diag_msg *m;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return -EBADMSG;
	m = mnl_nlmsg_get_payload(nlh);
	if (m->idiag_state < TCP_STATES)
		s->state[m->idiag_state]++;
	return 0;
}

/* A whole answer in buf: an error message or a torn one makes it invalid. */
static int parse_all(const void *buf, size_t len, nlw_msg_cb cb, void *data)
{
	struct nlw w = { .cb = cb, .data = data };
	int rc = nlw_walk(buf, len, &w);

	return rc < 0 ? rc : 0;
}

int counters_parse_diag(const void *buf, size_t len, struct sockstates *acc)
{
	return parse_all(buf, len, diag_cb, acc);
}

int counters_read_sockets(int nsfd, struct sockstates *out)
{
	static const int fams[] = { AF_INET, AF_INET6 };
	char req[256];
	struct mnl_socket *nl = mnl_in(nsfd, NETLINK_SOCK_DIAG);
	unsigned i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!nl)
		return -errno ? -errno : -EIO;
	for (i = 0; i < 2 && !rc; i++) {
		uint32_t seq = (uint32_t)time(NULL) + i;
		size_t len = counters_build_diag_req(req, sizeof(req), fams[i], seq);

		rc = talk(nl, req, len, seq, diag_cb, out);
	}
	mnl_socket_close(nl);
	return rc;
}

/* --- ctnetlink statistics --- */

size_t counters_build_ct_req(void *buf, size_t len, bool per_cpu, uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	if (len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*nfg)))
		return 0;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) |
			  (per_cpu ? IPCTNL_MSG_CT_GET_STATS_CPU : IPCTNL_MSG_CT_GET_STATS);
	nlh->nlmsg_flags = NLM_F_REQUEST | (per_cpu ? NLM_F_DUMP : NLM_F_ACK);
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh->nlmsg_len;
}

struct ct_parse {
	struct ctstats *acc;
	int type;
};

static int ct_attr_cb(const struct nlattr *a, void *data)
{
	struct ct_parse *p = data;
	struct ctstats *s = p->acc;
	uint64_t v;

	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return 0;	/* not a counter: skip it */
	v = ntohl(mnl_attr_get_u32(a));
	if (p->type == IPCTNL_MSG_CT_GET_STATS) {
		switch (mnl_attr_get_type(a)) {
		case CTA_STATS_GLOBAL_ENTRIES: s->count = v; break;
		case CTA_STATS_GLOBAL_MAX_ENTRIES: s->max = v; break;
		}
		return 0;
	}
	switch (mnl_attr_get_type(a)) {
	case CTA_STATS_FOUND: s->found += v; break;
	case CTA_STATS_INVALID: s->invalid += v; break;
	case CTA_STATS_INSERT: s->insert += v; break;
	case CTA_STATS_INSERT_FAILED: s->insert_failed += v; break;
	case CTA_STATS_DROP: s->drop += v; break;
	case CTA_STATS_EARLY_DROP: s->early_drop += v; break;
	case CTA_STATS_ERROR: s->error += v; break;
	case CTA_STATS_SEARCH_RESTART: s->search_restart += v; break;
	}
	return 0;
}

/* One ctnetlink statistics message (per CPU or global). */
static int ct_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ct_parse p = { .acc = data, .type = nlh->nlmsg_type & 0xff };

	if ((nlh->nlmsg_type >> 8) != NFNL_SUBSYS_CTNETLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct nfgenmsg))
		return -EBADMSG;
	p.acc->present = true;
	return nlw_attr_walk(nlh, sizeof(struct nfgenmsg), ct_attr_cb, &p);
}

int counters_parse_ct(const void *buf, size_t len, struct ctstats *acc)
{
	return parse_all(buf, len, ct_cb, acc);
}

int counters_read_conntrack(int nsfd, struct ctstats *out)
{
	char req[128];
	struct mnl_socket *nl = mnl_in(nsfd, NETLINK_NETFILTER);
	uint32_t seq = (uint32_t)time(NULL);
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!nl)
		return -errno ? -errno : -EIO;
	len = counters_build_ct_req(req, sizeof(req), true, seq);
	rc = talk(nl, req, len, seq, ct_cb, out);
	if (!rc) {
		len = counters_build_ct_req(req, sizeof(req), false, ++seq);
		rc = talk(nl, req, len, seq, ct_cb, out);
	}
	mnl_socket_close(nl);
	return rc;
}

void counters_ct_delta(const struct ctstats *a, const struct ctstats *b,
		       struct ctstats *d)
{
	*d = *b;
	d->found = b->found - a->found;
	d->invalid = b->invalid - a->invalid;
	d->insert = b->insert - a->insert;
	d->insert_failed = b->insert_failed - a->insert_failed;
	d->drop = b->drop - a->drop;
	d->early_drop = b->early_drop - a->early_drop;
	d->error = b->error - a->error;
	d->search_restart = b->search_restart - a->search_restart;
}

static int ignore_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(uint64_t *)data)++;
	return 0;
}

int counters_ct_sweep(int nsfd, uint64_t *live)
{
	char req[128];
	struct mnl_socket *nl = mnl_in(nsfd, NETLINK_NETFILTER);
	uint32_t seq = (uint32_t)time(NULL);
	size_t len = counters_build_ct_req(req, sizeof(req), false, seq);
	struct nlmsghdr *nlh = (struct nlmsghdr *)req;
	int rc;

	*live = 0;
	if (!nl)
		return -errno ? -errno : -EIO;
	/* the same header as the statistics request: a table dump instead */
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	rc = talk(nl, req, len, seq, ignore_cb, live);
	mnl_socket_close(nl);
	return rc;
}
