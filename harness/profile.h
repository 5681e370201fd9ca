/*
 * profile.h - sysctl profiles (.conf): validated, applied per namespace,
 * read back; host keys saved and restored.
 *
 *   # what this profile tests
 *   [client]                      one section per role: client, server,
 *   net.ipv4.tcp_tw_reuse = 1     dut, all (every namespace), host
 *   [host]
 *   net.netfilter.nf_conntrack_max = 65536
 *
 * Keys are [a-z0-9_.] and begin with "net." (so they cannot leave
 * /proc/sys/net).  A key must exist and be writable; a namespace section
 * takes only keys that are per network namespace, [host] only global
 * ones, and [host] only with --allow-host-sysctl.  Whether a key is per
 * namespace is found out the way the kernel decides it: in a fresh
 * namespace of a short-lived child process, a global key is not writable;
 * a key that not even the host's root may open for writing is read-only.
 * All of it is checked before anything is built or written.
 */
#ifndef CR_PROFILE_H
#define CR_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "ns.h"

#define PROFILE_MAX_KEYS 128
#define PROFILE_KEY_MAX NS_SYSCTL_KEY_MAX
#define PROFILE_VALUE_MAX 128

enum profile_section { SEC_CLIENT, SEC_SERVER, SEC_DUT, SEC_ALL, SEC_HOST, SEC__COUNT };

/* What a key is on this kernel: READONLY is written by no one (a count). */
enum key_kind { KEY_MISSING, KEY_NETNS, KEY_GLOBAL, KEY_READONLY };

struct profile_entry {
	enum profile_section section;
	char key[PROFILE_KEY_MAX];
	char value[PROFILE_VALUE_MAX];	/* blanks folded to one space */
	int line;
};

struct profile {
	char name[64];
	char path[256];
	struct profile_entry e[PROFILE_MAX_KEYS];
	unsigned n;
};

const char *profile_section_name(enum profile_section s);
int profile_parse(const char *text, const char *path, struct profile *p,
		  char *err, size_t errlen);
/* NAME (shipped, dir/NAME.conf) or a path. 0, or -1 with err. */
int profile_load(const char *name, const char *dir, struct profile *p,
		 char *err, size_t errlen);
/* The kind of every key (kinds[i] for p->e[i]), from a probe child. */
int profile_probe(const struct profile *p, enum key_kind *kinds);
/* Pure check of kinds against sections. 0, or -1 with "path:line: ...". */
int profile_check(const struct profile *p, const enum key_kind *kinds,
		  bool allow_host, char *err, size_t errlen);
bool profile_has(const struct profile *p, enum profile_section s);
/*
 * The sections a namespace takes: [all], and the role its node is named
 * after (client, server, dut; duta and dutb, the devices of a paired
 * topology, are dut too); a lone node is both client and server.
 */
void profile_node_sections(const char *node, bool lone, bool sec[SEC__COUNT]);
/*
 * What a namespace with sections sec gets, in the order it is written:
 * [all] first, then [client], [server], [dut].  Each key is written once,
 * with the value of the last of these sections that sets it, so a role's
 * value wins over [all]'s whatever the order in the file.  Fills
 * out[PROFILE_MAX_KEYS]; returns how many.
 */
unsigned profile_plan(const struct profile *p, const bool sec[SEC__COUNT],
		      const struct profile_entry **out);
/*
 * Write the n entries inside nsfd (the caller's namespace when nsfd < 0),
 * reading each back; fails when the kernel kept another value.
 */
int profile_apply(const struct profile *p, const struct profile_entry *const *e,
		  unsigned n, int nsfd, char *err, size_t errlen);
/*
 * [host] keys are taken, saved, applied and restored by hostkeys.h:
 * hostkeys_take() and hostkeys_release().
 */
/* Compare sysctl values as the kernel prints them (blanks folded). */
bool profile_value_equal(const char *a, const char *b);

#endif
