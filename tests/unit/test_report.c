// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* src/report.c: record validation, event lines (JSON and text), lost, summary. */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include "fltest.h"
#include "aggregate.h"
#include "resolve.h"
#include "ksyms.h"
#include "report.h"

#define DEV_253_3 ((253u << 20) | 3)
#define DEV_8_1 ((8u << 20) | 1)

/* The header every JSON event line starts with, in this order. */
#define HDR_KEYS "type,ts,pid,tid,comm,"

struct fixture {
	struct cap cap;
	struct fl_output o;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	cap_open(&fx->cap);
	fx->o.f = fx->cap.f;
	fx->o.start_ts = 1000000000ULL;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	cap_close(&fx->cap);
	free(fx);
	return 0;
}

/* Output so far. */
static const char *out(struct fixture *fx)
{
	return cap_str(&fx->cap);
}

/* Empties the output (a new stream: fl_output follows it). */
static void reset(struct fixture *fx)
{
	cap_reset(&fx->cap);
	fx->o.f = fx->cap.f;
}

static void fill_hdr(struct fl_hdr *h, uint32_t type)
{
	h->type = type;
	h->pid = 42;
	h->tid = 43;
	h->cpu = 1;
	h->ts = 2500000000ULL;
	memcpy(h->comm, "fl-mmapio", sizeof("fl-mmapio"));
}

static struct fl_rec_dio mk_dio(uint32_t type)
{
	struct fl_rec_dio r;

	memset(&r, 0, sizeof(r));
	fill_hdr(&r.hdr, type);
	r.dev = DEV_253_3;
	r.op = FL_OP_WRITE;
	r.ino = 12;
	r.pos = 4096;
	r.count = 8192;
	r.done_before = 4096;
	r.ret = 6144;
	r.reason = type == FL_REC_DIO_PARTIAL ? FL_PARTIAL_SHORT
					      : FL_RETRY_DONE_BEFORE | FL_RETRY_AFTER_PARTIAL;
	r.nofault = 1;
	memcpy(r.fstype, "gfs2", sizeof("gfs2"));
	return r;
}

static struct fl_rec_fault mk_fault(void)
{
	struct fl_rec_fault r;

	memset(&r, 0, sizeof(r));
	fill_hdr(&r.hdr, FL_REC_SAME_FILE_FAULT);
	r.addr = 0x7f0000001000ULL;
	r.ip = 0xffffffff81234567ULL;
	r.error_code = 0x6;	/* X86_PF_USER | X86_PF_WRITE */
	r.ino = 12;
	r.pgoff = 1;
	r.dev = DEV_8_1;
	r.op = FL_OP_READ;
	r.pagefault_disabled = 1;
	r.nr_stack = 2;
	r.stack[0] = 0xffffffff81234567ULL;
	r.stack[1] = 0xffffffff81000010ULL;
	memcpy(r.fstype, "gfs2", sizeof("gfs2"));
	return r;
}

static struct fl_rec_lock mk_lock(void)
{
	struct fl_rec_lock r;

	memset(&r, 0, sizeof(r));
	fill_hdr(&r.hdr, FL_REC_RECURSIVE_LOCK);
	r.lock.number = 12345;
	r.lock.type = 2;	/* LM_TYPE_INODE */
	r.lock.dev = DEV_253_3;
	r.held_ip = 0xffffffff81234567ULL;
	r.req_ip = 0xffffffff81000010ULL;
	r.held_state = 1;	/* EX */
	r.req_state = 3;	/* SH */
	r.held_flags = 0x40;
	r.req_flags = 0x2000;
	r.in_fault = 1;
	r.fault_dev = DEV_8_1;
	r.fault_addr = 0x7f0000002000ULL;
	r.fault_ino = 77;
	memcpy(r.fault_fstype, "ext4", 5);
	r.nr_held = 2;
	r.nr_stack = 2;
	r.stack[0] = 0xffffffff81234567ULL;
	r.stack[1] = 0xffffffff81000010ULL;
	return r;
}

static struct fl_rec_fault_lock mk_fault_lock(void)
{
	struct fl_rec_fault_lock r;

	memset(&r, 0, sizeof(r));
	fill_hdr(&r.hdr, FL_REC_FAULT_UNDER_LOCK);
	r.lock.number = 12345;
	r.lock.type = 2;
	r.lock.dev = DEV_253_3;
	r.held_ip = 0xffffffff81234567ULL;
	r.addr = 0x7f0000003000ULL;
	r.fault_ino = 77;
	r.fault_dev = DEV_8_1;
	r.fault_flags = 0x41;	/* FAULT_FLAG_WRITE | ... */
	r.gup = 0;
	r.protection = FL_PROT_MAY_DEMOTE;
	r.held_state = 3;	/* SH */
	r.nr_held = 1;
	memcpy(r.fault_fstype, "gfs2", 5);
	r.nr_stack = 1;
	r.stack[0] = 0xffffffff81000010ULL;
	return r;
}

static struct fl_rec_fault_in mk_fault_in(void)
{
	struct fl_rec_fault_in r;

	memset(&r, 0, sizeof(r));
	fill_hdr(&r.hdr, FL_REC_FAULT_IN);
	r.addr = 0x7f0000004000ULL;
	r.size = 8192;
	r.missed = 4096;
	r.latency_ns = 1500;
	r.kind = FL_FI_SAFE_WRITEABLE;
	r.nr_held = 1;
	return r;
}

/* ---- fl_record_type -------------------------------------------------------- */

static void test_record_type_valid(void **state)
{
	struct fl_rec_dio p = mk_dio(FL_REC_DIO_PARTIAL), r = mk_dio(FL_REC_DIO_RETRY);
	struct fl_rec_fault f = mk_fault();
	unsigned char big[sizeof(f) + 64];

	(void)state;
	assert_int_equal(fl_record_type(&p, sizeof(p)), FL_REC_DIO_PARTIAL);
	assert_int_equal(fl_record_type(&r, sizeof(r)), FL_REC_DIO_RETRY);
	assert_int_equal(fl_record_type(&f, sizeof(f)), FL_REC_SAME_FILE_FAULT);
	{
		struct fl_rec_lock l = mk_lock();
		struct fl_rec_fault_lock fl = mk_fault_lock();
		struct fl_rec_fault_in fi = mk_fault_in();

		assert_int_equal(fl_record_type(&l, sizeof(l)), FL_REC_RECURSIVE_LOCK);
		assert_int_equal(fl_record_type(&fl, sizeof(fl)), FL_REC_FAULT_UNDER_LOCK);
		assert_int_equal(fl_record_type(&fi, sizeof(fi)), FL_REC_FAULT_IN);
	}
	/* ring-buffer records may carry padding: longer is fine */
	memset(big, 0xa5, sizeof(big));
	memcpy(big, &f, sizeof(f));
	assert_int_equal(fl_record_type(big, sizeof(big)), FL_REC_SAME_FILE_FAULT);
	memcpy(big, &p, sizeof(p));
	assert_int_equal(fl_record_type(big, sizeof(p) + 8), FL_REC_DIO_PARTIAL);
}

static void test_record_type_truncated(void **state)
{
	struct fl_rec_dio p = mk_dio(FL_REC_DIO_PARTIAL), r = mk_dio(FL_REC_DIO_RETRY);
	struct fl_rec_fault f = mk_fault();
	struct fl_rec_fault dio_as_big = mk_fault();

	(void)state;
	assert_int_equal(fl_record_type(&p, sizeof(p) - 1), -EINVAL);
	assert_int_equal(fl_record_type(&r, sizeof(r) - 1), -EINVAL);
	assert_int_equal(fl_record_type(&f, sizeof(f) - 1), -EINVAL);
	assert_int_equal(fl_record_type(&f, sizeof(struct fl_rec_dio)), -EINVAL);
	assert_int_equal(fl_record_type(&p, sizeof(struct fl_hdr)), -EINVAL);
	assert_int_equal(fl_record_type(&p, sizeof(struct fl_hdr) - 1), -EINVAL);
	assert_int_equal(fl_record_type(&p, 0), -EINVAL);
	assert_int_equal(fl_record_type(NULL, 0), -EINVAL);
	assert_int_equal(fl_record_type(NULL, sizeof(p)), -EINVAL);
	{
		struct fl_rec_lock l = mk_lock();
		struct fl_rec_fault_lock fl = mk_fault_lock();
		struct fl_rec_fault_in fi = mk_fault_in();

		assert_int_equal(fl_record_type(&l, sizeof(l) - 1), -EINVAL);
		assert_int_equal(fl_record_type(&fl, sizeof(fl) - 1), -EINVAL);
		assert_int_equal(fl_record_type(&fi, sizeof(fi) - 1), -EINVAL);
		assert_int_equal(fl_record_type(&fi, sizeof(struct fl_hdr)), -EINVAL);
	}
	/* a fault-typed header on a dio-sized record */
	dio_as_big.hdr.type = FL_REC_SAME_FILE_FAULT;
	assert_int_equal(fl_record_type(&dio_as_big, sizeof(struct fl_rec_dio)), -EINVAL);
}

static void test_record_type_unknown(void **state)
{
	struct fl_rec_fault f = mk_fault();
	const uint32_t bad[] = { 0, FL_REC_TYPE_MAX, FL_REC_TYPE_MAX + 1, 0x7fffffff, 0xffffffff };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f.hdr.type = bad[i];
		assert_int_equal(fl_record_type(&f, sizeof(f)), -EINVAL);
	}
}

static void test_record_type_stack_bound(void **state)
{
	struct fl_rec_fault f = mk_fault();

	(void)state;
	f.nr_stack = FL_MAX_STACK;
	assert_int_equal(fl_record_type(&f, sizeof(f)), FL_REC_SAME_FILE_FAULT);
	f.nr_stack = 0;
	assert_int_equal(fl_record_type(&f, sizeof(f)), FL_REC_SAME_FILE_FAULT);
	f.nr_stack = FL_MAX_STACK + 1;
	assert_int_equal(fl_record_type(&f, sizeof(f)), -EINVAL);
	f.nr_stack = 0xffffffff;
	assert_int_equal(fl_record_type(&f, sizeof(f)), -EINVAL);
}

/* Each record with a stack checks its own nr_stack (at its own offset). */
static void test_record_type_stack_bound_lock_records(void **state)
{
	struct fl_rec_lock l = mk_lock();
	struct fl_rec_fault_lock fl = mk_fault_lock();

	(void)state;
	l.nr_stack = FL_MAX_STACK;
	assert_int_equal(fl_record_type(&l, sizeof(l)), FL_REC_RECURSIVE_LOCK);
	l.nr_stack = FL_MAX_STACK + 1;
	assert_int_equal(fl_record_type(&l, sizeof(l)), -EINVAL);
	fl.nr_stack = FL_MAX_STACK;
	assert_int_equal(fl_record_type(&fl, sizeof(fl)), FL_REC_FAULT_UNDER_LOCK);
	fl.nr_stack = 0x80000000u;
	assert_int_equal(fl_record_type(&fl, sizeof(fl)), -EINVAL);
	/* the other fields at those offsets do not matter */
	fl.nr_stack = 0;
	fl.pad2 = 0xffffffff;
	fl.nr_held = 0xffffffff;
	assert_int_equal(fl_record_type(&fl, sizeof(fl)), FL_REC_FAULT_UNDER_LOCK);
	l.nr_stack = 0;
	l.nr_held = 0xffffffff;
	assert_int_equal(fl_record_type(&l, sizeof(l)), FL_REC_RECURSIVE_LOCK);
}

/* Every type below FL_REC_TYPE_MAX has a name (a table entry): none is accepted blindly. */
static void test_every_abi_type_known(void **state)
{
	(void)state;
	for (int t = 1; t < FL_REC_TYPE_MAX; t++) {
		assert_non_null(fl_record_type_name(t));
		assert_string_not_equal(fl_record_type_name(t), "unknown");
		static const struct fl_rec_order zero_order;

		assert_true(fl_record_severity(&zero_order, t) < FL_SEV_MAX);
	}
}

static void test_type_and_severity_names(void **state)
{
	(void)state;
	assert_string_equal(fl_record_type_name(FL_REC_DIO_PARTIAL), "dio_partial");
	assert_string_equal(fl_record_type_name(FL_REC_DIO_RETRY), "dio_retry");
	assert_string_equal(fl_record_type_name(FL_REC_SAME_FILE_FAULT), "same_file_fault");
	assert_string_equal(fl_record_type_name(FL_REC_RECURSIVE_LOCK), "recursive_lock");
	assert_string_equal(fl_record_type_name(FL_REC_FAULT_UNDER_LOCK), "fault_under_lock");
	assert_string_equal(fl_record_type_name(FL_REC_FAULT_IN), "fault_in");
	assert_string_equal(fl_record_type_name(0), "unknown");
	assert_string_equal(fl_record_type_name(FL_REC_TYPE_MAX), "unknown");
	assert_string_equal(fl_record_type_name(-EINVAL), "unknown");
	struct fl_rec_order any = { .conflict = 1 }, compatible = { .conflict = 0 };

	assert_int_equal(fl_record_severity(&any, FL_REC_DIO_PARTIAL), FL_SEV_INFO);
	assert_int_equal(fl_record_severity(&any, FL_REC_DIO_RETRY), FL_SEV_INFO);
	assert_int_equal(fl_record_severity(&any, FL_REC_SAME_FILE_FAULT), FL_SEV_INFO);
	assert_int_equal(fl_record_severity(&any, FL_REC_RECURSIVE_LOCK), FL_SEV_ERROR);
	assert_int_equal(fl_record_severity(&any, FL_REC_FAULT_UNDER_LOCK), FL_SEV_WARNING);
	assert_int_equal(fl_record_severity(&any, FL_REC_FAULT_IN), FL_SEV_INFO);
	assert_int_equal(fl_record_severity(&any, 0), FL_SEV_WARNING);
	assert_int_equal(fl_record_severity(&any, FL_REC_TYPE_MAX), FL_SEV_WARNING);
	assert_string_equal(fl_record_type_name(FL_REC_LOCK_ORDER), "lock_order");
	assert_int_equal(fl_record_severity(&any, FL_REC_LOCK_ORDER), FL_SEV_WARNING);
	assert_int_equal(fl_record_severity(&compatible, FL_REC_LOCK_ORDER), FL_SEV_INFO);
	assert_string_equal(fl_severity_name(FL_SEV_ERROR), "error");
	assert_string_equal(fl_severity_name(FL_SEV_WARNING), "warning");
	assert_string_equal(fl_severity_name(FL_SEV_INFO), "info");
	assert_string_equal(fl_severity_name(FL_SEV_MAX), "?");
	assert_string_equal(fl_severity_name((enum fl_severity)77), "?");
}

static void test_format_dev(void **state)
{
	char buf[24];

	(void)state;
	fl_format_dev(DEV_253_3, buf, sizeof(buf));
	assert_string_equal(buf, "253:3");
	fl_format_dev(DEV_8_1, buf, sizeof(buf));
	assert_string_equal(buf, "8:1");
	fl_format_dev(0, buf, sizeof(buf));
	assert_string_equal(buf, "0:0");
	/* minor is 20 bits, major 12 */
	fl_format_dev((1u << 20) | 0xfffff, buf, sizeof(buf));
	assert_string_equal(buf, "1:1048575");
	fl_format_dev(0xffffffffu, buf, sizeof(buf));
	assert_string_equal(buf, "4095:1048575");
	/* a short buffer truncates, NUL-terminated */
	memset(buf, 'x', sizeof(buf));
	fl_format_dev(DEV_253_3, buf, 3);
	assert_string_equal(buf, "25");
	assert_int_equal(buf[3], 'x');
}

/* ---- event lines: JSON ------------------------------------------------------ */

static void test_json_dio_partial_short(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_dio r = mk_dio(FL_REC_DIO_PARTIAL);

	fx->o.json = true;
	assert_int_equal(fl_output_record(&fx->o, &r, sizeof(r)), FL_REC_DIO_PARTIAL);
	assert_string_equal(out(fx),
		"{\"type\":\"dio_partial\",\"ts\":2500000000,\"pid\":42,\"tid\":43,\"comm\":\"fl-mmapio\","
		"\"severity\":\"info\",\"events\":1,\"fstype\":\"gfs2\",\"dev\":\"253:3\",\"ino\":12,\"op\":\"write\","
		"\"pos\":4096,\"count\":8192,\"done_before\":4096,\"ret\":6144,\"reason\":\"short\","
		"\"nofault\":true}\n");
	assert_true(jc_is_line(out(fx)));
	assert_int_equal(fx->o.findings[FL_SEV_INFO], 1);
}

static void test_json_dio_partial_efault(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_dio r = mk_dio(FL_REC_DIO_PARTIAL);
	const char *line;

	r.reason = FL_PARTIAL_EFAULT;
	r.ret = -EFAULT;
	r.op = FL_OP_READ;
	r.nofault = 0;
	r.pos = -1;	/* signed: printed as such */
	fx->o.json = true;
	assert_int_equal(fl_output_record(&fx->o, &r, sizeof(r)), FL_REC_DIO_PARTIAL);
	line = out(fx);
	assert_true(jc_is_line(line));
	assert_json_keys(line, "", HDR_KEYS "severity,events,fstype,dev,ino,op,pos,count,done_before,ret,"
			 "reason,nofault");
	assert_json(line, "reason", "\"efault\"");
	assert_json(line, "ret", "-14");
	assert_json(line, "op", "\"read\"");
	assert_json(line, "pos", "-1");
	assert_json(line, "nofault", "false");
}

static void test_json_dio_retry(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_dio r = mk_dio(FL_REC_DIO_RETRY);
	const char *line;

	fx->o.json = true;
	assert_int_equal(fl_output_record(&fx->o, &r, sizeof(r)), FL_REC_DIO_RETRY);
	assert_string_equal(out(fx),
		"{\"type\":\"dio_retry\",\"ts\":2500000000,\"pid\":42,\"tid\":43,\"comm\":\"fl-mmapio\","
		"\"severity\":\"info\",\"events\":1,\"fstype\":\"gfs2\",\"dev\":\"253:3\",\"ino\":12,\"op\":\"write\","
		"\"pos\":4096,\"count\":8192,\"done_before\":4096,\"after_partial\":true,"
		"\"nofault\":true}\n");

	/* done_before alone is not "after a partial result" */
	reset(fx);
	r.reason = FL_RETRY_DONE_BEFORE;
	r.nofault = 0;
	assert_int_equal(fl_output_record(&fx->o, &r, sizeof(r)), FL_REC_DIO_RETRY);
	line = out(fx);
	assert_true(jc_is_line(line));
	assert_json(line, "after_partial", "false");
	assert_json(line, "nofault", "false");
	assert_json(line, "ret", "<missing>");
	assert_json(line, "reason", "<missing>");
	reset(fx);
	r.reason = FL_RETRY_AFTER_PARTIAL;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_json(out(fx), "after_partial", "true");
	assert_int_equal(fx->o.findings[FL_SEV_INFO], 3);
}

static void test_json_same_file_fault(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_fault r = mk_fault();

	fx->o.json = true;
	assert_int_equal(fl_output_record(&fx->o, &r, sizeof(r)), FL_REC_SAME_FILE_FAULT);
	assert_string_equal(out(fx),
		"{\"type\":\"same_file_fault\",\"ts\":2500000000,\"pid\":42,\"tid\":43,"
		"\"comm\":\"fl-mmapio\",\"severity\":\"info\",\"events\":1,\"fstype\":\"gfs2\",\"dev\":\"8:1\","
		"\"ino\":12,\"op\":\"read\",\"address\":\"0x7f0000001000\",\"pgoff\":1,"
		"\"access\":\"write\",\"ip\":\"0xffffffff81234567\",\"pagefault_disabled\":true}\n");
}

static void test_json_same_file_fault_access_bit(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_fault r = mk_fault();
	const struct { uint64_t ec; const char *access; } cases[] = {
		{ 0x0, "\"read\"" }, { 0x4, "\"read\"" }, { 0x1, "\"read\"" },
		{ 0x2, "\"write\"" }, { 0x6, "\"write\"" }, { ~0ULL, "\"write\"" },
	};

	fx->o.json = true;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reset(fx);
		r.error_code = cases[i].ec;
		r.pagefault_disabled = 0;
		r.addr = 0;
		fl_output_record(&fx->o, &r, sizeof(r));
		assert_json(out(fx), "access", cases[i].access);
		assert_json(out(fx), "address", "\"0x0\"");
		assert_json(out(fx), "pagefault_disabled", "false");
	}
}

static void test_json_same_file_fault_stacks(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_fault r = mk_fault();
	const char *line;

	fx->o.json = true;
	fx->o.stacks = true;
	fl_output_record(&fx->o, &r, sizeof(r));
	line = out(fx);
	assert_true(jc_is_line(line));
	assert_json_keys(line, "", HDR_KEYS "severity,events,fstype,dev,ino,op,address,pgoff,access,ip,"
			 "pagefault_disabled,stack");
	assert_json(line, "stack", "[\"0xffffffff81234567\",\"0xffffffff81000010\"]");

	reset(fx);
	r.nr_stack = 0;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_json(out(fx), "stack", "[]");

	/* all FL_MAX_STACK frames, none beyond */
	reset(fx);
	r.nr_stack = FL_MAX_STACK;
	for (int i = 0; i < FL_MAX_STACK; i++)
		r.stack[i] = 0x1000 + i;
	fl_output_record(&fx->o, &r, sizeof(r));
	line = out(fx);
	assert_true(jc_is_line(line));
	assert_non_null(strstr(line, "\"stack\":[\"0x1000\",\"0x1001\","));
	assert_non_null(strstr(line, ",\"0x101f\"]}"));
	assert_null(strstr(line, "0x1020"));

	/* stacks off: no key at all */
	reset(fx);
	fx->o.stacks = false;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_json(out(fx), "stack", "<missing>");
}

static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81234000 T handle_mm_fault\n"
	"ffffffff81235000 t next_fn\n";

static void test_json_same_file_fault_symbolized(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_fault r = mk_fault();
	char *path = write_tmp(kallsyms);

	fx->o.ksyms = fl_ksyms__load(path);
	unlink(path);
	free(path);
	assert_non_null(fx->o.ksyms);
	fx->o.json = true;
	fx->o.stacks = true;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_true(jc_is_line(out(fx)));
	assert_json(out(fx), "ip", "\"handle_mm_fault+0x567/0x1000\"");
	assert_json(out(fx), "stack", "[\"handle_mm_fault+0x567/0x1000\",\"_stext+0x10/0x234000\"]");

	/* text mode: symbolized "from" and one frame per line */
	reset(fx);
	fx->o.json = false;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_string_equal(out(fx),
		"    1.500000 info    same_file_fault  fl-mmapio[42/43] gfs2 8:1 ino 12: write fault at "
		"0x7f0000001000 (file page 1) during direct read, from handle_mm_fault+0x567/0x1000 "
		"with page faults disabled\n"
		"                 handle_mm_fault+0x567/0x1000\n"
		"                 _stext+0x10/0x234000\n");
	fl_ksyms__free((struct fl_ksyms *)fx->o.ksyms);
	fx->o.ksyms = NULL;
}

/* The BPF program and its trampoline atop every stack are faultlock's own:
 * left out, in JSON and text; a bpf-named frame further down stays. */
static void test_stack_leaves_out_bpf_frames(void **state)
{
	static const char syms[] =
		"ffffffff81000000 T _stext\n"
		"ffffffff81234000 T handle_mm_fault\n"
		"ffffffff81235000 t next_fn\n"
		"ffffffffc0001000 t bpf_prog_608c96ab11999f28_fexit_glock_nq\t[bpf]\n"
		"ffffffffc0002000 t bpf_trampoline_6442522477\t[bpf]\n";
	struct fixture *fx = *state;
	struct fl_rec_lock r = mk_lock();
	char *path = write_tmp(syms);

	fx->o.ksyms = fl_ksyms__load(path);
	unlink(path);
	free(path);
	assert_non_null(fx->o.ksyms);
	r.stack[0] = 0xffffffffc0001010ULL;
	r.stack[1] = 0xffffffffc0002010ULL;
	r.stack[2] = 0xffffffff81234567ULL;
	r.stack[3] = 0xffffffffc0001020ULL;
	r.nr_stack = 4;
	fx->o.json = true;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_json(out(fx), "stack", "[\"handle_mm_fault+0x567/0x1000\",\"bpf_prog_608c96ab11999f28_fexit_glock_nq+0x20/0x1000 [bpf]\"]");
	reset(fx);
	fx->o.json = false;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_null(strstr(out(fx), "bpf_trampoline"));
	assert_non_null(strstr(out(fx), "                 handle_mm_fault+0x567/0x1000\n"));

	/* Mid-stack, an fentry trampoline of handle_mm_fault and the patched
	 * entry it returns to are left out; the real caller below stays. */
	r.stack[0] = 0xffffffff81234567ULL;	/* handle_mm_fault+0x567 */
	r.stack[1] = 0xffffffffc0002010ULL;	/* bpf_trampoline_... */
	r.stack[2] = 0xffffffff81234005ULL;	/* handle_mm_fault+0x5 */
	r.stack[3] = 0xffffffff81235010ULL;	/* next_fn+0x10 */
	r.stack[4] = 0xffffffff81234005ULL;	/* handle_mm_fault+0x5 with no trampoline above: kept */
	r.nr_stack = 5;
	reset(fx);
	fx->o.json = true;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_json(out(fx), "stack", "[\"handle_mm_fault+0x567/0x1000\",\"next_fn+0x10/0x3edcc000\",\"handle_mm_fault+0x5/0x1000\"]");
	fl_ksyms__free((struct fl_ksyms *)fx->o.ksyms);
	fx->o.ksyms = NULL;
}

/* btrfs: the range a direct I/O holds, asked for again from its fault. */
static void test_range_recursive_lock(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_lock r = mk_lock();
	const char *line;

	r.provider = FL_LOCK_BTRFS_EXTENT;
	r.lock.type = 0;
	r.lock.number = 257;
	r.range.root = 5;
	r.range.held_start = 0;
	r.range.held_end = 4095;
	r.range.req_start = 0;
	r.range.req_end = 8191;
	r.range.bits = 4;
	r.range.nr_held_stack = 1;
	r.range.held_stack[0] = 0xffffffff81000020ULL;
	fx->o.json = true;
	assert_int_equal(fl_output_record(&fx->o, &r, sizeof(r)), FL_REC_RECURSIVE_LOCK);
	line = out(fx);
	assert_true(jc_is_line(line));
	assert_json(line, "severity", "\"error\"");
	assert_json(line, "lock", "\"extent:5:257:0+4096\"");
	assert_json(line, "provider", "\"btrfs_extent\"");
	assert_json(line, "lock_type", "null");
	assert_json(line, "ino", "257");
	assert_json(line, "root", "5");
	assert_json(line, "held_range", "{\"start\":0,\"end\":4095}");
	assert_json(line, "requested_range", "{\"start\":0,\"end\":8191}");
	assert_json(line, "file", "{\"fstype\":\"btrfs\",\"dev\":\"253:3\",\"ino\":257}");
	assert_json(line, "held_stack", "[\"0xffffffff81000020\"]");
	assert_json(line, "stack", "[\"0xffffffff81234567\",\"0xffffffff81000010\"]");
	assert_int_equal(fx->o.findings[FL_SEV_ERROR], 1);

	reset(fx);
	fx->o.json = false;
	r.provider = FL_LOCK_BTRFS_ORDERED;
	fl_output_record(&fx->o, &r, sizeof(r));
	line = out(fx);
	assert_non_null(strstr(line, "btrfs 253:3 ino 257 (root 5): bytes 0-8191 waited for again from inside "
				     "a page fault at 0x7f0000002000"));
	assert_non_null(strstr(line, "held range taken at:\n"));

	/* malformed: an unknown provider, a backwards range, too many frames */
	reset(fx);
	r.provider = FL_LOCK_KINDS;
	assert_int_equal(fl_output_record(&fx->o, &r, sizeof(r)), -EINVAL);
	r.provider = FL_LOCK_BTRFS_EXTENT;
	r.range.held_end = 0;
	r.range.held_start = 1;
	assert_int_equal(fl_output_record(&fx->o, &r, sizeof(r)), -EINVAL);
	r.range.held_start = 0;
	r.range.nr_held_stack = FL_HELD_STACK + 1;
	assert_int_equal(fl_output_record(&fx->o, &r, sizeof(r)), -EINVAL);
	assert_string_equal(out(fx), "");
}

static void test_json_recursive_lock(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_lock r = mk_lock();
	const char *line;

	fx->o.json = true;
	assert_int_equal(fl_output_record(&fx->o, &r, sizeof(r)), FL_REC_RECURSIVE_LOCK);
	assert_string_equal(out(fx),
		"{\"type\":\"recursive_lock\",\"ts\":2500000000,\"pid\":42,\"tid\":43,"
		"\"comm\":\"fl-mmapio\",\"severity\":\"error\",\"lock\":\"2:12345\","
		"\"provider\":\"gfs2\",\"lock_type\":2,\"dev\":\"253:3\",\"ino\":12345,"
		"\"held_state\":\"EX\",\"requested_state\":\"SH\",\"held_flags\":64,"
		"\"requested_flags\":8192,\"kernel_outcome\":\"bug\",\"held_site\":\"0xffffffff81234567\","
		"\"requested_site\":\"0xffffffff81000010\",\"held_locks\":2,\"in_fault\":true,"
		"\"fault_address\":\"0x7f0000002000\","
		"\"fault_file\":{\"fstype\":\"ext4\",\"dev\":\"8:1\",\"ino\":77},"
		"\"stack\":[\"0xffffffff81234567\",\"0xffffffff81000010\"]}\n");
	assert_int_equal(fx->o.findings[FL_SEV_ERROR], 1);

	/* not in a fault, not an inode glock, unknown lock states */
	reset(fx);
	r.in_fault = 0;
	r.lock.type = 1;
	r.held_state = 0;
	r.req_state = 9;
	r.nr_stack = 0;
	fl_output_record(&fx->o, &r, sizeof(r));
	line = out(fx);
	assert_true(jc_is_line(line));
	assert_json(line, "in_fault", "false");
	assert_json(line, "fault_address", "null");
	assert_json(line, "fault_file", "null");
	assert_json(line, "ino", "null");
	assert_json(line, "lock", "\"1:12345\"");
	assert_json(line, "held_state", "\"UN\"");
	assert_json(line, "requested_state", "\"??\"");
	assert_json(line, "stack", "[]");

	/* a TRY request (LM_FLAG_TRY_1CB): the kernel may fail it instead */
	reset(fx);
	r.req_flags = 8192 | 0x2;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_json(out(fx), "kernel_outcome", "\"bug_unless_try_fails\"");
	r.req_flags = 8192;

	/* in a fault on an anonymous mapping: address, no file */
	reset(fx);
	r.in_fault = 1;
	r.fault_ino = 0;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_json(out(fx), "fault_address", "\"0x7f0000002000\"");
	assert_json(out(fx), "fault_file", "null");
}

static void test_text_recursive_lock(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_lock r = mk_lock();

	fl_output_record(&fx->o, &r, sizeof(r));
	assert_string_equal(out(fx),
		"    1.500000 error   recursive_lock   fl-mmapio[42/43] gfs2 glock 2:12345 (dev 253:3) "
		"requested SH, already held EX since 0xffffffff81234567; inside a page fault at "
		"0x7f0000002000 on ext4 8:1 ino 77\n"
		"                 new request from 0xffffffff81000010:\n"
		"                 0xffffffff81234567\n"
		"                 0xffffffff81000010\n");

	reset(fx);
	r.in_fault = 0;
	r.nr_stack = 0;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_string_equal(out(fx),
		"    1.500000 error   recursive_lock   fl-mmapio[42/43] gfs2 glock 2:12345 (dev 253:3) "
		"requested SH, already held EX since 0xffffffff81234567\n"
		"                 new request from 0xffffffff81000010:\n");

	reset(fx);
	r.req_flags |= 0x1;	/* LM_FLAG_TRY */
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_non_null(strstr(out(fx), "already held EX since 0xffffffff81234567; a TRY request: "
			       "the kernel BUG()s unless the try fails first\n"));
}

/* fl-abba[42/43] holds 2:32858 EX and asks for 2:32859 SH in a fault; fl-abba[42/44] did the reverse. */
static struct fl_rec_order mk_order(void)
{
	struct fl_rec_order r;

	memset(&r, 0, sizeof(r));
	fill_hdr(&r.hdr, FL_REC_LOCK_ORDER);
	memcpy(r.hdr.comm, "fl-abba", sizeof("fl-abba"));
	r.held = (struct fl_lock_id){ .number = 32858, .type = 2, .dev = (253 << 20) | 3 };
	r.req = (struct fl_lock_id){ .number = 32859, .type = 2, .dev = (253 << 20) | 3 };
	r.conflict = 1;
	r.nr_held = 1;
	r.first = (struct fl_order_side){ .pid = 42, .tid = 44, .comm = "fl-abba", .ts = 2000000000ULL,
					  .count = 1, .held_ip = 0xffffffff81000100ULL,
					  .req_ip = 0xffffffff81000200ULL, .held_state = 1, .req_state = 3,
					  .modes = FL_ORDER_MODE_BIT(1, 3), .in_fault = 1 };
	r.second = (struct fl_order_side){ .pid = 42, .tid = 43, .comm = "fl-abba", .ts = 2500000000ULL,
					   .count = 1, .held_ip = 0xffffffff81000300ULL,
					   .req_ip = 0xffffffff81000400ULL, .held_state = 1, .req_state = 3,
					   .modes = FL_ORDER_MODE_BIT(1, 3), .in_fault = 1 };
	r.fault_addr = 0x7f0000004000ULL;
	r.fault_ino = 32859;
	r.fault_dev = (253 << 20) | 3;
	r.first_nr_stack = 1;
	r.first_stack[0] = 0xffffffff81000200ULL;
	r.nr_stack = 2;
	r.stack[0] = 0xffffffff81000400ULL;
	r.stack[1] = 0xffffffff81000010ULL;
	return r;
}

static void test_lock_order(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_order r = mk_order();
	const char *line;

	fx->o.json = true;
	assert_int_equal(fl_output_record(&fx->o, &r, sizeof(r)), FL_REC_LOCK_ORDER);
	line = out(fx);
	assert_true(jc_is_line(line));
	assert_json_keys(line, "", "type,ts,pid,tid,comm,severity,lock,requested_lock,provider,lock_type,dev,"
			 "inodes,conflict,first,second,held_locks,fault_address,fault_file");
	assert_json(line, "provider", "\"gfs2\"");
	assert_json(line, "lock_type", "\"glock\"");
	assert_json(line, "severity", "\"warning\"");
	assert_json(line, "lock", "\"2:32858\"");
	assert_json(line, "requested_lock", "\"2:32859\"");
	assert_json(line, "inodes", "[32858,32859]");
	assert_json(line, "conflict", "true");
	assert_json_keys(line, "first", "pid,tid,comm,holds,held_state,held_site,requests,requested_state,"
			 "requested_site,in_fault,times,stack");
	assert_json(line, "first.tid", "44");
	assert_json(line, "first.holds", "\"2:32859\"");
	assert_json(line, "first.requests", "\"2:32858\"");
	assert_json(line, "first.held_state", "\"EX\"");
	assert_json(line, "first.requested_state", "\"SH\"");
	assert_json(line, "first.held_site", "\"0xffffffff81000100\"");
	assert_json(line, "first.stack", "[\"0xffffffff81000200\"]");
	assert_json(line, "second.tid", "43");
	assert_json(line, "second.holds", "\"2:32858\"");
	assert_json(line, "second.requests", "\"2:32859\"");
	assert_json(line, "second.requested_site", "\"0xffffffff81000400\"");
	assert_json(line, "second.stack", "[\"0xffffffff81000400\",\"0xffffffff81000010\"]");
	assert_json(line, "fault_address", "\"0x7f0000004000\"");
	assert_json(line, "fault_file", "{\"fstype\":\"gfs2\",\"dev\":\"253:3\",\"ino\":32859}");
	assert_int_equal(fx->o.findings[FL_SEV_WARNING], 1);

	reset(fx);
	fx->o.json = false;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_non_null(strstr(out(fx), "warning lock_order       fl-abba[42/43] gfs2 glocks 2:32858 and 2:32859 "
			       "(dev 253:3) taken in opposite orders: this task holds 2:32858 EX (since "
			       "0xffffffff81000300) and asks for 2:32859 SH in a page fault; fl-abba[42/44] held "
			       "2:32859 EX and asked for 2:32858 SH in a page fault. At the same moment they wait "
			       "for each other for good.\n"));
	assert_non_null(strstr(out(fx), "fl-abba[44]'s request, from 0xffffffff81000200:\n"
			       "                 0xffffffff81000200\n"));

	/* compatible on one lock: info, and printed whole through the info
	 * aggregator too (the record is bigger than what it holds) */
	reset(fx);
	fx->o.json = true;
	r.conflict = 0;
	assert_int_equal(fl_output_aggregate(&fx->o), 0);
	fl_output_record(&fx->o, &r, sizeof(r));
	fl_output_flush(&fx->o, UINT64_MAX);
	assert_true(jc_is_line(out(fx)));
	assert_json(out(fx), "severity", "\"info\"");
	assert_json(out(fx), "conflict", "false");
	assert_json(out(fx), "second.stack", "[\"0xffffffff81000400\",\"0xffffffff81000010\"]");
	fl_agg_free(fx->o.agg);
	fx->o.agg = NULL;

	/* a held stack longer than the record has room for: malformed */
	r.first_nr_stack = FL_HELD_STACK + 1;
	assert_int_equal(fl_record_type(&r, sizeof(r)), -EINVAL);
	r.first_nr_stack = 0;
	r.conflict = 2;
	assert_int_equal(fl_record_type(&r, sizeof(r)), -EINVAL);
}

/* btrfs: inodes 258 and 259 of subvolume 5, each task's direct I/O holding
 * a range of one and its fault asking for one of the other; no modes. */
static void test_lock_order_btrfs(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_order r = mk_order();
	const char *line;

	r.held = (struct fl_lock_id){ .number = 258, .type = FL_ORDER_TYPE_BTRFS | 5, .dev = 26 };
	r.req = (struct fl_lock_id){ .number = 259, .type = FL_ORDER_TYPE_BTRFS | 5, .dev = 26 };
	r.first.held_state = r.first.req_state = r.second.held_state = r.second.req_state = 0;
	r.first.held_ip = 0;
	r.fault_ino = 259;
	r.fault_dev = 26;
	fx->o.json = true;
	assert_int_equal(fl_output_record(&fx->o, &r, sizeof(r)), FL_REC_LOCK_ORDER);
	line = out(fx);
	assert_true(jc_is_line(line));
	assert_json(line, "severity", "\"warning\"");
	assert_json(line, "lock", "\"extent:5:258\"");
	assert_json(line, "requested_lock", "\"extent:5:259\"");
	assert_json(line, "provider", "\"btrfs\"");
	assert_json(line, "lock_type", "\"btrfs_extent\"");
	assert_json(line, "dev", "\"0:26\"");
	assert_json(line, "inodes", "[258,259]");
	assert_json(line, "first.holds", "\"extent:5:259\"");
	assert_json(line, "first.held_state", "null");
	assert_json(line, "first.held_site", "null");
	assert_json(line, "first.requested_state", "null");
	assert_json(line, "second.held_site", "\"0xffffffff81000300\"");
	assert_json(line, "fault_file", "{\"fstype\":\"btrfs\",\"dev\":\"0:26\",\"ino\":259}");

	reset(fx);
	fx->o.json = false;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_non_null(strstr(out(fx), "warning lock_order       fl-abba[42/43] btrfs extent ranges of extent:5:258 "
			       "and extent:5:259 (dev 0:26) taken in opposite orders: this task's direct I/O holds "
			       "a range of extent:5:258 (from 0xffffffff81000300) and its fault asks for one of "
			       "extent:5:259; fl-abba[42/44] held one of extent:5:259 and asked for one of "
			       "extent:5:258 in a page fault. At the same moment they wait for each other for good.\n"));
}

static void test_json_fault_under_lock(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_fault_lock r = mk_fault_lock();
	const char *line;

	fx->o.json = true;
	assert_int_equal(fl_output_record(&fx->o, &r, sizeof(r)), FL_REC_FAULT_UNDER_LOCK);
	assert_string_equal(out(fx),
		"{\"type\":\"fault_under_lock\",\"ts\":2500000000,\"pid\":42,\"tid\":43,"
		"\"comm\":\"fl-mmapio\",\"severity\":\"warning\",\"lock\":\"2:12345\","
		"\"provider\":\"gfs2\",\"lock_type\":2,\"dev\":\"253:3\",\"ino\":12345,"
		"\"held_state\":\"SH\",\"held_site\":\"0xffffffff81234567\",\"held_locks\":1,"
		"\"address\":\"0x7f0000003000\",\"access\":\"write\",\"fault_flags\":65,"
		"\"gup\":false,\"protection\":\"may_demote\","
		"\"fault_file\":{\"fstype\":\"gfs2\",\"dev\":\"8:1\",\"ino\":77}}\n");
	assert_int_equal(fx->o.findings[FL_SEV_WARNING], 1);

	reset(fx);
	fx->o.stacks = true;
	r.fault_flags = 0x40;
	r.gup = 1;
	r.protection = FL_PROT_NONE;
	r.fault_ino = 0;
	fl_output_record(&fx->o, &r, sizeof(r));
	line = out(fx);
	assert_true(jc_is_line(line));
	assert_json(line, "access", "\"read\"");
	assert_json(line, "gup", "true");
	assert_json(line, "protection", "\"none\"");
	assert_json(line, "fault_file", "null");
	assert_json(line, "stack", "[\"0xffffffff81000010\"]");
	reset(fx);
	r.protection = 77;	/* unknown protection reads as none */
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_json(out(fx), "protection", "\"none\"");
}

static void test_text_fault_under_lock(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_fault_lock r = mk_fault_lock();

	fl_output_record(&fx->o, &r, sizeof(r));
	assert_string_equal(out(fx),
		"    1.500000 warning fault_under_lock fl-mmapio[42/43] write fault at 0x7f0000003000 "
		"while holding gfs2 glock 2:12345 (dev 253:3) SH from 0xffffffff81234567, "
		"protection may_demote; maps gfs2 8:1 ino 77\n");

	reset(fx);
	fx->o.stacks = true;
	r.fault_flags = 0;
	r.gup = 1;
	r.protection = FL_PROT_NONE;
	r.fault_ino = 0;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_string_equal(out(fx),
		"    1.500000 warning fault_under_lock fl-mmapio[42/43] read fault at 0x7f0000003000 "
		"(get_user_pages) while holding gfs2 glock 2:12345 (dev 253:3) SH from "
		"0xffffffff81234567, protection none\n"
		"                 0xffffffff81000010\n");
}

static void test_json_fault_in(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_fault_in r = mk_fault_in();
	static const char *const kinds[] = { "\"readable\"", "\"writeable\"",
					     "\"safe_writeable\"", "\"unknown\"" };

	fx->o.json = true;
	assert_int_equal(fl_output_record(&fx->o, &r, sizeof(r)), FL_REC_FAULT_IN);
	assert_string_equal(out(fx),
		"{\"type\":\"fault_in\",\"ts\":2500000000,\"pid\":42,\"tid\":43,"
		"\"comm\":\"fl-mmapio\",\"severity\":\"info\",\"events\":1,\"kind\":\"safe_writeable\","
		"\"address\":\"0x7f0000004000\",\"size\":8192,\"not_faulted_in\":4096,"
		"\"latency_ns\":1500,\"held_locks\":1}\n");
	for (uint32_t k = 0; k < 4; k++) {
		reset(fx);
		r.kind = k == 3 ? 0xffffffff : k;
		fl_output_record(&fx->o, &r, sizeof(r));
		assert_json(out(fx), "kind", kinds[k]);
	}
}

static void test_text_fault_in(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_fault_in r = mk_fault_in();

	fl_output_record(&fx->o, &r, sizeof(r));
	assert_string_equal(out(fx),
		"    1.500000 info    fault_in         fl-mmapio[42/43] fault_in_safe_writeable("
		"0x7f0000004000, 8192): 4096 bytes not faulted in, 1.5 us (holding a glock)\n");
	reset(fx);
	r.kind = FL_FI_READABLE;
	r.nr_held = 0;
	r.missed = 0;
	r.latency_ns = 250;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_string_equal(out(fx),
		"    1.500000 info    fault_in         fl-mmapio[42/43] fault_in_readable("
		"0x7f0000004000, 8192): 0 bytes not faulted in, 0.2 us\n");
}

/* Every JSON line: valid, header first, in the contract's order. */
static void test_json_every_type_has_header(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_dio p = mk_dio(FL_REC_DIO_PARTIAL), r = mk_dio(FL_REC_DIO_RETRY);
	struct fl_rec_fault f = mk_fault();
	struct fl_rec_lock l = mk_lock();
	struct fl_rec_fault_lock fl = mk_fault_lock();
	struct fl_rec_fault_in fi = mk_fault_in();
	const void *recs[] = { &p, &r, &f, &l, &fl, &fi };
	const size_t sizes[] = { sizeof(p), sizeof(r), sizeof(f), sizeof(l), sizeof(fl), sizeof(fi) };
	const char *types[] = { "\"dio_partial\"", "\"dio_retry\"", "\"same_file_fault\"",
				"\"recursive_lock\"", "\"fault_under_lock\"", "\"fault_in\"" };
	char keys[1024];

	fx->o.json = true;
	for (int s = 0; s < 2; s++) {
		fx->o.stacks = s;
		for (int i = 0; i < 6; i++) {
			const char *line;

			reset(fx);
			fl_output_record(&fx->o, recs[i], sizes[i]);
			line = out(fx);
			assert_true(jc_is_line(line));
			jc_keys(line, "", keys, sizeof(keys));
			assert_memory_equal(keys, HDR_KEYS, strlen(HDR_KEYS));
			assert_json(line, "type", types[i]);
			assert_json(line, "ts", "2500000000");
			assert_json(line, "pid", "42");
			assert_json(line, "tid", "43");
			assert_json(line, "comm", "\"fl-mmapio\"");
		}
	}
}

/* ---- event lines: text ------------------------------------------------------ */

static void test_text_dio_partial(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_dio r = mk_dio(FL_REC_DIO_PARTIAL);

	assert_int_equal(fl_output_record(&fx->o, &r, sizeof(r)), FL_REC_DIO_PARTIAL);
	assert_string_equal(out(fx),
		"    1.500000 info    dio_partial      fl-mmapio[42/43] gfs2 253:3 ino 12 write pos 4096: "
		"6144 of 12288 bytes (short), nofault\n");

	reset(fx);
	r.reason = FL_PARTIAL_EFAULT;
	r.op = FL_OP_READ;
	r.nofault = 0;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_string_equal(out(fx),
		"    1.500000 info    dio_partial      fl-mmapio[42/43] gfs2 253:3 ino 12 read pos 4096: "
		"-EFAULT after 4096 of 12288 bytes\n");
}

static void test_text_dio_retry(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_dio r = mk_dio(FL_REC_DIO_RETRY);

	fl_output_record(&fx->o, &r, sizeof(r));
	assert_string_equal(out(fx),
		"    1.500000 info    dio_retry        fl-mmapio[42/43] gfs2 253:3 ino 12 write pos 4096: "
		"resumes with 4096 bytes done, 8192 to go (after a partial result), nofault\n");

	reset(fx);
	r.reason = FL_RETRY_DONE_BEFORE;
	r.nofault = 0;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_string_equal(out(fx),
		"    1.500000 info    dio_retry        fl-mmapio[42/43] gfs2 253:3 ino 12 write pos 4096: "
		"resumes with 4096 bytes done, 8192 to go\n");
}

static void test_text_same_file_fault(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_fault r = mk_fault();

	fl_output_record(&fx->o, &r, sizeof(r));
	assert_string_equal(out(fx),
		"    1.500000 info    same_file_fault  fl-mmapio[42/43] gfs2 8:1 ino 12: write fault at "
		"0x7f0000001000 (file page 1) during direct read, from 0xffffffff81234567 "
		"with page faults disabled\n");

	reset(fx);
	fx->o.stacks = true;
	r.error_code = 0x4;
	r.pagefault_disabled = 0;
	r.op = FL_OP_WRITE;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_string_equal(out(fx),
		"    1.500000 info    same_file_fault  fl-mmapio[42/43] gfs2 8:1 ino 12: read fault at "
		"0x7f0000001000 (file page 1) during direct write, from 0xffffffff81234567\n"
		"                 0xffffffff81234567\n"
		"                 0xffffffff81000010\n");
}

static void test_text_timestamp_relative(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_dio r = mk_dio(FL_REC_DIO_RETRY);

	/* an event stamped before start_ts prints as 0, not as a huge unsigned delta */
	r.hdr.ts = 5;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_memory_equal(out(fx), "    0.000000 info ", 18);
	reset(fx);
	r.hdr.ts = fx->o.start_ts + 123456789012ULL;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_memory_equal(out(fx), "  123.456789 info ", 18);
}

/* ---- hostile strings ------------------------------------------------------- */

static void test_comm_not_terminated(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_dio r = mk_dio(FL_REC_DIO_PARTIAL);

	memset(r.hdr.comm, 'A', sizeof(r.hdr.comm));
	memset(r.fstype, 'F', sizeof(r.fstype));
	fx->o.json = true;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_true(jc_is_line(out(fx)));
	assert_json(out(fx), "comm", "\"AAAAAAAAAAAAAAAA\"");
	assert_json(out(fx), "fstype", "\"FFFFFFFFFFFFFFFF\"");

	reset(fx);
	fx->o.json = false;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_non_null(strstr(out(fx), " AAAAAAAAAAAAAAAA[42/43] FFFFFFFFFFFFFFFF 253:3 "));
}

static void test_comm_control_chars(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_fault r = mk_fault();
	static const char comm[FL_COMM_LEN] = "a\tb\nc\x1b[31md\"\\";

	memcpy(r.hdr.comm, comm, sizeof(comm));
	memcpy(r.fstype, "x\ry", 4);
	fx->o.json = true;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_true(jc_is_line(out(fx)));
	/* control chars become '?', quote and backslash are escaped */
	assert_json(out(fx), "comm", "\"a?b?c?[31md\\\"\\\\\"");
	assert_json(out(fx), "fstype", "\"x?y\"");

	/* text: no raw control char reaches the terminal (only the final newline) */
	reset(fx);
	fx->o.json = false;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_non_null(strstr(out(fx), " a?b?c?[31md\"\\[42/43] x?y 8:1 "));
	for (const char *p = out(fx); *p; p++)
		assert_true((unsigned char)*p >= 0x20 || *p == '\n');
	assert_int_equal(strchr(out(fx), '\n') - out(fx) + 1, strlen(out(fx)));
}

static void test_comm_empty(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_dio r = mk_dio(FL_REC_DIO_PARTIAL);

	memset(r.hdr.comm, 0, sizeof(r.hdr.comm));
	memset(r.fstype, 0, sizeof(r.fstype));
	fx->o.json = true;
	fl_output_record(&fx->o, &r, sizeof(r));
	assert_json(out(fx), "comm", "\"\"");
	assert_json(out(fx), "fstype", "\"\"");
}

/* ---- counters ------------------------------------------------------------- */

static void test_malformed_counted_nothing_printed(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_fault f = mk_fault();
	struct fl_rec_dio p = mk_dio(FL_REC_DIO_PARTIAL);

	for (int json = 0; json < 2; json++) {
		fx->o.json = json;
		fx->o.malformed = 0;
		assert_int_equal(fl_output_record(&fx->o, &p, sizeof(p) - 1), -EINVAL);
		f.nr_stack = FL_MAX_STACK + 1;
		assert_int_equal(fl_output_record(&fx->o, &f, sizeof(f)), -EINVAL);
		f.nr_stack = 1;
		f.hdr.type = 0;
		assert_int_equal(fl_output_record(&fx->o, &f, sizeof(f)), -EINVAL);
		f.hdr.type = FL_REC_TYPE_MAX;
		assert_int_equal(fl_output_record(&fx->o, &f, sizeof(f)), -EINVAL);
		assert_int_equal(fl_output_record(&fx->o, &f, 3), -EINVAL);
		assert_int_equal(fl_output_record(&fx->o, NULL, 0), -EINVAL);
		f.hdr.type = FL_REC_SAME_FILE_FAULT;
		assert_int_equal(fx->o.malformed, 6);
		assert_string_equal(out(fx), "");
	}
	for (int s = 0; s < FL_SEV_MAX; s++)
		assert_int_equal(fx->o.findings[s], 0);
}

static void test_findings_by_severity(void **state)
{
	struct fixture *fx = *state;
	struct fl_rec_dio p = mk_dio(FL_REC_DIO_PARTIAL), r = mk_dio(FL_REC_DIO_RETRY);
	struct fl_rec_fault f = mk_fault();

	fl_output_record(&fx->o, &p, sizeof(p));
	fl_output_record(&fx->o, &p, sizeof(p));
	fx->o.json = true;
	fl_output_record(&fx->o, &r, sizeof(r));
	fl_output_record(&fx->o, &f, sizeof(f));
	fl_output_record(&fx->o, &f, 1);
	assert_int_equal(fx->o.findings[FL_SEV_INFO], 4);
	assert_int_equal(fx->o.findings[FL_SEV_WARNING], 0);
	assert_int_equal(fx->o.findings[FL_SEV_ERROR], 0);
	assert_int_equal(fx->o.malformed, 1);
	{
		struct fl_rec_lock l = mk_lock();
		struct fl_rec_fault_lock fl = mk_fault_lock();
		struct fl_rec_fault_in fi = mk_fault_in();

		fl_output_record(&fx->o, &l, sizeof(l));
		fx->o.json = false;
		fl_output_record(&fx->o, &fl, sizeof(fl));
		fl_output_record(&fx->o, &fl, sizeof(fl));
		fl_output_record(&fx->o, &fi, sizeof(fi));
		l.nr_stack = FL_MAX_STACK + 1;
		fl_output_record(&fx->o, &l, sizeof(l));
	}
	assert_int_equal(fx->o.findings[FL_SEV_ERROR], 1);
	assert_int_equal(fx->o.findings[FL_SEV_WARNING], 2);
	assert_int_equal(fx->o.findings[FL_SEV_INFO], 5);
	assert_int_equal(fx->o.malformed, 2);
}

/* ---- lost ------------------------------------------------------------------ */

static void test_lost_nothing_when_no_drops(void **state)
{
	struct fixture *fx = *state;
	static struct fl_snapshot s;

	memset(&s, 0, sizeof(s));
	s.counters[FL_CNT_FAULTS] = 5;
	s.counters[FL_CNT_DIO_CALLS] = 5;
	assert_int_equal(fl_snapshot_lost(&s), 0);
	for (int json = 0; json < 2; json++) {
		fx->o.json = json;
		fl_output_lost(&fx->o, &s, 777);
	}
	assert_string_equal(out(fx), "");
	assert_int_equal(fx->o.findings[FL_SEV_WARNING], 0);
}

static const enum fl_counter lost_counters[] = {
	FL_CNT_LOST_RINGBUF, FL_CNT_LOST_TASKMAP, FL_CNT_LOST_FSMAP, FL_CNT_LOST_LOCKMAP, FL_CNT_LOST_VMA,
	FL_CNT_LOST_HELD, FL_CNT_LOST_STALL_SLOT, FL_CNT_LOST_RELEASE, FL_CNT_UNVERIFIED,
	FL_CNT_LOST_RETURN, FL_CNT_LOST_RECURSION, FL_CNT_LOST_ORDER_EDGE, FL_CNT_ORDER_EVICTED,
};

static void test_lost_json(void **state)
{
	struct fixture *fx = *state;
	static struct fl_snapshot s;

	memset(&s, 0, sizeof(s));
	s.counters[FL_CNT_LOST_RINGBUF] = 5;
	s.counters[FL_CNT_LOST_VMA] = 2;
	assert_int_equal(fl_snapshot_lost(&s), 7);
	fx->o.json = true;
	fl_output_lost(&fx->o, &s, 777);
	assert_string_equal(out(fx),
		"{\"type\":\"lost\",\"ts\":777,\"pid\":0,\"tid\":0,\"comm\":\"faultlock\","
		"\"severity\":\"warning\",\"counts\":{\"ringbuf_full\":5,\"task_map_full\":0,"
		"\"fs_map_full\":0,\"lock_map_full\":0,\"vma_lookup_busy\":2,\"held_set_full\":0,"
		"\"stall_slot_busy\":0,\"release_missed\":0,\"unverified_recursion\":0,\"return_missed\":0,\"bpf_recursion\":0,"
		"\"order_edge_refused\":0,\"order_edge_evicted\":0}}\n");
	assert_int_equal(fx->o.findings[FL_SEV_WARNING], 1);

	/* each drop counter alone is enough */
	for (size_t i = 0; i < sizeof(lost_counters) / sizeof(lost_counters[0]); i++) {
		memset(s.counters, 0, sizeof(s.counters));
		s.counters[lost_counters[i]] = 1;
		reset(fx);
		fl_output_lost(&fx->o, &s, 1);
		assert_true(jc_is_line(out(fx)));
		assert_json(out(fx), "type", "\"lost\"");
	}
	assert_int_equal(fx->o.findings[FL_SEV_WARNING], 1 + sizeof(lost_counters) / sizeof(lost_counters[0]));
}

static void test_lost_text(void **state)
{
	struct fixture *fx = *state;
	static struct fl_snapshot s;

	memset(&s, 0, sizeof(s));
	s.counters[FL_CNT_LOST_TASKMAP] = 3;
	s.counters[FL_CNT_LOST_FSMAP] = 4;
	s.counters[FL_CNT_LOST_HELD] = 5;
	fl_output_lost(&fx->o, &s, 777);
	assert_string_equal(out(fx),
		"             warning lost             task_map_full=3 fs_map_full=4 held_set_full=5 "
		"(counts stay exact: they are kept in the kernel)\n");
	assert_int_equal(fx->o.findings[FL_SEV_WARNING], 1);
}

static void test_summary_lost_sum(void **state)
{
	static struct fl_snapshot s;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.counters[FL_CNT_LOST_RINGBUF] = 1;
	s.counters[FL_CNT_LOST_TASKMAP] = 10;
	s.counters[FL_CNT_LOST_FSMAP] = 100;
	s.counters[FL_CNT_LOST_VMA] = 1000;
	s.counters[FL_CNT_LOST_HELD] = 10000;
	s.counters[FL_CNT_FAULTS] = 99999;	/* not drops */
	s.counters[FL_CNT_FAULT_IN_MISSED] = 99999;
	assert_int_equal(fl_snapshot_lost(&s), 11111);
}

/* ---- summary ---------------------------------------------------------------- */

#define COUNT_KEYS "lock_acquisitions,recursive_lock,fault_under_lock,lock_stall,lock_order,deadlock,remote_demote,retry_livelock," \
	"faults,dio_calls," \
	"dio_partial,dio_eof_short,dio_retries,dio_retry_bytes,fault_in_calls,fault_in_short,same_file_fault," \
	"lost_events"

static struct fl_snapshot snap;	/* mk_summary's counters */

static struct fl_summary *mk_summary(void)
{
	static struct fl_summary s;
	struct fl_fs_row *r = &snap.fs[0];

	memset(&s, 0, sizeof(s));
	memset(&snap, 0, sizeof(snap));
	s.snap = &snap;
	s.find_vma = true;
	snap.counters[FL_CNT_FAULTS] = 100;
	s.lock_stalls = 2;
	snap.counters[FL_CNT_DIO_CALLS] = 10;
	snap.counters[FL_CNT_DIO_PARTIAL] = 3;
	snap.counters[FL_CNT_DIO_EOF_SHORT] = 1;
	snap.counters[FL_CNT_DIO_RETRIES] = 2;
	snap.counters[FL_CNT_DIO_RETRY_BYTES] = 8192;
	snap.counters[FL_CNT_SAME_FILE_FAULT] = 1;
	snap.counters[FL_CNT_LOCK_ACQUISITIONS] = 50;
	snap.counters[FL_CNT_RECURSIVE_LOCK] = 4;
	snap.counters[FL_CNT_FAULT_UNDER_LOCK] = 5;
	snap.counters[FL_CNT_FAULT_IN_CALLS] = 7;
	snap.counters[FL_CNT_FAULT_IN_SHORT] = 6;
	snap.counters[FL_CNT_FAULT_IN_BYTES] = 1 << 20;	/* not in counts */
	r->dev = DEV_253_3;
	r->op = FL_OP_WRITE;
	memcpy(r->fstype, "gfs2", 5);
	r->dio_calls = 10;
	r->partial_short = 2;
	r->partial_efault = 1;
	r->retries = 2;
	r->retry_bytes = 8192;
	r->same_file_fault = 1;
	snap.nr_fs = 1;
	s.target = "fl-mmapio (pid 42)";
	s.have_child = true;
	s.child_status = W_EXITCODE(3, 0);
	s.duration_s = 1.5;
	s.hooks = NULL;
	return &s;
}

/* All hooks in a mode that works, except those named (NULL-terminated). */
static struct fl_hook_state *mk_states(const char *const *unavailable)
{
	struct fl_hook_state *st = calloc(fl_nr_hooks, sizeof(*st));

	assert_non_null(st);
	for (int i = 0; i < fl_nr_hooks; i++)
		st[i].mode = fl_hooks[i].category ? FL_MODE_TP_BTF : FL_MODE_FENTRY;
	for (; unavailable && *unavailable; unavailable++) {
		int h = fl_hook_index(*unavailable);

		assert_true(h >= 0);
		st[h].mode = FL_MODE_NONE;
		snprintf(st[h].why, sizeof(st[h].why), "test");
	}
	return st;
}

static void test_summary_json_exact(void **state)
{
	struct fixture *fx = *state;
	struct fl_summary *s = mk_summary();

	fx->o.json = true;
	fx->o.start_ts = 1000;
	fx->o.findings[FL_SEV_INFO] = 4;
	fl_output_summary(&fx->o, s);
	assert_string_equal(out(fx),
		"{\"type\":\"summary\",\"ts\":1500001000,\"pid\":0,\"tid\":0,\"comm\":\"faultlock\","
		"\"target\":\"fl-mmapio (pid 42)\",\"duration_s\":1.500000,"
		"\"counts\":{\"lock_acquisitions\":50,\"recursive_lock\":4,\"fault_under_lock\":5,"
		"\"lock_stall\":2,\"lock_order\":0,\"deadlock\":0,\"remote_demote\":0,\"retry_livelock\":0,\"faults\":100,\"dio_calls\":10,\"dio_partial\":3,\"dio_eof_short\":1,\"dio_retries\":2,"
		"\"dio_retry_bytes\":8192,\"fault_in_calls\":7,\"fault_in_short\":6,"
		"\"same_file_fault\":1,\"lost_events\":0},"
		"\"findings\":{\"error\":0,\"warning\":0,\"info\":4},"
		"\"child_status\":{\"exit_code\":3,\"signal\":null},"
		"\"child_state\":null,\"retry_livelocks\":[],\"events_folded\":0,"
		"\"gfs2_layout\":{\"checks\":0,\"mismatches\":0,\"owner_checks\":0,\"owner_mismatches\":0,\"releases_by_queue\":0},\"gate\":{\"open_tasks\":0,\"followed_tasks\":0},\"hooks\":{},"
		"\"filesystems\":[{\"fstype\":\"gfs2\",\"dev\":\"253:3\",\"op\":\"write\","
		"\"dio_calls\":10,\"dio_partial\":3,\"dio_partial_efault\":1,\"dio_retries\":2,"
		"\"dio_retry_bytes\":8192,\"same_file_fault\":1}]}\n");
}

static void test_summary_json_counts_keys(void **state)
{
	struct fixture *fx = *state;
	struct fl_summary *s = mk_summary();
	const char *line;

	fx->o.json = true;
	snap.counters[FL_CNT_LOST_RINGBUF] = 2;
	snap.counters[FL_CNT_LOST_VMA] = 3;
	snap.counters[FL_CNT_LOST_HELD] = 10;
	fl_output_summary(&fx->o, s);
	line = out(fx);
	assert_true(jc_is_line(line));
	assert_json_keys(line, "", "type,ts,pid,tid,comm,target,duration_s,counts,findings,"
			 "child_status,child_state,retry_livelocks,events_folded,gfs2_layout,gate,hooks,filesystems");
	assert_json_keys(line, "counts", COUNT_KEYS);
	assert_json_keys(line, "findings", "error,warning,info");
	assert_json(line, "counts.lost_events", "15");
	assert_json(line, "type", "\"summary\"");
}

static void test_summary_json_unavailable_hooks_null(void **state)
{
	struct fixture *fx = *state;
	struct fl_summary *s = mk_summary();
	/* handle_mm_fault off too: no lock provider (btrfs's need it) */
	static const char *const off[] = { "gfs2_glock_nq", "fault_in_readable",
					   "sched_process_fork", "handle_mm_fault",
					   "btrfs_set_extent_bit", NULL };
	struct fl_hook_state *st = mk_states(off);
	char want[2048];
	size_t n = 0;
	const char *line;

	s->hooks = st;
	snap.counters[FL_CNT_LOST_RINGBUF] = 9;
	fx->o.json = true;
	fl_output_summary(&fx->o, s);
	line = out(fx);
	assert_true(jc_is_line(line));
	assert_json_keys(line, "counts", COUNT_KEYS);
	assert_json(line, "counts.lock_acquisitions", "null");
	assert_json(line, "counts.recursive_lock", "null");
	assert_json(line, "counts.lock_stall", "null");	/* needs gfs2_glock_nq */
	assert_json(line, "counts.lock_order", "null");
	assert_json(line, "counts.deadlock", "null");
	assert_json(line, "counts.faults", "100");
	assert_json(line, "counts.dio_calls", "10");
	assert_json(line, "counts.fault_in_calls", "null");
	assert_json(line, "counts.fault_in_short", "null");
	assert_json(line, "counts.same_file_fault", "1");
	/* drops are counted whatever runs */
	assert_json(line, "counts.lost_events", "9");

	/* hooks: every hook of the table, in order, with its mode */
	for (int i = 0; i < fl_nr_hooks; i++)
		n += snprintf(want + n, sizeof(want) - n, "%s%s", i ? "," : "", fl_hooks[i].name);
	assert_json_keys(line, "hooks", want);
	assert_json(line, "hooks.gfs2_glock_nq", "\"-\"");
	assert_json(line, "hooks.sched_process_fork", "\"-\"");
	assert_json(line, "hooks.page_fault_kernel", "\"tp_btf\"");
	assert_json(line, "hooks.handle_mm_fault", "\"-\"");
	assert_json(line, "hooks.fault_in_writeable", "\"fentry\"");
	free(st);
}

static void test_summary_json_all_hooks_off(void **state)
{
	struct fixture *fx = *state;
	struct fl_summary *s = mk_summary();
	struct fl_hook_state *st = mk_states(NULL);

	for (int i = 0; i < fl_nr_hooks; i++)
		st[i].mode = FL_MODE_NONE;
	s->hooks = st;
	fx->o.json = true;
	fl_output_summary(&fx->o, s);
	assert_true(jc_is_line(out(fx)));
	assert_json(out(fx), "counts",
		    "{\"lock_acquisitions\":null,\"recursive_lock\":null,\"fault_under_lock\":null,"
		    "\"lock_stall\":null,\"lock_order\":null,\"deadlock\":null,\"remote_demote\":null,\"retry_livelock\":null,\"faults\":null,\"dio_calls\":null,\"dio_partial\":null,\"dio_eof_short\":null,\"dio_retries\":null,"
		    "\"dio_retry_bytes\":null,\"fault_in_calls\":null,\"fault_in_short\":null,"
		    "\"same_file_fault\":null,\"lost_events\":0}");
	free(st);
}

static void test_summary_json_child_status(void **state)
{
	struct fixture *fx = *state;
	struct fl_summary *s = mk_summary();

	fx->o.json = true;
	s->child_status = W_EXITCODE(0, 0);
	fl_output_summary(&fx->o, s);
	assert_json(out(fx), "child_status", "{\"exit_code\":0,\"signal\":null}");

	reset(fx);
	s->child_status = W_EXITCODE(255, 0);
	fl_output_summary(&fx->o, s);
	assert_json(out(fx), "child_status", "{\"exit_code\":255,\"signal\":null}");

	reset(fx);
	s->child_status = SIGKILL;	/* killed by a signal: status is the signal number */
	fl_output_summary(&fx->o, s);
	assert_json(out(fx), "child_status", "{\"exit_code\":null,\"signal\":9}");

	reset(fx);
	s->child_status = SIGSEGV | 0x80;	/* with a core dump */
	fl_output_summary(&fx->o, s);
	assert_json(out(fx), "child_status", "{\"exit_code\":null,\"signal\":11}");

	reset(fx);
	s->have_child = false;
	fl_output_summary(&fx->o, s);
	assert_json(out(fx), "child_status", "null");
}

static void test_summary_json_no_fs_null_target(void **state)
{
	struct fixture *fx = *state;
	struct fl_summary *s = mk_summary();

	snap.nr_fs = 0;
	s->target = NULL;
	fx->o.json = true;
	fl_output_summary(&fx->o, s);
	assert_true(jc_is_line(out(fx)));
	assert_json(out(fx), "filesystems", "[]");
	assert_json(out(fx), "target", "null");
}

static void test_summary_json_many_fs_rows(void **state)
{
	struct fixture *fx = *state;
	struct fl_summary *s = mk_summary();
	const char *line;
	char *p;
	int n = 0;

	for (int i = 0; i < FL_MAX_FS_ROWS; i++) {
		snap.fs[i] = snap.fs[0];
		snap.fs[i].dev = (uint32_t)i << 20 | (uint32_t)(i * 7);
		snap.fs[i].op = i & 1;
		memset(snap.fs[i].fstype, 'a' + i % 26, FL_FSTYPE_LEN);	/* unterminated */
	}
	snap.nr_fs = FL_MAX_FS_ROWS;
	fx->o.json = true;
	fl_output_summary(&fx->o, s);
	line = out(fx);
	assert_true(jc_is_line(line));
	for (p = strstr(line, "\"fstype\":"); p; p = strstr(p + 1, "\"fstype\":"))
		n++;
	assert_int_equal(n, FL_MAX_FS_ROWS);
	assert_non_null(strstr(line, "{\"fstype\":\"vvvvvvvvvvvvvvvv\",\"dev\":\"255:1785\",\"op\":\"write\","));
}

static void test_summary_text(void **state)
{
	struct fixture *fx = *state;
	struct fl_summary *s = mk_summary();
	static const char *const off[] = { "gfs2_glock_nq", "fault_in_readable", NULL };
	struct fl_hook_state *st = mk_states(off);
	const char *txt;

	s->hooks = st;
	fx->o.findings[FL_SEV_INFO] = 4;
	fx->o.findings[FL_SEV_WARNING] = 1;
	fl_output_summary(&fx->o, s);
	txt = out(fx);
	assert_memory_equal(txt, "\nfaultlock: traced fl-mmapio (pid 42) for 1.50 s; it exited with status 3\n",
			    strlen("\nfaultlock: traced fl-mmapio (pid 42) for 1.50 s; it exited with status 3\n"));
	assert_non_null(strstr(txt,
		"\nFSTYPE     DEV      OP      DIO_CALLS  PARTIAL  RETRIES  RETRY_BYTES  SAME_FILE_FAULT\n"
		"gfs2       253:3    write          10        3        2         8192                1\n"));
	assert_null(strstr(txt, "(no direct I/O seen)"));
	assert_non_null(strstr(txt, "\n  lock_acquisitions  - (hook unavailable)\n"));
	assert_non_null(strstr(txt, "\n  faults             100\n"));
	assert_non_null(strstr(txt, "\n  dio_retry_bytes    8192\n"));
	assert_non_null(strstr(txt, "\n  fault_in_short     - (hook unavailable)\n"));
	assert_non_null(strstr(txt, "\n  lost_events        0\n"));
	assert_non_null(strstr(txt, "\nFindings: 0 error, 1 warning, 4 info\n"));
	assert_non_null(strstr(txt, "\nHooks unavailable here: gfs2_glock_nq, fault_in_readable\n"
			       "(`faultlock check` says why and what is lost)\n"));
	free(st);
}

static void test_summary_text_signal_no_fs(void **state)
{
	struct fixture *fx = *state;
	struct fl_summary *s = mk_summary();
	const char *txt;

	s->child_status = SIGKILL;
	snap.nr_fs = 0;
	fl_output_summary(&fx->o, s);
	txt = out(fx);
	assert_non_null(strstr(txt, "; it was killed by signal 9 (Killed)\n"));
	assert_non_null(strstr(txt, "SAME_FILE_FAULT\n(no direct I/O seen)\n"));
	/* hooks NULL: everything is known, nothing listed as unavailable */
	assert_null(strstr(txt, "unavailable"));

	reset(fx);
	s->have_child = false;
	s->target = "all tasks";
	fl_output_summary(&fx->o, s);
	assert_memory_equal(out(fx), "\nfaultlock: traced all tasks for 1.50 s\n\n", 41);
}

static void test_summary_text_fs_unterminated(void **state)
{
	struct fixture *fx = *state;
	struct fl_summary *s = mk_summary();

	memset(snap.fs[0].fstype, 'z', FL_FSTYPE_LEN);
	snap.fs[0].op = FL_OP_READ;
	fl_output_summary(&fx->o, s);
	assert_non_null(strstr(out(fx), "\nzzzzzzzzzzzzzzzz 253:3    read           10 "));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_record_type_valid),
		T(test_record_type_truncated),
		T(test_record_type_unknown),
		T(test_record_type_stack_bound),
		T(test_record_type_stack_bound_lock_records),
		T(test_every_abi_type_known),
		T(test_type_and_severity_names),
		T(test_format_dev),
		T(test_json_dio_partial_short),
		T(test_json_dio_partial_efault),
		T(test_json_dio_retry),
		T(test_json_same_file_fault),
		T(test_json_same_file_fault_access_bit),
		T(test_json_same_file_fault_stacks),
		T(test_json_same_file_fault_symbolized),
		T(test_stack_leaves_out_bpf_frames),
		T(test_json_recursive_lock),
		T(test_range_recursive_lock),
		T(test_text_recursive_lock),
		T(test_lock_order),
		T(test_lock_order_btrfs),
		T(test_json_fault_under_lock),
		T(test_text_fault_under_lock),
		T(test_json_fault_in),
		T(test_text_fault_in),
		T(test_json_every_type_has_header),
		T(test_text_dio_partial),
		T(test_text_dio_retry),
		T(test_text_same_file_fault),
		T(test_text_timestamp_relative),
		T(test_comm_not_terminated),
		T(test_comm_control_chars),
		T(test_comm_empty),
		T(test_malformed_counted_nothing_printed),
		T(test_findings_by_severity),
		T(test_lost_nothing_when_no_drops),
		T(test_lost_json),
		T(test_lost_text),
		T(test_summary_lost_sum),
		T(test_summary_json_exact),
		T(test_summary_json_counts_keys),
		T(test_summary_json_unavailable_hooks_null),
		T(test_summary_json_all_hooks_off),
		T(test_summary_json_child_status),
		T(test_summary_json_no_fs_null_target),
		T(test_summary_json_many_fs_rows),
		T(test_summary_text),
		T(test_summary_text_signal_no_fs),
		T(test_summary_text_fs_unterminated),
	};
#undef T

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
