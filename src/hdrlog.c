/*
 * hdrlog.c - HdrHistogram interval logs (see hdrlog.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hdrlog.h"

#define HDR_SUB_HALF_BITS 7		/* 128: half the 256 sub-buckets */
#define HDR_SUB_BITS 8
#define HDR_HEADER 40			/* the uncompressed encoding's header */
#define STORED_MAX 65535u		/* bytes in one stored deflate block */

struct hdrlog {
	FILE *f;
	int64_t base_wall_ns;
	int err;			/* first failed write, -errno */
};

unsigned hdr_counts_index(uint64_t v)
{
	/* bucket: the power of two above the first 256 values; unit 1 ns */
	unsigned bucket = 64u - HDR_SUB_BITS -
			  (unsigned)__builtin_clzll(v | ((1u << HDR_SUB_BITS) - 1));
	unsigned sub = (unsigned)(v >> bucket);

	return ((bucket + 1) << HDR_SUB_HALF_BITS) + sub - (1u << HDR_SUB_HALF_BITS);
}

size_t hdr_zigzag_put(int64_t v, uint8_t out[9])
{
	uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	size_t i;

	for (i = 0; i < 8; i++) {
		out[i] = (uint8_t)(u & 0x7f);
		u >>= 7;
		if (!u)
			return i + 1;
		out[i] |= 0x80;
	}
	out[8] = (uint8_t)u;		/* the ninth byte holds 8 bits */
	return 9;
}

size_t hdr_zigzag_get(const uint8_t *in, size_t n, int64_t *v)
{
	uint64_t u = 0;
	size_t i;

	for (i = 0; i < 9 && i < n; i++) {
		if (i == 8) {
			u |= (uint64_t)in[i] << 56;
			break;
		}
		u |= (uint64_t)(in[i] & 0x7f) << (7 * i);
		if (!(in[i] & 0x80))
			break;
	}
	if (i == n)
		return 0;
	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return i + 1;
}

uint32_t hdr_adler32(const uint8_t *p, size_t n)
{
	uint32_t a = 1, b = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		a = (a + p[i]) % 65521u;
		b = (b + a) % 65521u;
	}
	return b << 16 | a;
}

void hdr_base64(const uint8_t *in, size_t n, char *out)
{
	static const char t[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		*out++ = t[w >> 18];
		*out++ = t[(w >> 12) & 63];
		*out++ = t[(w >> 6) & 63];
		*out++ = t[w & 63];
	}
	if (i < n) {
		uint32_t w = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);

		*out++ = t[w >> 18];
		*out++ = t[(w >> 12) & 63];
		*out++ = i + 1 < n ? t[(w >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

static uint8_t *put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

static uint8_t *put_be64(uint8_t *p, uint64_t v)
{
	p = put_be32(p, (uint32_t)(v >> 32));
	return put_be32(p, (uint32_t)v);
}

/* The uncompressed V2 encoding into buf (HDR_HEADER + 9 per bucket); its length. */
static size_t encode_plain(const struct histo *h, uint8_t *buf)
{
	static const double one = 1.0;
	uint64_t ratio, counts[HISTO_BUCKETS] = { 0 };
	uint8_t *p = buf + HDR_HEADER;
	unsigned i, limit = 1, k;

	for (i = 0; i < HISTO_BUCKETS; i++) {
		if (!h->bucket[i])
			continue;
		k = hdr_counts_index(histo_bucket_lo(i));
		counts[k] += h->bucket[i];
		if (k + 1 > limit)
			limit = k + 1;
	}
	for (i = 0; i < limit; ) {
		int64_t v = (int64_t)counts[i++];

		if (!v) {
			int64_t zeros = 1;

			while (i < limit && !counts[i]) {
				zeros++;
				i++;
			}
			v = zeros > 1 ? -zeros : 0;
		}
		p += hdr_zigzag_put(v, p);
	}
	memcpy(&ratio, &one, sizeof(ratio));
	put_be64(put_be64(put_be64(put_be32(put_be32(put_be32(put_be32(buf,
		HDR_COOKIE), (uint32_t)(p - buf - HDR_HEADER)), 0), HDR_DIGITS),
		HDR_LOWEST), HDR_HIGHEST), ratio);
	return (size_t)(p - buf);
}

/* A zlib stream of stored blocks holding in[0..n) at out; its length. */
static size_t zlib_stored(const uint8_t *in, size_t n, uint8_t *out)
{
	uint8_t *p = out;
	size_t off = 0;

	*p++ = 0x78;		/* deflate, 32 KiB window */
	*p++ = 0x01;		/* no dictionary, (0x78 << 8 | 0x01) % 31 == 0 */
	do {
		size_t len = n - off > STORED_MAX ? STORED_MAX : n - off;

		*p++ = off + len == n;	/* BFINAL, BTYPE 00: stored */
		*p++ = (uint8_t)len;
		*p++ = (uint8_t)(len >> 8);
		*p++ = (uint8_t)~len;
		*p++ = (uint8_t)(~len >> 8);
		memcpy(p, in + off, len);
		p += len;
		off += len;
	} while (off < n);
	return (size_t)(put_be32(p, hdr_adler32(in, n)) - out);
}

int hdr_encode(const struct histo *h, uint8_t **out, size_t *len)
{
	size_t cap = HDR_HEADER + 9 * (size_t)HISTO_BUCKETS, n, blocks;
	uint8_t *plain = malloc(cap), *z;

	if (!plain)
		return -ENOMEM;
	n = encode_plain(h, plain);
	blocks = n / STORED_MAX + 1;
	z = malloc(8 + 2 + 5 * blocks + n + 4);
	if (!z) {
		free(plain);
		return -ENOMEM;
	}
	*len = zlib_stored(plain, n, z + 8);
	put_be32(put_be32(z, HDR_COOKIE_COMPRESSED), (uint32_t)*len);
	*len += 8;
	*out = z;
	free(plain);
	return 0;
}

static double wall_s(int64_t ns)
{
	return (double)ns / 1e9;
}

/*
 * Open path for writing, truncated.  O_NONBLOCK for the open alone: a FIFO
 * nobody reads fails at once (ENXIO) instead of blocking the process where
 * its signals are already taken by a signalfd; writes then block as usual.
 */
static FILE *open_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK, 0666);
	FILE *f;

	if (fd < 0)
		return NULL;
	if (fcntl(fd, F_SETFL, 0) < 0 || !(f = fdopen(fd, "w"))) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	return f;
}

int hdrlog_open(const char *path, int64_t base_wall_ns, struct hdrlog **out)
{
	struct hdrlog *l = calloc(1, sizeof(*l));
	time_t sec = (time_t)(base_wall_ns / 1000000000);
	char when[64];
	struct tm tm;

	if (!l)
		return -ENOMEM;
	l->f = open_log(path);
	if (!l->f) {
		int e = -errno;

		free(l);
		return e;
	}
	l->base_wall_ns = base_wall_ns;
	if (!gmtime_r(&sec, &tm) ||
	    !strftime(when, sizeof(when), "%a %b %d %H:%M:%S UTC %Y", &tm))
		strcpy(when, "?");
	fprintf(l->f, "#[Logged with connrate %s]\n", CR_VERSION);
	fprintf(l->f, "#[Histogram log format version 1.3]\n");
	fprintf(l->f, "#[StartTime: %.3f (seconds since epoch), %s]\n",
		wall_s(base_wall_ns), when);
	fprintf(l->f, "#[BaseTime: %.3f (seconds since epoch)]\n", wall_s(base_wall_ns));
	fprintf(l->f, "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
		"\"Interval_Compressed_Histogram\"\n");
	if (fflush(l->f))
		l->err = -errno;
	*out = l;
	return 0;
}

int hdrlog_write(struct hdrlog *l, int64_t start_wall_ns, uint64_t length_ns,
		 const struct histo *h)
{
	uint8_t *blob;
	size_t len;
	char *b64;
	int rc = hdr_encode(h, &blob, &len);

	if (rc)
		return rc;
	b64 = malloc(4 * ((len + 2) / 3) + 1);
	if (!b64) {
		free(blob);
		return -ENOMEM;
	}
	hdr_base64(blob, len, b64);
	fprintf(l->f, "%.3f,%.3f,%.3f,%s\n",
		wall_s(start_wall_ns - l->base_wall_ns), (double)length_ns / 1e9,
		h->count ? (double)h->max_ns / 1e6 : 0.0, b64);
	if (fflush(l->f) && !l->err)
		l->err = -errno;
	free(b64);
	free(blob);
	return l->err;
}

int hdrlog_close(struct hdrlog *l)
{
	int rc;

	if (!l)
		return 0;
	rc = l->err;
	if (fclose(l->f) && !rc)
		rc = -errno;
	free(l);
	return rc;
}
