/* libFuzzer: the topology parser on any text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct topo t;
	char *text = malloc(size + 1), err[256];

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (topo_parse(text, "fuzz.topo", &t, err, sizeof(err)) == 0) {
		/* what parsed is consistent */
		unsigned i;

		for (i = 0; i < t.nlinks; i++)
			if (t.link[i].end[0].node >= t.nnodes || t.link[i].end[1].node >= t.nnodes ||
			    !topo_name_ok(t.link[i].end[0].ifname))
				abort();
	}
	free(text);
	return 0;
}
