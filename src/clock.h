/*
 * clock.h - one monotonic clock, typed.
 *
 * Every interval connrate measures (latency, connect time, lag, deadlines)
 * comes from CLOCK_MONOTONIC in nanoseconds.  Wall-clock time is never used
 * for intervals.
 */
#ifndef CR_CLOCK_H
#define CR_CLOCK_H

#include <stdint.h>
#include <time.h>

typedef uint64_t mono_ns;

#define NS_PER_US 1000ULL
#define NS_PER_MS 1000000ULL
#define NS_PER_S  1000000000ULL

/* Now, in nanoseconds of CLOCK_MONOTONIC. */
static inline mono_ns clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (mono_ns)ts.tv_sec * NS_PER_S + (mono_ns)ts.tv_nsec;
}

/* A relative interval as a timespec. */
static inline struct timespec clock_ts(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / NS_PER_S), (long)(ns % NS_PER_S) };

	return ts;
}

#endif
