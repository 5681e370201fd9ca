/* libFuzzer: report.html from a results directory whose rounds.jsonl is the input. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "page.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[] = "/tmp/crfuzzpageXXXXXX";
	static bool made;
	const char *dirs[1] = { dir };
	char path[64], err[512];
	FILE *f;

	if (!made && !mkdtemp(dir))
		return 0;
	made = true;
	snprintf(path, sizeof(path), "%s/rounds.jsonl", dir);
	f = fopen(path, "w");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/report.html", dir);
	(void)page_write(path, dirs, 1, err, sizeof(err));
	return 0;
}
