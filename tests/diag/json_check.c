/*
 * tests/diag/json_check.c - strict recursive-descent JSON reader (see
 * json_check.h). Rejects trailing commas, leading zeros, bad escapes, raw
 * control characters in strings, unpaired surrogates and trailing garbage;
 * nesting is limited to 64 levels.
 */
#include "json_check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
	const char *s;
	size_t len, pos;
	const char *err;
	int depth;
} parser;

static void ws(parser *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static jv *fail(parser *p, const char *msg)
{
	if (!p->err)
		p->err = msg;
	return NULL;
}

static jv *new_value(jv_kind k)
{
	jv *v = calloc(1, sizeof *v);
	if (v)
		v->kind = k;
	return v;
}

static bool lit(parser *p, const char *w)
{
	size_t n = strlen(w);
	if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n) != 0)
		return false;
	p->pos += n;
	return true;
}

static int hex4(parser *p, unsigned *out)
{
	if (p->len - p->pos < 4)
		return -1;
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p->s[p->pos++];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static char *parse_string_raw(parser *p)
{
	if (p->pos >= p->len || p->s[p->pos] != '"') {
		fail(p, "expected string");
		return NULL;
	}
	p->pos++;
	size_t cap = 16, n = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	for (;;) {
		if (p->pos >= p->len) {
			free(out);
			fail(p, "unterminated string");
			return NULL;
		}
		unsigned char c = (unsigned char)p->s[p->pos++];
		unsigned cp;
		if (c == '"')
			break;
		if (c < 0x20) {
			free(out);
			fail(p, "control character in string");
			return NULL;
		}
		if (n + 5 > cap) {
			cap *= 2;
			char *np = realloc(out, cap);
			if (!np) {
				free(out);
				return NULL;
			}
			out = np;
		}
		if (c != '\\') {
			out[n++] = (char)c;
			continue;
		}
		if (p->pos >= p->len) {
			free(out);
			fail(p, "bad escape");
			return NULL;
		}
		char e = p->s[p->pos++];
		switch (e) {
		case '"': out[n++] = '"'; continue;
		case '\\': out[n++] = '\\'; continue;
		case '/': out[n++] = '/'; continue;
		case 'b': out[n++] = '\b'; continue;
		case 'f': out[n++] = '\f'; continue;
		case 'n': out[n++] = '\n'; continue;
		case 'r': out[n++] = '\r'; continue;
		case 't': out[n++] = '\t'; continue;
		case 'u':
			if (hex4(p, &cp)) {
				free(out);
				fail(p, "bad \\u escape");
				return NULL;
			}
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				unsigned lo;
				if (!lit(p, "\\u") || hex4(p, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
					free(out);
					fail(p, "unpaired surrogate");
					return NULL;
				}
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				free(out);
				fail(p, "unpaired surrogate");
				return NULL;
			}
			if (cp < 0x80) {
				out[n++] = (char)cp;
			} else if (cp < 0x800) {
				out[n++] = (char)(0xC0 | (cp >> 6));
				out[n++] = (char)(0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				out[n++] = (char)(0xE0 | (cp >> 12));
				out[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				out[n++] = (char)(0x80 | (cp & 0x3F));
			} else {
				out[n++] = (char)(0xF0 | (cp >> 18));
				out[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
				out[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				out[n++] = (char)(0x80 | (cp & 0x3F));
			}
			continue;
		default:
			free(out);
			fail(p, "bad escape");
			return NULL;
		}
	}
	out[n] = '\0';
	return out;
}

static jv *parse_value(parser *p);

static jv *parse_number(parser *p)
{
	size_t start = p->pos;
	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->len)
		return fail(p, "bad number");
	if (p->s[p->pos] == '0') {
		p->pos++;
	} else if (p->s[p->pos] >= '1' && p->s[p->pos] <= '9') {
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	} else {
		return fail(p, "bad number");
	}
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		size_t d = p->pos;
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
		if (p->pos == d)
			return fail(p, "bad fraction");
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		size_t d = p->pos;
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
		if (p->pos == d)
			return fail(p, "bad exponent");
	}
	char buf[64];
	size_t n = p->pos - start;
	if (n >= sizeof buf)
		n = sizeof buf - 1;
	memcpy(buf, p->s + start, n);
	buf[n] = '\0';
	jv *v = new_value(JV_NUM);
	if (v)
		v->num = strtod(buf, NULL);
	return v;
}

static bool push(jv *c, jv *item, char *key)
{
	if ((c->n & (c->n - 1)) == 0) { /* grow at powers of two */
		size_t cap = c->n ? c->n * 2 : 1;
		jv **ni = realloc(c->items, cap * sizeof *ni);
		if (!ni)
			return false;
		c->items = ni;
		if (c->kind == JV_OBJ) {
			char **nk = realloc(c->keys, cap * sizeof *nk);
			if (!nk)
				return false;
			c->keys = nk;
		}
	}
	c->items[c->n] = item;
	if (c->kind == JV_OBJ)
		c->keys[c->n] = key;
	c->n++;
	return true;
}

static jv *parse_container(parser *p, bool obj)
{
	if (++p->depth > 64)
		return fail(p, "nesting too deep");
	p->pos++; /* [ or { */
	jv *c = new_value(obj ? JV_OBJ : JV_ARR);
	if (!c)
		return fail(p, "out of memory");
	ws(p);
	char close = obj ? '}' : ']';
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		p->depth--;
		return c;
	}
	for (;;) {
		char *key = NULL;
		ws(p);
		if (obj) {
			key = parse_string_raw(p);
			if (!key)
				goto bad;
			ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':') {
				free(key);
				fail(p, "expected ':'");
				goto bad;
			}
			p->pos++;
		}
		jv *item = parse_value(p);
		if (!item || !push(c, item, key)) {
			free(key);
			jv_free(item);
			goto bad;
		}
		ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			p->depth--;
			return c;
		}
		fail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		goto bad;
	}
bad:
	jv_free(c);
	return NULL;
}

static jv *parse_value(parser *p)
{
	ws(p);
	if (p->pos >= p->len)
		return fail(p, "unexpected end");
	char c = p->s[p->pos];
	jv *v;
	switch (c) {
	case '{': return parse_container(p, true);
	case '[': return parse_container(p, false);
	case '"': {
		char *s = parse_string_raw(p);
		if (!s)
			return NULL;
		v = new_value(JV_STR);
		if (!v) {
			free(s);
			return NULL;
		}
		v->str = s;
		return v;
	}
	case 't':
	case 'f':
		if (!lit(p, c == 't' ? "true" : "false"))
			return fail(p, "bad literal");
		v = new_value(JV_BOOL);
		if (v)
			v->b = c == 't';
		return v;
	case 'n':
		if (!lit(p, "null"))
			return fail(p, "bad literal");
		return new_value(JV_NULL);
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return parse_number(p);
		return fail(p, "unexpected character");
	}
}

jv *jv_parse(const char *text, size_t len, const char **err, size_t *err_off)
{
	parser p = {text, len, 0, NULL, 0};
	jv *v = parse_value(&p);
	if (v) {
		ws(&p);
		if (p.pos != p.len) {
			jv_free(v);
			v = fail(&p, "trailing characters");
		}
	}
	if (!v) {
		if (err)
			*err = p.err ? p.err : "out of memory";
		if (err_off)
			*err_off = p.pos;
	}
	return v;
}

void jv_free(jv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		jv_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

const jv *jv_get(const jv *o, const char *key)
{
	if (!o || o->kind != JV_OBJ)
		return NULL;
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->keys[i], key) == 0)
			return o->items[i];
	return NULL;
}

char *jv_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (n + 1 < cap)
			break;
		cap *= 2;
		char *nb = realloc(buf, cap);
		if (!nb) {
			free(buf);
			buf = NULL;
		}
		buf = nb;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		if (len)
			*len = n;
	}
	return buf;
}
