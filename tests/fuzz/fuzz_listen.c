// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: arbitrary bytes (up to the first NUL) as a --listen
 * argument, read by fl_http_parse_listen (src/http.c). Oracles, besides
 * ASan/UBSan:
 *  - a refusal is -EINVAL with a non-empty reason that fits its buffer;
 *  - an accepted address is AF_INET (input without '[') or AF_INET6 (with),
 *    its length that family's, its port the input's decimal digits after the
 *    last ':' (digits only, <= 65535);
 *  - a numeric IPv6 zone ("%N") is N exactly; a named one the interface's index;
 *  - fl_http_format_addr of it fits its buffer and parses back to the same
 *    address, port and zone, and formats to the same text again.
 * Build and run: see tests/fuzz/README.md.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include "http.h"

int fl_verbose;	/* connlimit.c logs through vlog */

#define FAIL(...) do { fprintf(stderr, "fuzz_listen: " __VA_ARGS__); fputc('\n', stderr); abort(); } while (0)

/* Family, address, port and zone equal (what bind() sees). */
static int same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

	return x->sin6_port == y->sin6_port && x->sin6_scope_id == y->sin6_scope_id &&
	       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
}

/* The zone an accepted input names must be the one in the address. */
static void check_zone(const char *s, const struct sockaddr_in6 *a6)
{
	const char *pct = strchr(s, '%'), *end;
	char zone[256];
	size_t n;

	if (!pct) {
		if (a6->sin6_scope_id)
			FAIL("'%s': zone %u without a '%%'", s, a6->sin6_scope_id);
		return;
	}
	end = strchr(pct, ']');
	n = end ? (size_t)(end - pct - 1) : 0;
	if (!end || n == 0 || n >= sizeof(zone))
		FAIL("'%s' accepted with a malformed zone", s);
	memcpy(zone, pct + 1, n);
	zone[n] = '\0';
	if (strspn(zone, "0123456789") == n) {
		unsigned long long v = strtoull(zone, NULL, 10);

		if (n > 10 || v > UINT32_MAX || v != a6->sin6_scope_id)
			FAIL("'%s': numeric zone '%s' became scope id %u", s, zone, a6->sin6_scope_id);
	} else if (if_nametoindex(zone) != a6->sin6_scope_id || !a6->sin6_scope_id) {
		FAIL("'%s': zone '%s' is not interface %u", s, zone, a6->sin6_scope_id);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = strnlen((const char *)data, size);
	char *s = malloc(n + 1);	/* exact size: ASan sees any overread */
	struct sockaddr_storage ss, ss2;
	socklen_t len = 0, len2 = 0;
	char err[128], err2[128], text[INET6_ADDRSTRLEN + 24], text2[sizeof(text)];
	const char *colon;
	int r, port;

	if (!s)
		return 0;
	memcpy(s, data, n);
	s[n] = '\0';
	memset(&ss, 0xa5, sizeof(ss));
	memset(err, 0, sizeof(err));
	r = fl_http_parse_listen(s, &ss, &len, err, sizeof(err));
	if (r) {
		if (r != -EINVAL)
			FAIL("'%s': %d, not -EINVAL", s, r);
		if (!err[0] || strnlen(err, sizeof(err)) == sizeof(err))
			FAIL("'%s' refused without a reason", s);
		free(s);
		return 0;
	}
	if (ss.ss_family != (s[0] == '[' ? AF_INET6 : AF_INET))
		FAIL("'%s': family %d", s, ss.ss_family);
	if (len != (ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)))
		FAIL("'%s': length %u for family %d", s, (unsigned)len, ss.ss_family);
	colon = strrchr(s, ':');
	if (!colon || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		FAIL("'%s' accepted without a decimal port", s);
	colon += strspn(colon + 1, "0");	/* leading zeros are still decimal */
	port = strlen(colon + 1) > 5 ? 65536 : atoi(colon + 1);
	if (port > 65535 || port != ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
							       : ((struct sockaddr_in6 *)&ss)->sin6_port))
		FAIL("'%s': port %d is not the one bound", s, port);
	if (ss.ss_family == AF_INET6)
		check_zone(s, (struct sockaddr_in6 *)&ss);

	/* Formats back to text that parses to the same address. */
	memset(text, 0, sizeof(text));
	fl_http_format_addr((struct sockaddr *)&ss, text, sizeof(text));
	if (strnlen(text, sizeof(text)) >= sizeof(text) - 1)
		FAIL("'%s': formatted address fills its buffer: '%s'", s, text);
	memset(&ss2, 0x5a, sizeof(ss2));
	if (fl_http_parse_listen(text, &ss2, &len2, err2, sizeof(err2)))
		FAIL("'%s' formats as '%s', which is refused: %s", s, text, err2);
	if (len2 != len || !same_addr(&ss, &ss2))
		FAIL("'%s' formats as '%s', which is another address", s, text);
	fl_http_format_addr((struct sockaddr *)&ss2, text2, sizeof(text2));
	if (strcmp(text, text2))
		FAIL("'%s': '%s' then '%s'", s, text, text2);
	free(s);
	return 0;
}
