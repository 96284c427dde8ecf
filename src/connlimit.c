// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* evhttp's connection limit: libevent's own from 2.2, a stand-in on 2.1. */
#include <stdlib.h>
#include <event2/event.h>
#include <event2/http.h>
#include "faultlock.h"
#include "connlimit.h"

#if LIBEVENT_VERSION_NUMBER >= 0x02020000

struct fl_connlimit {
	struct evhttp *http;
};

struct fl_connlimit *fl_connlimit__new(struct evhttp *http, struct event_base *base, int max)
{
	struct fl_connlimit *l = calloc(1, sizeof(*l));

	(void)base;
	if (!l)
		return NULL;
	l->http = http;
	evhttp_set_max_connections(http, max);
	return l;
}

void fl_connlimit__request(struct fl_connlimit *l, struct evhttp_request *req)
{
	(void)l;
	(void)req;
}

int fl_connlimit__count(struct fl_connlimit *l)
{
	return evhttp_get_connection_count(l->http);
}

void fl_connlimit__free(struct fl_connlimit *l)
{
	free(l);
}

#else
/*
 * libevent 2.1: every connection's bufferevent is made by our bevcb, which
 * holds a reference on it. evhttp frees a connection with bufferevent_free(),
 * which clears its callbacks; the next accept sweeps those out (our reference
 * keeps the memory valid until then). A connection over the limit is answered
 * 503 and shut down right after evhttp has taken it.
 *
 * A bufferevent we still hold after evhttp freed it keeps its (disabled or
 * not) events in the base until our reference goes, so the sweep runs before
 * evhttp can take a new socket (in the bevcb, ahead of the new connection's
 * registration) and after every completed request.
 *
 * This relies on what libevent does not document: that evhttp keeps its
 * event callback set on a connection's bufferevent for the connection's whole
 * life, and clears it when it frees the connection.
 */

#include <sys/socket.h>
#include <event2/bufferevent.h>

struct fl_connlimit {
	struct event *sweeper;		/* sweeps right after a request is done */
	int max, nr_conns;
	struct bufferevent *conns[];	/* max of them */
};

static bool conn_alive(struct bufferevent *bev)
{
	bufferevent_event_cb eventcb = NULL;

	/* evhttp keeps its error callback set for a connection's whole life. */
	bufferevent_getcb(bev, NULL, NULL, &eventcb, NULL);
	return eventcb != NULL;
}

static void sweep(struct fl_connlimit *l)
{
	for (int i = 0; i < l->nr_conns;) {
		if (conn_alive(l->conns[i])) {
			i++;
			continue;
		}
		bufferevent_decref(l->conns[i]);
		l->conns[i] = l->conns[--l->nr_conns];
	}
}

static void sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sweep(arg);
}

static void reject(evutil_socket_t fd_unused, short what, void *arg)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
				   "Content-Length: 0\r\nConnection: close\r\n\r\n";
	struct bufferevent *bev = arg;
	evutil_socket_t fd = bufferevent_getfd(bev);

	(void)fd_unused;
	(void)what;
	if (fd >= 0 && conn_alive(bev)) {
		ssize_t n = send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);

		(void)n;	/* best effort: the client sees a close either way */
		shutdown(fd, SHUT_RDWR);	/* evhttp reads EOF and frees it */
	}
	bufferevent_decref(bev);
}

static struct bufferevent *new_conn(struct event_base *base, void *arg)
{
	struct fl_connlimit *l = arg;
	static const struct timeval now = { 0, 0 };
	/* No BEV_OPT_CLOSE_ON_FREE: evhttp closes the socket itself when it frees
	 * the connection, even while our reference keeps the bufferevent. */
	struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);

	if (!bev)
		return NULL;	/* evhttp makes its own (untracked) */
	sweep(l);
	bufferevent_incref(bev);
	if (l->nr_conns < l->max) {
		l->conns[l->nr_conns++] = bev;
		return bev;
	}
	/* Over the limit: evhttp sets the socket up when we return; answer on the
	 * next loop turn. */
	if (event_base_once(base, -1, EV_TIMEOUT, reject, bev, &now))
		bufferevent_decref(bev);
	vlog("http: %d connections open, refusing one more", l->nr_conns);
	return bev;
}

struct fl_connlimit *fl_connlimit__new(struct evhttp *http, struct event_base *base, int max)
{
	struct fl_connlimit *l = calloc(1, sizeof(*l) + max * sizeof(l->conns[0]));

	if (!l)
		return NULL;
	l->max = max;
	l->sweeper = evtimer_new(base, sweep_cb, l);
	if (!l->sweeper) {
		free(l);	/* errno: ENOMEM, from event_new's malloc */
		return NULL;
	}
	evhttp_set_bevcb(http, new_conn, l);
	return l;
}

static void on_complete(struct evhttp_request *req, void *arg)
{
	struct fl_connlimit *l = arg;

	(void)req;
	/* evhttp may free the connection when this returns: sweep after that. */
	event_active(l->sweeper, EV_TIMEOUT, 0);
}

void fl_connlimit__request(struct fl_connlimit *l, struct evhttp_request *req)
{
	evhttp_request_set_on_complete_cb(req, on_complete, l);
}

int fl_connlimit__count(struct fl_connlimit *l)
{
	sweep(l);
	return l->nr_conns;
}

void fl_connlimit__free(struct fl_connlimit *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->nr_conns; i++)
		bufferevent_decref(l->conns[i]);
	event_free(l->sweeper);
	free(l);
}

#endif
