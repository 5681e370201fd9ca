/*
 * capsearch.c - the capacity search (see capsearch.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "capsearch.h"
#include "json.h"

#define BISECT_MAX 20

void capsearch_init(struct capsearch *s, uint64_t start, double factor,
		    uint64_t refine, uint64_t max_rounds, uint64_t client_limit)
{
	memset(s, 0, sizeof(*s));
	s->start = start ? start : 1;
	s->factor = factor > 1.0 ? factor : 2.0;
	s->refine = refine;
	s->max_rounds = max_rounds ? max_rounds : 1;
	s->client_limit = client_limit;
	s->why_bad = CAP_LIMIT;
}

enum cap_verdict capsearch_judge(const struct hold_result *r)
{
	const struct stats *s = &r->s;

	if (r->interrupted)
		return CAP_INTERRUPTED;
	if (s->err[OUT_ADDR_NOT_AVAIL] || s->err[OUT_FD_LIMIT] || s->unstarted)
		return CAP_CLIENT;
	if (r->held >= r->spec.target)
		return CAP_HELD;
	if (s->started > r->established)
		return CAP_OPEN;
	return CAP_ANSWER;
}

void capsearch_note(struct capsearch *s, uint64_t n, enum cap_verdict v, uint64_t held)
{
	if (s->bad)
		s->bisects++;
	else
		s->steps++;
	if (v == CAP_HELD) {
		if (n > s->good && (!s->bad || n < s->bad))
			s->good = n;
		return;
	}
	if (!s->bad || n <= s->bad || v == CAP_CLIENT || v == CAP_INTERRUPTED) {
		s->bad = n;
		s->why_bad = v;
	}
	if (!s->hint)
		s->hint = held;
}

uint64_t capsearch_next(struct capsearch *s)
{
	uint64_t n, slack;

	if (s->why_bad == CAP_CLIENT || s->why_bad == CAP_INTERRUPTED || s->client_hit)
		return 0;
	if (!s->bad) {
		if (s->good >= s->client_limit) {
			s->client_hit = true;
			return 0;
		}
		if (s->steps >= s->max_rounds)
			return 0;
		n = s->good ? (uint64_t)ceil((double)s->good * s->factor) : s->start;
		if (n <= s->good)
			n = s->good + 1;
		return n < s->client_limit ? n : s->client_limit;
	}
	slack = s->good / 200;
	if (s->bad <= s->good + (slack > 1 ? slack : 1))
		return 0;
	if (s->bisects >= (s->refine ? s->refine : BISECT_MAX))
		return 0;
	if (!s->hint_tried && s->hint > s->good && s->hint < s->bad) {
		s->hint_tried = true;
		return s->hint;
	}
	s->hint_tried = true;
	if (!s->probe_tried && s->good == s->hint) {
		/* the hint held: one step of the precision past it closes the bracket */
		s->probe_tried = true;
		return s->good + (slack > 1 ? slack : 1);
	}
	return s->good + (s->bad - s->good) / 2;
}

const char *capsearch_reason(enum cap_verdict v)
{
	switch (v) {
	case CAP_HELD:
		return "held";
	case CAP_CLIENT:
		return "client";
	case CAP_OPEN:
		return "open";
	case CAP_ANSWER:
		return "answer";
	case CAP_LIMIT:
		return "limit";
	case CAP_INTERRUPTED:
		return "interrupted";
	}
	return "?";
}

/* The error classes of a round, "syn_timeout 12, timeout 3", into buf. */
static void error_list(char *buf, size_t len, const struct stats *s)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < OUT__ERRORS && off < len; i++)
		if (s->err[i])
			off += (size_t)snprintf(buf + off, len - off, "%s%s %llu",
						off ? ", " : "", stats_outcome_name((enum outcome)i),
						(unsigned long long)s->err[i]);
}

static void explain(char *buf, size_t len, const struct capsearch *s,
		    const struct hold_result *bad, const char *limit_why)
{
	char errs[160];

	error_list(errs, sizeof(errs), &bad->s);
	if (s->client_hit) {
		snprintf(buf, len, "every round held; the next would pass %s (%llu): "
			 "the client's limit, not the target's; add source addresses "
			 "(--source) or raise the limit",
			 limit_why, (unsigned long long)s->client_limit);
	} else if (!s->bad) {
		snprintf(buf, len, "every round held, up to %llu (raise --max-rounds or --start)",
			 (unsigned long long)s->good);
	} else if (s->why_bad == CAP_CLIENT) {
		snprintf(buf, len, "at %llu the client itself failed (%s%s%llu unstarted): "
			 "its ports or descriptors, not the target's limit",
			 (unsigned long long)bad->spec.target, errs, *errs ? "; " : "",
			 (unsigned long long)bad->s.unstarted);
	} else {
		snprintf(buf, len, "at %llu: %llu established, %llu held, %llu failed to open, "
			 "%llu stopped answering%s%s%s",
			 (unsigned long long)bad->spec.target,
			 (unsigned long long)bad->established, (unsigned long long)bad->held,
			 (unsigned long long)(bad->s.started - bad->established),
			 (unsigned long long)bad->lost, *errs ? " (" : "", errs, *errs ? ")" : "");
	}
}

static void capacity_json(FILE *f, const struct capsearch *s, const char *why)
{
	struct json j;
	enum cap_verdict v = s->client_hit ? CAP_CLIENT : s->why_bad;

	json_begin(&j, f);
	json_str(&j, "type", "capacity");
	json_u64(&j, "connections", s->good);
	json_str(&j, "reason", capsearch_reason(v));
	if (s->bad)
		json_u64(&j, "failed_at", s->bad);
	json_u64(&j, "client_limit", s->client_limit);
	json_u64(&j, "rounds", s->steps + s->bisects);
	json_str(&j, "detail", why);
	json_end_line(&j);
}

/* One round of n: table and JSON; its verdict, or -1 when it could not run. */
static int one_round(const struct config *c, const struct client_env *env,
		     uint64_t n, struct hold_result *r, FILE *out)
{
	struct hold_spec spec;
	int rc;

	hold_spec_from(c, n, &spec);
	rc = hold_round(c, env, &spec, r);
	if (rc < 0) {
		fprintf(stderr, "connrate saturate: cannot run the round: %s\n", strerror(-rc));
		return -1;
	}
	hold_row(out, r);
	if (env->json)
		hold_json(env->json, c, r);
	return (int)capsearch_judge(r);
}

int capsearch_run(const struct config *c, const struct client_env *env, FILE *out)
{
	struct hold_result *r = malloc(sizeof(*r)), *bad = malloc(sizeof(*bad));
	struct capsearch s;
	const char *limit_why;
	char why[512];
	uint64_t n, rounds = 0;
	int v, rc = 0;

	if (!r || !bad) {
		fprintf(stderr, "connrate saturate: out of memory\n");
		free(r);
		free(bad);
		return 1;
	}
	memset(bad, 0, sizeof(*bad));
	capsearch_init(&s, c->start_milli / 1000, c->factor, c->refine, c->max_rounds,
		       hold_client_limit_here(c, &limit_why));
	hold_header(out);
	while ((n = capsearch_next(&s)) != 0) {
		if (rounds++ && !client_cooldown(c, env)) {
			s.why_bad = CAP_INTERRUPTED;
			break;
		}
		v = one_round(c, env, n, r, out);
		if (v < 0) {
			rc = 1;
			break;
		}
		capsearch_note(&s, n, (enum cap_verdict)v, r->held);
		if (v != CAP_HELD && s.bad == n)
			memcpy(bad, r, sizeof(*r));
	}
	explain(why, sizeof(why), &s, bad, limit_why);
	fprintf(out, "\ncapacity: %llu connections held; %s: %s\n",
		(unsigned long long)s.good,
		capsearch_reason(s.client_hit ? CAP_CLIENT : s.why_bad), why);
	fflush(out);
	if (env->json)
		capacity_json(env->json, &s, why);
	free(r);
	free(bad);
	if (rc)
		return rc;
	return s.why_bad == CAP_INTERRUPTED ? 130 : 0;
}
