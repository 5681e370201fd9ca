/* libFuzzer: the --respond-after http scanner, fed in pieces, against strstr. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	const char *hit;
	size_t off = 0, cut;
	unsigned st = 0;
	long at = -1;

	if (size < 1)
		return 0;
	cut = data[0] % 17 + 1;		/* piece size */
	data++;
	size--;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	while (off < size && at < 0) {
		size_t n = size - off < cut ? size - off : cut;
		long r = server_http_scan(&st, text + off, n);

		if (r >= 0)
			at = (long)off + r;
		off += n;
	}
	hit = memchr(text, '\0', size) ? NULL : strstr(text, "\r\n\r\n");
	if (hit && at != (long)(hit - text) + 4)
		abort();
	if (!memchr(text, '\0', size) && !hit && at >= 0)
		abort();
	free(text);
	return 0;
}
