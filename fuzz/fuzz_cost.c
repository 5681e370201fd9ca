/* libFuzzer: /proc/stat and /proc/PID/stat text, and the window over them. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cost_machine m = { 0 }, z = { 0 };
	struct cost_proc p = { 0 }, q = { 0 };
	struct cost c;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (!cost_parse_stat(text, &m) &&
	    !cost_window(&z, &m, NULL, NULL, NULL, NULL, 1, 100, &c) &&
	    (c.machine_us_per_conn < 0 || (c.steal_share > 1 && !isnan(c.steal_share))))
		abort();
	if (!cost_parse_pid_stat(text, &p) &&
	    cost_window(&z, &z, &q, &p, NULL, NULL, 0, 100, &c) != 0)
		abort();
	free(text);
	return 0;
}
