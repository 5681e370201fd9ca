/*
 * rlimit.h - the process's resource limits, as client and server need them.
 *
 * A load generator and its server hold one descriptor per connection in
 * flight, so both start by raising RLIMIT_NOFILE's soft limit as far as
 * the hard one allows.
 */
#ifndef CR_RLIMIT_H
#define CR_RLIMIT_H

#include <stdint.h>

/* Raise RLIMIT_NOFILE's soft limit to the hard one; returns the new soft. */
uint64_t rlimit_raise_nofile(void);

#endif
