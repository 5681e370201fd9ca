/*
 * units.h - strict parsing of numbers with unit suffixes.
 *
 * Every number on the command line goes through here: no atoi, no silent
 * zero.  A value is digits with an optional fraction and an optional suffix;
 * anything else, an empty string, or a value out of range is an error.
 *
 *   counts     10, 10k, 2.5M, 1G          (decimal multipliers)
 *   durations  500ns, 250us, 10ms, 2s, 1.5 (seconds), 2m, 1h
 *   rates      2000, 2k, 0.5 (connections per second, kept in 1/1000 units)
 *   CPU lists  0, 0-3, 0,2,4-7  (as /sys/devices/system/cpu/online)
 *
 * Each function returns 0, or -EINVAL (not a number of that kind) or
 * -ERANGE (outside [min, max]).  units_fmt_ns() goes the other way, for
 * tables and messages.
 */
#ifndef CR_UNITS_H
#define CR_UNITS_H

#include <stddef.h>
#include <stdint.h>

int units_parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int units_parse_duration_ns(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int units_parse_rate_milli(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int units_parse_double(const char *s, double min, double max, double *out);
/*
 * A CPU list into out[] in the order written (duplicates dropped), CPU
 * numbers below max; *n is the count.  -EINVAL: not a list, a range
 * backwards; -ERANGE: a CPU >= max or more than outlen CPUs.
 */
int units_parse_cpulist(const char *s, unsigned max, unsigned short *out,
			unsigned outlen, unsigned *n);

/* A duration as a person reads it: "850ns", "12.3us", "1.25ms", "2.50s"; returns buf. */
const char *units_fmt_ns(uint64_t ns, char *buf, size_t len);

#endif
