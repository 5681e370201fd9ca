/*
 * lab.c - what the commands of connrate-lab share (see lab.h).
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "hostkeys.h"
#include "lab.h"
#include "ns.h"
#include "profile.h"
#include "topo.h"

/* sub beside this program's binary, if it is there. */
static bool beside_self(const char *sub, int mode, char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return false;
	exe[n] = '\0';
	snprintf(buf, len, "%s/%s", dirname(exe), sub);
	return access(buf, mode) == 0;
}

/* Where the shipped files are: beside the binary, else the install. */
const char *lab_datadir(const char *sub, char *buf, size_t len)
{
	if (!beside_self(sub, R_OK, buf, len))
		snprintf(buf, len, "%s/%s", CR_DATADIR, sub);
	return buf;
}

const char *lab_binary(const char *name, char *buf, size_t len)
{
	if (!beside_self(name, X_OK, buf, len))
		snprintf(buf, len, "%s", name);	/* then execvp looks on PATH */
	return buf;
}

void lab_default_prefix(char *buf, size_t len)
{
	struct timespec ts;
	struct ns_record rec;
	unsigned v;

	do {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = ((unsigned)getpid() * 2654435761u) ^ (unsigned)ts.tv_nsec;
		snprintf(buf, len, "cr%06x", v & 0xffffff);
	} while (ns_record_read(buf, &rec) == 0);
}

/* The profile sections node i takes (see profile_node_sections). */
static void node_sections(const struct topo *t, unsigned i, bool sec[SEC__COUNT])
{
	profile_node_sections(t->node[i].name, t->nnodes == 1, sec);
}

int lab_load_profile(const char *name, bool allow_host, struct profile *p,
		     char *err, size_t errlen)
{
	enum key_kind kinds[PROFILE_MAX_KEYS];
	char dir[PATH_MAX];
	int rc;

	if (profile_load(name, lab_datadir("sysctl-profiles", dir, sizeof(dir)), p, err, errlen))
		return -1;
	rc = profile_probe(p, kinds);
	if (rc) {
		snprintf(err, errlen, "%s: cannot probe the kernel's sysctls: %s", p->path,
			 strerror(-rc));
		return -1;
	}
	return profile_check(p, kinds, allow_host, err, errlen);
}

int lab_apply_profile(const struct topo *t, const char *prefix,
		      const struct profile *p, char *err, size_t errlen)
{
	const struct profile_entry *plan[PROFILE_MAX_KEYS];
	char name[NS_NAME_MAX];
	bool sec[SEC__COUNT], used[SEC__COUNT] = { 0 };
	unsigned i, k;
	int fd, rc = 0;

	for (i = 0; i < t->nnodes && !rc; i++) {
		build_ns_name(prefix, t->node[i].name, name, sizeof(name));
		fd = ns_open(name);
		if (fd < 0) {
			snprintf(err, errlen, "cannot open namespace %s: %s", name, strerror(-fd));
			return -1;
		}
		node_sections(t, i, sec);
		for (k = 0; k < SEC__COUNT; k++)
			used[k] = used[k] || sec[k];
		rc = profile_apply(p, plan, profile_plan(p, sec, plan), fd, err, errlen);
		close(fd);
	}
	for (k = SEC_CLIENT; k <= SEC_DUT && !rc; k++)
		if (profile_has(p, (enum profile_section)k) && !used[k])
			fprintf(stderr, "connrate-lab: profile %s: [%s] keys not applied: topology %s has no %s node\n",
				p->name, profile_section_name((enum profile_section)k), t->path,
				profile_section_name((enum profile_section)k));
	if (rc)
		return rc;
	return hostkeys_take(p, prefix, LAB_HOST_WAIT_MS, err, errlen);
}

/* Put the host's sysctls back if lab prefix changed them. */
int lab_host_restore(const char *prefix)
{
	char err[512];

	if (hostkeys_release(prefix, err, sizeof(err))) {
		fprintf(stderr, "connrate-lab: %s\n", err);
		return -1;
	}
	return 0;
}

/* The same for every lab that is gone (down --stale). */
int lab_host_restore_stale(void)
{
	char err[512];
	unsigned n;

	if (hostkeys_release_stale(&n, err, sizeof(err))) {
		fprintf(stderr, "connrate-lab: %s\n", err);
		return -1;
	}
	if (n)
		printf("restored %u host sysctl%s left by labs that are gone\n", n, n == 1 ? "" : "s");
	return 0;
}
