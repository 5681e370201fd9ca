/*
 * jread.h - a small JSON reader for connrate's own JSON Lines.
 *
 * connrate is libc only, so it cannot read its results with the JSON
 * library the lab uses.  This parses one JSON text (RFC 8259: objects,
 * arrays, strings with every escape, numbers, true, false, null) into a
 * flat array of nodes; a container's children follow one another through
 * their next index.  Strings are decoded into a copy of the text; numbers
 * keep their text, so integers are read exactly (counts beyond 2^53 too).
 * Nesting is limited (JREAD_MAX_DEPTH) and so is the node count, both
 * refused as errors, never a crash.  Nothing is printed.
 */
#ifndef CR_JREAD_H
#define CR_JREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JREAD_MAX_DEPTH 32
#define JREAD_MAX_NODES (1u << 20)
#define JREAD_NONE 0u		/* no node: index 0 is the root, never a child */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jnode {
	enum jtype type;
	unsigned child;		/* first child of an array or object, or JREAD_NONE */
	unsigned next;		/* next sibling, or JREAD_NONE */
	unsigned count;		/* children */
	const char *key;	/* member name in an object, else NULL */
	const char *str;	/* J_STR: decoded, NUL-terminated; J_NUM: its text */
	bool b;
};

struct jdoc {
	struct jnode *node;	/* node[0] is the root */
	unsigned n, cap;
	char *buf;		/* the decoded copy */
	size_t err_off;		/* after an error: where in the text */
};

/* Parse text[0..len).  0; -EINVAL (err_off says where) or -ENOMEM. */
int jread_parse(const char *text, size_t len, struct jdoc *d);
void jread_free(struct jdoc *d);

/* Member key of object o (NULL when o is not an object or has none). */
const struct jnode *jread_get(const struct jdoc *d, const struct jnode *o, const char *key);
/* Child i of an array or object, or NULL. */
const struct jnode *jread_at(const struct jdoc *d, const struct jnode *a, unsigned i);
const struct jnode *jread_first(const struct jdoc *d, const struct jnode *a);
const struct jnode *jread_next(const struct jdoc *d, const struct jnode *n);
/* A string member's value, or NULL. */
const char *jread_str(const struct jdoc *d, const struct jnode *o, const char *key);
/* A number as an exact unsigned integer (no sign, fraction or exponent).  0 or -EINVAL. */
int jread_u64(const struct jnode *n, uint64_t *v);
/* A number as a double.  0 or -EINVAL. */
int jread_num(const struct jnode *n, double *v);

#endif
