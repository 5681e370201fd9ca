/* libFuzzer: results files as compare and gate read them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct results r;
	struct gate_opts o = GATE_DEFAULTS;
	char err[256];
	FILE *devnull;

	memset(&r, 0, sizeof(r));
	if (results_parse((const char *)data, size, "fuzz", &r, err, sizeof(err)))
		return 0;
	devnull = fopen("/dev/null", "w");
	results_compare(&r, devnull);
	(void)results_gate(&r, &r, &o, devnull, err, sizeof(err));
	fclose(devnull);
	return 0;
}
