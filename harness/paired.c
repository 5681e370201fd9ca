/*
 * paired.c - builds side by side (see paired.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "paired.h"

/* The address a (without its /LEN) of family fam as a target, into buf. */
static int format_target(const struct topo_prefix *a, bool ipv6, unsigned port,
			 char *buf, size_t len)
{
	snprintf(buf, len, ipv6 ? "[%.*s]:%u" : "%.*s:%u",
		 (int)strcspn(a->text, "/"), a->text, port);
	return 0;
}

int paired_target(const struct topo *t, int server, int via, bool ipv6, unsigned port,
		  char *buf, size_t len)
{
	int fam = ipv6 ? AF_INET6 : AF_INET;
	unsigned l, e, a;

	for (l = 0; l < t->nlinks; l++)
		for (e = 0; e < 2; e++) {
			const struct topo_end *end = &t->link[l].end[e];

			if ((int)end->node != server || (int)t->link[l].end[!e].node != via)
				continue;
			for (a = 0; a < end->naddr; a++)
				if (end->addr[a].family == fam)
					return format_target(&end->addr[a], ipv6, port, buf, len);
		}
	return -ENOENT;
}

unsigned paired_add_target(char **av, unsigned n, unsigned max, const char *target2)
{
	unsigned i;

	if (n + 2 >= max)
		return 0;
	for (i = 0; i + 1 < n; i++)
		if (av[i] && !strcmp(av[i], "--target"))
			break;
	if (i + 1 >= n)
		return 0;
	memmove(av + i + 4, av + i + 2, (n - i - 2 + 1) * sizeof(*av));	/* and the NULL */
	av[i + 2] = (char *)"--target";
	av[i + 3] = (char *)target2;
	return n + 2;
}

/* The client's round with target t's figures in place of the round's. */
static json_object *target_client(json_object *cr, unsigned t)
{
	json_object *targets, *tg, *c = NULL;
	double ok, win;

	if (!json_object_object_get_ex(cr, "targets", &targets) ||
	    !json_object_is_type(targets, json_type_array) ||
	    t >= json_object_array_length(targets))
		return NULL;
	tg = json_object_array_get_idx(targets, t);
	if (!json_object_is_type(tg, json_type_object) || json_object_deep_copy(cr, &c, NULL))
		return NULL;
	json_object_object_del(c, "targets");
	json_object_object_foreach(tg, key, val)
		json_object_object_add(c, key, json_object_get(val));
	ok = json_object_get_double(json_object_object_get(tg, "ok"));
	win = json_object_get_double(json_object_object_get(cr, "elapsed_s"));
	json_object_object_add(c, "achieved_rate", json_object_new_double(win > 0 ? ok / win : 0));
	return c;
}

json_object *paired_record(json_object *rec, unsigned t, const char *build,
			   const char *device, unsigned pair)
{
	json_object *cr, *c, *o = NULL;

	if (!json_object_object_get_ex(rec, "client", &cr))
		return NULL;
	c = target_client(cr, t);
	if (!c)
		return NULL;
	if (json_object_deep_copy(rec, &o, NULL)) {
		json_object_put(c);
		return NULL;
	}
	json_object_object_add(o, "client", c);
	json_object_object_del(o, "cost");
	json_object_object_add(o, "build", json_object_new_string(build));
	json_object_object_add(o, "repeat", json_object_new_int((int)pair));
	json_object_object_add(o, "pair", json_object_new_int((int)pair));
	json_object_object_add(o, "design", json_object_new_string("paired"));
	json_object_object_add(o, "device", json_object_new_string(device));
	return o;
}
