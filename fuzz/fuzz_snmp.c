/* libFuzzer: /proc/net/snmp and /proc/net/netstat text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nstat a, b, d;
	char *text = malloc(size + 1);
	unsigned i;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	a.n = 0;
	counters_parse_snmp(text, &a);
	b = a;
	counters_delta(&a, &b, &d);
	for (i = 0; i < d.n; i++)
		if (d.e[i].v != 0 && nstat_get(&a, d.e[i].name) == nstat_get(&b, d.e[i].name))
			abort();
	free(text);
	return 0;
}
