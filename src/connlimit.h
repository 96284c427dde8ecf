/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A cap on an evhttp server's open connections: one over the cap is answered
 * 503 and closed. libevent 2.2 has this (evhttp_set_max_connections); for
 * 2.1, connlimit.c builds it on the bevcb and is the only code that depends
 * on how evhttp handles a connection's bufferevent.
 */
#ifndef FL_CONNLIMIT_H
#define FL_CONNLIMIT_H

struct event_base;
struct evhttp;
struct evhttp_request;
struct fl_connlimit;

/* Before http accepts anything. NULL with errno set. */
struct fl_connlimit *fl_connlimit__new(struct evhttp *http, struct event_base *base, int max);
/* Every request, from the request callback (so a closed connection stops counting soon). */
void fl_connlimit__request(struct fl_connlimit *l, struct evhttp_request *req);
/* Connections open right now. */
int fl_connlimit__count(struct fl_connlimit *l);
/* After evhttp_free(). */
void fl_connlimit__free(struct fl_connlimit *l);

#endif
