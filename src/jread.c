/*
 * jread.c - a small JSON reader (see jread.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jread.h"

struct cursor {
	const char *p, *end, *start;
	char *out;		/* where the next decoded string goes */
	struct jdoc *d;
	int depth;
};

static void skip_ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
				 *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int new_node(struct cursor *c, enum jtype t, unsigned *idx)
{
	struct jdoc *d = c->d;

	if (d->n == d->cap) {
		unsigned cap = d->cap ? d->cap * 2 : 64;
		struct jnode *nn;

		if (cap > JREAD_MAX_NODES)
			return -EINVAL;
		nn = realloc(d->node, cap * sizeof(*nn));
		if (!nn)
			return -ENOMEM;
		d->node = nn;
		d->cap = cap;
	}
	memset(&d->node[d->n], 0, sizeof(d->node[0]));
	d->node[d->n].type = t;
	*idx = d->n++;
	return 0;
}

static int hex4(const char *p, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		char ch = p[i];

		*v <<= 4;
		if (ch >= '0' && ch <= '9')
			*v |= (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			*v |= (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			*v |= (unsigned)(ch - 'A' + 10);
		else
			return -EINVAL;
	}
	return 0;
}

static void put_utf8(struct cursor *c, unsigned cp)
{
	if (cp < 0x80) {
		*c->out++ = (char)cp;
	} else if (cp < 0x800) {
		*c->out++ = (char)(0xc0 | cp >> 6);
		*c->out++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*c->out++ = (char)(0xe0 | cp >> 12);
		*c->out++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*c->out++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*c->out++ = (char)(0xf0 | cp >> 18);
		*c->out++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*c->out++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*c->out++ = (char)(0x80 | (cp & 0x3f));
	}
}

/* \uXXXX (and its low surrogate) at c->p, just past the 'u'. */
static int unicode_escape(struct cursor *c)
{
	unsigned cp, lo;

	if (c->end - c->p < 4 || hex4(c->p, &cp))
		return -EINVAL;
	c->p += 4;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return -EINVAL;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' ||
		    hex4(c->p + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
			return -EINVAL;
		c->p += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	put_utf8(c, cp);
	return 0;
}

/* A string at c->p (on the quote) decoded into c->out; *s its start. */
static int string(struct cursor *c, const char **s)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";

	*s = c->out;
	c->p++;
	while (c->p < c->end && *c->p != '"') {
		unsigned char ch = (unsigned char)*c->p++;
		const char *k;

		if (ch < 0x20)
			return -EINVAL;
		if (ch != '\\') {
			*c->out++ = (char)ch;
			continue;
		}
		if (c->p == c->end)
			return -EINVAL;
		ch = (unsigned char)*c->p++;
		if (ch == 'u') {
			if (unicode_escape(c))
				return -EINVAL;
			continue;
		}
		k = ch ? strchr(from, ch) : NULL;
		if (!k)
			return -EINVAL;
		*c->out++ = to[k - from];
	}
	if (c->p == c->end)
		return -EINVAL;
	c->p++;
	*c->out++ = '\0';
	return 0;
}

static bool digit(const struct cursor *c)
{
	return c->p < c->end && *c->p >= '0' && *c->p <= '9';
}

/* A number's grammar at c->p; its text copied to c->out. */
static int number(struct cursor *c, const char **s)
{
	const char *b = c->p;

	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (!digit(c))
		return -EINVAL;
	if (*c->p++ != '0')
		while (digit(c))
			c->p++;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (!digit(c))
			return -EINVAL;
		while (digit(c))
			c->p++;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (!digit(c))
			return -EINVAL;
		while (digit(c))
			c->p++;
	}
	*s = c->out;
	memcpy(c->out, b, (size_t)(c->p - b));
	c->out += c->p - b;
	*c->out++ = '\0';
	return 0;
}

static int word(struct cursor *c, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n))
		return -EINVAL;
	c->p += n;
	return 0;
}

static int value(struct cursor *c, unsigned *idx);

/* The members or elements of a container node at idx, c->p past its opening. */
static int members(struct cursor *c, unsigned idx, bool obj)
{
	unsigned prev = JREAD_NONE, kid;
	const char *key = NULL;
	int rc;

	skip_ws(c);
	if (c->p < c->end && *c->p == (obj ? '}' : ']')) {
		c->p++;
		return 0;
	}
	for (;;) {
		skip_ws(c);
		if (obj) {
			if (c->p == c->end || *c->p != '"' || string(c, &key))
				return -EINVAL;
			skip_ws(c);
			if (c->p == c->end || *c->p++ != ':')
				return -EINVAL;
		}
		rc = value(c, &kid);
		if (rc)
			return rc;
		c->d->node[kid].key = key;
		if (prev == JREAD_NONE)
			c->d->node[idx].child = kid;
		else
			c->d->node[prev].next = kid;
		prev = kid;
		c->d->node[idx].count++;
		skip_ws(c);
		if (c->p == c->end)
			return -EINVAL;
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p++ != (obj ? '}' : ']'))
			return -EINVAL;
		return 0;
	}
}

static int value(struct cursor *c, unsigned *idx)
{
	struct jnode *n;
	const char *s = NULL;
	int rc = 0;
	char ch;

	skip_ws(c);
	if (c->p == c->end)
		return -EINVAL;
	ch = *c->p;
	if (ch == '{' || ch == '[') {
		if (++c->depth > JREAD_MAX_DEPTH)
			return -EINVAL;
		rc = new_node(c, ch == '{' ? J_OBJ : J_ARR, idx);
		if (rc)
			return rc;
		c->p++;
		rc = members(c, *idx, ch == '{');
		c->depth--;
		return rc;
	}
	rc = new_node(c, ch == '"' ? J_STR : ch == 't' || ch == 'f' ? J_BOOL :
		      ch == 'n' ? J_NULL : J_NUM, idx);
	if (rc)
		return rc;
	n = &c->d->node[*idx];
	if (ch == '"')
		rc = string(c, &s);
	else if (ch == 't' || ch == 'f')
		rc = word(c, ch == 't' ? "true" : "false");
	else if (ch == 'n')
		rc = word(c, "null");
	else
		rc = number(c, &s);
	n = &c->d->node[*idx];
	n->b = ch == 't';
	n->str = s;
	return rc;
}

int jread_parse(const char *text, size_t len, struct jdoc *d)
{
	struct cursor c = { text, text + len, text, NULL, d, 0 };
	unsigned root;
	int rc;

	memset(d, 0, sizeof(*d));
	d->buf = malloc(len + 1);
	if (!d->buf)
		return -ENOMEM;
	c.out = d->buf;
	rc = value(&c, &root);
	if (!rc) {
		skip_ws(&c);
		if (c.p != c.end)
			rc = -EINVAL;
	}
	if (rc) {
		d->err_off = (size_t)(c.p - text);
		jread_free(d);
		d->err_off = (size_t)(c.p - text);
	}
	return rc;
}

void jread_free(struct jdoc *d)
{
	free(d->node);
	free(d->buf);
	memset(d, 0, sizeof(*d));
}

const struct jnode *jread_first(const struct jdoc *d, const struct jnode *a)
{
	if (!a || (a->type != J_ARR && a->type != J_OBJ) || a->child == JREAD_NONE)
		return NULL;
	return &d->node[a->child];
}

const struct jnode *jread_next(const struct jdoc *d, const struct jnode *n)
{
	return n && n->next != JREAD_NONE ? &d->node[n->next] : NULL;
}

const struct jnode *jread_at(const struct jdoc *d, const struct jnode *a, unsigned i)
{
	const struct jnode *n = jread_first(d, a);

	while (n && i--)
		n = jread_next(d, n);
	return n;
}

const struct jnode *jread_get(const struct jdoc *d, const struct jnode *o, const char *key)
{
	const struct jnode *n;

	if (!o || o->type != J_OBJ)
		return NULL;
	for (n = jread_first(d, o); n; n = jread_next(d, n))
		if (!strcmp(n->key, key))
			return n;
	return NULL;
}

const char *jread_str(const struct jdoc *d, const struct jnode *o, const char *key)
{
	const struct jnode *n = jread_get(d, o, key);

	return n && n->type == J_STR ? n->str : NULL;
}

int jread_u64(const struct jnode *n, uint64_t *v)
{
	const char *p;
	uint64_t x = 0;

	if (!n || n->type != J_NUM)
		return -EINVAL;
	for (p = n->str; *p; p++) {
		if (*p < '0' || *p > '9' || x > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -EINVAL;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	*v = x;
	return 0;
}

int jread_num(const struct jnode *n, double *v)
{
	char *end;

	if (!n || n->type != J_NUM)
		return -EINVAL;
	*v = strtod(n->str, &end);
	return *end ? -EINVAL : 0;
}
