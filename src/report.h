/*
 * report.h - what a round looks like to a person and to a program.
 *
 * Human: one table row per round on stdout (report_header() once, then
 * report_row()), with an indented line naming the error classes when there
 * were errors.  Machine: JSON Lines, one "round" object per round and,
 * with --interval, "interval" objects (DESIGN.md, "Output").
 */
#ifndef CR_REPORT_H
#define CR_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "client.h"
#include "json.h"
#include "stats.h"

void report_header(FILE *f);
void report_row(FILE *f, const struct round_result *r);

/* A histogram as {"min":..,"mean":..,"p50":..,...,"max":..} in microseconds. */
void report_histo_json(struct json *j, const char *key, const struct histo *h);
/* key: {"unit":"ns","buckets":[[upper_ns,count],...]}, empty buckets left out. */
void report_histogram_json(struct json *j, const char *key, const struct histo *h);
/*
 * "host" (when not NULL), "start_requested" and "start_actual" (wall
 * clock, RFC 3339, microseconds) and "start_late_us": when the round's
 * schedule was to begin and when its first connection started.
 */
void report_start_json(struct json *j, const char *host, int64_t requested_ns,
		       int64_t actual_ns);
/* The counters and histograms of s as members of the current object. */
void report_stats_json(struct json *j, const struct stats *s);
/*
 * {"type":"round_start",...}: the round's window opens now, so whoever
 * reads the lines (the lab) can take the machine's counters over the
 * round alone.
 */
void report_round_start_json(FILE *f, const struct round_spec *spec);
void report_round_json(FILE *f, const struct config *c,
		       const struct round_result *r);
void report_interval_json(FILE *f, const struct round_spec *spec, uint64_t k,
			  uint64_t interval_ns, const struct stats *s);

#endif
