/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemon's HTTP front end on libevent's evhttp: GET /metrics (and HEAD),
 * routes added beside it (/glocks), `/` with links to them, a proper 4xx for
 * everything else. Bounded: request
 * line + headers, body, idle/slow connections (timeout), and the number of
 * open connections; it never blocks the event loop it shares with the ring
 * buffer. The body comes from a render callback; no BPF here.
 */
#ifndef FL_HTTP_H
#define FL_HTTP_H

#include <stdio.h>
#include <sys/socket.h>

struct event_base;
struct fl_http;

#define FL_HTTP_MAX_CONNS	32	/* open connections; more get 503 */
#define FL_HTTP_TIMEOUT_S	10	/* read/write inactivity per connection */
#define FL_HTTP_MAX_HEADERS	8192	/* request line + headers, bytes */
#define FL_HTTP_MAX_BODY	1024	/* request body, bytes */
#define FL_HTTP_MAX_ROUTES	4	/* paths beside / and /metrics */

/* Writes the /metrics body to f; 0 or -errno (answered with 500). */
typedef int (*fl_http_render_fn)(FILE *f, void *arg);

/*
 * "ADDR:PORT" with a numeric address: IPv4 "127.0.0.1:9477", IPv6 in
 * brackets "[::1]:9477" (optionally "[fe80::1%eth0]:9477"). Port 0 asks for
 * any free port. No name resolution. 0, or -EINVAL with a reason in err.
 */
int fl_http_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
			 char *err, size_t errlen);
/* The inverse: "127.0.0.1:9477", "[::1]:9477". */
void fl_http_format_addr(const struct sockaddr *sa, char *buf, size_t len);

/*
 * Binds and listens (so a busy port fails before anything else starts) and
 * serves on base. NULL with errno set on failure.
 */
struct fl_http *fl_http__new(struct event_base *base, const struct sockaddr *sa, socklen_t len,
			     fl_http_render_fn render, void *arg);
/* Serves GET/HEAD path (exact) with render's body of content type `type`;
 * title is its link on the index page. 0, or -ENOSPC. */
int fl_http__add_route(struct fl_http *h, const char *path, const char *type, const char *title,
		       fl_http_render_fn render, void *arg);
/* The address actually bound (the real port when 0 was asked for). */
int fl_http__local_addr(const struct fl_http *h, struct sockaddr_storage *ss, socklen_t *len);
/* Open connections right now (for tests). */
int fl_http__nr_conns(struct fl_http *h);
void fl_http__free(struct fl_http *h);

#endif
