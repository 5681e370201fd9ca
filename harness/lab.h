/*
 * lab.h - what the parts of connrate-lab share.
 */
#ifndef CR_LAB_H
#define CR_LAB_H

#include <signal.h>
#include <stddef.h>

#ifndef CR_DATADIR
#define CR_DATADIR "/usr/local/share/connrate"
#endif

/* The shipped directory sub (e.g. "netns/topologies"). */
const char *lab_datadir(const char *sub, char *buf, size_t len);
/* A prefix of no existing lab: "cr" and six hex digits. */
void lab_default_prefix(char *buf, size_t len);
void lab_catch_signals(void);
const volatile sig_atomic_t *lab_stop_flag(void);

#endif
