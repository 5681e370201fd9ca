/*
 * saturate.c - knee search (see saturate.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "saturate.h"
#include "units.h"

enum sat_verdict saturate_judge(const struct sat_params *p,
				const struct sat_sample *prev,
				const struct sat_sample *cur)
{
	if (cur->started == 0 ||
	    (double)cur->errors > p->max_error_rate * (double)cur->started)
		return SAT_ERRORS;
	if (cur->lag_p99_ns > p->max_lag_ns || cur->unstarted)
		return SAT_CLIENT;
	if (cur->achieved_rate < (1.0 - SAT_SHORTFALL_FRAC) * cur->target_rate)
		return SAT_SHORTFALL;
	if (prev && prev->p50_ns &&
	    (double)cur->p50_ns > p->slowdown * (double)prev->p50_ns)
		return SAT_SLOWDOWN;
	return SAT_GOOD;
}

const char *saturate_reason(enum sat_verdict v)
{
	switch (v) {
	case SAT_GOOD:
		return "good";
	case SAT_ERRORS:
		return "errors";
	case SAT_CLIENT:
		return "client";
	case SAT_SHORTFALL:
		return "shortfall";
	case SAT_SLOWDOWN:
		return "slowdown";
	case SAT_LIMIT:
		return "limit";
	case SAT_INTERRUPTED:
		return "interrupted";
	}
	return "?";
}

void saturate_sample(const struct round_result *r, struct sat_sample *out)
{
	out->target_rate = (double)r->spec.rate_milli / 1000.0;
	out->achieved_rate = r->achieved_rate;
	out->started = r->s.started;
	out->unstarted = r->s.unstarted;
	out->errors = stats_errors(&r->s);
	out->p50_ns = histo_quantile(&r->s.latency, 0.5);
	out->lag_p99_ns = histo_quantile(&r->s.lag, 0.99);
}

static void explain(char *buf, size_t len, enum sat_verdict v,
		    const struct sat_params *p, const struct sat_sample *good,
		    const struct sat_sample *bad)
{
	char a[24], b[24];

	switch (v) {
	case SAT_ERRORS:
		snprintf(buf, len, "%llu of %llu connections failed (%.2f%%, limit %.2f%%)",
			 (unsigned long long)bad->errors,
			 (unsigned long long)bad->started,
			 bad->started ? 100.0 * (double)bad->errors / (double)bad->started : 100.0,
			 100.0 * p->max_error_rate);
		break;
	case SAT_CLIENT:
		if (bad->unstarted) {
			snprintf(buf, len, "the client itself fell behind (%llu of %llu "
				 "scheduled starts not made in the round): the client is "
				 "the bottleneck, not the target; add --threads or client machines",
				 (unsigned long long)bad->unstarted,
				 (unsigned long long)(bad->started + bad->unstarted));
			break;
		}
		snprintf(buf, len, "the client itself fell behind (lag p99 %s > %s): "
			 "the client is the bottleneck, not the target; add --threads "
			 "or client machines",
			 units_fmt_ns(bad->lag_p99_ns, a, sizeof(a)),
			 units_fmt_ns(p->max_lag_ns, b, sizeof(b)));
		break;
	case SAT_SHORTFALL:
		snprintf(buf, len, "achieved %.0f/s of %.0f/s (more than %.0f%% short)",
			 bad->achieved_rate, bad->target_rate, 100 * SAT_SHORTFALL_FRAC);
		break;
	case SAT_SLOWDOWN:
		snprintf(buf, len, "p50 latency %s, more than %.1fx the %s at %.0f/s",
			 units_fmt_ns(bad->p50_ns, a, sizeof(a)), p->slowdown,
			 units_fmt_ns(good ? good->p50_ns : 0, b, sizeof(b)),
			 good ? good->target_rate : 0.0);
		break;
	case SAT_LIMIT:
		snprintf(buf, len, "no knee within the rounds allowed (--max-rounds)");
		break;
	case SAT_INTERRUPTED:
		snprintf(buf, len, "interrupted");
		break;
	case SAT_GOOD:
		snprintf(buf, len, "good");
		break;
	}
}

struct sat_state {
	const struct config *c;
	const struct client_env *env;
	FILE *json;
	FILE *out;
	struct sat_params p;
	struct sat_sample good, bad;
	uint64_t good_rate, bad_rate;	/* milli; 0: none yet */
	enum sat_verdict why_bad;
	unsigned rounds;
};

/* One round at rate; updates good/bad.  -1: interrupted, -2: failed. */
static int sat_round(struct sat_state *st, uint64_t rate)
{
	struct round_spec spec = { .rate_milli = rate, .duration_ns = st->c->duration_ns };
	struct round_result r;
	struct sat_sample cur;
	enum sat_verdict v;
	int rc;

	if (st->rounds++ && !client_cooldown(st->c, st->env))
		return -1;
	rc = client_round(st->c, st->env, &spec, &r);
	if (rc < 0) {
		fprintf(stderr, "connrate saturate: cannot run a round: %s\n",
			strerror(-rc));
		return -2;
	}
	report_row(st->out, &r);
	if (st->json)
		report_round_json(st->json, st->c, &r);
	client_result_free(&r);
	if (r.interrupted)
		return -1;
	saturate_sample(&r, &cur);
	v = saturate_judge(&st->p, st->good_rate ? &st->good : NULL, &cur);
	if (v == SAT_GOOD) {
		st->good = cur;
		st->good_rate = rate;
	} else {
		st->bad = cur;
		st->bad_rate = rate;
		st->why_bad = v;
	}
	return v == SAT_GOOD;
}

int saturate_run(const struct config *c, const struct client_env *env,
		 FILE *out)
{
	struct sat_state st = {
		.c = c, .env = env, .json = env->json, .out = out,
		.p = { c->max_error_rate, c->slowdown, c->max_lag_ns },
		.why_bad = SAT_LIMIT,
	};
	uint64_t rate = c->start_milli, n;
	char why[256];
	int rc = 1;

	report_header(out);
	for (n = 0; n < c->max_rounds && rc == 1; n++) {
		rc = sat_round(&st, rate);
		rate = (uint64_t)((double)rate * c->factor);
	}
	for (n = 0; n < c->refine && rc >= 0 && st.bad_rate; n++) {
		/* geometric midpoint: rates span decades */
		rate = st.good_rate ? (uint64_t)sqrt((double)st.good_rate *
						    (double)st.bad_rate)
				    : st.bad_rate / 2;
		if (rate <= st.good_rate || rate >= st.bad_rate || rate == 0)
			break;
		rc = sat_round(&st, rate);
	}
	if (rc == -2)
		return 1;
	if (rc == -1)
		st.why_bad = SAT_INTERRUPTED;
	explain(why, sizeof(why), st.why_bad, &st.p,
		st.good_rate ? &st.good : NULL, &st.bad);
	if (st.why_bad == SAT_INTERRUPTED)
		fprintf(out, "\ninterrupted; best good rate so far: %.0f connections/s\n",
		       (double)st.good_rate / 1000.0);
	else if (!st.good_rate)
		fprintf(out, "\nno good round: even %.0f/s was too much: %s\n",
		       (double)st.bad_rate / 1000.0, why);
	else if (!st.bad_rate)
		fprintf(out, "\nknee: above %.0f connections/s (%s)\n",
		       (double)st.good_rate / 1000.0, why);
	else
		fprintf(out, "\nknee: %.0f connections/s; at %.0f/s %s\n",
		       (double)st.good_rate / 1000.0, (double)st.bad_rate / 1000.0, why);
	fflush(out);
	if (st.json) {
		struct json j;

		json_begin(&j, st.json);
		json_str(&j, "type", "saturation");
		json_num(&j, "rate", (double)st.good_rate / 1000.0, 3);
		json_str(&j, "reason", saturate_reason(st.why_bad));
		if (st.bad_rate)
			json_num(&j, "failed_rate", (double)st.bad_rate / 1000.0, 3);
		json_str(&j, "detail", why);
		json_end_line(&j);
	}
	return st.why_bad == SAT_INTERRUPTED ? 130 : 0;
}
