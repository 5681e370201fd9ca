/*
 * lab.h - what the commands of connrate-lab share: where the shipped
 * files and programs are, lab names, and sysctl profiles loaded, checked
 * and applied to a lab's namespaces by role.
 */
#ifndef CR_LAB_H
#define CR_LAB_H

#include <stdbool.h>
#include <stddef.h>

#include "profile.h"
#include "topo.h"

#ifndef CR_DATADIR
#define CR_DATADIR "/usr/local/share/connrate"
#endif

/* The shipped directory sub (e.g. "netns/topologies"). */
const char *lab_datadir(const char *sub, char *buf, size_t len);
/* A program installed beside connrate-lab, else its bare name (PATH). */
const char *lab_binary(const char *name, char *buf, size_t len);
/* A prefix of no existing lab: "cr" and six hex digits. */
void lab_default_prefix(char *buf, size_t len);
/* Load a profile and check it against this kernel (exit-2 material). */
int lab_load_profile(const char *name, bool allow_host, struct profile *p,
		     char *err, size_t errlen);
/*
 * Apply it to every namespace of the lab by role (profile_plan), then take
 * and apply its [host] keys (hostkeys_take); lab_host_restore() gives
 * them back.
 */
int lab_apply_profile(const struct topo *t, const char *prefix,
		      const struct profile *p, char *err, size_t errlen);
/*
 * How long a lab waits for a [host] key another running lab holds before
 * it fails naming that lab (hostkeys.h).
 */
#define LAB_HOST_WAIT_MS 5000
/* Put back the host's sysctls lab prefix changed (prints what failed). */
int lab_host_restore(const char *prefix);
/* The same for every lab that is gone: down --stale. */
int lab_host_restore_stale(void);

#endif
