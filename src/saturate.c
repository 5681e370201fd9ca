/*
 * saturate.c - knee search (see saturate.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "saturate.h"
#include "units.h"

/* RFC 9411 7.2.3: fewer than 0.001% reset, fewer than 0.001% failed, the rate within 5%. */
static enum sat_verdict judge_rfc9411(const struct sat_params *p,
				      const struct sat_sample *cur)
{
	double lim = SAT_RFC9411_FAIL_FRAC * (double)cur->started;

	if (cur->started == 0)
		return SAT_ERRORS;
	if ((double)cur->resets >= lim)
		return SAT_RESETS;
	if ((double)cur->errors >= lim)
		return SAT_ERRORS;
	if (cur->lag_p99_ns > p->max_lag_ns || cur->unstarted)
		return SAT_CLIENT;
	if (fabs(cur->achieved_rate - cur->target_rate) >
	    SAT_SHORTFALL_FRAC * cur->target_rate)
		return SAT_SHORTFALL;
	return SAT_GOOD;
}

enum sat_verdict saturate_judge(const struct sat_params *p,
				const struct sat_sample *prev,
				const struct sat_sample *cur)
{
	if (p->criteria == CRITERIA_RFC9411)
		return judge_rfc9411(p, cur);
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
	case SAT_RESETS:
		return "resets";
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
	out->resets = r->s.err[OUT_RESET];
	out->p50_ns = histo_quantile(&r->s.latency, 0.5);
	out->lag_p99_ns = histo_quantile(&r->s.lag, 0.99);
}

static void explain(char *buf, size_t len, enum sat_verdict v,
		    const struct sat_params *p, const struct sat_sample *good,
		    const struct sat_sample *bad)
{
	char a[24], b[24];

	switch (v) {
	case SAT_RESETS:
		snprintf(buf, len, "%llu of %llu connections were reset (RFC 9411 allows fewer than 0.001%%)",
			 (unsigned long long)bad->resets,
			 (unsigned long long)bad->started);
		break;
	case SAT_ERRORS:
		if (p->criteria == CRITERIA_RFC9411) {
			snprintf(buf, len, "%llu of %llu connections failed (RFC 9411 allows fewer than 0.001%%)",
				 (unsigned long long)bad->errors,
				 (unsigned long long)bad->started);
			break;
		}
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
		snprintf(buf, len, "achieved %.0f/s of %.0f/s (%s %.0f%%)",
			 bad->achieved_rate, bad->target_rate,
			 p->criteria == CRITERIA_RFC9411 ? "not within" : "more than",
			 100 * SAT_SHORTFALL_FRAC);
		if (p->criteria != CRITERIA_RFC9411)
			strncat(buf, " short", len - strlen(buf) - 1);
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

uint64_t saturate_bisect(const struct sat_params *p, const struct sat_plan *plan,
			 uint64_t good_rate, uint64_t bad_rate, uint64_t done)
{
	uint64_t rate;

	if (!bad_rate)
		return 0;
	if (p->criteria == CRITERIA_RFC9411 && !plan->refine) {
		if (done >= 20 || (good_rate &&
		    (double)bad_rate <= SAT_RFC9411_RESOLUTION * (double)good_rate))
			return 0;
	} else if (done >= plan->refine) {
		return 0;
	}
	/* geometric midpoint: rates span decades */
	rate = good_rate ? (uint64_t)sqrt((double)good_rate * (double)bad_rate)
			 : bad_rate / 2;
	if (rate <= good_rate || rate >= bad_rate || rate == 0)
		return 0;
	return rate;
}

/* One round of the search; 1 good, 0 bad, < 0 the round's error. */
static int search_round(const struct sat_params *p, sat_round_fn round,
			void *ctx, struct sat_result *res, uint64_t rate)
{
	struct sat_sample cur;
	enum sat_verdict v;
	int rc;

	rc = round(ctx, rate, &cur);
	res->rounds++;
	if (rc < 0)
		return rc;
	v = saturate_judge(p, res->good_rate ? &res->good : NULL, &cur);
	if (v == SAT_GOOD) {
		res->good = cur;
		res->good_rate = rate;
	} else {
		res->bad = cur;
		res->bad_rate = rate;
		res->why_bad = v;
	}
	return v == SAT_GOOD;
}

void saturate_search(const struct sat_params *p, const struct sat_plan *plan,
		     sat_round_fn round, void *ctx, struct sat_result *res)
{
	uint64_t rate = plan->start_milli, n;
	int rc = 1;

	memset(res, 0, sizeof(*res));
	res->why_bad = SAT_LIMIT;
	for (n = 0; n < plan->max_rounds && rc == 1; n++) {
		rc = search_round(p, round, ctx, res, rate);
		rate = (uint64_t)((double)rate * plan->factor);
	}
	for (n = 0; rc >= 0; n++) {
		rate = saturate_bisect(p, plan, res->good_rate, res->bad_rate, n);
		if (!rate)
			break;
		rc = search_round(p, round, ctx, res, rate);
	}
	res->rc = rc < 0 ? rc : 0;
	if (rc == -1)
		res->why_bad = SAT_INTERRUPTED;
}

/* What a real round needs. */
struct sat_ctx {
	const struct config *c;
	const struct client_env *env;
	FILE *out;
	unsigned rounds;
};

static int sat_round(void *arg, uint64_t rate, struct sat_sample *cur)
{
	struct sat_ctx *x = arg;
	struct round_spec spec;
	struct round_result r;
	int rc;

	if (x->rounds++ && !client_cooldown(x->c, x->env))
		return -1;
	client_rate_spec(x->c, rate, &spec);
	rc = client_round(x->c, x->env, &spec, &r);
	if (rc < 0) {
		fprintf(stderr, "connrate saturate: cannot run a round: %s\n",
			strerror(-rc));
		return -2;
	}
	report_row(x->out, &r);
	if (x->env->json)
		report_round_json(x->env->json, x->c, &r);
	client_result_free(&r);
	if (r.interrupted)
		return -1;
	saturate_sample(&r, cur);
	return 0;
}

/* The answer in RFC 9411's words. */
static void say_rfc9411(FILE *out, const struct config *c,
			const struct sat_result *res, const char *why)
{
	fprintf(out, "\nTCP connections per second (RFC 9411 §7.2): %.0f, "
		"the highest rate that passed: during the %s fewer than 0.001%% of "
		"the connections failed and fewer than 0.001%% were reset, and the "
		"rate held within 5%% of the target",
		(double)res->good_rate / 1000.0,
		c->phased ? "sustain phase" : "round (no phases given)");
	if (res->bad_rate)
		fprintf(out, "; at %.0f/s %s", (double)res->bad_rate / 1000.0, why);
	else
		fprintf(out, "; no rate failed in the rounds allowed (--max-rounds): "
			"the device may do more");
	fputs(".\n", out);
}

static void say(FILE *out, const struct config *c, const struct sat_result *res,
		const char *why)
{
	if (res->why_bad == SAT_INTERRUPTED)
		fprintf(out, "\ninterrupted; best good rate so far: %.0f connections/s\n",
			(double)res->good_rate / 1000.0);
	else if (!res->good_rate)
		fprintf(out, "\nno good round: even %.0f/s was too much: %s\n",
			(double)res->bad_rate / 1000.0, why);
	else if (c->criteria == CRITERIA_RFC9411)
		say_rfc9411(out, c, res, why);
	else if (!res->bad_rate)
		fprintf(out, "\nknee: above %.0f connections/s (%s)\n",
			(double)res->good_rate / 1000.0, why);
	else
		fprintf(out, "\nknee: %.0f connections/s; at %.0f/s %s\n",
			(double)res->good_rate / 1000.0, (double)res->bad_rate / 1000.0, why);
}

static void saturation_json(FILE *f, const struct config *c,
			    const struct sat_result *res, const char *why,
			    double search_s)
{
	struct json j;

	json_begin(&j, f);
	json_str(&j, "type", "saturation");
	json_num(&j, "rate", (double)res->good_rate / 1000.0, 3);
	json_str(&j, "reason", saturate_reason(res->why_bad));
	if (res->bad_rate)
		json_num(&j, "failed_rate", (double)res->bad_rate / 1000.0, 3);
	json_str(&j, "detail", why);
	json_str(&j, "criteria", c->criteria == CRITERIA_RFC9411 ? "rfc9411" : "default");
	json_u64(&j, "rounds", res->rounds);
	json_num(&j, "search_s", search_s, 3);
	json_end_line(&j);
}

int saturate_run(const struct config *c, const struct client_env *env,
		 FILE *out)
{
	const struct sat_params p = {
		/* lag that --batch adds by design does not blame the client */
		c->max_error_rate, c->slowdown, c->max_lag_ns + cfg_batch_max_ns(c),
		c->criteria,
	};
	const struct sat_plan plan = {
		c->start_milli, c->factor, c->max_rounds, c->refine,
	};
	struct sat_ctx x = { .c = c, .env = env, .out = out };
	struct sat_result res;
	mono_ns t0 = clock_now_ns();
	double search_s;
	char why[256];

	report_header(out);
	saturate_search(&p, &plan, sat_round, &x, &res);
	if (res.rc == -2)
		return 1;
	search_s = (double)(clock_now_ns() - t0) / 1e9;
	explain(why, sizeof(why), res.why_bad, &p,
		res.good_rate ? &res.good : NULL, &res.bad);
	say(out, c, &res, why);
	if (c->criteria == CRITERIA_RFC9411)
		fprintf(out, "search: %u rounds, %.1f s\n", res.rounds, search_s);
	fflush(out);
	if (env->json)
		saturation_json(env->json, c, &res, why, search_s);
	return res.why_bad == SAT_INTERRUPTED ? 130 : 0;
}
