// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * evhttp front end for /metrics: routing, HEAD and 405 here; the connection
 * limit in connlimit.c; the accept-error pause below.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>
#include "faultlock.h"
#include "connlimit.h"
#include "http.h"
#include "metrics.h"

struct fl_http {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct event *resume;		/* re-enables accepting after an accept error */
	struct fl_connlimit *limit;
	fl_http_render_fn render;
	void *arg;
	struct fl_http_route {
		const char *path, *type, *title;
		fl_http_render_fn render;
		void *arg;
	} routes[FL_HTTP_MAX_ROUTES];	/* beside /metrics */
	int nr_routes;
	bool accept_error_logged;
};

/* ---- listen address ----------------------------------------------------- */

/* A decimal port, 0..65535: digits only (no sign, no blanks); -1 if not. */
static int parse_port(const char *s)
{
	char *end;
	long p;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	p = strtol(s, &end, 10);
	return *end || errno || p > 65535 ? -1 : (int)p;
}

/*
 * A zone evutil took as a number (it falls back to strtoul when no interface
 * has the name) must be one, as strictly as the port: decimal digits only,
 * within 32 bits. strtoul alone also takes " 7", "+7", "-1" (4294967295) and
 * wraps 4294967297 to 1. z: the zone's n characters.
 */
static bool zone_ok(const char *z, size_t n)
{
	char name[IF_NAMESIZE];

	if (n < sizeof(name)) {
		memcpy(name, z, n);
		name[n] = '\0';
		if (if_nametoindex(name))
			return true;
	}
	if (n == 0 || n > 10 || strspn(z, "0123456789") < n)
		return false;
	return strtoull(z, NULL, 10) <= UINT32_MAX;
}

/*
 * The address is evutil_parse_sockaddr_port()'s job; what it lacks is done
 * here: the port is required (it reads "ADDR" and "[ADDR]" as port 0),
 * checked strictly (it uses atoi and refuses 0), and IPv6 needs brackets (it
 * reads "::1:9477" as an address without a port). It is also given no zone
 * it would take as interface 0 ("%", "%0") or as a number it is not (see
 * zone_ok), and its bare -1 gets a reason.
 */
int fl_http_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
			 char *err, size_t errlen)
{
	bool v6 = s[0] == '[';
	const char *colon;
	char addr[INET6_ADDRSTRLEN + IF_NAMESIZE + 4], *zone;
	int n = sizeof(*ss), port;

	if (v6) {
		colon = strchr(s, ']');
		if (!colon) {
			snprintf(err, errlen, "missing ']' after the IPv6 address");
			return -EINVAL;
		}
		if (*++colon != ':') {
			snprintf(err, errlen, "expected ':PORT' after ']'");
			return -EINVAL;
		}
	} else {
		colon = strrchr(s, ':');
		if (!colon) {
			snprintf(err, errlen, "expected ADDR:PORT");
			return -EINVAL;
		}
		if (memchr(s, ':', colon - s)) {
			snprintf(err, errlen, "an IPv6 address needs brackets: [ADDR]:PORT");
			return -EINVAL;
		}
		if (colon == s) {
			snprintf(err, errlen, "missing address (0.0.0.0 or [::] for every interface)");
			return -EINVAL;
		}
	}
	if ((size_t)(colon - s) >= sizeof(addr)) {
		snprintf(err, errlen, "address too long");
		return -EINVAL;
	}
	port = parse_port(colon + 1);
	if (port < 0) {
		snprintf(err, errlen, "invalid port '%s' (expected 0..65535)", colon + 1);
		return -EINVAL;
	}
	memcpy(addr, s, colon - s);
	addr[colon - s] = '\0';	/* "ADDR" or "[ADDR]": port 0 to libevent */
	zone = v6 ? strchr(addr, '%') : NULL;
	if (zone && zone[1] == ']') {
		snprintf(err, errlen, "empty IPv6 zone");
		return -EINVAL;
	}
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)ss, &n) ||
	    (zone && !((struct sockaddr_in6 *)ss)->sin6_scope_id)) {
		if (!v6) {
			snprintf(err, errlen, "'%s' is not a numeric IPv4 address (no name resolution)", addr);
			return -EINVAL;
		}
		if (zone) {	/* which half is wrong? */
			char name[IF_NAMESIZE + 1] = "";

			snprintf(name, sizeof(name), "%.*s", (int)strcspn(zone + 1, "]"), zone + 1);
			strcpy(zone, "]");
			n = sizeof(*ss);
			if (!evutil_parse_sockaddr_port(addr, (struct sockaddr *)ss, &n)) {
				snprintf(err, errlen, "unknown interface '%s'", name);
				return -EINVAL;
			}
		}
		snprintf(err, errlen, "'%.*s' is not a numeric IPv6 address", (int)strcspn(addr + 1, "]"), addr + 1);
		return -EINVAL;
	}
	if (zone && !zone_ok(zone + 1, strcspn(zone + 1, "]"))) {
		snprintf(err, errlen, "unknown interface '%.*s'", (int)strcspn(zone + 1, "]"), zone + 1);
		return -EINVAL;
	}
	if (v6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	*len = n;
	return 0;
}

void fl_http_format_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host));
		if (a6->sin6_scope_id)
			snprintf(buf, len, "[%s%%%u]:%u", host, a6->sin6_scope_id, ntohs(a6->sin6_port));
		else
			snprintf(buf, len, "[%s]:%u", host, ntohs(a6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &a4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(a4->sin_port));
	} else {
		snprintf(buf, len, "?");
	}
}

/* ---- requests ----------------------------------------------------------- */

/* The index: /metrics and the other routes, each a link. */
static int render_index(FILE *f, const struct fl_http *h)
{
	fputs("<!DOCTYPE html>\n"
	      "<html><head><title>faultlock</title></head>\n"
	      "<body><h1>faultlock</h1>\n"
	      "<p>eBPF detector of page faults under filesystem locks.</p>\n"
	      "<p><a href=\"/metrics\">Metrics</a></p>\n", f);
	for (int i = 0; i < h->nr_routes; i++)
		fprintf(f, "<p><a href=\"%s\">%s</a></p>\n", h->routes[i].path, h->routes[i].title);
	fputs("</body></html>\n", f);
	return 0;
}

static void send_body(struct evhttp_request *req, int code, const char *reason, const char *type,
		      const void *data, size_t len)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evbuffer_new();
	bool head = evhttp_request_get_command(req) == EVHTTP_REQ_HEAD;
	char clen[24];

	/* libevent 2.1 would send a HEAD reply's body: give it none, and the
	 * length the GET would have. */
	if (head) {
		snprintf(clen, sizeof(clen), "%zu", len);
		evhttp_add_header(hdr, "Content-Length", clen);
	}
	if (!buf || (!head && evbuffer_add(buf, data, len))) {
		evbuffer_free(buf);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evhttp_add_header(hdr, "Content-Type", type);
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	evhttp_send_reply(req, code, reason, buf);
	evbuffer_free(buf);
}

/* A body made by render into memory, then sent: 500 if it fails. */
static void serve(struct evhttp_request *req, const char *path, const char *type, fl_http_render_fn render,
		  void *arg)
{
	char *data = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);
	int err;

	if (!f) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	err = render(f, arg);
	if (fclose(f) && !err)
		err = -EIO;
	if (err) {
		elog("%s: cannot read kernel state: %s", path, strerror(-err));
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
	} else {
		send_body(req, HTTP_OK, "OK", type, data, len);
	}
	free(data);
}

static int index_render(FILE *f, void *arg)
{
	return render_index(f, arg);
}

int fl_http__add_route(struct fl_http *h, const char *path, const char *type, const char *title,
		       fl_http_render_fn render, void *arg)
{
	if (h->nr_routes == FL_HTTP_MAX_ROUTES)
		return -ENOSPC;
	h->routes[h->nr_routes++] = (struct fl_http_route){ path, type, title, render, arg };
	return 0;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct fl_http *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	const struct fl_http_route *route = NULL;

	fl_connlimit__request(h->limit, req);
	for (int i = 0; path && i < h->nr_routes; i++)
		if (!strcmp(path, h->routes[i].path))
			route = &h->routes[i];
	if (!path || (!route && strcmp(path, "/metrics") && strcmp(path, "/"))) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		/* Not evhttp_send_error(): it drops our headers, and 405 needs Allow. */
		static const char msg[] = "405 Method Not Allowed: GET or HEAD only\n";

		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		send_body(req, 405, "Method Not Allowed", "text/plain; charset=utf-8", msg, sizeof(msg) - 1);
		return;
	}
	if (route)
		serve(req, path, route->type, route->render, route->arg);
	else if (!strcmp(path, "/"))
		serve(req, path, "text/html; charset=utf-8", index_render, h);
	else
		serve(req, path, FL_METRICS_CONTENT_TYPE, h->render, h->arg);
}

/* ---- accept errors ------------------------------------------------------ */

int fl_http__nr_conns(struct fl_http *h)
{
	return fl_connlimit__count(h->limit);
}

/* accept() failed for a reason other than a retriable one (EMFILE...):
 * pause accepting for a second instead of spinning on a readable socket. */
static struct fl_http *the_server;

static void resume_accept(evutil_socket_t fd, short what, void *arg)
{
	struct fl_http *h = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(evhttp_bound_socket_get_listener(h->bound));
}

static void on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct fl_http *h = the_server;
	static const struct timeval pause = { 1, 0 };
	int err = errno;

	(void)arg;
	if (!h)
		return;
	if (!h->accept_error_logged)
		elog("http: accept: %s; pausing new connections for 1 s", strerror(err));
	h->accept_error_logged = true;
	evconnlistener_disable(lev);
	if (h->resume)
		event_add(h->resume, &pause);
}

/* ---- setup -------------------------------------------------------------- */

static int listen_socket(const struct sockaddr *sa, socklen_t len)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, err;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::]:PORT means IPv6 only; 0.0.0.0 is a separate --listen. */
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, sa, len) || listen(fd, 64)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* After a libevent call returned NULL: its errno (ENOMEM from a failed
 * allocation, the only failure 2.1 has on these paths, or what a failed system
 * call said); EIO if it set none. errno must be 0 before the call. */
static int libevent_err(void)
{
	return errno ? -errno : -EIO;
}

struct fl_http *fl_http__new(struct event_base *base, const struct sockaddr *sa, socklen_t len,
			     fl_http_render_fn render, void *arg)
{
	struct fl_http *h = calloc(1, sizeof(*h));
	int fd, err;

	if (!h)
		return NULL;
	h->base = base;
	h->render = render;
	h->arg = arg;
	fd = listen_socket(sa, len);
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	errno = 0;
	if (!(h->http = evhttp_new(base)) || !(h->resume = evtimer_new(base, resume_accept, h)) ||
	    !(h->limit = fl_connlimit__new(h->http, base, FL_HTTP_MAX_CONNS))) {
		err = libevent_err();
		close(fd);
		goto fail;
	}
	evhttp_set_max_headers_size(h->http, FL_HTTP_MAX_HEADERS);
	evhttp_set_max_body_size(h->http, FL_HTTP_MAX_BODY);
	evhttp_set_timeout(h->http, FL_HTTP_TIMEOUT_S);
	/* Every method reaches on_request, which answers 405 (evhttp would say 501). */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
				   EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
				   EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(h->http, "text/html; charset=utf-8");
	evhttp_set_gencb(h->http, on_request, h);
	errno = 0;
	h->bound = evhttp_accept_socket_with_handle(h->http, fd);
	if (!h->bound) {
		err = libevent_err();
		close(fd);
		goto fail;
	}
	evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(h->bound), on_accept_error);
	the_server = h;
	return h;
fail:
	fl_http__free(h);
	errno = -err;
	return NULL;
}

int fl_http__local_addr(const struct fl_http *h, struct sockaddr_storage *ss, socklen_t *len)
{
	*len = sizeof(*ss);
	if (getsockname(evhttp_bound_socket_get_fd(h->bound), (struct sockaddr *)ss, len))
		return -errno;
	return 0;
}

void fl_http__free(struct fl_http *h)
{
	if (!h)
		return;
	if (the_server == h)
		the_server = NULL;
	if (h->http)
		evhttp_free(h->http);	/* closes the listener and every connection */
	fl_connlimit__free(h->limit);
	if (h->resume)
		event_free(h->resume);
	free(h);
}
