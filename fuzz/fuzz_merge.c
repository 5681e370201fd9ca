/* libFuzzer: what connrate merge reads: one JSON line as a host's round. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jread.h"
#include "merge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct merge_round a, b;
	char why[256];
	struct jdoc d;

	if (jread_parse((const char *)data, size, &d) == 0) {
		if (d.n == 0 || d.node[0].next != JREAD_NONE)
			abort();
		jread_free(&d);
	}
	if (merge_parse_round((const char *)data, size, &b, why, sizeof(why)) == 0) {
		a = b;
		if (merge_add(&a, &b, why, sizeof(why)) || a.s.started != 2 * b.s.started)
			abort();
	}
	return 0;
}
