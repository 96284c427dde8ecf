// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* src/aggregate.c and src/livelock.c: bounded info output, livelock episodes. */
#include "fltest.h"
#include "aggregate.h"
#include "livelock.h"

#define SEC 1000000000ULL

struct sink {
	int lines;
	uint64_t events;
	uint64_t last_count;
};

static void collect(void *arg, const void *rec, size_t size, uint64_t count)
{
	struct sink *s = arg;

	(void)rec;
	(void)size;
	s->lines++;
	s->events += count;
	s->last_count = count;
}

static struct fl_rec_fault_in mk_fi(uint32_t tid, uint64_t addr)
{
	struct fl_rec_fault_in r = { .hdr = { .type = FL_REC_FAULT_IN, .tid = tid }, .addr = addr, .size = 4096 };

	return r;
}

/* A storm from one site: one line at once, the rest folded; nothing lost. */
static void test_storm_one_site(void **state)
{
	struct sink s = {};
	struct fl_agg *a = fl_agg_new(SEC, collect, &s);
	struct fl_rec_fault_in r = mk_fi(7, 0x1000);
	uint64_t key = fl_agg_key(&r, FL_REC_FAULT_IN);

	(void)state;
	for (int i = 0; i < 10000; i++)
		fl_agg_offer(a, key, 100 + i * 1000, &r, sizeof(r));	/* 10 ms in all */
	assert_int_equal(s.lines, 1);
	fl_agg_flush(a, 100 + SEC / 2);		/* the second is not over */
	assert_int_equal(s.lines, 1);
	fl_agg_flush(a, 100 + SEC);
	assert_int_equal(s.lines, 2);
	assert_int_equal(s.last_count, 9999);
	assert_int_equal(s.events, 10000);
	assert_int_equal(fl_agg_next_due(a), 0);
	fl_agg_free(a);
}

/* Other tasks and other ranges are other sites; a held event leaves its
 * slot with its count when the slot is taken. */
static void test_sites_and_eviction(void **state)
{
	struct sink s = {};
	struct fl_agg *a = fl_agg_new(SEC, collect, &s);

	(void)state;
	for (uint32_t tid = 1; tid <= 2 * FL_AGG_SLOTS; tid++) {
		struct fl_rec_fault_in r = mk_fi(tid, 0x2000);
		uint64_t key = fl_agg_key(&r, FL_REC_FAULT_IN);

		fl_agg_offer(a, key, tid, &r, sizeof(r));
		fl_agg_offer(a, key, tid + 1, &r, sizeof(r));	/* held */
	}
	fl_agg_flush(a, UINT64_MAX);
	assert_int_equal(s.events, 4 * FL_AGG_SLOTS);
	assert_int_equal(s.lines, 4 * FL_AGG_SLOTS);
	{
		struct fl_rec_fault_in x = mk_fi(1, 0x1000), y = mk_fi(1, 0x2000), z = mk_fi(2, 0x1000);

		assert_true(fl_agg_key(&x, FL_REC_FAULT_IN) != fl_agg_key(&y, FL_REC_FAULT_IN));
		assert_true(fl_agg_key(&x, FL_REC_FAULT_IN) != fl_agg_key(&z, FL_REC_FAULT_IN));
	}
	fl_agg_free(a);
}

static struct fl_rec_livelock mk_ll(uint32_t phase, uint64_t iters, uint64_t ts)
{
	struct fl_rec_livelock r = {
		.hdr = { .type = FL_REC_RETRY_LIVELOCK, .pid = 5, .tid = 6, .ts = ts, .comm = "fl-fiemap" },
		.phase = phase, .kind = FL_FI_SAFE_WRITEABLE, .iterations = iters, .first_ts = 1000,
		.ino = 2343, .dev = 254 << 20, .fstype = "gfs2", .syscall_nr = 16, .syscall_arg1 = 0xc020660b,
	};

	return r;
}

static void test_livelock_episode(void **state)
{
	static struct fl_livelocks l;
	struct fl_rec_livelock b = mk_ll(FL_LL_BEGIN, 64, 2000), u = mk_ll(FL_LL_UPDATE, 128, 3000),
			       e = mk_ll(FL_LL_END, 200, 4000);

	(void)state;
	assert_non_null(fl_livelocks_apply(&l, &b));
	assert_non_null(fl_livelocks_apply(&l, &u));
	assert_int_equal(l.nr, 1);
	assert_int_equal(fl_livelocks_ongoing(&l), 1);
	assert_int_equal(l.ep[0].iterations, 128);
	e.end_reason = FL_LL_END_EXIT;
	fl_livelocks_apply(&l, &e);
	assert_int_equal(fl_livelocks_ongoing(&l), 0);
	assert_int_equal(l.ep[0].iterations, 200);
	assert_int_equal(l.ep[0].last_ts - l.ep[0].first_ts, 3000);
	assert_int_equal(l.nr_fs, 1);
	assert_string_equal(l.fs[0].fstype, "gfs2");
	assert_int_equal(l.fs[0].count, 1);
	/* a second begin by the same task: a new episode, counted again */
	fl_livelocks_apply(&l, &b);
	assert_int_equal(l.nr, 2);
	assert_int_equal(l.fs[0].count, 2);
	assert_string_equal(fl_livelock_kind_name(FL_LL_DIO), "dio");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storm_one_site),
		cmocka_unit_test(test_sites_and_eviction),
		cmocka_unit_test(test_livelock_episode),
	};

	return cmocka_run_group_tests_name("aggregate", tests, NULL, NULL);
}
