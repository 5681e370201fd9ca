/*
 * report.c - table rows and JSON lines (see report.h).
 */
#include <string.h>

#include "addr.h"
#include "report.h"
#include "units.h"
#include "walltime.h"

void report_header(FILE *f)
{
	fprintf(f, "%10s %10s %10s %10s %8s | %8s %8s %8s %8s %8s %8s | %8s %8s | %8s | %8s\n",
		"target/s", "ok/s", "started", "ok", "errors",
		"lat min", "p50", "p90", "p99", "p99.9", "max",
		"conn p50", "p99", "lag p99", "ttfb p50");
	fflush(f);
}

/* The ttfb median, or "-" when no connection got an answer to time. */
static const char *ttfb_p50(const struct histo *h, char *buf, size_t len)
{
	return h->count ? units_fmt_ns(histo_quantile(h, 0.5), buf, len) : "-";
}

/* A phased round: one line per phase (the row above is the sustain's). */
static void phase_rows(FILE *f, const struct round_result *r)
{
	char b[2][24];
	int p;

	for (p = 0; p < PHASES; p++) {
		const struct stats *s = &r->phase[p];

		fprintf(f, "%10s %-9s %10.0f ok/s over %.3gs: started %llu, ok %llu, "
			"errors %llu, unstarted %llu; latency p50 %s, ttfb p50 %s\n", "",
			pacer_phase_name((enum pacer_phase)p), r->phase_rate[p],
			r->phase_s[p], (unsigned long long)s->started,
			(unsigned long long)s->ok, (unsigned long long)stats_errors(s),
			(unsigned long long)s->unstarted,
			units_fmt_ns(histo_quantile(&s->latency, 0.5), b[0], 24),
			ttfb_p50(&s->ttfb, b[1], 24));
	}
}

void report_row(FILE *f, const struct round_result *r)
{
	const struct stats *s = &r->s;
	char b[10][24], target[24];
	uint64_t errs = stats_errors(s);
	int i, sep = 0;

	if (r->spec.closed_loop)
		snprintf(target, sizeof(target), "c=%llu",
			 (unsigned long long)r->spec.concurrency);
	else
		snprintf(target, sizeof(target), "%.0f",
			 (double)r->spec.rate_milli / 1000.0);
	fprintf(f, "%10s %10.0f %10llu %10llu %8llu | %8s %8s %8s %8s %8s %8s | %8s %8s | %8s | %8s%s\n",
		target, r->achieved_rate,
		(unsigned long long)s->started, (unsigned long long)s->ok,
		(unsigned long long)errs,
		units_fmt_ns(histo_quantile(&s->latency, 0), b[0], 24),
		units_fmt_ns(histo_quantile(&s->latency, 0.5), b[1], 24),
		units_fmt_ns(histo_quantile(&s->latency, 0.9), b[2], 24),
		units_fmt_ns(histo_quantile(&s->latency, 0.99), b[3], 24),
		units_fmt_ns(histo_quantile(&s->latency, 0.999), b[4], 24),
		units_fmt_ns(histo_quantile(&s->latency, 1), b[5], 24),
		units_fmt_ns(histo_quantile(&s->connect, 0.5), b[6], 24),
		units_fmt_ns(histo_quantile(&s->connect, 0.99), b[7], 24),
		units_fmt_ns(histo_quantile(&s->lag, 0.99), b[8], 24),
		ttfb_p50(&s->ttfb, b[9], 24),
		r->interrupted ? "  (interrupted)" : "");
	if (errs) {
		fprintf(f, "%10s errors:", "");
		for (i = 0; i < OUT__ERRORS; i++) {
			if (!s->err[i])
				continue;
			fprintf(f, "%s %s %llu", sep++ ? "," : "",
				stats_outcome_name((enum outcome)i),
				(unsigned long long)s->err[i]);
		}
		for (i = 0; i < STATS_ERRNO_SLOTS; i++)
			if (s->other[i].count)
				fprintf(f, " (%s: %llu)", strerror(s->other[i].err),
					(unsigned long long)s->other[i].count);
		fputc('\n', f);
	}
	if (s->unstarted)
		fprintf(f, "%10s behind: %llu of %llu scheduled starts not made in the round: "
			"the client fell behind (add --threads or client machines)\n", "",
			(unsigned long long)s->unstarted,
			(unsigned long long)(s->started + s->unstarted));
	if (r->spec.phased)
		phase_rows(f, r);
	fflush(f);
}

static void histo_json(struct json *j, const char *key, const struct histo *h)
{
	json_obj(j, key);
	json_num(j, "min", (double)histo_quantile(h, 0) / 1e3, 3);
	json_num(j, "mean", (double)histo_mean(h) / 1e3, 3);
	json_num(j, "p50", (double)histo_quantile(h, 0.5) / 1e3, 3);
	json_num(j, "p90", (double)histo_quantile(h, 0.9) / 1e3, 3);
	json_num(j, "p99", (double)histo_quantile(h, 0.99) / 1e3, 3);
	json_num(j, "p999", (double)histo_quantile(h, 0.999) / 1e3, 3);
	json_num(j, "max", (double)histo_quantile(h, 1) / 1e3, 3);
	json_obj_end(j);
}

void report_histo_json(struct json *j, const char *key, const struct histo *h)
{
	histo_json(j, key, h);
}

void report_stats_json(struct json *j, const struct stats *s)
{
	char name[32];
	int i;

	json_u64(j, "started", s->started);
	json_u64(j, "unstarted", s->unstarted);
	json_u64(j, "ok", s->ok);
	json_obj(j, "errors");
	for (i = 0; i < OUT__ERRORS; i++)
		json_u64(j, stats_outcome_name((enum outcome)i), s->err[i]);
	json_obj_end(j);
	if (s->err[OUT_OTHER]) {
		json_obj(j, "other_errno");
		for (i = 0; i < STATS_ERRNO_SLOTS; i++) {
			if (!s->other[i].count)
				continue;
			snprintf(name, sizeof(name), "%d", s->other[i].err);
			json_u64(j, name, s->other[i].count);
		}
		if (s->other_unlisted)
			json_u64(j, "unlisted", s->other_unlisted);
		json_obj_end(j);
	}
	histo_json(j, "latency_us", &s->latency);
	histo_json(j, "connect_us", &s->connect);
	histo_json(j, "lag_us", &s->lag);
	histo_json(j, "ttfb_us", &s->ttfb);
	json_u64(j, "bytes_sent", s->bytes_sent);
	json_u64(j, "bytes_received", s->bytes_received);
}

static void spec_json(struct json *j, const struct round_spec *spec)
{
	json_str(j, "mode", spec->closed_loop ? "concurrency" : "rate");
	if (spec->closed_loop)
		json_u64(j, "concurrency", spec->concurrency);
	else
		json_num(j, "target_rate", (double)spec->rate_milli / 1000.0, 3);
}

void report_round_start_json(FILE *f, const struct round_spec *spec)
{
	struct json j;

	json_begin(&j, f);
	json_str(&j, "type", "round_start");
	spec_json(&j, spec);
	json_end_line(&j);
}

void report_histogram_json(struct json *j, const char *key, const struct histo *h)
{
	unsigned i;

	json_obj(j, key);
	json_str(j, "unit", "ns");
	json_arr(j, "buckets");
	for (i = 0; i < HISTO_BUCKETS; i++) {
		if (!h->bucket[i])
			continue;
		json_arr(j, NULL);
		json_u64(j, NULL, histo_bucket_hi(i));
		json_u64(j, NULL, h->bucket[i]);
		json_arr_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

void report_start_json(struct json *j, const char *host, int64_t requested_ns,
		       int64_t actual_ns)
{
	char buf[40];

	if (host)
		json_str(j, "host", host);
	json_str(j, "start_requested", walltime_format(requested_ns, buf, sizeof(buf)));
	json_str(j, "start_actual", walltime_format(actual_ns, buf, sizeof(buf)));
	json_num(j, "start_late_us", (double)(actual_ns - requested_ns) / 1e3, 3);
}

/* "phases":{"ramp_up":{..},"sustain":{..},"ramp_down":{..}}, each a round's keys. */
static void phases_json(struct json *j, const struct round_result *r)
{
	int p;

	json_obj(j, "phases");
	for (p = 0; p < PHASES; p++) {
		json_obj(j, pacer_phase_name((enum pacer_phase)p));
		json_num(j, "duration_s", (double)pacer_phase_ns(&r->spec.ramp,
				(enum pacer_phase)p) / 1e9, 3);
		json_num(j, "elapsed_s", r->phase_s[p], 6);
		report_stats_json(j, &r->phase[p]);
		json_num(j, "achieved_rate", r->phase_rate[p], 1);
		report_histogram_json(j, "histogram", &r->phase[p].latency);
		report_histogram_json(j, "connect_histogram", &r->phase[p].connect);
		report_histogram_json(j, "lag_histogram", &r->phase[p].lag);
		report_histogram_json(j, "ttfb_histogram", &r->phase[p].ttfb);
		json_obj_end(j);
	}
	json_obj_end(j);
}

/* "targets": each target's own figures, in the order of --target. */
static void targets_json(struct json *j, const struct config *c,
			 const struct round_result *r)
{
	char addr[128];
	unsigned t;

	json_arr(j, "targets");
	for (t = 0; t < r->ntargets && t < c->ntargets; t++) {
		json_obj(j, NULL);
		json_str(j, "target", addr_format(&c->target[t], addr, sizeof(addr)));
		report_stats_json(j, &r->target[t]);
		report_histogram_json(j, "histogram", &r->target[t].latency);
		report_histogram_json(j, "connect_histogram", &r->target[t].connect);
		json_obj_end(j);
	}
	json_arr_end(j);
}

void report_round_json(FILE *f, const struct config *c,
		       const struct round_result *r)
{
	struct json j;

	json_begin(&j, f);
	json_str(&j, "type", "round");
	spec_json(&j, &r->spec);
	json_num(&j, "duration_s", (double)r->spec.duration_ns / 1e9, 3);
	json_num(&j, "elapsed_s", r->elapsed_s, 6);
	json_u64(&j, "threads", r->threads);
	report_stats_json(&j, &r->s);
	json_num(&j, "achieved_rate", r->achieved_rate, 1);
	json_obj(&j, "cpu");
	json_num(&j, "user_s", r->cpu_user_s, 3);
	json_num(&j, "sys_s", r->cpu_sys_s, 3);
	json_u64(&j, "wakeups", r->cpu_wakeups);
	json_obj_end(&j);
	if (!r->spec.closed_loop)
		json_num(&j, "spin_us", r->spin_us, 3);
	if (!r->spec.closed_loop && cfg_batch_max_ns(c)) {
		json_num(&j, "batch_us", r->batch_us, 3);
		json_u64(&j, "untimed", r->untimed);
	}
	json_bool(&j, "interrupted", r->interrupted);
	report_histogram_json(&j, "histogram", &r->s.latency);
	report_histogram_json(&j, "connect_histogram", &r->s.connect);
	report_histogram_json(&j, "lag_histogram", &r->s.lag);
	report_histogram_json(&j, "ttfb_histogram", &r->s.ttfb);
	report_start_json(&j, c->id[0] ? c->id : NULL, r->start_requested_ns,
			  r->start_actual_ns);
	if (r->share_offset_ns)
		json_num(&j, "share_offset_us", (double)r->share_offset_ns / 1e3, 3);
	if (r->spec.phased)
		phases_json(&j, r);
	if (r->ntargets)
		targets_json(&j, c, r);
	cli_dump(c, &j);
	json_end_line(&j);
}

void report_interval_json(FILE *f, const struct round_spec *spec, uint64_t k,
			  uint64_t interval_ns, const struct stats *s)
{
	struct json j;

	json_begin(&j, f);
	json_str(&j, "type", "interval");
	spec_json(&j, spec);
	json_u64(&j, "index", k);
	if (spec->phased)
		json_str(&j, "phase", pacer_phase_name(pacer_ramp_phase_at(&spec->ramp,
								 k * interval_ns)));
	json_num(&j, "t_s", (double)(k * interval_ns) / 1e9, 3);
	json_num(&j, "interval_s", (double)interval_ns / 1e9, 3);
	report_stats_json(&j, s);
	json_num(&j, "ok_rate", (double)s->ok * 1e9 / (double)interval_ns, 1);
	json_end_line(&j);
}
