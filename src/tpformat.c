// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "probe.h"
#include "tpformat.h"

long fl_tp_format_read(const char *category, const char *event, char *buf, size_t len)
{
	const char *tracefs = fl_tracefs_path();
	char path[256];
	size_t n;
	FILE *f;

	if (!tracefs)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", tracefs, category, event);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return (long)n;
}

long fl_tp_field_offset(const char *format, const char *name)
{
	size_t nl = strlen(name);

	for (const char *p = strstr(format, "field:"); p; p = strstr(p + 1, "field:")) {
		const char *semi = strchr(p, ';'), *end, *off;

		if (!semi)
			break;
		end = semi;
		if (end > p && end[-1] == ']')	/* an array: NAME[16] */
			while (end > p && *end != '[')
				end--;
		if ((size_t)(end - p) < nl || strncmp(end - nl, name, nl) ||
		    (end - nl > p && !isspace((unsigned char)end[-nl - 1]) && end[-nl - 1] != '*'))
			continue;
		off = strstr(semi, "offset:");
		if (!off || off - semi > 4)
			return -1;
		return strtol(off + 7, NULL, 10);
	}
	return -1;
}

bool fl_tp_layout_ok(const char *category, const char *event, const char *fields,
		     char *why, size_t why_len)
{
	char format[8192], buf[256], *save = NULL;
	long n = fl_tp_format_read(category, event, format, sizeof(format));

	if (n < 0) {
		snprintf(why, why_len, "%s:%s has no readable format (%s)", category, event, strerror((int)-n));
		return false;
	}
	snprintf(buf, sizeof(buf), "%s", fields);
	for (char *f = strtok_r(buf, " ", &save); f; f = strtok_r(NULL, " ", &save)) {
		char *at = strchr(f, '@');
		long want, got;

		if (!at)
			continue;
		*at = '\0';
		want = strtol(at + 1, NULL, 10);
		got = fl_tp_field_offset(format, f);
		if (got != want) {
			if (got < 0)
				snprintf(why, why_len, "%s:%s has no field %s", category, event, f);
			else
				snprintf(why, why_len, "%s:%s field %s at offset %ld, not %ld as compiled",
					 category, event, f, got, want);
			return false;
		}
	}
	return true;
}

/* "(1U << 2)", "4", "0x4": the number; false for anything else. */
static bool parse_number(const char *s, uint64_t *v)
{
	char buf[64], *e;
	size_t k = 0;
	uint64_t base, shift;

	for (; *s && k < sizeof(buf) - 1; s++)
		if (*s != '(' && *s != ')' && !isspace((unsigned char)*s))
			buf[k++] = *s;
	buf[k] = '\0';
	if (!k || !isdigit((unsigned char)buf[0]))
		return false;
	base = strtoull(buf, &e, 0);
	while (*e == 'U' || *e == 'L' || *e == 'u' || *e == 'l')
		e++;
	if (!*e) {
		*v = base;
		return true;
	}
	if (strncmp(e, "<<", 2))
		return false;
	shift = strtoull(e + 2, &e, 0);
	if (*e || shift > 63)
		return false;
	*v = base << shift;
	return true;
}

int fl_tp_print_value(const char *format, const char *label, uint64_t *value, char *ident,
		      size_t ident_len)
{
	char quoted[64], expr[64];
	const char *q, *open;
	size_t n;

	snprintf(quoted, sizeof(quoted), "\"%s\"", label);
	for (q = strstr(format, quoted); q; q = strstr(q + 1, quoted)) {
		const char *comma = q;

		while (comma > format && isspace((unsigned char)comma[-1]))
			comma--;
		if (comma == format || comma[-1] != ',')
			continue;
		comma--;
		for (open = comma; open > format && *open != '{'; open--)
			;
		if (*open != '{')
			continue;
		n = (size_t)(comma - open - 1);
		if (n >= sizeof(expr))
			continue;
		memcpy(expr, open + 1, n);
		expr[n] = '\0';
		if (parse_number(expr, value))
			return 0;
		/* An identifier: the kernel prints enum names unevaluated. */
		{
			char *s = expr, *e;

			while (isspace((unsigned char)*s))
				s++;
			for (e = s; *e && (isalnum((unsigned char)*e) || *e == '_'); e++)
				;
			*e = '\0';
			if (!*s)
				continue;
			snprintf(ident, ident_len, "%s", s);
			return 1;
		}
	}
	return -ENOENT;
}
