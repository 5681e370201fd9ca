/* Unit tests: hdrlog.c - ZigZag LEB128, Adler-32, base64, bucket mapping, the V2 encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <errno.h>
#include <cmocka.h>

#include "hdrlog.h"

static void test_zigzag(void **state)
{
	static const struct { int64_t v; uint8_t b[9]; size_t n; } known[] = {
		{ 0, { 0x00 }, 1 }, { -1, { 0x01 }, 1 }, { 1, { 0x02 }, 1 },
		{ 63, { 0x7e }, 1 }, { -64, { 0x7f }, 1 }, { 64, { 0x80, 0x01 }, 2 },
		{ -65, { 0x81, 0x01 }, 2 }, { 300, { 0xd8, 0x04 }, 2 },
		{ INT64_MAX, { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 9 },
		{ INT64_MIN, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 9 },
	};
	uint8_t b[9];
	int64_t v;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		n = hdr_zigzag_put(known[i].v, b);
		assert_int_equal(n, known[i].n);
		assert_memory_equal(b, known[i].b, n);
		assert_int_equal(hdr_zigzag_get(b, n, &v), n);
		assert_int_equal(v, known[i].v);
		assert_int_equal(hdr_zigzag_get(b, n - 1, &v), 0);	/* cut short */
	}
	for (i = 0; i < 10000; i++) {
		int64_t x = (int64_t)((uint64_t)rand() << 42 ^ (uint64_t)rand() << 21 ^
				      (uint64_t)rand()) >> (i % 60);

		n = hdr_zigzag_put(i & 1 ? -x : x, b);
		assert_int_equal(hdr_zigzag_get(b, n, &v), n);
		assert_int_equal(v, i & 1 ? -x : x);
	}
}

static void test_adler32_base64(void **state)
{
	static const char *const b64[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	uint8_t big[100000];
	char out[16];
	uint32_t a = 1, b = 0;
	size_t i;

	(void)state;
	assert_int_equal(hdr_adler32((const uint8_t *)"", 0), 1);
	assert_int_equal(hdr_adler32((const uint8_t *)"Wikipedia", 9), 0x11e60398);
	/* long enough that both sums wrap: the definition, reduced at every step */
	for (i = 0; i < sizeof(big); i++) {
		big[i] = (uint8_t)(255 - i % 7);
		a = (a + big[i]) % 65521;
		b = (b + a) % 65521;
	}
	assert_int_equal(hdr_adler32(big, sizeof(big)), b << 16 | a);
	for (i = 0; i < sizeof(b64) / sizeof(b64[0]); i++) {
		hdr_base64((const uint8_t *)b64[i][0], strlen(b64[i][0]), out);
		assert_string_equal(out, b64[i][1]);
	}
}

/* Every connrate bucket is exactly one HdrHistogram bucket, in order. */
static void test_bucket_mapping(void **state)
{
	unsigned i, k, prev = 0;

	(void)state;
	assert_int_equal(hdr_counts_index(0), 0);
	assert_int_equal(hdr_counts_index(255), 255);
	assert_int_equal(hdr_counts_index(256), 256);
	assert_int_equal(hdr_counts_index(257), 256);
	assert_int_equal(hdr_counts_index(258), 257);
	assert_int_equal(hdr_counts_index(512), 384);
	for (i = 0; i < HISTO_BUCKETS; i++) {
		k = hdr_counts_index(histo_bucket_lo(i));
		assert_int_equal(hdr_counts_index(histo_bucket_hi(i)), k);
		if (i)
			assert_int_equal(k, prev + 1);
		if (histo_bucket_hi(i) < HDR_HIGHEST)	/* the next value opens the next bucket */
			assert_int_equal(hdr_counts_index(histo_bucket_hi(i) + 1), k + 1);
		prev = k;
	}
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Inflate a zlib stream of stored blocks, as any inflater would, checking everything. */
static size_t inflate_stored(const uint8_t *z, size_t n, uint8_t *out)
{
	size_t off = 2, len = 0, l;
	int final = 0;

	assert_true(n >= 6);
	assert_int_equal(z[0] & 0x0f, 8);			/* deflate */
	assert_int_equal((z[0] << 8 | z[1]) % 31, 0);		/* header check */
	assert_int_equal(z[1] & 0x20, 0);			/* no dictionary */
	while (!final) {
		assert_true(off + 5 <= n);
		final = z[off] & 1;
		assert_int_equal(z[off] & 6, 0);		/* stored */
		l = (size_t)(z[off + 1] | z[off + 2] << 8);
		assert_int_equal(l ^ 0xffff, (size_t)(z[off + 3] | z[off + 4] << 8));
		assert_true(off + 5 + l <= n);
		memcpy(out + len, z + off + 5, l);
		len += l;
		off += 5 + l;
	}
	assert_int_equal(off + 4, n);
	assert_int_equal(be32(z + off), hdr_adler32(out, len));
	return len;
}

static void test_encode_roundtrip(void **state)
{
	struct histo *h = malloc(sizeof(*h));
	uint64_t counts[HISTO_BUCKETS + 1] = { 0 };
	uint8_t *blob, plain[64 << 10];
	size_t len, n, off, i, k = 0;
	int64_t v;
	double ratio;

	(void)state;
	histo_init(h);
	for (i = 0; i < 50000; i++)
		histo_add(h, (uint64_t)(rand() % 3 ? 20000 + rand() % 30000 : rand() % 300) +
			  (i % 1000 == 0 ? 5000000000ULL : 0));
	assert_int_equal(hdr_encode(h, &blob, &len), 0);
	assert_int_equal(be32(blob), HDR_COOKIE_COMPRESSED);
	assert_int_equal(be32(blob + 4), len - 8);
	n = inflate_stored(blob + 8, len - 8, plain);
	assert_int_equal(be32(plain), HDR_COOKIE);
	assert_int_equal(be32(plain + 4), n - 40);		/* payload length */
	assert_int_equal(be32(plain + 8), 0);			/* normalizing offset */
	assert_int_equal(be32(plain + 12), HDR_DIGITS);
	assert_int_equal(be64(plain + 16), HDR_LOWEST);
	assert_int_equal(be64(plain + 24), HDR_HIGHEST);
	v = (int64_t)be64(plain + 32);
	memcpy(&ratio, &v, sizeof(ratio));
	assert_true(ratio == 1.0);
	for (off = 40; off < n; off += i) {
		i = hdr_zigzag_get(plain + off, n - off, &v);
		assert_true(i > 0);
		assert_true(v != -1);			/* a single zero is written 0 */
		if (v < 0)
			k += (size_t)-v;
		else
			counts[k++] = (uint64_t)v;
		assert_true(k <= HISTO_BUCKETS);
	}
	assert_true(k > 0 && counts[k - 1] != 0);	/* ends at the last count */
	for (i = 0; i < HISTO_BUCKETS; i++)
		assert_int_equal(counts[i], h->bucket[i]);
	free(blob);
	free(h);
}

static void test_log_file(void **state)
{
	char path[] = "/tmp/test_hdrlogXXXXXX", line[256];
	struct histo *h = malloc(sizeof(*h));
	struct hdrlog *l;
	FILE *f;
	int fd = mkstemp(path), nl = 0;

	(void)state;
	assert_true(fd >= 0);
	histo_init(h);
	histo_add(h, 1500000);
	assert_int_equal(hdrlog_open(path, 1700000000250000000LL, &l), 0);
	assert_int_equal(hdrlog_write(l, 1700000001250000000LL, 2000000000, h), 0);
	assert_int_equal(hdrlog_close(l), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (nl == 2)
			assert_true(!strncmp(line, "#[StartTime: 1700000000.250 ", 28));
		if (nl == 3)
			assert_string_equal(line, "#[BaseTime: 1700000000.250 (seconds since epoch)]\n");
		if (nl == 5)
			assert_true(!strncmp(line, "1.000,2.000,1.500,HISTFAAAA", 27));
		nl++;
	}
	assert_int_equal(nl, 6);
	fclose(f);
	close(fd);
	unlink(path);
	free(h);
	assert_int_equal(hdrlog_open("/nonexistent-dir/x.hlog", 0, &l), -ENOENT);
}

/* A FIFO nobody reads is refused at once, never waited on (alarm: the guard). */
static void test_fifo_unread(void **state)
{
	char dir[] = "/tmp/test_hdrlogXXXXXX", path[64];
	struct hdrlog *l = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(5);
	assert_int_equal(hdrlog_open(path, 1700000000000000000LL, &l), -ENXIO);
	alarm(0);
	assert_null(l);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zigzag),
		cmocka_unit_test(test_adler32_base64),
		cmocka_unit_test(test_bucket_mapping),
		cmocka_unit_test(test_encode_roundtrip),
		cmocka_unit_test(test_log_file),
		cmocka_unit_test(test_fifo_unread),
	};

	return cmocka_run_group_tests_name("hdrlog", tests, NULL, NULL);
}
