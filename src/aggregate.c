// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "aggregate.h"

struct fl_agg *fl_agg_new(uint64_t window_ns, fl_agg_emit_fn emit, void *arg)
{
	struct fl_agg *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->window_ns = window_ns;
	a->emit = emit;
	a->arg = arg;
	return a;
}

void fl_agg_free(struct fl_agg *a)
{
	free(a);
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Site: what the event is about — the range faulted in, the file and
 * direction of a DIO and why it counts, the file and instruction of a fault. */
uint64_t fl_agg_key(const void *rec, int type)
{
	const struct fl_hdr *h = rec;
	uint64_t k = fnv1a(0xcbf29ce484222325ULL, &h->tid, sizeof(h->tid));

	k = fnv1a(k, &type, sizeof(type));
	switch (type) {
	case FL_REC_FAULT_IN: {
		const struct fl_rec_fault_in *r = rec;

		k = fnv1a(k, &r->kind, sizeof(r->kind));
		k = fnv1a(k, &r->addr, sizeof(r->addr));
		k = fnv1a(k, &r->size, sizeof(r->size));
		break;
	}
	case FL_REC_DIO_PARTIAL:
	case FL_REC_DIO_RETRY: {
		const struct fl_rec_dio *r = rec;

		k = fnv1a(k, &r->dev, sizeof(r->dev));
		k = fnv1a(k, &r->ino, sizeof(r->ino));
		k = fnv1a(k, &r->op, sizeof(r->op));
		k = fnv1a(k, &r->reason, sizeof(r->reason));
		break;
	}
	case FL_REC_SAME_FILE_FAULT: {
		const struct fl_rec_fault *r = rec;

		k = fnv1a(k, &r->dev, sizeof(r->dev));
		k = fnv1a(k, &r->ino, sizeof(r->ino));
		k = fnv1a(k, &r->ip, sizeof(r->ip));
		break;
	}
	}
	return k ? k : 1;
}

static void emit(struct fl_agg *a, struct fl_agg_slot *s, const void *rec, size_t size,
		 uint64_t count, uint64_t now)
{
	a->lines++;
	a->events += count;
	a->emit(a->arg, rec, size, count);
	s->last_line = now;
	s->held = 0;
}

void fl_agg_offer(struct fl_agg *a, uint64_t key, uint64_t now, const void *rec, size_t size)
{
	struct fl_agg_slot *s = NULL, *victim = NULL;

	if (size > FL_AGG_REC_MAX) {	/* cannot be held whole: out now, never cut */
		a->emit(a->arg, rec, size, 1);
		return;
	}
	for (uint32_t i = 0; i < FL_AGG_PROBE; i++) {
		struct fl_agg_slot *c = &a->slot[(key + i) & (FL_AGG_SLOTS - 1)];

		if (c->key == key) {
			s = c;
			break;
		}
		if (!victim || (victim->key && (!c->key || c->last_line < victim->last_line)))
			victim = c;
	}
	if (s) {
		if (now - s->last_line >= a->window_ns) {
			emit(a, s, rec, size, s->held + 1, now);
		} else {
			s->held++;
			s->size = size;
			memcpy(s->rec, rec, size);
		}
		return;
	}
	/* A new key: the slot it takes gives up what it held first. */
	if (victim->key && victim->held)
		emit(a, victim, victim->rec, victim->size, victim->held, now);
	victim->key = key;
	emit(a, victim, rec, size, 1, now);
}

void fl_agg_flush(struct fl_agg *a, uint64_t now)
{
	for (int i = 0; i < FL_AGG_SLOTS; i++) {
		struct fl_agg_slot *s = &a->slot[i];

		if (s->key && s->held && (now == UINT64_MAX || now - s->last_line >= a->window_ns))
			emit(a, s, s->rec, s->size, s->held, now == UINT64_MAX ? s->last_line : now);
	}
}

uint64_t fl_agg_next_due(const struct fl_agg *a)
{
	uint64_t due = 0;

	for (int i = 0; i < FL_AGG_SLOTS; i++) {
		const struct fl_agg_slot *s = &a->slot[i];

		if (s->key && s->held && (!due || s->last_line + a->window_ns < due))
			due = s->last_line + a->window_ns;
	}
	return due;
}
