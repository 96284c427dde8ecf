// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * src/catalog.c and src/resolve.c: the catalogue's consistency, its agreement
 * with the BPF skeleton (both directions), lookups and event availability.
 */
#include "fltest.h"
#include "resolve.h"
#include "faultlock.skel.h"

static struct fl_hook_state *states(enum fl_mode mode)
{
	static struct fl_hook_state st[64];

	assert_true(fl_nr_hooks <= 64);
	memset(st, 0, sizeof(st));
	for (int i = 0; i < fl_nr_hooks; i++)
		st[i].mode = mode;
	return st;
}

static void set_mode(struct fl_hook_state *st, const char *name, enum fl_mode mode)
{
	int h = fl_hook_index(name);

	assert_true(h >= 0);
	st[h].mode = mode;
}

static const struct fl_event_type *event_type(const char *type)
{
	for (int i = 0; i < fl_nr_event_types; i++)
		if (!strcmp(fl_event_types[i].type, type))
			return &fl_event_types[i];
	fail_msg("no event type %s", type);
	return NULL;
}

static void test_hook_index(void **state)
{
	(void)state;
	assert_true(fl_nr_hooks > 0);
	for (int i = 0; i < fl_nr_hooks; i++)
		assert_int_equal(fl_hook_index(fl_hooks[i].name), i);
	assert_int_equal(fl_hook_index("no_such_hook"), -1);
	assert_int_equal(fl_hook_index(""), -1);
	assert_int_equal(fl_hook_index("gfs2_glock"), -1);	/* no prefix matches */
	assert_int_equal(fl_hook_index("gfs2_glock_nq_x"), -1);
	assert_true(fl_hook_index("gfs2_glock_nq") >= 0);
	assert_true(fl_hook_index("iomap_dio_rw_begin") >= 0);
}

static void test_hook_names_unique_and_sane(void **state)
{
	(void)state;
	for (int i = 0; i < fl_nr_hooks; i++) {
		const struct fl_hook *h = &fl_hooks[i];

		assert_non_null(h->name);
		assert_true(h->name[0] != '\0');
		assert_non_null(h->target);
		for (int j = i + 1; j < fl_nr_hooks; j++)
			if (!strcmp(h->name, fl_hooks[j].name))
				fail_msg("hook %s listed twice (%d, %d)", h->name, i, j);
		/* a return hook only for functions (a tracepoint's stand-in counts) */
		if (h->category && !h->fn)
			assert_false(h->needs_return);
		/* programs are named for modes that fit the kind of hook: tracepoint
		 * programs for a tracepoint, function ones for a function or a
		 * tracepoint's stand-in; a return program exactly when needed (fexit
		 * may stand alone: it sees the arguments too) */
		for (int m = 0; m < FL_MODE_MAX; m++) {
			const char *entry = h->progs[m][0], *ret = h->progs[m][1];
			bool fn_mode = m == FL_MODE_FENTRY || m == FL_MODE_KPROBE;

			if (!entry && !ret)
				continue;
			assert_true(m != FL_MODE_NONE);
			if (!fn_mode) {
				assert_non_null(h->category);
				assert_null(ret);
				continue;
			}
			assert_true(!h->category || h->fn);
			if (h->needs_return && !ret)
				fail_msg("hook %s needs a return program in mode %d", h->name, m);
			if (!h->needs_return && ret)
				fail_msg("hook %s has an unused return program %s", h->name, ret);
			if (!entry && m != FL_MODE_FENTRY)
				fail_msg("hook %s: only fexit can go without an entry program", h->name);
		}
	}
}

/* No BPF program is claimed by two hooks or two modes (fl_hooks_apply keys on names). */
static void test_program_names_unique(void **state)
{
	const char *names[64 * FL_MODE_MAX * 2];
	int n = 0;

	(void)state;
	for (int i = 0; i < fl_nr_hooks; i++)
		for (int m = 0; m < FL_MODE_MAX; m++)
			for (int k = 0; k < 2; k++)
				if (fl_hooks[i].progs[m][k]) {
					assert_true(n < (int)(sizeof(names) / sizeof(names[0])));
					names[n++] = fl_hooks[i].progs[m][k];
				}
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (!strcmp(names[i], names[j]))
				fail_msg("program %s used twice", names[i]);
}

static void test_event_types_need_known_hooks(void **state)
{
	(void)state;
	assert_true(fl_nr_event_types > 0);
	for (int i = 0; i < fl_nr_event_types; i++) {
		const struct fl_event_type *et = &fl_event_types[i];

		assert_non_null(et->type);
		assert_true(et->severity < FL_SEV_MAX);
		for (int set = 0; set < FL_NEEDS_SETS; set++)
			for (int j = 0; j < FL_NEEDS_HOOKS && et->needs[set][j]; j++)
				if (fl_hook_index(et->needs[set][j]) < 0)
					fail_msg("event type %s needs unknown hook %s", et->type, et->needs[set][j]);
		/* a record type arrives as exactly one event type, with its size */
		if (et->rec) {
			assert_ptr_equal(fl_event_type_by_rec(et->rec), et);
			assert_true(et->rec_size >= sizeof(struct fl_hdr));
			assert_true(et->nr_stack_off + sizeof(__u32) <= et->rec_size);
		}
		assert_ptr_equal(fl_event_type_by_name(et->type), et);
		for (int j = i + 1; j < fl_nr_event_types; j++)
			assert_string_not_equal(et->type, fl_event_types[j].type);
	}
}

static void test_available_all_or_nothing(void **state)
{
	struct fl_hook_state *st = states(FL_MODE_FENTRY);

	(void)state;
	for (int i = 0; i < fl_nr_event_types; i++)
		assert_true(fl_event_type_available(&fl_event_types[i], st, true));
	st = states(FL_MODE_NONE);
	for (int i = 0; i < fl_nr_event_types; i++)
		assert_int_equal(fl_event_type_available(&fl_event_types[i], st, true),
				 fl_event_types[i].needs[0][0] == NULL);
	assert_true(fl_event_type_available(event_type("lost"), st, true));
}

static void test_available_needs_every_hook(void **state)
{
	struct fl_hook_state *st = states(FL_MODE_NONE);

	(void)state;
	set_mode(st, "iomap_dio_rw_begin", FL_MODE_TP_BTF);
	assert_false(fl_event_type_available(event_type("dio_partial"), st, true));
	set_mode(st, "iomap_dio_complete", FL_MODE_TRACEPOINT);
	assert_true(fl_event_type_available(event_type("dio_partial"), st, true));
	assert_true(fl_event_type_available(event_type("dio_retry"), st, true));
	assert_false(fl_event_type_available(event_type("same_file_fault"), st, true));
	set_mode(st, "page_fault_kernel", FL_MODE_TP_BTF);
	assert_true(fl_event_type_available(event_type("same_file_fault"), st, true));
	/* every hook there, but no bpf_find_vma to map the address to a file */
	assert_false(fl_event_type_available(event_type("same_file_fault"), st, false));
	assert_true(fl_event_type_available(event_type("dio_retry"), st, false));

	assert_false(fl_event_type_available(event_type("recursive_lock"), st, true));
	set_mode(st, "gfs2_glock_nq", FL_MODE_KPROBE);
	assert_false(fl_event_type_available(event_type("recursive_lock"), st, true));
	set_mode(st, "gfs2_glock_dq", FL_MODE_FENTRY);
	assert_true(fl_event_type_available(event_type("recursive_lock"), st, true));
	assert_false(fl_event_type_available(event_type("fault_under_lock"), st, true));
	set_mode(st, "handle_mm_fault", FL_MODE_KPROBE);
	assert_true(fl_event_type_available(event_type("fault_under_lock"), st, true));

	/* each single missing hook makes every event type needing it unavailable */
	for (int h = 0; h < fl_nr_hooks; h++) {
		st = states(FL_MODE_FENTRY);
		st[h].mode = FL_MODE_NONE;
		for (int i = 0; i < fl_nr_event_types; i++) {
			bool needs = false;

			int sets = 0, hit = 0;

			/* unavailable only when the missing hook is in every set */
			for (int set = 0; set < FL_NEEDS_SETS && fl_event_types[i].needs[set][0]; set++) {
				bool in = false;

				for (int j = 0; j < FL_NEEDS_HOOKS && fl_event_types[i].needs[set][j]; j++)
					in |= !strcmp(fl_event_types[i].needs[set][j], fl_hooks[h].name);
				sets++;
				hit += in;
			}
			needs = sets && hit == sets;
			assert_int_equal(fl_event_type_available(&fl_event_types[i], st, true), !needs);
		}
	}
}

static void test_hook_target(void **state)
{
	const struct fl_hook *begin = &fl_hooks[fl_hook_index("iomap_dio_rw_begin")];
	const struct fl_hook *nq = &fl_hooks[fl_hook_index("gfs2_glock_nq")];

	(void)state;
	assert_string_equal(fl_hook_target(begin, FL_MODE_TP_BTF), "iomap_dio_rw_begin");
	assert_string_equal(fl_hook_target(begin, FL_MODE_TRACEPOINT), "iomap_dio_rw_begin");
	/* btrfs writes call __iomap_dio_rw directly */
	assert_string_equal(fl_hook_target(begin, FL_MODE_FENTRY), "__iomap_dio_rw");
	assert_string_equal(fl_hook_target(begin, FL_MODE_KPROBE), "__iomap_dio_rw");
	assert_string_equal(fl_hook_target(nq, FL_MODE_KPROBE), "gfs2_glock_nq");
	assert_string_equal(fl_hook_target(nq, FL_MODE_NONE), "gfs2_glock_nq");
}

static void test_hook_modes_parse(void **state)
{
	enum fl_mode forced[64];
	char err[128];
	int begin = fl_hook_index("iomap_dio_rw_begin"), nq = fl_hook_index("gfs2_glock_nq");

	(void)state;
	assert_int_equal(fl_hook_modes_parse(NULL, forced, err, sizeof(err)), 0);
	for (int i = 0; i < fl_nr_hooks; i++)
		assert_int_equal(forced[i], FL_MODE_NONE);
	assert_int_equal(fl_hook_modes_parse("iomap_dio_rw_begin=kprobe,gfs2_glock_nq=fentry",
					     forced, err, sizeof(err)), 0);
	for (int i = 0; i < fl_nr_hooks; i++)
		assert_int_equal(forced[i], i == begin ? FL_MODE_KPROBE : i == nq ? FL_MODE_FENTRY : FL_MODE_NONE);
	assert_int_equal(fl_hook_modes_parse("page_fault_user=tp_btf,,", forced, err, sizeof(err)), 0);
	assert_int_equal(forced[fl_hook_index("page_fault_user")], FL_MODE_TP_BTF);
	assert_int_equal(forced[begin], FL_MODE_NONE);	/* every call starts afresh */
	assert_int_equal(fl_hook_modes_parse("", forced, err, sizeof(err)), 0);

	assert_int_equal(fl_hook_modes_parse("gfs2_glock_nq", forced, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "HOOK=MODE"));
	assert_int_equal(fl_hook_modes_parse("nope=kprobe", forced, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'nope'"));
	assert_int_equal(fl_hook_modes_parse("gfs2_glock_nq=", forced, err, sizeof(err)), -1);
	assert_int_equal(fl_hook_modes_parse("gfs2_glock_nq=-", forced, err, sizeof(err)), -1);
	assert_int_equal(fl_hook_modes_parse("gfs2_glock_nq=kprobe=x", forced, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'kprobe=x'"));
	assert_int_equal(fl_hook_modes_parse("=kprobe", forced, err, sizeof(err)), -1);
	{
		char big[600];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		assert_int_equal(fl_hook_modes_parse(big, forced, err, sizeof(err)), -1);
	}
}

static void test_available_crafted_types(void **state)
{
	struct fl_hook_state *st = states(FL_MODE_TP_BTF);
	const struct fl_event_type unknown = { .type = "x", .severity = FL_SEV_INFO,
					       .needs = { { "sched_process_fork", "nope" } } };
	const struct fl_event_type none = { .type = "y", .severity = FL_SEV_INFO };
	/* all four slots used: no terminator, the loop must stop at 4 */
	const struct fl_event_type four = { .type = "z", .severity = FL_SEV_INFO,
					    .needs = { { fl_hooks[0].name, fl_hooks[1].name,
						       fl_hooks[2].name, fl_hooks[3].name } } };
	/* two ways to see it: either set will do */
	const struct fl_event_type either = { .type = "w", .severity = FL_SEV_INFO,
					      .needs = { { fl_hooks[0].name }, { fl_hooks[1].name } } };

	(void)state;
	assert_true(fl_nr_hooks >= 4);
	assert_false(fl_event_type_available(&unknown, st, true));
	assert_true(fl_event_type_available(&none, st, true));
	assert_true(fl_event_type_available(&four, st, true));
	st[3].mode = FL_MODE_NONE;
	assert_false(fl_event_type_available(&four, st, true));
	st[3].mode = FL_MODE_TP_BTF;
	st[4].mode = FL_MODE_NONE;
	assert_true(fl_event_type_available(&four, st, true));
	assert_true(fl_event_type_available(&either, st, true));
	st[0].mode = FL_MODE_NONE;
	assert_true(fl_event_type_available(&either, st, true));
	st[1].mode = FL_MODE_NONE;
	assert_false(fl_event_type_available(&either, st, true));
	st[0].mode = FL_MODE_TP_BTF;
	assert_true(fl_event_type_available(&either, st, true));
}

/* retry_livelock: the fault_in cycle or the DIO retries, either is enough. */
static void test_retry_livelock_either_way(void **state)
{
	struct fl_hook_state *st = states(FL_MODE_NONE);

	(void)state;
	set_mode(st, "iomap_dio_rw_begin", FL_MODE_TP_BTF);
	set_mode(st, "iomap_dio_complete", FL_MODE_TP_BTF);
	assert_true(fl_event_type_available(event_type("retry_livelock"), st, true));
	assert_false(fl_event_type_available(event_type("fault_in"), st, true));
	st = states(FL_MODE_NONE);
	set_mode(st, "fault_in_readable", FL_MODE_FENTRY);
	set_mode(st, "fault_in_safe_writeable", FL_MODE_KPROBE);
	assert_true(fl_event_type_available(event_type("retry_livelock"), st, true));
	assert_false(fl_event_type_available(event_type("dio_retry"), st, true));
}

/*
 * The catalogue against the skeleton, both ways: every program it names is
 * in faultlock.bpf.o, and every program there is named by it. A program
 * renamed in bpf/ alone fails here (fl_hooks_apply would refuse it at run
 * time; before, it was silently never loaded).
 */
static void test_catalog_matches_skeleton(void **state)
{
	struct faultlock_bpf *skel = faultlock_bpf__open();	/* no privileges needed */
	struct bpf_program *prog;
	int nr_progs = 0, nr_named = 0;

	(void)state;
	assert_non_null(skel);
	for (int i = 0; i < fl_nr_hooks; i++) {
		const struct fl_hook *h = &fl_hooks[i];

		for (int m = 0; m < FL_MODE_MAX; m++)
			for (int k = 0; k < 2; k++) {
				if (!h->progs[m][k])
					continue;
				nr_named++;
				if (!bpf_object__find_program_by_name(skel->obj, h->progs[m][k]))
					fail_msg("hook %s: program %s is not in the skeleton", h->name, h->progs[m][k]);
			}
		if (h->prog_without_find_vma) {
			nr_named++;
			if (!bpf_object__find_program_by_name(skel->obj, h->prog_without_find_vma))
				fail_msg("hook %s: program %s is not in the skeleton", h->name,
					 h->prog_without_find_vma);
		}
	}
	bpf_object__for_each_program(prog, skel->obj) {
		enum fl_prog_role role;
		const struct fl_hook *h = fl_hook_of_prog(bpf_program__name(prog), &role);

		if (fl_prog_is_iter(prog)) {	/* the holder-stack iterator: not a hook */
			assert_string_equal(bpf_program__name(prog), "task_stack");
			continue;
		}
		nr_progs++;
		if (!h)
			fail_msg("skeleton program %s is named by no hook of the catalogue", bpf_program__name(prog));
	}
	assert_int_equal(nr_progs, nr_named);	/* and no program claimed twice */
	faultlock_bpf__destroy(skel);
}

/* What loads for each state: entry and return programs, the find_vma twin,
 * late entry kprobes. */
static void test_prog_chosen(void **state)
{
	struct fl_hook_state st = { .mode = FL_MODE_KPROBE };
	bool late;

	(void)state;
	assert_true(fl_hook_prog_chosen(FL_HOOK_GLOCK_NQ, &st, true, "kprobe_glock_nq", &late));
	assert_true(late);
	assert_true(fl_hook_prog_chosen(FL_HOOK_GLOCK_NQ, &st, true, "kretprobe_glock_nq", &late));
	assert_true(late);	/* made by the loader, with maxactive */
	assert_false(fl_hook_prog_chosen(FL_HOOK_GLOCK_NQ, &st, true, "fentry_glock_nq", &late));
	st.mode = FL_MODE_FENTRY;
	assert_true(fl_hook_prog_chosen(FL_HOOK_GLOCK_NQ, &st, true, "fentry_glock_nq", &late));
	assert_false(late);
	st.mode = FL_MODE_TP_BTF;
	assert_true(fl_hook_prog_chosen(FL_HOOK_FAULT_KERNEL, &st, true, "handle_fault_kernel", &late));
	assert_false(fl_hook_prog_chosen(FL_HOOK_FAULT_KERNEL, &st, true, "handle_fault_kernel_count", &late));
	assert_false(fl_hook_prog_chosen(FL_HOOK_FAULT_KERNEL, &st, false, "handle_fault_kernel", &late));
	assert_true(fl_hook_prog_chosen(FL_HOOK_FAULT_KERNEL, &st, false, "handle_fault_kernel_count", &late));
	st.mode = FL_MODE_NONE;
	assert_false(fl_hook_prog_chosen(FL_HOOK_FAULT_KERNEL, &st, false, "handle_fault_kernel_count", &late));
}

/* The hook ids index fl_hooks[] (designated initialisers leave no hole). */
static void test_hook_ids(void **state)
{
	(void)state;
	for (int i = 0; i < fl_nr_hooks; i++)
		assert_non_null(fl_hooks[i].name);
	assert_string_equal(fl_hooks[FL_HOOK_GLOCK_NQ].name, "gfs2_glock_nq");
	assert_string_equal(fl_hooks[FL_HOOK_GLOCK_QUEUE].name, "gfs2_glock_queue");
	assert_string_equal(fl_hooks[FL_HOOK_FAULT_IN_SAFE_WRITEABLE].name, "fault_in_safe_writeable");
	for (int i = 0; i < fl_nr_hooks; i++)
		if (fl_hooks[i].requires)
			assert_true(fl_hook_index(fl_hooks[i].requires) >= 0);
}

/* Every summary count names a known event type or hook, and keys are unique. */
static void test_summary_counts(void **state)
{
	(void)state;
	for (int i = 0; i < fl_nr_summary_counts; i++) {
		const struct fl_summary_count *c = &fl_summary_counts[i];

		if (c->event)
			assert_non_null(fl_event_type_by_name(c->event));
		if (c->hook)
			assert_true(fl_hook_index(c->hook) >= 0);
		for (int j = i + 1; j < fl_nr_summary_counts; j++)
			assert_string_not_equal(c->key, fl_summary_counts[j].key);
	}
}

static void test_mode_names(void **state)
{
	(void)state;
	assert_string_equal(fl_mode_name(FL_MODE_NONE), "-");
	assert_string_equal(fl_mode_name(FL_MODE_TRACEPOINT), "tracepoint");
	assert_string_equal(fl_mode_name(FL_MODE_TP_BTF), "tp_btf");
	assert_string_equal(fl_mode_name(FL_MODE_FENTRY), "fentry");
	assert_string_equal(fl_mode_name(FL_MODE_KPROBE), "kprobe");
	assert_string_equal(fl_mode_name(FL_MODE_MAX), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hook_index),
		cmocka_unit_test(test_hook_names_unique_and_sane),
		cmocka_unit_test(test_program_names_unique),
		cmocka_unit_test(test_event_types_need_known_hooks),
		cmocka_unit_test(test_available_all_or_nothing),
		cmocka_unit_test(test_available_needs_every_hook),
		cmocka_unit_test(test_hook_target),
		cmocka_unit_test(test_hook_modes_parse),
		cmocka_unit_test(test_available_crafted_types),
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test(test_retry_livelock_either_way),
		cmocka_unit_test(test_catalog_matches_skeleton),
		cmocka_unit_test(test_prog_chosen),
		cmocka_unit_test(test_hook_ids),
		cmocka_unit_test(test_summary_counts),
	};

	return cmocka_run_group_tests_name("catalog", tests, NULL, NULL);
}
