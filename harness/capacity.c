/*
 * capacity.c - connrate-lab run --capacity (see capacity.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addrs.h"
#include "capacity.h"
#include "dutopts.h"
#include "record.h"
#include "results.h"

/* Is p's address any node's in t? */
static bool taken(const struct topo *t, const struct topo_prefix *p)
{
	unsigned l, e, a, bytes = p->family == AF_INET ? 4 : 16;

	for (l = 0; l < t->nlinks; l++)
		for (e = 0; e < 2; e++)
			for (a = 0; a < t->link[l].end[e].naddr; a++) {
				const struct topo_prefix *q = &t->link[l].end[e].addr[a];

				if (q->family == p->family && !memcmp(q->addr, p->addr, bytes))
					return true;
			}
	return false;
}

/* The client's end and its first address of family: 0, or -1. */
static int client_end(const struct topo *t, int node, int family, const struct topo_end **end,
		      unsigned *ai)
{
	unsigned l, e, a;

	for (l = 0; l < t->nlinks; l++)
		for (e = 0; e < 2; e++) {
			const struct topo_end *x = &t->link[l].end[e];

			if ((int)x->node != node)
				continue;
			for (a = 0; a < x->naddr; a++)
				if (x->addr[a].family == family) {
					*end = x;
					*ai = a;
					return 0;
				}
		}
	return -1;
}

/*
 * Are the n addresses from k after own's all inside its subnet and no
 * node's?  The last one into *last.
 */
static bool block_free(const struct topo *t, const struct topo_prefix *own, uint64_t k,
		       unsigned n, struct topo_prefix *last)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (addrs_nth(own, k + i, last) || (k + i && taken(t, last)))
			return false;
	return true;
}

int capacity_sources(const struct topo *t, int client_node, int family, unsigned naddr,
		     struct capacity_src *out, char *err, size_t errlen)
{
	const struct topo_end *end;
	struct topo_prefix p, last;
	unsigned a;
	uint64_t k;

	memset(out, 0, sizeof(*out));
	if (client_node < 0 || client_end(t, client_node, family, &end, &a)) {
		snprintf(err, errlen, "the client node has no %s address on a link",
			 family == AF_INET ? "IPv4" : "IPv6");
		return -1;
	}
	if (!naddr)
		naddr = 1;
	snprintf(out->ifname, sizeof(out->ifname), "%s", end->ifname);
	/* its own and the ones after it; else the first free block after it */
	for (k = 0; !block_free(t, &end->addr[a], k, naddr, &last); k++)
		if (k >= 65536 || addrs_nth(&end->addr[a], k + naddr, &p)) {
			snprintf(err, errlen, "no %u free addresses in a row in the subnet of %s",
				 naddr, end->addr[a].text);
			return -1;
		}
	if (k == 0) {
		out->base = end->addr[a];
		out->extra = naddr - 1;
	} else {
		addrs_nth(&end->addr[a], k - 1, &out->base);
		out->extra = naddr;
	}
	addrs_nth(&end->addr[a], k, &p);
	snprintf(out->range, sizeof(out->range), "%.*s-%.*s",
		 (int)strcspn(p.text, "/"), p.text, (int)strcspn(last.text, "/"), last.text);
	return 0;
}

int capacity_setup(int nsfd, const struct capacity_src *s, char *err, size_t errlen)
{
	int rc;

	if (!s->extra)
		return 0;
	rc = addrs_add_after(nsfd, s->ifname, &s->base, s->extra);
	if (rc) {
		snprintf(err, errlen, "cannot add %u addresses after %s to \"%s\": %s",
			 s->extra, s->base.text, s->ifname, strerror(-rc));
		return -1;
	}
	return 0;
}

void caplog_note(struct caplog *l, uint64_t target, uint64_t held, const struct diagnosis *dg)
{
	unsigned i, pick = 0;

	if (held >= target || !dg->n || l->n == CAPLOG_MAX)
		return;
	for (i = 0; i < dg->n; i++)
		if (!strncmp(dg->line[i], "dut ", 4)) {
			pick = i;
			break;
		}
	l->target[l->n] = target;
	snprintf(l->why[l->n], sizeof(l->why[0]), "%s", dg->line[pick]);
	l->n++;
}

const char *caplog_explain(const struct caplog *l, json_object *cap)
{
	uint64_t at = record_get_u(cap, "failed_at", NULL);
	unsigned i;

	for (i = l->n; at && i-- > 0;)
		if (l->target[i] == at) {
			json_object_object_add(cap, "explained_by", json_object_new_string(l->why[i]));
			return l->why[i];
		}
	return NULL;
}

void capacity_print_round(FILE *f, const char *label, json_object *cr, const struct diagnosis *dg)
{
	char a[24], b[24];
	unsigned i;

	fprintf(f, "[%s] hold %-7llu established %llu, held %llu, lost %llu, peak %llu  exchange p50 %s  p99 %s%s\n",
		label, (unsigned long long)record_get_u(cr, "target", NULL),
		(unsigned long long)record_get_u(cr, "established", NULL),
		(unsigned long long)record_get_u(cr, "held", NULL),
		(unsigned long long)record_get_u(cr, "lost", NULL),
		(unsigned long long)record_get_u(cr, "peak", NULL),
		results_fmt_us(record_get_d(cr, "exchange_us", "p50"), a, sizeof(a)),
		results_fmt_us(record_get_d(cr, "exchange_us", "p99"), b, sizeof(b)),
		json_object_get_boolean(json_object_object_get(cr, "interrupted")) ?
		"  (interrupted)" : "");
	if (record_get_u(cr, "held", NULL) < record_get_u(cr, "target", NULL))
		for (i = 0; i < dg->n; i++)
			fprintf(f, "    %s\n", dg->line[i]);
}

/*
 * Between two rounds the device's table must empty: the kernel keeps a
 * reset connection's conntrack entry for nf_conntrack_tcp_timeout_close
 * (10 s; then the lab sweeps the table, see run.c), connrate-dut keeps a
 * flow --flow-timeout after its last packet.
 */
void capacity_cooldown(const char *dut_sim, char *buf, size_t len)
{
	uint64_t ms = CAPACITY_CT_CLOSE_MS + 2000;
	struct dut_opts o;
	char err[256];

	if (dut_sim && dut_opts_parse_line(&o, dut_sim, err, sizeof(err)) == 0 &&
	    o.max_flows && o.flow_timeout_ns / 1000000 + 1000 > ms)
		ms = o.flow_timeout_ns / 1000000 + 1000;
	if (dut_sim)
		dut_opts_free(&o);
	snprintf(buf, len, "%llums", (unsigned long long)ms);
}
