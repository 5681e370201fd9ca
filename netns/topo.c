/*
 * topo.c - topology file parser (see topo.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payload.h"
#include "topo.h"
#include "units.h"

#define MAX_TOKENS 32

struct pctx {
	struct topo *t;
	const char *path;
	int line;
	char *err;
	size_t errlen;
};

static int perr(struct pctx *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int perr(struct pctx *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%d: %s", p->path, p->line, msg);
	return -1;
}

bool topo_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= TOPO_NAME_MAX)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

int topo_node_index(const struct topo *t, const char *name)
{
	unsigned i;

	for (i = 0; i < t->nnodes; i++)
		if (strcmp(t->node[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int parse_prefix(const char *s, struct topo_prefix *out, bool need_len)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	uint64_t len;

	memset(out, 0, sizeof(*out));
	if (alen >= sizeof(buf) || strlen(s) >= sizeof(out->text))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, out->addr) == 1)
		out->family = AF_INET6;
	else
		return -1;
	if (slash) {
		if (units_parse_count(slash + 1, 0,
				      out->family == AF_INET ? 32 : 128, &len) ||
		    strpbrk(slash + 1, "kKMG."))
			return -1;
		out->len = (unsigned)len;
	} else if (need_len) {
		return -1;
	} else {
		out->len = out->family == AF_INET ? 32 : 128;
	}
	strcpy(out->text, s);
	return 0;
}

/* "node:ifname" with both names valid and the node declared. */
static int parse_nodeif(struct pctx *p, const char *s, unsigned *node, char *ifname)
{
	char buf[2 * TOPO_NAME_MAX];
	const char *colon = strchr(s, ':');
	int idx;

	if (!colon || strlen(s) >= sizeof(buf))
		return perr(p, "'%s': expected NODE:INTERFACE", s);
	memcpy(buf, s, (size_t)(colon - s));
	buf[colon - s] = '\0';
	if (!topo_name_ok(buf) || !topo_name_ok(colon + 1))
		return perr(p, "'%s': names are 1 to 15 of a-z 0-9 _ -", s);
	idx = topo_node_index(p->t, buf);
	if (idx < 0)
		return perr(p, "'%s': no node '%s' declared before this line", s, buf);
	*node = (unsigned)idx;
	strcpy(ifname, colon + 1);
	return 0;
}

const struct topo_end *topo_find_end(const struct topo *t, unsigned node, const char *ifname)
{
	unsigned i, e;

	for (i = 0; i < t->nlinks; i++)
		for (e = 0; e < 2; e++)
			if (t->link[i].end[e].node == node &&
			    strcmp(t->link[i].end[e].ifname, ifname) == 0)
				return &t->link[i].end[e];
	for (i = 0; i < t->nbridges; i++)
		if (t->bridge[i].dev.node == node && !strcmp(t->bridge[i].dev.ifname, ifname))
			return &t->bridge[i].dev;
	return NULL;
}

static bool ifname_taken(const struct topo *t, unsigned node, const char *ifname)
{
	return strcmp(ifname, "lo") == 0 || topo_find_end(t, node, ifname) != NULL;
}

static int do_node(struct pctx *p, char **tok, int n)
{
	struct topo *t = p->t;
	struct topo_node *nd;
	int i;

	if (n < 2)
		return perr(p, "node: expected 'node NAME [forward [stateful]]'");
	if (!topo_name_ok(tok[1]))
		return perr(p, "node '%s': names are 1 to 15 of a-z 0-9 _ -", tok[1]);
	if (topo_node_index(t, tok[1]) >= 0)
		return perr(p, "node '%s' is declared twice", tok[1]);
	if (t->nnodes == TOPO_MAX_NODES)
		return perr(p, "more than %d nodes", TOPO_MAX_NODES);
	nd = &t->node[t->nnodes];
	memset(nd, 0, sizeof(*nd));
	strcpy(nd->name, tok[1]);
	nd->line = p->line;
	for (i = 2; i < n; i++) {
		if (strcmp(tok[i], "forward") == 0)
			nd->forward = true;
		else if (strcmp(tok[i], "stateful") == 0 && nd->forward)
			nd->stateful = true;
		else if (strcmp(tok[i], "stateful") == 0)
			return perr(p, "node '%s': 'stateful' needs 'forward' before it", tok[1]);
		else
			return perr(p, "node '%s': unknown word '%s' (forward, stateful)", tok[1], tok[i]);
	}
	t->nnodes++;
	return 0;
}

/* "node:..." where node is declared: an endpoint, not an address. */
static bool names_node(const struct topo *t, const char *s)
{
	char buf[TOPO_NAME_MAX];
	const char *colon = strchr(s, ':');

	if (!colon || (size_t)(colon - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(colon - s));
	buf[colon - s] = '\0';
	return topo_node_index(t, buf) >= 0;
}

/* "master BR" after a link end: a bridge of the end's node, declared before. */
static int do_master(struct pctx *p, struct topo_end *end, const char *br)
{
	const struct topo *t = p->t;
	unsigned i;

	if (end->naddr)
		return perr(p, "link: '%s:%s master %s': an end in a bridge takes no address (give it to the bridge)",
			    t->node[end->node].name, end->ifname, br);
	if (end->master)
		return perr(p, "link: '%s:%s': one master only", t->node[end->node].name, end->ifname);
	for (i = 0; i < t->nbridges; i++)
		if (t->bridge[i].dev.node == end->node && !strcmp(t->bridge[i].dev.ifname, br))
			break;
	if (i == t->nbridges)
		return perr(p, "link: master '%s': no bridge %s:%s declared before this line",
			    br, t->node[end->node].name, br);
	end->master = i + 1;
	return 0;
}

static int do_link(struct pctx *p, char **tok, int n)
{
	struct topo *t = p->t;
	struct topo_link *l;
	int i, e = -1;

	if (t->nlinks == TOPO_MAX_LINKS)
		return perr(p, "more than %d links", TOPO_MAX_LINKS);
	l = &t->link[t->nlinks];
	memset(l, 0, sizeof(*l));
	l->line = p->line;
	for (i = 1; i < n; i++) {
		if (!strcmp(tok[i], "master")) {
			if (e < 0 || i + 1 == n)
				return perr(p, "link: expected 'NODE:IF master BRIDGE'");
			if (do_master(p, &l->end[e], tok[++i]))
				return -1;
			continue;
		}
		if (names_node(t, tok[i]) || !strchr(tok[i], '/')) {
			struct topo_prefix tmp;

			if (parse_prefix(tok[i], &tmp, false) == 0)
				return perr(p, "link: '%s' is not an ADDRESS/LENGTH: the /LENGTH is missing",
					    tok[i]);
			if (++e > 1)
				return perr(p, "link: more than two ends ('%s')", tok[i]);
			if (parse_nodeif(p, tok[i], &l->end[e].node, l->end[e].ifname))
				return -1;
			if (ifname_taken(t, l->end[e].node, l->end[e].ifname) ||
			    (e == 1 && l->end[0].node == l->end[1].node &&
			     !strcmp(l->end[0].ifname, l->end[1].ifname)))
				return perr(p, "interface '%s' is used twice", tok[i]);
			continue;
		}
		if (e < 0)
			return perr(p, "link: address '%s' before the first NODE:IF", tok[i]);
		if (l->end[e].master)
			return perr(p, "link: '%s': an end in a bridge takes no address (give it to the bridge)",
				    tok[i]);
		if (l->end[e].naddr == TOPO_MAX_ADDRS)
			return perr(p, "link: more than %d addresses on one end", TOPO_MAX_ADDRS);
		if (parse_prefix(tok[i], &l->end[e].addr[l->end[e].naddr], true))
			return perr(p, "link: '%s' is not an ADDRESS/LENGTH (e.g. 10.71.1.1/24, fd71:1::1/64)",
				    tok[i]);
		l->end[e].naddr++;
	}
	if (e != 1)
		return perr(p, "link: expected 'link A:IF ADDR... B:IF ADDR...'");
	if (l->end[0].node == l->end[1].node)
		return perr(p, "link: both ends in node '%s'", t->node[l->end[0].node].name);
	t->nlinks++;
	return 0;
}

static int do_route(struct pctx *p, char **tok, int n)
{
	struct topo *t = p->t;
	struct topo_route *r;
	int idx;

	if (n != 5 || strcmp(tok[3], "via") != 0)
		return perr(p, "route: expected 'route NODE default|ADDR/LEN via GATEWAY'");
	if (t->nroutes == TOPO_MAX_ROUTES)
		return perr(p, "more than %d routes", TOPO_MAX_ROUTES);
	idx = topo_node_index(t, tok[1]);
	if (idx < 0)
		return perr(p, "route: no node '%s' declared before this line", tok[1]);
	r = &t->route[t->nroutes];
	memset(r, 0, sizeof(*r));
	r->node = (unsigned)idx;
	r->line = p->line;
	if (parse_prefix(tok[4], &r->gw, false) || strchr(tok[4], '/'))
		return perr(p, "route: gateway '%s' is not an address", tok[4]);
	if (strcmp(tok[2], "default") == 0) {
		r->dst.family = r->gw.family;
		strcpy(r->dst.text, "default");
	} else if (parse_prefix(tok[2], &r->dst, true)) {
		return perr(p, "route: '%s' is not 'default' or ADDR/LEN", tok[2]);
	}
	if (r->dst.family != r->gw.family)
		return perr(p, "route: destination and gateway are of different families");
	t->nroutes++;
	return 0;
}

struct unit {
	const char *sfx;
	uint64_t mul;
};

/*
 * "NUMBERsuffix" with the suffix one of u[]: the number (digits, and a
 * fraction when frac) in *num, the multiplier in *mul.
 */
static int split_unit(const char *s, bool frac, const struct unit *u, size_t nu,
		      char *num, size_t numlen, uint64_t *mul)
{
	size_t i, n = strspn(s, frac ? "0123456789." : "0123456789");

	if (n == 0 || n >= numlen)
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	for (i = 0; i < nu; i++) {
		if (strcmp(s + n, u[i].sfx) == 0) {
			*mul = u[i].mul;
			return 0;
		}
	}
	return -EINVAL;
}

int topo_parse_rate_bps(const char *s, uint64_t *bps)
{
	static const struct unit u[] = {
		{ "gbit", 1000000000ULL }, { "mbit", 1000000ULL }, { "kbit", 1000ULL },
		{ "bit", 1ULL }, { "gbps", 8000000000ULL }, { "mbps", 8000000ULL },
		{ "kbps", 8000ULL }, { "bps", 8ULL },
	};
	char num[32];
	uint64_t mul, v;

	/* milli-units keep a fraction ("1.5mbit") exact enough */
	if (split_unit(s, true, u, sizeof(u) / sizeof(u[0]), num, sizeof(num), &mul) ||
	    units_parse_rate_milli(num, 1, UINT64_MAX / mul, &v))
		return -EINVAL;
	*bps = v * mul / 1000;
	return *bps ? 0 : -EINVAL;
}

int topo_parse_size(const char *s, uint64_t *bytes)
{
	static const struct unit u[] = {
		{ "", 1 }, { "b", 1 }, { "k", 1024 }, { "kb", 1024 },
		{ "m", 1048576 }, { "mb", 1048576 }, { "g", 1073741824ULL },
		{ "gb", 1073741824ULL },
	};
	char num[32];
	uint64_t mul, v;

	if (split_unit(s, false, u, sizeof(u) / sizeof(u[0]), num, sizeof(num), &mul) ||
	    units_parse_count(num, 1, UINT32_MAX / mul, &v))
		return -EINVAL;
	*bytes = v * mul;
	return 0;
}

static int do_qdisc(struct pctx *p, char **tok, int n)
{
	struct topo *t = p->t;
	struct topo_qdisc *q;
	int i;
	unsigned k;

	if (n < 3)
		return perr(p, "qdisc: expected 'qdisc NODE:IF tbf|htb|netem ...'");
	if (t->nqdiscs == TOPO_MAX_QDISCS)
		return perr(p, "more than %d qdiscs", TOPO_MAX_QDISCS);
	q = &t->qdisc[t->nqdiscs];
	memset(q, 0, sizeof(*q));
	q->line = p->line;
	if (parse_nodeif(p, tok[1], &q->node, q->ifname))
		return -1;
	if (!topo_find_end(t, q->node, q->ifname))
		return perr(p, "qdisc: no link declares interface '%s'", tok[1]);
	for (k = 0; k < t->nqdiscs; k++)
		if (t->qdisc[k].node == q->node && !strcmp(t->qdisc[k].ifname, q->ifname))
			return perr(p, "qdisc: '%s' has a qdisc already (one root qdisc each)", tok[1]);
	if (strcmp(tok[2], "tbf") == 0)
		q->kind = QDISC_TBF;
	else if (strcmp(tok[2], "htb") == 0)
		q->kind = QDISC_HTB;
	else if (strcmp(tok[2], "netem") == 0)
		q->kind = QDISC_NETEM;
	else
		return perr(p, "qdisc: unknown kind '%s' (tbf, htb, netem)", tok[2]);
	for (i = 3; i < n; i++) {
		const char *key = tok[i], *val = i + 1 < n ? tok[i + 1] : NULL;
		bool ok;

		if (!val)
			return perr(p, "qdisc %s: '%s' needs a value", tok[2], key);
		if (q->kind != QDISC_NETEM && !strcmp(key, "rate"))
			ok = !topo_parse_rate_bps(val, &q->rate_bps);
		else if (q->kind == QDISC_HTB && !strcmp(key, "ceil"))
			ok = !topo_parse_rate_bps(val, &q->ceil_bps);
		else if (q->kind == QDISC_TBF && !strcmp(key, "burst"))
			ok = !topo_parse_size(val, &q->burst_bytes);
		else if (q->kind == QDISC_TBF && !strcmp(key, "latency"))
			ok = !units_parse_duration_ns(val, 1000, 3600ULL * 1000000000ULL,
						      &q->latency_ns);
		else if (q->kind == QDISC_NETEM && !strcmp(key, "delay")) {
			ok = !units_parse_duration_ns(val, 0, 3600ULL * 1000000000ULL,
						      &q->delay_ns);
			if (ok && i + 2 < n && strcmp(tok[i + 2], "loss") != 0) {
				ok = !units_parse_duration_ns(tok[i + 2], 0,
							      3600ULL * 1000000000ULL,
							      &q->jitter_ns);
				i++;
			}
		} else if (q->kind == QDISC_NETEM && !strcmp(key, "loss")) {
			char num[32];
			size_t len = strlen(val);

			ok = len > 1 && len < sizeof(num) && val[len - 1] == '%';
			if (ok) {
				memcpy(num, val, len - 1);
				num[len - 1] = '\0';
				ok = !units_parse_double(num, 0.0, 100.0, &q->loss_pct);
			}
		} else
			return perr(p, "qdisc %s: unknown parameter '%s'", tok[2], key);
		if (!ok)
			return perr(p, "qdisc %s: bad %s '%s'", tok[2], key, val);
		i++;
	}
	if (q->kind == QDISC_TBF && (!q->rate_bps || !q->burst_bytes || !q->latency_ns))
		return perr(p, "qdisc tbf: needs rate, burst and latency (e.g. tbf rate 100mbit burst 64kb latency 50ms)");
	if (q->kind == QDISC_HTB && !q->rate_bps)
		return perr(p, "qdisc htb: needs rate (e.g. htb rate 100mbit)");
	if (q->kind == QDISC_NETEM && !q->delay_ns && q->loss_pct == 0.0)
		return perr(p, "qdisc netem: needs delay or loss (e.g. netem delay 10ms loss 1%%)");
	if (q->rate_bps > 8ULL * 0x7fffffffULL && q->kind == QDISC_TBF)
		return perr(p, "qdisc tbf: rate above 17gbit");
	t->nqdiscs++;
	return 0;
}

/* bridge NODE:IF [ADDR/LEN...] */
static int do_bridge(struct pctx *p, char **tok, int n)
{
	struct topo *t = p->t;
	struct topo_bridge *b;
	int i;

	if (n < 2)
		return perr(p, "bridge: expected 'bridge NODE:IF [ADDR/LEN...]'");
	if (t->nbridges == TOPO_MAX_BRIDGES)
		return perr(p, "more than %d bridges", TOPO_MAX_BRIDGES);
	b = &t->bridge[t->nbridges];
	memset(b, 0, sizeof(*b));
	b->line = p->line;
	if (parse_nodeif(p, tok[1], &b->dev.node, b->dev.ifname))
		return -1;
	if (ifname_taken(t, b->dev.node, b->dev.ifname))
		return perr(p, "interface '%s' is used twice", tok[1]);
	for (i = 2; i < n; i++) {
		if (b->dev.naddr == TOPO_MAX_ADDRS)
			return perr(p, "bridge: more than %d addresses", TOPO_MAX_ADDRS);
		if (parse_prefix(tok[i], &b->dev.addr[b->dev.naddr], true))
			return perr(p, "bridge: '%s' is not an ADDRESS/LENGTH (e.g. 10.72.0.254/24)",
				    tok[i]);
		b->dev.naddr++;
	}
	t->nbridges++;
	return 0;
}

/* sshd NODE:IF: IF declared before, with an address to listen on. */
static int do_sshd(struct pctx *p, char **tok, int n)
{
	struct topo *t = p->t;
	struct topo_sshd *d;
	const struct topo_end *end;
	unsigned i;

	if (n != 2)
		return perr(p, "sshd: expected 'sshd NODE:IF' (it listens on IF's addresses)");
	if (t->nsshd == TOPO_MAX_SSHD)
		return perr(p, "more than %d sshd lines", TOPO_MAX_SSHD);
	d = &t->sshd[t->nsshd];
	memset(d, 0, sizeof(*d));
	d->line = p->line;
	if (parse_nodeif(p, tok[1], &d->node, d->ifname))
		return -1;
	end = topo_find_end(t, d->node, d->ifname);
	if (!end)
		return perr(p, "sshd: no link or bridge declares interface '%s'", tok[1]);
	if (!end->naddr)
		return perr(p, "sshd: '%s' has no address to listen on", tok[1]);
	for (i = 0; i < t->nsshd; i++)
		if (t->sshd[i].node == d->node)
			return perr(p, "sshd: node '%s' has an sshd already (line %d)",
				    t->node[d->node].name, t->sshd[i].line);
	t->nsshd++;
	return 0;
}

static int tokenize(char *line, char **tok)
{
	int n = 0;
	char *save = NULL, *s;

	for (s = strtok_r(line, " \t\r", &save); s; s = strtok_r(NULL, " \t\r", &save)) {
		if (n == MAX_TOKENS)
			return -1;
		tok[n++] = s;
	}
	return n;
}

int topo_parse(const char *text, const char *path, struct topo *t,
	       char *err, size_t errlen)
{
	struct pctx p = { .t = t, .path = path, .err = err, .errlen = errlen };
	char *copy, *line, *next, *tok[MAX_TOKENS];
	int n, rc = 0;

	memset(t, 0, sizeof(*t));
	snprintf(t->path, sizeof(t->path), "%s", path);
	if (strlen(text) > TOPO_MAX_TEXT) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, TOPO_MAX_TEXT);
		return -1;
	}
	copy = strdup(text);
	if (!copy) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	for (line = copy; line && rc == 0; line = next) {
		char *hash;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		p.line++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		n = tokenize(line, tok);
		if (n < 0)
			rc = perr(&p, "more than %d words", MAX_TOKENS);
		else if (n == 0)
			continue;
		else if (!strcmp(tok[0], "node"))
			rc = do_node(&p, tok, n);
		else if (!strcmp(tok[0], "link"))
			rc = do_link(&p, tok, n);
		else if (!strcmp(tok[0], "route"))
			rc = do_route(&p, tok, n);
		else if (!strcmp(tok[0], "qdisc"))
			rc = do_qdisc(&p, tok, n);
		else if (!strcmp(tok[0], "bridge"))
			rc = do_bridge(&p, tok, n);
		else if (!strcmp(tok[0], "sshd"))
			rc = do_sshd(&p, tok, n);
		else
			rc = perr(&p, "unknown keyword '%s' (node, link, route, qdisc, bridge, sshd)",
				  tok[0]);
	}
	free(copy);
	if (rc)
		return rc;
	if (t->nnodes == 0) {
		snprintf(err, errlen, "%s: no node declared", path);
		return -1;
	}
	return 0;
}

int topo_load_text(const char *kind, const char *name, const char *dir, const char *ext,
		   size_t max, char **text, char *path, size_t pathlen, char *err, size_t errlen)
{
	size_t len = strlen(name), elen = strlen(ext);
	struct payload pl;
	int rc;

	*text = NULL;
	if (strchr(name, '/') || (len > elen && !strcmp(name + len - elen, ext))) {
		snprintf(path, pathlen, "%s", name);
	} else if (topo_name_ok(name)) {
		snprintf(path, pathlen, "%s/%s%s", dir, name, ext);
	} else {
		snprintf(err, errlen, "%s '%s': not a file and not a shipped name", kind, name);
		return -1;
	}
	rc = payload_load_max(path, max, &pl);
	if (rc) {
		snprintf(err, errlen, "%s '%s': cannot read %s: %s", kind, name, path,
			 payload_strerror(rc));
		return -1;
	}
	if (memchr(pl.data, '\0', pl.len)) {
		snprintf(err, errlen, "%s: not a text file", path);
		payload_free(&pl);
		return -1;
	}
	*text = pl.data;
	return 0;
}

int topo_load(const char *name, const char *dir, struct topo *t, char **text,
	      char *err, size_t errlen)
{
	char path[512];
	int rc = topo_load_text("topology", name, dir, ".topo", TOPO_MAX_TEXT, text,
				path, sizeof(path), err, errlen);

	if (rc)
		return rc;
	rc = topo_parse(*text, path, t, err, errlen);
	if (rc) {
		free(*text);
		*text = NULL;
	}
	return rc;
}
