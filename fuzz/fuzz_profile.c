/* libFuzzer: the sysctl profile parser; keys that pass must be safe paths. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct profile p;
	char *text = malloc(size + 1), err[256];
	unsigned i;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (profile_parse(text, "fuzz.conf", &p, err, sizeof(err)) == 0) {
		for (i = 0; i < p.n; i++)
			if (strncmp(p.e[i].key, "net.", 4) || strstr(p.e[i].key, "..") ||
			    strchr(p.e[i].key, '/') || strpbrk(p.e[i].value, "\n;`$"))
				abort();
	}
	free(text);
	return 0;
}
