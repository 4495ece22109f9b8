/*
 * tests/diag/json_check.h - a small strict JSON reader (RFC 8259) for the
 * tests: parses a whole document into a tree, so the trace test can check
 * what Perfetto and chrome://tracing will read.
 */
#ifndef GOMAP_TEST_JSON_CHECK_H
#define GOMAP_TEST_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ } jv_kind;

typedef struct jv {
	jv_kind kind;
	bool b;
	double num;
	char *str;        /* JV_STR: decoded (UTF-8), NUL-terminated */
	struct jv **items; /* JV_ARR: values; JV_OBJ: values, keys in `keys` */
	char **keys;
	size_t n;
} jv;

/* Parse text[0..len). Returns the tree, or NULL with *err set to a message
 * and *err_off to the byte offset of the problem. */
jv *jv_parse(const char *text, size_t len, const char **err, size_t *err_off);
void jv_free(jv *v);

/* Member @key of object @o, or NULL (also when @o is not an object). */
const jv *jv_get(const jv *o, const char *key);

/* Read a whole file into memory (NUL-terminated). NULL on error. */
char *jv_read_file(const char *path, size_t *len);

#endif
