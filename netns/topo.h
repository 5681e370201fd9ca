/*
 * topo.h - topology files (.topo): nodes, links, routes, qdiscs.
 *
 *   node NAME [forward [stateful]]
 *   link A:IF ADDR/LEN... B:IF ADDR/LEN...
 *   route NODE (default|ADDR/LEN) via GW
 *   qdisc NODE:IF tbf rate RATE burst SIZE latency DUR
 *   qdisc NODE:IF htb rate RATE [ceil RATE]
 *   qdisc NODE:IF netem [delay DUR [JITTER]] [loss PCT%]
 *   bridge NODE:IF [ADDR/LEN...]
 *   link A:IF [ADDR/LEN...] [master BRIDGE] B:IF ...
 *   sshd NODE:IF
 *
 * A bridge is a bridge device inside NODE (never in the host's namespace);
 * `master BRIDGE` after a link end enslaves that end to a bridge of the
 * same node, declared earlier, and such an end takes no address of its
 * own.  `sshd NODE:IF` asks `connrate-lab up` for an sshd in NODE that
 * listens on the addresses of IF (a link end or a bridge) and nowhere else.
 *
 * '#' starts a comment.  Names of nodes and interfaces are [a-z0-9_-]{1,15}.
 * The parser is pure: text in, struct topo or "path:line: message" out, so
 * a file is fully checked before anything is built.
 */
#ifndef CR_TOPO_H
#define CR_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOPO_NAME_MAX 16	/* 15 characters and NUL, as IFNAMSIZ */
#define TOPO_MAX_NODES 16
#define TOPO_MAX_LINKS 32
#define TOPO_MAX_ADDRS 4
#define TOPO_MAX_ROUTES 64
#define TOPO_MAX_QDISCS 16
#define TOPO_MAX_BRIDGES 4
#define TOPO_MAX_SSHD 16
#define TOPO_MAX_TEXT 65536

struct topo_prefix {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned len;
	char text[48];		/* as written */
};

struct topo_node {
	char name[TOPO_NAME_MAX];
	bool forward;
	bool stateful;
	int line;
};

struct topo_end {
	unsigned node;
	char ifname[TOPO_NAME_MAX];
	struct topo_prefix addr[TOPO_MAX_ADDRS];
	unsigned naddr;
	unsigned master;	/* 1 + the index of its bridge; 0: none */
};

struct topo_link {
	struct topo_end end[2];
	int line;
};

struct topo_route {
	unsigned node;
	struct topo_prefix dst;	/* len 0: default */
	struct topo_prefix gw;
	int line;
};

enum topo_qdisc_kind { QDISC_TBF, QDISC_HTB, QDISC_NETEM };

struct topo_qdisc {
	unsigned node;
	char ifname[TOPO_NAME_MAX];
	enum topo_qdisc_kind kind;
	uint64_t rate_bps;	/* bits per second (tbf, htb) */
	uint64_t ceil_bps;	/* htb; 0: same as rate */
	uint64_t burst_bytes;	/* tbf */
	uint64_t latency_ns;	/* tbf */
	uint64_t delay_ns;	/* netem */
	uint64_t jitter_ns;	/* netem */
	double loss_pct;	/* netem */
	int line;
};

/* A bridge device: node and ifname (as an end), its own addresses. */
struct topo_bridge {
	struct topo_end dev;
	int line;
};

/* An sshd for the management network, on the addresses of node:ifname. */
struct topo_sshd {
	unsigned node;
	char ifname[TOPO_NAME_MAX];
	int line;
};

struct topo {
	char path[256];
	struct topo_node node[TOPO_MAX_NODES];
	unsigned nnodes;
	struct topo_link link[TOPO_MAX_LINKS];
	unsigned nlinks;
	struct topo_route route[TOPO_MAX_ROUTES];
	unsigned nroutes;
	struct topo_qdisc qdisc[TOPO_MAX_QDISCS];
	unsigned nqdiscs;
	struct topo_bridge bridge[TOPO_MAX_BRIDGES];
	unsigned nbridges;
	struct topo_sshd sshd[TOPO_MAX_SSHD];
	unsigned nsshd;
};

/* Parse text (NUL-terminated); path is only for messages.  0 or -1 + err. */
int topo_parse(const char *text, const char *path, struct topo *t,
	       char *err, size_t errlen);
/*
 * Load NAME: a path when it contains '/' or ends in .topo, else the shipped
 * file dir/NAME.topo.  *text gets the file's contents (caller frees).
 * 0, or -1 with err (exit 2 material).
 */
int topo_load(const char *name, const char *dir, struct topo *t, char **text,
	      char *err, size_t errlen);
/*
 * The text of a shipped file (dir/NAME.ext) or of a path, at most max
 * bytes, NUL-free; *text to be freed.  kind names it in errors.
 */
int topo_load_text(const char *kind, const char *name, const char *dir, const char *ext,
		   size_t max, char **text, char *path, size_t pathlen, char *err, size_t errlen);
/* The end (link end or bridge) that is node:ifname, or NULL. */
const struct topo_end *topo_find_end(const struct topo *t, unsigned node, const char *ifname);
/* The index of a node by name, or -1. */
int topo_node_index(const struct topo *t, const char *name);
/* A name of [a-z0-9_-]{1,15}? */
bool topo_name_ok(const char *s);
/* tc-style units: "100mbit", "1gbit", "500kbps"; "64kb", "1500b", "2mb". */
int topo_parse_rate_bps(const char *s, uint64_t *bps);
int topo_parse_size(const char *s, uint64_t *bytes);

#endif
