// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the daemon's HTTP front end (src/http.c and its
 * connection limit, src/connlimit.c) as the daemon runs it: fl_http__new on
 * 127.0.0.1:0 in this process, with the limits, timeout and routing of the
 * daemon. Each input is sent as is over a fresh loopback connection, the
 * write side is shut, and the event loop runs until the server has closed
 * the connection. Oracles, besides ASan/UBSan (and LeakSanitizer):
 *  - the server closes a connection whose client has shut its side within
 *    FUZZ_HTTP_DEADLINE_S (no stall of the event loop), and afterwards counts
 *    no open connection (fl_http__nr_conns is 0: nothing leaks in the limit);
 *  - what it sends is a sequence of whole responses: a status line "HTTP/M.N"
 *    (evhttp echoes the request's numbers) with a code it can give (100 200
 *    400 404 405 413 417 500 501; never 503 with one connection open),
 *    headers, no Transfer-Encoding, and a body of exactly Content-Length
 *    bytes (or none: a reply to HEAD, or a 100); without a length (HTTP/1.0,
 *    or a close) the body is the rest; nothing after "Connection: close";
 *  - 200 is the /metrics page (the metrics Content-Type, the render
 *    callback's body exactly, Cache-Control: no-store) or the index page
 *    (text/html); 405 carries "Allow: GET, HEAD"; 500 only when the render
 *    callback fails, 200 /metrics only when it does not. The callback fails
 *    for inputs whose length is 7 modulo 8.
 * Build and run: see tests/fuzz/README.md.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <event2/event.h>
#include "http.h"
#include "metrics.h"

int fl_verbose;	/* connlimit.c logs through vlog */

#define FAIL(...) do { fprintf(stderr, "fuzz_http: " __VA_ARGS__); fputc('\n', stderr); abort(); } while (0)
#define FUZZ_HTTP_DEADLINE_S 5
#define RESP_MAX (1 << 20)

static struct event_base *base;
static struct fl_http *srv;
static struct sockaddr_storage srv_addr;
static socklen_t srv_len;
static bool render_fails;

static const char metrics_body[] =
	"# HELP fuzz_requests_total A counter.\n"
	"# TYPE fuzz_requests_total counter\n"
	"fuzz_requests_total 1\n";

static int render(FILE *f, void *arg)
{
	(void)arg;
	if (render_fails)
		return -EIO;
	fputs(metrics_body, f);
	return 0;
}

static void quiet_log(int severity, const char *msg)
{
	(void)severity;
	(void)msg;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[128];

	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);	/* as the daemon: a closed peer is EPIPE */
	event_set_log_callback(quiet_log);
	base = event_base_new();
	if (!base || fl_http_parse_listen("127.0.0.1:0", &srv_addr, &srv_len, err, sizeof(err)))
		FAIL("setup: %s", err);
	srv = fl_http__new(base, (struct sockaddr *)&srv_addr, srv_len, render, NULL);
	if (!srv || fl_http__local_addr(srv, &srv_addr, &srv_len))
		FAIL("setup: cannot serve on 127.0.0.1: %s", strerror(errno));
	return 0;
}

struct client {
	int fd;
	const uint8_t *in;
	size_t in_len, sent;
	char *resp;
	size_t resp_len;
	bool closed, reset, timed_out;
	struct event *rev, *wev, *deadline;
};

static void on_write(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	(void)what;
	while (c->sent < c->in_len) {
		ssize_t n = send(fd, c->in + c->sent, c->in_len - c->sent, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {	/* the server closed first (a 400 on the first bytes) */
			c->reset = true;
			break;
		}
		c->sent += n;
	}
	shutdown(fd, SHUT_WR);
	event_del(c->wev);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	(void)what;
	for (;;) {
		char buf[16384];
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				c->reset = true;	/* ECONNRESET: unread input at the close */
			c->closed = true;
			event_base_loopbreak(base);
			return;
		}
		if (c->resp_len + n > RESP_MAX)
			FAIL("more than %d bytes of response", RESP_MAX);
		memcpy(c->resp + c->resp_len, buf, n);
		c->resp_len += n;
	}
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	(void)fd;
	(void)what;
	c->timed_out = true;
	event_base_loopbreak(base);
}

/* ---- the response oracle ------------------------------------------------ */

/* The value of header `name` within [h, end), NUL-terminated into out. */
static bool header(const char *h, const char *end, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);

	while (h < end) {
		const char *eol = memmem(h, end - h, "\r\n", 2);

		if (!eol)
			eol = end;
		if ((size_t)(eol - h) > nl && h[nl] == ':' && !strncasecmp(h, name, nl)) {
			const char *v = h + nl + 1;

			while (v < eol && *v == ' ')
				v++;
			snprintf(out, outlen, "%.*s", (int)(eol - v), v);
			return true;
		}
		h = eol + 2;
	}
	return false;
}

static bool status_line(const char *p, const char *end, int *code)
{
	size_t n;

	if (end - p < 5 || memcmp(p, "HTTP/", 5))
		return false;
	p += 5;
	for (int part = 0; part < 2; part++) {
		if (p < end && *p == '-')	/* evhttp echoes "HTTP/1.-72" as it read it */
			p++;
		for (n = 0; p + n < end && isdigit((unsigned char)p[n]); n++)
			;
		if (!n || p + n >= end || p[n] != (part ? ' ' : '.'))
			return false;
		p += n + 1;
	}
	if (end - p < 4 || !isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) ||
	    !isdigit((unsigned char)p[2]) || p[3] != ' ')
		return false;
	*code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	return true;
}

static bool allowed_code(int code)
{
	switch (code) {
	case 100: case 200: case 400: case 404: case 405: case 413: case 417: case 500: case 501:
		return true;
	}
	return false;
}

static void check_responses(const struct client *c)
{
	const char *p = c->resp, *end = c->resp + c->resp_len;
	bool last = false;
	int nr = 0;

	while (p < end) {
		const char *hend = memmem(p, end - p, "\r\n\r\n", 4), *body;
		char ctype[128] = "", clen[32] = "", conn[64] = "", tmp[128];
		size_t blen = 0;
		bool has_body;
		int code;

		if (last)
			FAIL("bytes after the last response (Connection: close, or no length): %.*s",
			     (int)(end - p), p);
		if (!hend) {
			if (c->reset)
				return;	/* cut short by a reset */
			FAIL("response %d has no end of headers: %.*s", nr, (int)(end - p), p);
		}
		/* evhttp answers in the request's version, whatever numbers it had
		 * ("HTTP/0.0", "HTTP/1.11", "HTTP/1.-72"): HTTP/[-]D+.[-]D+ SP CODE SP. */
		if (!status_line(p, hend, &code))
			FAIL("response %d: bad status line: %.*s", nr, (int)(hend - p), p);
		if (!allowed_code(code))
			FAIL("response %d: status %d", nr, code);
		body = hend + 4;
		if (code == 100) {	/* interim (Expect: 100-continue): no body */
			p = body;
			nr++;
			continue;
		}
		if (header(p, hend, "Transfer-Encoding", tmp, sizeof(tmp)))
			FAIL("response %d: Transfer-Encoding '%s' (every reply is one buffer)", nr, tmp);
		header(p, hend, "Content-Type", ctype, sizeof(ctype));
		header(p, hend, "Connection", conn, sizeof(conn));
		if (header(p, hend, "Content-Length", clen, sizeof(clen))) {
			char *e;

			blen = strtoul(clen, &e, 10);
			if (*e || !clen[0])
				FAIL("response %d: Content-Length '%s'", nr, clen);
		} else {
			/* No length: the body ends with the connection, so this
			 * is the last response (HTTP/1.0, or a close). */
			blen = end - body;
			if (strcasecmp(conn, "close") && !memcmp(p, "HTTP/1.1", 8))
				FAIL("response %d: no Content-Length on a kept-alive HTTP/1.1 connection", nr);
			conn[0] = '\0';
			last = true;
		}
		/* A reply to HEAD has the length and no body: the next response
		 * (no body here starts "HTTP/") or the close follows at once. */
		if (blen && (body == end || ((size_t)(end - body) >= 5 && !memcmp(body, "HTTP/", 5)))) {
			has_body = false;
		} else if ((size_t)(end - body) < blen) {
			if (c->reset)
				return;
			FAIL("response %d: %zu bytes of body announced, %zu follow", nr, blen, (size_t)(end - body));
		} else {
			has_body = true;
		}
		if (code == 200) {
			if (!header(p, hend, "Cache-Control", tmp, sizeof(tmp)) || strcmp(tmp, "no-store"))
				FAIL("200 without Cache-Control: no-store");
			if (!strcmp(ctype, FL_METRICS_CONTENT_TYPE)) {
				if (render_fails)
					FAIL("200 /metrics although the render failed");
				if (blen != sizeof(metrics_body) - 1 ||
				    (has_body && memcmp(body, metrics_body, blen)))
					FAIL("200 /metrics with another body (%zu bytes)", blen);
			} else if (strcmp(ctype, "text/html; charset=utf-8") ||
				   (has_body && !memmem(body, blen, "<a href=\"/metrics\">", 19))) {
				FAIL("200 that is neither /metrics nor the index page: '%s'", ctype);
			}
		}
		if (code == 405 && (!header(p, hend, "Allow", tmp, sizeof(tmp)) || strcmp(tmp, "GET, HEAD")))
			FAIL("405 without 'Allow: GET, HEAD'");
		if (code == 500 && !render_fails)
			FAIL("500 although the render did not fail");
		last = last || !strcasecmp(conn, "close");
		p = body + (has_body ? blen : 0);
		nr++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct timeval deadline = { FUZZ_HTTP_DEADLINE_S, 0 };
	struct client c = { .in = data, .in_len = size };

	render_fails = size % 8 == 7;
	c.resp = malloc(RESP_MAX);
	c.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!c.resp || c.fd < 0 || connect(c.fd, (struct sockaddr *)&srv_addr, srv_len))
		FAIL("cannot connect to the server: %s", strerror(errno));
	fcntl(c.fd, F_SETFL, O_NONBLOCK);
	c.rev = event_new(base, c.fd, EV_READ | EV_PERSIST, on_read, &c);
	c.wev = event_new(base, c.fd, EV_WRITE | EV_PERSIST, on_write, &c);
	c.deadline = evtimer_new(base, on_deadline, &c);
	if (!c.rev || !c.wev || !c.deadline)
		FAIL("out of memory");
	event_add(c.rev, NULL);
	event_add(c.wev, NULL);
	event_add(c.deadline, &deadline);
	event_base_dispatch(base);
	if (c.timed_out)
		FAIL("the server kept a half-closed connection open for %d s (%zu of %zu bytes sent, %zu received)",
		     FUZZ_HTTP_DEADLINE_S, c.sent, c.in_len, c.resp_len);
	event_free(c.rev);
	event_free(c.wev);
	event_free(c.deadline);
	close(c.fd);
	check_responses(&c);
	/* Let the server finish what the close left (the limit's sweep). */
	for (int i = 0; i < 4; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	if (fl_http__nr_conns(srv))
		FAIL("%d connections still counted after the server closed the last", fl_http__nr_conns(srv));
	free(c.resp);
	return 0;
}
