/*
 * hostkeys.h - the [host] keys of a profile: held by one lab at a time,
 * and the value from before any lab is the one put back.
 *
 * A [host] key changes the whole machine, not a namespace of the lab, so
 * one lab at a time may hold it.  A lab holds key K through its save file
 * HOSTKEYS_DIR/K:
 *
 *   prefix cr12ab34        the lab
 *   pid 4242               the process that took it, and its start time
 *   starttime 123456
 *   old 262144             the value before any lab changed it
 *
 * The holder is alive while that process is (same PID and start time), or
 * while its lab is up (`connrate-lab up` exits; its lab and its keys stay
 * until `down`).  Taking, giving back and cleaning happen under a flock of
 * HOSTKEYS_DIR/.lock, so two labs never both find a key free.
 *
 * hostkeys_take() takes and applies: for each [host] key it waits (up to
 * wait_ms) while another live lab holds it, then fails naming that lab
 * and its PID.  A save left by a lab that is gone (killed, say) is
 * written back first and its old value kept, so the value restored in
 * the end is the one from before any lab.  Then it saves, writes and
 * reads back; on any failure it restores what it took and removes the
 * saves: nothing is left behind.
 * hostkeys_release() gives back: the old values of PREFIX's keys are
 * written back and their saves removed (down PREFIX, the end of a run,
 * every error path).  hostkeys_release_stale() does the same for every
 * save whose holder is gone (down --stale).
 *
 * Library code: 0 or -1 with one line in err; nothing is printed.
 */
#ifndef CR_HOSTKEYS_H
#define CR_HOSTKEYS_H

#include <stddef.h>
#include <sys/types.h>

#include "ns.h"
#include "profile.h"

#define HOSTKEYS_DIR NS_OWNER_DIR "/host.d"	/* not a lab prefix */

struct hostkeys_save {
	char key[NS_SYSCTL_KEY_MAX];
	char prefix[NS_NAME_MAX];
	pid_t pid;
	unsigned long long starttime;
	char old[PROFILE_VALUE_MAX];
};

/* Take and apply the [host] keys of p for lab prefix (none: nothing to do). */
int hostkeys_take(const struct profile *p, const char *prefix, unsigned wait_ms,
		  char *err, size_t errlen);
/* Restore and remove the saves of lab prefix; none is fine. */
int hostkeys_release(const char *prefix, char *err, size_t errlen);
/* Restore and remove every save whose holder is gone; *n counts them. */
int hostkeys_release_stale(unsigned *n, char *err, size_t errlen);
/* Read the save file at path (its name is the key).  0, or -1 with err. */
int hostkeys_read(const char *path, struct hostkeys_save *s, char *err, size_t errlen);

#endif
