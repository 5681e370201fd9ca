/*
 * json.h - a small streaming JSON writer for JSON Lines output.
 *
 * Keys and string values are escaped; numbers are written as integers or
 * with a fixed number of decimals, never as NaN or Infinity (written as
 * null).  Nesting is tracked so commas fall into place; json_end_line()
 * finishes one object and its line.
 */
#ifndef CR_JSON_H
#define CR_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
};

void json_begin(struct json *j, FILE *f);	/* opens the top object */
void json_end_line(struct json *j);		/* closes it, '\n', flush */
void json_obj(struct json *j, const char *key);	/* key NULL in arrays */
void json_obj_end(struct json *j);
void json_arr(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *v);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_num(struct json *j, const char *key, double v, int decimals);
void json_bool(struct json *j, const char *key, bool v);

#endif
