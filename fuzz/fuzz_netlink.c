/* libFuzzer: netlink answers: conntrack statistics, sock_diag, queued packets, headers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "flow.h"
#include "nfqmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctstats ct = { 0 };
	struct sockstates socks = { 0 };
	struct flowkey k;
	const uint8_t *pl;
	size_t plen;
	uint32_t id;
	void *buf = malloc(size + 16);	/* aligned, as a receive buffer is */

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	(void)counters_parse_ct(buf, size, &ct);
	(void)counters_parse_diag(buf, size, &socks);
	if (size >= 16 && nfqmsg_parse_packet(buf, size, &id, &pl, &plen) == 0 && pl) {
		if (pl < (const uint8_t *)buf || pl + plen > (const uint8_t *)buf + size)
			abort();
		(void)flow_key(pl, plen, &k);
	}
	(void)flow_key(buf, size, &k);
	free(buf);
	return 0;
}
