/*
 * sshd.h - sshd on a lab's management network, so a controller (Ansible,
 * a shell loop over ssh) drives the lab's namespaces as it drives real
 * hosts.
 *
 * For each `sshd NODE:IF` line of the topology, `connrate-lab up` starts
 * Debian's /usr/sbin/sshd inside PREFIX-NODE with a configuration of the
 * lab's own: it listens on IF's addresses only (never the host's, never
 * the data path), takes root by key only, no password, no PAM.  Keys and
 * configuration live in a private directory of the lab,
 * /run/connrate/PREFIX.ssh (mode 0700): one host key for all of the lab's
 * sshds, one user key for the controller, authorized_keys, a known_hosts
 * that lists every management address with the host key, and an
 * ssh_config that names them, so `ssh -F DIR/ssh_config ADDR` works from
 * any namespace on the management network without a question.
 *
 * The sshds outlive the `up` command (the lab stays up); they are listed
 * in the lab's owner record with their start times, so `connrate-lab down`
 * ends them before it removes the namespaces, and sshd_remove() then
 * deletes the directory.  Nothing here prints; errors come back in err.
 */
#ifndef CR_SSHD_H
#define CR_SSHD_H

#include <stddef.h>

#include "topo.h"

#define SSHD_PORT 22
/* How long one sshd has to listen before the lab gives up on it. */
#define SSHD_START_MS 5000

/* The lab's ssh directory: /run/connrate/PREFIX.ssh */
void sshd_dir(const char *prefix, char *buf, size_t len);
/*
 * The sshd_config of sshd line i of t: into buf, at most len bytes.
 * Returns the length, or -ENOSPC.
 */
int sshd_config_text(const struct topo *t, unsigned i, const char *dir, char *buf,
		     size_t len);
/* known_hosts: every address of every sshd line with the host key (one line, "TYPE BASE64"). */
int sshd_known_hosts_text(const struct topo *t, const char *hostkey, char *buf, size_t len);
/*
 * Make the directory and keys, and start every sshd of t in lab prefix,
 * each added to the owner record; wait until each listens.  0, or -errno
 * with a line in err (what remains is ended by the lab's teardown and
 * sshd_remove()).
 */
int sshd_start(const struct topo *t, const char *prefix, char *err, size_t errlen);
/*
 * End every process left in the lab's namespaces: an sshd's sessions
 * (they leave its process group), a controller's ssh masters, commands
 * started through them.  Only processes whose network namespace is one
 * the owner record lists; called before the namespaces are removed, so
 * none outlives its lab.  The number ended, or -errno.
 */
int sshd_end_all(const char *prefix);
/* Remove the lab's ssh directory and what is in it.  0 or -errno. */
int sshd_remove(const char *prefix);

#endif
