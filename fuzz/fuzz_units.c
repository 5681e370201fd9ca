/* libFuzzer: numbers, durations, rates, addresses and port ranges. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "topo.h"
#include "units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[128];
	uint64_t v;
	double d;
	uint16_t lo, hi;
	struct addr_range r;
	struct endpoint e;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (units_parse_count(s, 5, 1000, &v) == 0 && (v < 5 || v > 1000))
		abort();
	if (units_parse_duration_ns(s, 0, UINT64_MAX, &v) == 0 && !strpbrk(s, "0123456789"))
		abort();
	(void)units_parse_rate_milli(s, 1, UINT64_MAX, &v);
	if (units_parse_double(s, -1.0, 1.0, &d) == 0 && (d < -1.0 || d > 1.0))
		abort();
	if (addr_parse_ports(s, &lo, &hi) == 0 && (lo == 0 || hi < lo))
		abort();
	if (addr_parse_range(s, &r) == 0) {
		if (r.count == 0)
			abort();
		addr_range_nth(&r, v, &e);
	}
	(void)addr_parse_address(s, 80, &e);
	(void)topo_parse_rate_bps(s, &v);
	(void)topo_parse_size(s, &v);
	{
		unsigned short cpu[16];
		unsigned n, i, j;

		if (units_parse_cpulist(s, 64, cpu, 16, &n) == 0) {
			if (n == 0 || n > 16)
				abort();
			for (i = 0; i < n; i++)
				for (j = 0; j < n; j++)
					if (cpu[i] >= 64 || (i != j && cpu[i] == cpu[j]))
						abort();
		}
	}
	return 0;
}
