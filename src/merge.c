/*
 * merge.c - several load hosts' rounds as one (see merge.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "jread.h"
#include "json.h"
#include "merge.h"
#include "opt.h"
#include "payload.h"
#include "report.h"
#include "walltime.h"

/* A number member (a.b when b) as a double; false when absent or not a number. */
static bool num(const struct jdoc *d, const struct jnode *o, const char *a,
		const char *b, double *v)
{
	const struct jnode *n = jread_get(d, o, a);

	if (b)
		n = jread_get(d, n, b);
	return n && jread_num(n, v) == 0 && isfinite(*v);
}

static bool count(const struct jdoc *d, const struct jnode *o, const char *a,
		  uint64_t *v)
{
	return jread_u64(jread_get(d, o, a), v) == 0;
}

static uint64_t us_to_ns(double us)
{
	return us <= 0 ? 0 : us >= 1.8e16 ? UINT64_MAX : (uint64_t)llround(us * 1e3);
}

/* histogram key hkey, with min, mean and max from the summary skey, into h. */
static int histo_in(const struct jdoc *d, const struct jnode *o, const char *hkey,
		    const char *skey, struct histo *h, char *why, size_t whylen)
{
	const struct jnode *b = jread_get(d, jread_get(d, o, hkey), "buckets"), *e;
	const char *unit = jread_str(d, jread_get(d, o, hkey), "unit");
	double mn, mean, mx;

	histo_init(h);
	if (!b || b->type != J_ARR || !unit || strcmp(unit, "ns"))
		return opt_why(why, whylen, "no \"%s\" in nanoseconds (written by a connrate without "
			   "merge support?)", hkey);
	for (e = jread_first(d, b); e; e = jread_next(d, e)) {
		uint64_t hi, c;
		unsigned i;

		if (e->type != J_ARR || e->count != 2 || jread_u64(jread_at(d, e, 0), &hi) ||
		    jread_u64(jread_at(d, e, 1), &c))
			return opt_why(why, whylen, "\"%s\": a bucket is not [upper_ns, count]", hkey);
		i = histo_index(hi);
		if (histo_bucket_hi(i) != hi)
			return opt_why(why, whylen, "\"%s\": %llu ns is not the upper bound of a connrate "
				   "bucket", hkey, (unsigned long long)hi);
		if (h->bucket[i] + c < c || h->count + c < c)
			return opt_why(why, whylen, "\"%s\": counts overflow", hkey);
		h->bucket[i] += c;
		h->count += c;
	}
	if (!h->count)
		return 0;
	if (!num(d, o, skey, "min", &mn) || !num(d, o, skey, "mean", &mean) ||
	    !num(d, o, skey, "max", &mx))
		return opt_why(why, whylen, "no \"%s\" min, mean and max", skey);
	h->min_ns = us_to_ns(mn);
	h->max_ns = us_to_ns(mx);
	h->sum_ns = (unsigned __int128)us_to_ns(mean) * h->count;
	return 0;
}

static int errors_in(const struct jdoc *d, const struct jnode *o, struct stats *s,
		     char *why, size_t whylen)
{
	const struct jnode *e = jread_get(d, o, "errors"), *x;
	unsigned i, k = 0;

	if (!e || e->type != J_OBJ)
		return opt_why(why, whylen, "no \"errors\" object");
	for (i = 0; i < OUT__ERRORS; i++)
		if (!count(d, e, stats_outcome_name((enum outcome)i), &s->err[i]))
			return opt_why(why, whylen, "no count \"errors\".\"%s\"",
				   stats_outcome_name((enum outcome)i));
	for (x = jread_first(d, jread_get(d, o, "other_errno")); x; x = jread_next(d, x)) {
		uint64_t n;
		char *end;
		long err = strtol(x->key, &end, 10);

		if (jread_u64(x, &n))
			return opt_why(why, whylen, "\"other_errno\".\"%s\" is not a count", x->key);
		if (!strcmp(x->key, "unlisted") || *end || k == STATS_ERRNO_SLOTS) {
			s->other_unlisted += n;
			continue;
		}
		s->other[k].err = (int)err;
		s->other[k++].count = n;
	}
	return 0;
}

static int stats_in(const struct jdoc *d, const struct jnode *o, struct stats *s,
		    char *why, size_t whylen)
{
	stats_init(s);
	if (!count(d, o, "started", &s->started) || !count(d, o, "ok", &s->ok) ||
	    !count(d, o, "bytes_sent", &s->bytes_sent) ||
	    !count(d, o, "bytes_received", &s->bytes_received))
		return opt_why(why, whylen, "no started, ok, bytes_sent and bytes_received counts");
	(void)count(d, o, "unstarted", &s->unstarted);
	if (errors_in(d, o, s, why, whylen) ||
	    histo_in(d, o, "histogram", "latency_us", &s->latency, why, whylen) ||
	    histo_in(d, o, "connect_histogram", "connect_us", &s->connect, why, whylen) ||
	    histo_in(d, o, "lag_histogram", "lag_us", &s->lag, why, whylen) ||
	    histo_in(d, o, "ttfb_histogram", "ttfb_us", &s->ttfb, why, whylen))
		return -1;
	/* sums of counts that do not add up would be passed on as figures */
	if (s->ok > s->started || stats_errors(s) > s->started - s->ok)
		return opt_why(why, whylen, "ok %llu and errors %llu add up to more than started %llu",
			       (unsigned long long)s->ok, (unsigned long long)stats_errors(s),
			       (unsigned long long)s->started);
	if (s->latency.count != s->ok)
		return opt_why(why, whylen, "\"histogram\" holds %llu connections, \"ok\" counts %llu",
			       (unsigned long long)s->latency.count, (unsigned long long)s->ok);
	return 0;
}

/* "phases": each phase's window and figures, when the round has them. */
static int phases_in(const struct jdoc *d, const struct jnode *o, struct merge_round *r,
		     char *why, size_t whylen)
{
	const struct jnode *ph = jread_get(d, o, "phases");
	int p;

	r->phased = ph != NULL;
	for (p = 0; ph && p < PHASES; p++) {
		const char *name = pacer_phase_name((enum pacer_phase)p);
		const struct jnode *x = jread_get(d, ph, name);
		struct merge_phase *m = &r->phase[p];

		if (!x || !num(d, x, "duration_s", NULL, &m->duration_s) ||
		    !num(d, x, "elapsed_s", NULL, &m->elapsed_s))
			return opt_why(why, whylen, "\"phases\" without \"%s\" and its window", name);
		if (stats_in(d, x, &m->s, why, whylen))
			return -1;
	}
	return 0;
}

/* mode, rate or concurrency, duration, window, host and starts. */
static int spec_in(const struct jdoc *d, const struct jnode *o, struct merge_round *r,
		   char *why, size_t whylen)
{
	const char *mode = jread_str(d, o, "mode"), *host = jread_str(d, o, "host");
	const char *req = jread_str(d, o, "start_requested");
	const char *act = jread_str(d, o, "start_actual");
	const struct jnode *intr = jread_get(d, o, "interrupted");
	double off;

	if (!mode || (strcmp(mode, "rate") && strcmp(mode, "concurrency")))
		return opt_why(why, whylen, "no \"mode\" rate or concurrency");
	r->closed_loop = !strcmp(mode, "concurrency");
	if (r->closed_loop ? !count(d, o, "concurrency", &r->concurrency) :
	    !num(d, o, "target_rate", NULL, &r->target_rate))
		return opt_why(why, whylen, "no \"%s\"", r->closed_loop ? "concurrency" : "target_rate");
	if (!num(d, o, "duration_s", NULL, &r->duration_s) ||
	    !num(d, o, "elapsed_s", NULL, &r->elapsed_s) ||
	    !count(d, o, "threads", &r->threads))
		return opt_why(why, whylen, "no duration_s, elapsed_s and threads");
	if (!host || strlen(host) >= sizeof(r->host) || !req || !act ||
	    walltime_parse(req, &r->start_requested_ns) ||
	    walltime_parse(act, &r->start_actual_ns))
		return opt_why(why, whylen, "no \"host\", \"start_requested\" and \"start_actual\" "
			   "(written by a connrate without merge support?)");
	strcpy(r->host, host);
	if (num(d, o, "share_offset_us", NULL, &off) && off >= 0 && off < 1e12)
		r->share_offset_ns = llround(off * 1e3);
	(void)num(d, o, "cpu", "user_s", &r->cpu_user_s);
	(void)num(d, o, "cpu", "sys_s", &r->cpu_sys_s);
	if (!num(d, o, "cpu", "wakeups", &r->cpu_wakeups) || r->cpu_wakeups < 0)
		r->cpu_wakeups = -1;
	if (!num(d, o, "untimed", NULL, &r->untimed) || r->untimed < 0)
		r->untimed = -1;
	if (!num(d, o, "batch_us", NULL, &r->batch_us) || r->batch_us < 0)
		r->batch_us = -1;
	r->interrupted = intr && intr->type == J_BOOL && intr->b;
	return 0;
}

int merge_parse_round(const char *line, size_t len, struct merge_round *r,
		      char *why, size_t whylen)
{
	struct jdoc d;
	const char *type;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = jread_parse(line, len, &d);
	if (rc == -ENOMEM)
		return opt_why(why, whylen, "out of memory");
	if (rc || d.node[0].type != J_OBJ)
		return rc ? opt_why(why, whylen, "not JSON (at byte %zu)", d.err_off) : (jread_free(&d),
			opt_why(why, whylen, "not a JSON object"));
	type = jread_str(&d, &d.node[0], "type");
	rc = -1;
	if (!type || strcmp(type, "round"))
		(void)opt_why(why, whylen, "not a \"round\" object");
	else if (!spec_in(&d, &d.node[0], r, why, whylen) &&
		 !stats_in(&d, &d.node[0], &r->s, why, whylen))
		rc = phases_in(&d, &d.node[0], r, why, whylen);
	jread_free(&d);
	return rc;
}

/* The window a host's round covers: its first start to the end of its window. */
static int64_t round_end_ns(const struct merge_round *r)
{
	return r->start_actual_ns + (int64_t)llround(r->elapsed_s * 1e9);
}

/* The phases of src into dst's: both phased alike, or neither. */
static int merge_phases(struct merge_round *dst, const struct merge_round *src,
			char *why, size_t whylen)
{
	int p;

	if (dst->phased != src->phased)
		return opt_why(why, whylen, "%s, where the first host's %s",
			       src->phased ? "a phased round" : "a round without phases",
			       dst->phased ? "has phases" : "has none");
	for (p = 0; dst->phased && p < PHASES; p++)
		if (fabs(dst->phase[p].duration_s - src->phase[p].duration_s) > 0.0005)
			return opt_why(why, whylen, "%s %.3f s, where the first host's is %.3f s",
				       pacer_phase_name((enum pacer_phase)p),
				       src->phase[p].duration_s, dst->phase[p].duration_s);
	for (p = 0; dst->phased && p < PHASES; p++) {
		stats_merge(&dst->phase[p].s, &src->phase[p].s);
		if (src->phase[p].elapsed_s > dst->phase[p].elapsed_s)
			dst->phase[p].elapsed_s = src->phase[p].elapsed_s;
	}
	return 0;
}

int merge_add(struct merge_round *dst, const struct merge_round *src,
	      char *why, size_t whylen)
{
	if (dst->closed_loop != src->closed_loop)
		return opt_why(why, whylen, "mode %s, where the first host's is %s",
			       src->closed_loop ? "concurrency" : "rate",
			       dst->closed_loop ? "concurrency" : "rate");
	if (!dst->closed_loop && fabs(dst->target_rate - src->target_rate) > 0.0005)
		return opt_why(why, whylen, "rate %.3f/s per host, where the first host's "
			       "is %.3f/s: every host must offer the same share",
			       src->target_rate, dst->target_rate);
	if (dst->closed_loop && dst->concurrency != src->concurrency)
		return opt_why(why, whylen, "concurrency %llu per host, where the first "
			       "host's is %llu", (unsigned long long)src->concurrency,
			       (unsigned long long)dst->concurrency);
	if (fabs(dst->duration_s - src->duration_s) > 0.0005)
		return opt_why(why, whylen, "duration %.3f s, where the first host's is %.3f s",
			       src->duration_s, dst->duration_s);
	if (merge_phases(dst, src, why, whylen))
		return -1;
	stats_merge(&dst->s, &src->s);
	dst->threads += src->threads;
	dst->cpu_user_s += src->cpu_user_s;
	dst->cpu_sys_s += src->cpu_sys_s;
	dst->cpu_wakeups = dst->cpu_wakeups < 0 || src->cpu_wakeups < 0 ? -1 :
			   dst->cpu_wakeups + src->cpu_wakeups;
	/* a host without --batch timed every answer as it came: none untimed */
	if (src->untimed >= 0)
		dst->untimed = (dst->untimed > 0 ? dst->untimed : 0) + src->untimed;
	if (src->batch_us > dst->batch_us)
		dst->batch_us = src->batch_us;
	dst->interrupted |= src->interrupted;
	if (round_end_ns(src) > round_end_ns(dst))
		dst->elapsed_s = (double)(round_end_ns(src) - dst->start_actual_ns) / 1e9;
	if (src->start_actual_ns < dst->start_actual_ns) {
		dst->elapsed_s += (double)(dst->start_actual_ns - src->start_actual_ns) / 1e9;
		dst->start_actual_ns = src->start_actual_ns;
	}
	if (src->start_requested_ns < dst->start_requested_ns)
		dst->start_requested_ns = src->start_requested_ns;
	return 0;
}

/* A host's file: its text and where its round lines are. */
struct host_file {
	const char *path;
	struct payload text;
	size_t *off, *len;	/* round lines */
	unsigned *line;
	unsigned nrounds;
	const char *missing;	/* why this host is missing, or NULL */
	bool cut;		/* its last line has no end: ignored (allow_missing) */
	struct merge_round *r;	/* the round being merged */
};

/* Is the line a JSON object of type "round"?  -1 when not JSON at all. */
static int is_round(const char *p, size_t len)
{
	struct jdoc d;
	const char *type;
	int rc;

	if (jread_parse(p, len, &d))
		return -1;
	if (d.node[0].type != J_OBJ) {
		jread_free(&d);
		return -1;
	}
	type = jread_str(&d, &d.node[0], "type");
	rc = type && !strcmp(type, "round");
	jread_free(&d);
	return rc;
}

static int note_round(struct host_file *h, size_t off, size_t len, unsigned line)
{
	size_t n = h->nrounds + 1;
	size_t *o = realloc(h->off, n * sizeof(*o)), *l;
	unsigned *ln;

	if (o)
		h->off = o;
	l = o ? realloc(h->len, n * sizeof(*l)) : NULL;
	if (l)
		h->len = l;
	ln = l ? realloc(h->line, n * sizeof(*ln)) : NULL;
	if (!ln)
		return -ENOMEM;
	h->line = ln;
	h->off[h->nrounds] = off;
	h->len[h->nrounds] = len;
	h->line[h->nrounds++] = line;
	return 0;
}

/*
 * The round lines of h's text.  0, or -1 with err.  A last line without
 * its end (a host cut off while writing) is an error, or with cut_ok
 * left out: the host is missing from that round on.
 */
static int scan(struct host_file *h, bool cut_ok, char *err, size_t errlen)
{
	const char *t = h->text.data;
	size_t off = 0, len = h->text.len;
	unsigned line = 0;

	while (off < len) {
		const char *nl = memchr(t + off, '\n', len - off);
		size_t l = nl ? (size_t)(nl - (t + off)) : len - off;
		int k = l ? is_round(t + off, l) : 0;

		line++;
		if (!nl && cut_ok) {
			h->cut = true;
			break;
		}
		if (!nl || k < 0)
			return opt_why(err, errlen, "%s:%u: %s", h->path, line,
				       nl ? "not a JSON object" : "truncated (no end of line)");
		if (k > 0 && note_round(h, off, l, line))
			return opt_why(err, errlen, "%s: out of memory", h->path);
		off += l + 1;
	}
	if (!h->nrounds)
		h->missing = len ? "no round in the file" : "empty file";
	return 0;
}

static int load(struct host_file *h, bool cut_ok, char *err, size_t errlen)
{
	int rc = payload_load_max(h->path, MERGE_MAX_FILE_BYTES, &h->text);

	if (rc == -ENOENT) {
		h->missing = "no such file";
		return 0;
	}
	if (rc)
		return opt_why(err, errlen, "%s: cannot read: %s", h->path,
			       rc == -EISDIR || rc == -ESPIPE || rc == -ENODEV ||
			       rc == -EFBIG ? payload_strerror(rc) : strerror(-rc));
	return scan(h, cut_ok, err, errlen);
}

static double rate(uint64_t ok, double s)
{
	return s > 0 ? (double)ok / s : 0.0;
}

static void histograms_json(struct json *j, const struct stats *s)
{
	report_histogram_json(j, "histogram", &s->latency);
	report_histogram_json(j, "connect_histogram", &s->connect);
	report_histogram_json(j, "lag_histogram", &s->lag);
	report_histogram_json(j, "ttfb_histogram", &s->ttfb);
}

static void phases_json(struct json *j, const struct merge_round *acc)
{
	int p;

	json_obj(j, "phases");
	for (p = 0; p < PHASES; p++) {
		const struct merge_phase *m = &acc->phase[p];

		json_obj(j, pacer_phase_name((enum pacer_phase)p));
		json_num(j, "duration_s", m->duration_s, 3);
		json_num(j, "elapsed_s", m->elapsed_s, 6);
		report_stats_json(j, &m->s);
		json_num(j, "achieved_rate", rate(m->s.ok, m->elapsed_s), 1);
		histograms_json(j, &m->s);
		json_obj_end(j);
	}
	json_obj_end(j);
}

/* When the host started, less its --share offset: what the skew compares. */
static int64_t host_start(const struct merge_round *r)
{
	return r->start_actual_ns - r->share_offset_ns;
}

static void host_json(struct json *j, const struct host_file *h, int64_t t0)
{
	const struct merge_round *r = h->r;
	char buf[40];

	json_obj(j, NULL);
	json_str(j, "id", r->host);
	json_str(j, "file", h->path);
	json_str(j, "start_actual", walltime_format(r->start_actual_ns, buf, sizeof(buf)));
	json_num(j, "start_late_us",
		 (double)(r->start_actual_ns - r->start_requested_ns) / 1e3, 3);
	json_num(j, "start_skew_us", (double)(host_start(r) - t0) / 1e3, 3);
	json_u64(j, "started", r->s.started);
	json_u64(j, "ok", r->s.ok);
	json_u64(j, "errors", stats_errors(&r->s));
	json_num(j, "achieved_rate", r->elapsed_s > 0 ? (double)r->s.ok / r->elapsed_s : 0, 1);
	json_obj_end(j);
}

/* The merged round acc of the hosts in hf that have it (h->r set). */
static void round_json(FILE *f, const struct merge_round *acc, const struct host_file *hf,
		       unsigned n, unsigned k)
{
	struct json j;
	unsigned i, nh = 0;
	int64_t skew = 0, t0 = INT64_MAX;

	for (i = 0; i < n; i++)
		if (hf[i].r && host_start(hf[i].r) < t0)
			t0 = host_start(hf[i].r);
	json_begin(&j, f);
	json_str(&j, "type", "round");
	json_str(&j, "mode", acc->closed_loop ? "concurrency" : "rate");
	for (i = 0; i < n; i++)
		if (hf[i].r) {
			nh++;
			if (host_start(hf[i].r) - t0 > skew)
				skew = host_start(hf[i].r) - t0;
		}
	if (acc->closed_loop)
		json_u64(&j, "concurrency", acc->concurrency * nh);
	else
		json_num(&j, "target_rate", acc->target_rate * nh, 3);
	json_u64(&j, "round_index", k);
	json_u64(&j, "hosts_merged", nh);
	json_num(&j, "duration_s", acc->duration_s, 3);
	json_num(&j, "elapsed_s", acc->elapsed_s, 6);
	json_u64(&j, "threads", acc->threads);
	report_stats_json(&j, &acc->s);
	json_num(&j, "achieved_rate", acc->elapsed_s > 0 ? (double)acc->s.ok / acc->elapsed_s : 0, 1);
	json_obj(&j, "cpu");
	json_num(&j, "user_s", acc->cpu_user_s, 3);
	json_num(&j, "sys_s", acc->cpu_sys_s, 3);
	if (acc->cpu_wakeups >= 0)
		json_u64(&j, "wakeups", (uint64_t)acc->cpu_wakeups);
	json_obj_end(&j);
	if (acc->untimed >= 0) {
		json_num(&j, "batch_us", acc->batch_us, 3);
		json_u64(&j, "untimed", (uint64_t)acc->untimed);
	}
	json_bool(&j, "interrupted", acc->interrupted);
	histograms_json(&j, &acc->s);
	if (acc->phased)
		phases_json(&j, acc);
	report_start_json(&j, NULL, acc->start_requested_ns, acc->start_actual_ns);
	json_num(&j, "start_skew_us", (double)skew / 1e3, 3);
	json_arr(&j, "hosts");
	for (i = 0; i < n; i++)
		if (hf[i].r)
			host_json(&j, &hf[i], t0);
	json_arr_end(&j);
	json_arr(&j, "missing");
	for (i = 0; i < n; i++) {
		if (hf[i].r)
			continue;
		json_obj(&j, NULL);
		json_str(&j, "file", hf[i].path);
		json_str(&j, "reason", hf[i].missing ? hf[i].missing : hf[i].cut ?
			 "file cut off while writing" : "fewer rounds than the others");
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_end_line(&j);
}

static void round_row(FILE *f, const struct merge_round *acc, unsigned nh)
{
	struct round_result *r = calloc(1, sizeof(*r));
	int p;

	if (!r)
		return;
	r->spec.closed_loop = acc->closed_loop;
	r->spec.concurrency = acc->concurrency * nh;
	r->spec.rate_milli = (uint64_t)llround(acc->target_rate * nh * 1000.0);
	r->spec.duration_ns = (uint64_t)llround(acc->duration_s * 1e9);
	r->s = acc->s;
	r->elapsed_s = acc->elapsed_s;
	r->achieved_rate = acc->elapsed_s > 0 ? (double)acc->s.ok / acc->elapsed_s : 0;
	r->interrupted = acc->interrupted;
	r->spec.phased = acc->phased;
	for (p = 0; acc->phased && p < PHASES; p++) {
		r->phase[p] = acc->phase[p].s;
		r->phase_s[p] = acc->phase[p].elapsed_s;
		r->phase_rate[p] = rate(acc->phase[p].s.ok, acc->phase[p].elapsed_s);
	}
	report_row(f, r);
	free(r);
}

/* Host i's round k into hf[i].r, checked against the hosts before it. */
static int host_round(struct host_file *hf, unsigned i, unsigned k, char *err, size_t errlen)
{
	struct host_file *h = &hf[i];
	char why[256];
	unsigned j;

	if (!h->r && !(h->r = malloc(sizeof(*h->r))))
		return opt_why(err, errlen, "out of memory");
	if (merge_parse_round(h->text.data + h->off[k], h->len[k], h->r, why, sizeof(why)))
		return opt_why(err, errlen, "%s:%u: %s", h->path, h->line[k], why);
	for (j = 0; j < i; j++)
		if (hf[j].r && !strcmp(hf[j].r->host, h->r->host))
			return opt_why(err, errlen, "%s:%u: host id '%s' is also %s's: "
				       "give each load host its own --id", h->path,
				       h->line[k], h->r->host, hf[j].path);
	return 0;
}

/* Round k of every host that has it; acc is the merge. */
static int merge_k(struct host_file *hf, unsigned n, unsigned k, struct merge_round *acc,
		   unsigned *nh, char *err, size_t errlen)
{
	char why[256];
	unsigned i;

	*nh = 0;
	for (i = 0; i < n; i++) {
		if (hf[i].missing || k >= hf[i].nrounds) {
			free(hf[i].r);
			hf[i].r = NULL;
			continue;
		}
		if (host_round(hf, i, k, err, errlen))
			return -1;
		if (!(*nh)++)
			*acc = *hf[i].r;
		else if (merge_add(acc, hf[i].r, why, sizeof(why)))
			return opt_why(err, errlen, "%s:%u: %s", hf[i].path,
				       hf[i].line[k], why);
	}
	return 0;
}

/* Every file loaded; missing hosts refused unless allowed.  Returns the most rounds. */
static int load_all(struct host_file *hf, unsigned n, const struct merge_opts *o,
		    unsigned *most, char *err, size_t errlen)
{
	unsigned i, present = 0;

	*most = 0;
	for (i = 0; i < n; i++) {
		if (load(&hf[i], o->allow_missing, err, errlen))
			return -1;
		if (hf[i].missing && !o->allow_missing)
			return opt_why(err, errlen, "%s: host missing (%s); --allow-missing "
				       "merges the others and names it", hf[i].path,
				       hf[i].missing);
		present += !hf[i].missing;
		if (hf[i].nrounds > *most)
			*most = hf[i].nrounds;
	}
	if (!present)
		return opt_why(err, errlen, "no host has a round: nothing to merge");
	for (i = 0; i < n && !o->allow_missing; i++)
		if (hf[i].nrounds != *most)
			return opt_why(err, errlen, "%s: %u rounds, where another file has "
				       "%u (--allow-missing merges what there is)",
				       hf[i].path, hf[i].nrounds, *most);
	return 0;
}

int merge_files(const char *const *files, unsigned n, const struct merge_opts *o,
		FILE *json, FILE *table, char *err, size_t errlen)
{
	struct host_file *hf = calloc(n ? n : 1, sizeof(*hf));
	struct merge_round *acc = malloc(sizeof(*acc));
	unsigned i, k, most, nh;
	int rc = -1;

	if (!hf || !acc) {
		opt_why(err, errlen, "out of memory");
		goto out;
	}
	if (n > MERGE_MAX_FILES) {
		opt_why(err, errlen, "at most %d files", MERGE_MAX_FILES);
		goto out;
	}
	for (i = 0; i < n; i++)
		hf[i].path = files[i];
	if (load_all(hf, n, o, &most, err, errlen))
		goto out;
	for (k = 0; k < most; k++) {
		if (merge_k(hf, n, k, acc, &nh, err, errlen))
			goto out;
		if (table && k == 0)
			report_header(table);
		if (json)
			round_json(json, acc, hf, n, k);
		if (table)
			round_row(table, acc, nh);
	}
	rc = 0;
out:
	for (i = 0; hf && i < n; i++) {
		payload_free(&hf[i].text);
		free(hf[i].off);
		free(hf[i].len);
		free(hf[i].line);
		free(hf[i].r);
	}
	free(hf);
	free(acc);
	return rc;
}
