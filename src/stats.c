/*
 * stats.c - outcome classes and merging (see stats.h).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "stats.h"

static const char *const outcome_names[] = {
	[OUT_REFUSED] = "refused",
	[OUT_RESET] = "reset",
	[OUT_TIMEOUT] = "timeout",
	[OUT_SYN_TIMEOUT] = "syn_timeout",
	[OUT_ADDR_NOT_AVAIL] = "addr_not_avail",
	[OUT_FD_LIMIT] = "fd_limit",
	[OUT_SHORT] = "short",
	[OUT_OTHER] = "other",
	[OUT_OK] = "ok",
};

const char *stats_outcome_name(enum outcome o)
{
	return o <= OUT_OK ? outcome_names[o] : "?";
}

void stats_init(struct stats *s)
{
	memset(s, 0, offsetof(struct stats, latency));
	histo_init(&s->latency);
	histo_init(&s->connect);
	histo_init(&s->lag);
	histo_init(&s->ttfb);
}

enum outcome stats_classify(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return OUT_REFUSED;
	case ECONNRESET:
	case EPIPE:
		return OUT_RESET;
	case ETIMEDOUT:
		return OUT_SYN_TIMEOUT;
	case EADDRNOTAVAIL:
		return OUT_ADDR_NOT_AVAIL;
	case EMFILE:
	case ENFILE:
		return OUT_FD_LIMIT;
	default:
		return OUT_OTHER;
	}
}

static void count_errno(struct stats *s, int err, uint64_t n)
{
	int i;

	for (i = 0; i < STATS_ERRNO_SLOTS; i++) {
		if (s->other[i].count && s->other[i].err == err) {
			s->other[i].count += n;
			return;
		}
	}
	for (i = 0; i < STATS_ERRNO_SLOTS; i++) {
		if (!s->other[i].count) {
			s->other[i].err = err;
			s->other[i].count = n;
			return;
		}
	}
	s->other_unlisted += n;
}

void stats_fail(struct stats *s, enum outcome o, int err)
{
	s->err[o]++;
	if (o == OUT_OTHER)
		count_errno(s, err, 1);
}

uint64_t stats_errors(const struct stats *s)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < OUT__ERRORS; i++)
		n += s->err[i];
	return n;
}

void stats_merge(struct stats *dst, const struct stats *src)
{
	int i;

	dst->started += src->started;
	dst->unstarted += src->unstarted;
	dst->ok += src->ok;
	for (i = 0; i < OUT__ERRORS; i++)
		dst->err[i] += src->err[i];
	for (i = 0; i < STATS_ERRNO_SLOTS; i++)
		if (src->other[i].count)
			count_errno(dst, src->other[i].err, src->other[i].count);
	dst->other_unlisted += src->other_unlisted;
	dst->bytes_sent += src->bytes_sent;
	dst->bytes_received += src->bytes_received;
	histo_merge(&dst->latency, &src->latency);
	histo_merge(&dst->connect, &src->connect);
	histo_merge(&dst->lag, &src->lag);
	histo_merge(&dst->ttfb, &src->ttfb);
}
