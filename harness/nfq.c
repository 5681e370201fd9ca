/*
 * nfq.c - the kernel's nfnetlink_queue table (see nfq.h).
 */
#include <stdio.h>
#include <string.h>

#include "nfq.h"

int nfq_proc_stats(const char *text, uint16_t q, uint64_t *queue_dropped,
		   uint64_t *user_dropped)
{
	const char *line = text;

	while (line && *line) {
		unsigned qn, total, mode, range, portid;
		unsigned long long qd, ud;

		if (sscanf(line, "%u %u %u %u %u %llu %llu", &qn, &portid, &total, &mode,
			   &range, &qd, &ud) == 7 && qn == q) {
			*queue_dropped = qd;
			*user_dropped = ud;
			return 0;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -1;
}
