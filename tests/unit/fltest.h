/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers shared by the unit tests (and the fuzz target): cmocka includes,
 * output captured in memory, temporary files, and a small strict JSON checker
 * (pure C: the unit tests must not shell out to a JSON parser).
 */
#ifndef FL_TEST_H
#define FL_TEST_H

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifndef FL_TEST_NO_CMOCKA
#include <setjmp.h>
#include <cmocka.h>
#endif

/* ---- output captured in memory ------------------------------------------ */

#ifndef FL_TEST_NO_CMOCKA
struct cap {
	FILE *f;
	char *buf;
	size_t len;
};

static inline void cap_open(struct cap *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

/* What was written so far, NUL-terminated. */
static inline const char *cap_str(struct cap *c)
{
	assert_int_equal(fflush(c->f), 0);
	return c->buf ? c->buf : "";
}

static inline void cap_close(struct cap *c);

/* Forgets what was written so far (c->f changes: glibc's memstreams do not truncate). */
static inline void cap_reset(struct cap *c)
{
	cap_close(c);
	cap_open(c);
}

static inline void cap_close(struct cap *c)
{
	if (c->f)
		fclose(c->f);
	free(c->buf);
	c->f = NULL;
	c->buf = NULL;
}

/* Writes `text` to a new temporary file; the caller unlinks and frees the path. */
static inline char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/fl-unit-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}
#endif

/* ---- strict JSON checker ------------------------------------------------- */

static inline const char *jc_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* A string literal at p; returns the byte after its closing quote, NULL if invalid. */
static inline const char *jc_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (;;) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			return p + 1;
		if (c < 0x20)	/* NUL (unterminated) or a raw control char */
			return NULL;
		if (c != '\\') {
			p++;
			continue;
		}
		p++;
		switch (*p) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			p++;
			break;
		case 'u':
			for (int i = 1; i <= 4; i++)
				if (!isxdigit((unsigned char)p[i]))
					return NULL;
			p += 5;
			break;
		default:
			return NULL;
		}
	}
}

static inline const char *jc_digits(const char *p)
{
	if (!isdigit((unsigned char)*p))
		return NULL;
	while (isdigit((unsigned char)*p))
		p++;
	return p;
}

static inline const char *jc_number(const char *p)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (!(p = jc_digits(p)))
		return NULL;
	if (*p == '.' && !(p = jc_digits(p + 1)))
		return NULL;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(p = jc_digits(p)))
			return NULL;
	}
	return p;
}

/* One value at p (leading blanks skipped); returns the byte after it, NULL if invalid. */
static inline const char *jc_value(const char *p, int depth)
{
	char close;

	p = jc_ws(p);
	if (depth > 64)
		return NULL;
	switch (*p) {
	case '{':
	case '[':
		close = *p == '{' ? '}' : ']';
		p = jc_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				if (!(p = jc_string(p)))
					return NULL;
				p = jc_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			if (!(p = jc_value(p, depth + 1)))
				return NULL;
			p = jc_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
			p = jc_ws(p);
		}
	case '"':
		return jc_string(p);
	case 't':
		return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f':
		return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n':
		return strncmp(p, "null", 4) ? NULL : p + 4;
	default:
		return jc_number(p);
	}
}

/* Is `s` exactly one JSON value followed by one newline? */
static inline bool jc_is_line(const char *s)
{
	const char *p = jc_value(s, 0);

	return p && p[0] == '\n' && p[1] == '\0' && !isspace((unsigned char)s[0]);
}

/* Is every line of `s` (newline-terminated) exactly one JSON value? */
static inline bool jc_all_lines(const char *s)
{
	while (*s) {
		const char *p = jc_value(s, 0);

		if (!p || *p != '\n' || isspace((unsigned char)*s))
			return false;
		s = p + 1;
	}
	return true;
}

static inline bool jc_utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return false;
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		i += n + 1;
	}
	return true;
}

/* The member `key` (key bytes compared raw) of the object at p: its value, or NULL. */
static inline const char *jc_member(const char *p, const char *key, size_t keylen)
{
	p = jc_ws(p);
	if (*p != '{')
		return NULL;
	p = jc_ws(p + 1);
	if (*p == '}')
		return NULL;
	for (;;) {
		const char *k = p, *ke = jc_string(p);

		if (!ke)
			return NULL;
		p = jc_ws(ke);
		if (*p++ != ':')
			return NULL;
		p = jc_ws(p);
		if ((size_t)(ke - k - 2) == keylen && !memcmp(k + 1, key, keylen))
			return p;
		if (!(p = jc_value(p, 1)))
			return NULL;
		p = jc_ws(p);
		if (*p++ != ',')
			return NULL;
		p = jc_ws(p);
	}
}

/* Element `index` of the array at p, or NULL. */
static inline const char *jc_element(const char *p, unsigned long index)
{
	p = jc_ws(p);
	if (*p != '[')
		return NULL;
	p = jc_ws(p + 1);
	if (*p == ']')
		return NULL;
	for (unsigned long i = 0;; i++) {
		if (i == index)
			return p;
		if (!(p = jc_value(p, 1)))
			return NULL;
		p = jc_ws(p);
		if (*p++ != ',')
			return NULL;
		p = jc_ws(p);
	}
}

/* The value at a dotted path ("counts.faults", "cycle.0.tid": a number
 * indexes an array; "" is the whole value), or NULL. */
static inline const char *jc_path(const char *json, const char *path)
{
	const char *p = jc_ws(json);

	while (p && *path) {
		size_t n = strcspn(path, ".");

		if (*jc_ws(p) == '[' && isdigit((unsigned char)*path))
			p = jc_element(p, strtoul(path, NULL, 10));
		else
			p = jc_member(p, path, n);
		path += n + (path[n] == '.');
	}
	return p;
}

/*
 * Copies the raw text of the value at `path` into buf ("42", "\"x\"", "null",
 * "{...}"); "<missing>" if there is none.
 */
static inline const char *jc_get(const char *json, const char *path, char *buf, size_t len)
{
	const char *v = jc_path(json, path), *e = v ? jc_value(v, 1) : NULL;

	if (!e)
		snprintf(buf, len, "<missing>");
	else
		snprintf(buf, len, "%.*s", (int)(e - v), v);
	return buf;
}

/* The keys of the object at `path`, in order, comma-separated ("<not an object>" otherwise). */
static inline const char *jc_keys(const char *json, const char *path, char *buf, size_t len)
{
	const char *p = jc_path(json, path);
	size_t off = 0;

	buf[0] = '\0';
	if (!p || *(p = jc_ws(p)) != '{') {
		snprintf(buf, len, "<not an object>");
		return buf;
	}
	p = jc_ws(p + 1);
	while (*p == '"') {
		const char *ke = jc_string(p);

		if (!ke)
			break;
		off += snprintf(buf + off, off < len ? len - off : 0, "%s%.*s", off ? "," : "",
				(int)(ke - p - 2), p + 1);
		p = jc_ws(ke);
		if (*p++ != ':' || !(p = jc_value(p, 1)))
			break;
		p = jc_ws(p);
		if (*p != ',')
			break;
		p = jc_ws(p + 1);
	}
	return buf;
}

#ifndef FL_TEST_NO_CMOCKA
/* assert that the value at `path` of `json` is exactly the raw text `want`. */
#define assert_json(json, path, want) do { \
		char _b[4096]; \
		assert_string_equal(jc_get((json), (path), _b, sizeof(_b)), (want)); \
	} while (0)
#define assert_json_keys(json, path, want) do { \
		char _b[4096]; \
		assert_string_equal(jc_keys((json), (path), _b, sizeof(_b)), (want)); \
	} while (0)
#endif

#endif
