/*
 * walltime.h - wall-clock instants: parsing, formatting, and the bridge
 * to the monotonic clock.
 *
 * Several load hosts begin one schedule at one wall-clock instant
 * (--start-at), whose only common reference is their synchronised
 * CLOCK_REALTIME.  Intervals are still never measured with the wall clock:
 * the instant is converted once into a CLOCK_MONOTONIC deadline (the
 * offset between the two clocks is read with the realtime read bracketed
 * by two monotonic reads, the tightest of a few tries), and everything
 * after that sleeps and measures on the monotonic clock.
 *
 * Accepted forms (whole string, nothing after):
 *   RFC 3339 date-time: 2026-11-30T06:00:05Z, 2026-11-30T06:00:05.25+01:00
 *     ('T' or 't' or one space; 'Z' or 'z' or +hh:mm / -hh:mm; up to 9
 *     fraction digits; leap second 60 refused)
 *   @EPOCH[.frac]: seconds since 1970-01-01T00:00:00Z, e.g. @1795932005.5
 * Instants are int64 nanoseconds since the epoch (UTC).
 */
#ifndef CR_WALLTIME_H
#define CR_WALLTIME_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"

typedef int64_t wall_ns;

/* Parse s into *t.  0, or -EINVAL. */
int walltime_parse(const char *s, wall_ns *t);
/* "2026-11-30T06:00:05.250000Z" (microseconds, UTC) into buf; buf. */
const char *walltime_format(wall_ns t, char *buf, size_t len);
/* Now on CLOCK_REALTIME. */
wall_ns walltime_now(void);
/* CLOCK_REALTIME minus CLOCK_MONOTONIC, now, in nanoseconds. */
int64_t walltime_mono_offset(void);
/* Wall instant t as a monotonic instant, with an offset from above (0 if before boot). */
mono_ns walltime_to_mono(wall_ns t, int64_t offset_ns);
/* Monotonic instant m as a wall instant. */
wall_ns walltime_from_mono(mono_ns m, int64_t offset_ns);

#endif
