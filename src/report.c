// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/wait.h>
#include "aggregate.h"
#include "json.h"
#include "ksyms.h"
#include "report.h"
#include "syscalls.h"

static const struct {
	const char *name;
	size_t size;
	enum fl_severity sev;
} rec_info[FL_REC_TYPE_MAX] = {
	[FL_REC_DIO_PARTIAL] = { "dio_partial", sizeof(struct fl_rec_dio), FL_SEV_INFO },
	[FL_REC_DIO_RETRY] = { "dio_retry", sizeof(struct fl_rec_dio), FL_SEV_INFO },
	[FL_REC_SAME_FILE_FAULT] = { "same_file_fault", sizeof(struct fl_rec_fault), FL_SEV_INFO },
	[FL_REC_RECURSIVE_LOCK] = { "recursive_lock", sizeof(struct fl_rec_lock), FL_SEV_ERROR },
	[FL_REC_FAULT_UNDER_LOCK] = { "fault_under_lock", sizeof(struct fl_rec_fault_lock), FL_SEV_WARNING },
	[FL_REC_FAULT_IN] = { "fault_in", sizeof(struct fl_rec_fault_in), FL_SEV_INFO },
	[FL_REC_RETRY_LIVELOCK] = { "retry_livelock", sizeof(struct fl_rec_livelock), FL_SEV_WARNING },
};

static const char *const sev_names[FL_SEV_MAX] = { "error", "warning", "info" };

int fl_record_type(const void *data, size_t size)
{
	struct fl_hdr hdr;

	if (!data || size < sizeof(hdr))
		return -EINVAL;
	memcpy(&hdr, data, sizeof(hdr));
	if (hdr.type == 0 || hdr.type >= FL_REC_TYPE_MAX || !rec_info[hdr.type].name ||
	    size < rec_info[hdr.type].size)
		return -EINVAL;
	/* nr_stack sits at a different offset in each record that has one. */
	if ((hdr.type == FL_REC_SAME_FILE_FAULT && ((const struct fl_rec_fault *)data)->nr_stack > FL_MAX_STACK) ||
	    (hdr.type == FL_REC_RECURSIVE_LOCK && ((const struct fl_rec_lock *)data)->nr_stack > FL_MAX_STACK) ||
	    (hdr.type == FL_REC_FAULT_UNDER_LOCK &&
	     ((const struct fl_rec_fault_lock *)data)->nr_stack > FL_MAX_STACK) ||
	    (hdr.type == FL_REC_RETRY_LIVELOCK &&
	     (((const struct fl_rec_livelock *)data)->nr_stack > FL_MAX_STACK ||
	      ((const struct fl_rec_livelock *)data)->phase < FL_LL_BEGIN ||
	      ((const struct fl_rec_livelock *)data)->phase > FL_LL_END)))
		return -EINVAL;
	return hdr.type;
}

const char *fl_record_type_name(int type)
{
	return type > 0 && type < FL_REC_TYPE_MAX ? rec_info[type].name : "unknown";
}

enum fl_severity fl_record_severity(int type)
{
	return type > 0 && type < FL_REC_TYPE_MAX ? rec_info[type].sev : FL_SEV_WARNING;
}

const char *fl_severity_name(enum fl_severity sev)
{
	return sev < FL_SEV_MAX ? sev_names[sev] : "?";
}

void fl_format_dev(uint32_t dev, char *buf, size_t len)
{
	snprintf(buf, len, "%u:%u", dev >> 20, dev & 0xfffff);
}

static const char *op_name(uint32_t op)
{
	return op == FL_OP_WRITE ? "write" : "read";
}

/* A kernel comm is not guaranteed to be terminated or printable. */
static void copy_str(char *dst, const char *src, size_t n)
{
	size_t i;

	/* ASCII only: a comm cut at 15 bytes can split a UTF-8 sequence. */
	for (i = 0; i + 1 < n && src[i]; i++) {
		unsigned char c = src[i];

		dst[i] = c < 0x20 || c >= 0x7f ? '?' : c;
	}
	dst[i] = '\0';
}

static void json_hdr(struct fl_output *o, struct jw *w, const struct fl_hdr *h, const char *type,
		     enum fl_severity sev)
{
	char comm[FL_COMM_LEN + 1];

	copy_str(comm, h->comm, sizeof(comm));
	jw_object(w, NULL);
	jw_str(w, "type", type);
	jw_u64(w, "ts", h->ts);
	jw_u64(w, "pid", h->pid);
	jw_u64(w, "tid", h->tid);
	jw_str(w, "comm", comm);
	jw_str(w, "severity", fl_severity_name(sev));
	if (sev == FL_SEV_INFO)
		jw_u64(w, "events", o->line_count ? o->line_count : 1);	/* events this line stands for */
}

static void text_hdr(struct fl_output *o, const struct fl_hdr *h, const char *type, enum fl_severity sev)
{
	char comm[FL_COMM_LEN + 1];
	double rel = h->ts >= o->start_ts ? (h->ts - o->start_ts) / 1e9 : 0;

	copy_str(comm, h->comm, sizeof(comm));
	fprintf(o->f, "%12.6f %-7s %-16s %s[%u/%u] ", rel, fl_severity_name(sev), type, comm,
		h->pid, h->tid);
	if (o->line_count > 1)
		fprintf(o->f, "(x%" PRIu64 " since the last line) ", o->line_count);
}

static void json_stack(struct jw *w, struct fl_output *o, const __u64 *stack, uint32_t nr)
{
	jw_array(w, "stack");
	for (uint32_t i = 0; i < nr && i < FL_MAX_STACK; i++) {
		char frame[256];

		fl_ksyms__format(o->ksyms, stack[i], frame, sizeof(frame));
		jw_str(w, NULL, frame);
	}
	jw_end_array(w);
}

static void text_stack(struct fl_output *o, const __u64 *stack, uint32_t nr)
{
	for (uint32_t i = 0; i < nr && i < FL_MAX_STACK; i++) {
		char frame[256];

		fl_ksyms__format(o->ksyms, stack[i], frame, sizeof(frame));
		fprintf(o->f, "%12s     %s\n", "", frame);
	}
}

static void print_dio(struct fl_output *o, const struct fl_rec_dio *r, int type)
{
	char dev[24], fstype[FL_FSTYPE_LEN + 1];
	enum fl_severity sev = fl_record_severity(type);

	fl_format_dev(r->dev, dev, sizeof(dev));
	copy_str(fstype, r->fstype, sizeof(fstype));
	if (o->json) {
		struct jw w;

		jw_init(&w, o->f);
		json_hdr(o, &w, &r->hdr, fl_record_type_name(type), sev);
		jw_str(&w, "fstype", fstype);
		jw_str(&w, "dev", dev);
		jw_u64(&w, "ino", r->ino);
		jw_str(&w, "op", op_name(r->op));
		jw_i64(&w, "pos", r->pos);
		jw_u64(&w, "count", r->count);
		jw_u64(&w, "done_before", r->done_before);
		if (type == FL_REC_DIO_PARTIAL) {
			jw_i64(&w, "ret", r->ret);
			jw_str(&w, "reason", r->reason == FL_PARTIAL_EFAULT ? "efault" : "short");
		} else {
			jw_bool(&w, "after_partial", r->reason & FL_RETRY_AFTER_PARTIAL);
		}
		jw_bool(&w, "nofault", r->nofault);
		jw_end_object(&w);
		fputc('\n', o->f);
		return;
	}
	text_hdr(o, &r->hdr, fl_record_type_name(type), sev);
	fprintf(o->f, "%s %s ino %" PRIu64 " %s pos %" PRId64 ": ", fstype, dev, (uint64_t)r->ino,
		op_name(r->op), (int64_t)r->pos);
	if (type == FL_REC_DIO_PARTIAL) {
		if (r->reason == FL_PARTIAL_EFAULT)
			fprintf(o->f, "-EFAULT after %" PRIu64 " of %" PRIu64 " bytes",
				(uint64_t)r->done_before, (uint64_t)(r->done_before + r->count));
		else
			fprintf(o->f, "%" PRId64 " of %" PRIu64 " bytes (short)", (int64_t)r->ret,
				(uint64_t)(r->done_before + r->count));
	} else {
		fprintf(o->f, "resumes with %" PRIu64 " bytes done, %" PRIu64 " to go%s",
			(uint64_t)r->done_before, (uint64_t)r->count,
			r->reason & FL_RETRY_AFTER_PARTIAL ? " (after a partial result)" : "");
	}
	fprintf(o->f, "%s\n", r->nofault ? ", nofault" : "");
}

static void print_fault(struct fl_output *o, const struct fl_rec_fault *r)
{
	char dev[24], fstype[FL_FSTYPE_LEN + 1], ip[256];
	const char *access = r->error_code & 2 ? "write" : "read";	/* X86_PF_WRITE */

	fl_format_dev(r->dev, dev, sizeof(dev));
	copy_str(fstype, r->fstype, sizeof(fstype));
	fl_ksyms__format(o->ksyms, r->ip, ip, sizeof(ip));
	if (o->json) {
		struct jw w;
		char addr[24];

		snprintf(addr, sizeof(addr), "0x%" PRIx64, (uint64_t)r->addr);
		jw_init(&w, o->f);
		json_hdr(o, &w, &r->hdr, "same_file_fault", FL_SEV_INFO);
		jw_str(&w, "fstype", fstype);
		jw_str(&w, "dev", dev);
		jw_u64(&w, "ino", r->ino);
		jw_str(&w, "op", op_name(r->op));
		jw_str(&w, "address", addr);
		jw_u64(&w, "pgoff", r->pgoff);
		jw_str(&w, "access", access);
		jw_str(&w, "ip", ip);
		if (r->pagefault_disabled == FL_PFD_UNKNOWN)
			jw_null(&w, "pagefault_disabled");
		else
			jw_bool(&w, "pagefault_disabled", r->pagefault_disabled);
		if (o->stacks)
			json_stack(&w, o, r->stack, r->nr_stack);
		jw_end_object(&w);
		fputc('\n', o->f);
		return;
	}
	text_hdr(o, &r->hdr, "same_file_fault", FL_SEV_INFO);
	fprintf(o->f, "%s %s ino %" PRIu64 ": %s fault at 0x%" PRIx64 " (file page %" PRIu64
		") during direct %s, from %s%s\n", fstype, dev, (uint64_t)r->ino, access,
		(uint64_t)r->addr, (uint64_t)r->pgoff,
		op_name(r->op), ip, r->pagefault_disabled == 1 ? " with page faults disabled" : "");
	if (o->stacks)
		text_stack(o, r->stack, r->nr_stack);
}

/* gfs2's lock states, as gfs2 prints them. */
static const char *lm_state(unsigned int st)
{
	static const char *const names[] = { "UN", "EX", "DF", "SH" };

	return st < 4 ? names[st] : "??";
}

static void json_fault_file(struct jw *w, uint64_t ino, uint32_t dev, const char *fstype_raw)
{
	char d[24], fstype[FL_FSTYPE_LEN + 1];

	if (!ino) {
		jw_null(w, "fault_file");
		return;
	}
	fl_format_dev(dev, d, sizeof(d));
	copy_str(fstype, fstype_raw, sizeof(fstype));
	jw_object(w, "fault_file");
	jw_str(w, "fstype", fstype);
	jw_str(w, "dev", d);
	jw_u64(w, "ino", ino);
	jw_end_object(w);
}

static void json_lock(struct jw *w, const struct fl_lock_id *id)
{
	char name[48], dev[24];

	snprintf(name, sizeof(name), "%u:%" PRIu64, id->type, (uint64_t)id->number);
	fl_format_dev(id->dev, dev, sizeof(dev));
	jw_str(w, "lock", name);
	jw_str(w, "provider", "gfs2");
	jw_u64(w, "lock_type", id->type);
	jw_str(w, "dev", dev);
	if (id->type == 2)	/* LM_TYPE_INODE: the number is the inode's */
		jw_u64(w, "ino", id->number);
	else
		jw_null(w, "ino");
}

static void print_recursive(struct fl_output *o, const struct fl_rec_lock *r)
{
	char held[256], req[256], dev[24], faddr[24];

	fl_ksyms__format(o->ksyms, r->held_ip, held, sizeof(held));
	fl_ksyms__format(o->ksyms, r->req_ip, req, sizeof(req));
	fl_format_dev(r->lock.dev, dev, sizeof(dev));
	snprintf(faddr, sizeof(faddr), "0x%" PRIx64, (uint64_t)r->fault_addr);
	if (o->json) {
		struct jw w;

		jw_init(&w, o->f);
		json_hdr(o, &w, &r->hdr, "recursive_lock", FL_SEV_ERROR);
		json_lock(&w, &r->lock);
		jw_str(&w, "held_state", lm_state(r->held_state));
		jw_str(&w, "requested_state", lm_state(r->req_state));
		jw_u64(&w, "held_flags", r->held_flags);
		jw_u64(&w, "requested_flags", r->req_flags);
		jw_str(&w, "held_site", held);
		jw_str(&w, "requested_site", req);
		jw_u64(&w, "held_locks", r->nr_held);
		jw_bool(&w, "in_fault", r->in_fault);
		if (r->in_fault)
			jw_str(&w, "fault_address", faddr);
		else
			jw_null(&w, "fault_address");
		json_fault_file(&w, r->in_fault ? r->fault_ino : 0, r->fault_dev, r->fault_fstype);
		json_stack(&w, o, r->stack, r->nr_stack);
		jw_end_object(&w);
		fputc('\n', o->f);
		return;
	}
	text_hdr(o, &r->hdr, "recursive_lock", FL_SEV_ERROR);
	fprintf(o->f, "gfs2 glock %u:%" PRIu64 " (dev %s) requested %s, already held %s since %s",
		r->lock.type, (uint64_t)r->lock.number, dev, lm_state(r->req_state),
		lm_state(r->held_state), held);
	if (r->in_fault) {
		char fdev[24];

		fl_format_dev(r->fault_dev, fdev, sizeof(fdev));
		fprintf(o->f, "; inside a page fault at %s", faddr);
		if (r->fault_ino) {
			char fstype[FL_FSTYPE_LEN + 1];

			copy_str(fstype, r->fault_fstype, sizeof(fstype));
			fprintf(o->f, " on %s %s ino %" PRIu64, fstype, fdev, (uint64_t)r->fault_ino);
		}
	}
	fprintf(o->f, "\n%12s     new request from %s:\n", "", req);
	text_stack(o, r->stack, r->nr_stack);
}

void fl_output_stall(struct fl_output *o, const struct fl_stall *st)
{
	const struct fl_waiter *w = &st->w;
	const struct fl_holder *h = &st->h;
	struct fl_hdr hdr = { .pid = w->pid, .tid = w->tid, .ts = st->now };
	char req[256], held[256], dev[24], comm[FL_COMM_LEN + 1];
	uint64_t waited_ms = (st->now - w->since) / 1000000;
	uint64_t held_ms = h->since && h->since <= st->now ? (st->now - h->since) / 1000000 : 0;

	o->findings[FL_SEV_WARNING]++;
	memcpy(hdr.comm, w->comm, sizeof(hdr.comm));
	fl_ksyms__format(o->ksyms, w->ip, req, sizeof(req));
	fl_ksyms__format(o->ksyms, h->ip, held, sizeof(held));
	fl_format_dev(w->id.dev, dev, sizeof(dev));
	copy_str(comm, h->comm, sizeof(comm));
	if (o->json) {
		struct jw jw;

		jw_init(&jw, o->f);
		json_hdr(o, &jw, &hdr, "lock_stall", FL_SEV_WARNING);
		json_lock(&jw, &w->id);
		jw_str(&jw, "requested_state", lm_state(w->state));
		jw_u64(&jw, "requested_flags", w->flags);
		jw_str(&jw, "requested_site", req);
		jw_u64(&jw, "waited_ms", waited_ms);
		if (st->have_holder) {
			jw_object(&jw, "holder");
			jw_u64(&jw, "pid", h->pid);
			jw_u64(&jw, "tid", h->tid);
			jw_str(&jw, "comm", comm);
			jw_str(&jw, "held_state", lm_state(h->state));
			jw_str(&jw, "held_site", held);
			jw_u64(&jw, "held_ms", held_ms);
			jw_u64(&jw, "holders", st->nr_holders);
			jw_array(&jw, "stack");
			for (int i = 0; i < st->nr_frames && i < FL_STALL_FRAMES; i++) {
				char frame[129];

				copy_str(frame, st->frames[i], sizeof(frame));
				jw_str(&jw, NULL, frame);
			}
			jw_end_array(&jw);
			jw_end_object(&jw);
		} else {
			jw_null(&jw, "holder");
		}
		jw_end_object(&jw);
		fputc('\n', o->f);
		return;
	}
	text_hdr(o, &hdr, "lock_stall", FL_SEV_WARNING);
	fprintf(o->f, "waits %" PRIu64 " ms for gfs2 glock %u:%" PRIu64 " (dev %s) %s, requested at %s\n",
		waited_ms, w->id.type, (uint64_t)w->id.number, dev, lm_state(w->state), req);
	if (!st->have_holder) {
		fprintf(o->f, "%12s     holder unknown (not traced, or granted before faultlock started)\n", "");
		return;
	}
	fprintf(o->f, "%12s     held %s by %s[%u/%u] for %" PRIu64 " ms, acquired at %s", "",
		lm_state(h->state), comm, h->pid, h->tid, held_ms, held);
	if (st->nr_holders > 1)
		fprintf(o->f, " (and %d more holders)", st->nr_holders - 1);
	fprintf(o->f, "%s\n", st->nr_frames ? "; its kernel stack now:" : "");
	for (int i = 0; i < st->nr_frames && i < FL_STALL_FRAMES; i++) {
		char frame[129];

		copy_str(frame, st->frames[i], sizeof(frame));
		fprintf(o->f, "%12s       %s\n", "", frame);
	}
}

static void print_fault_under_lock(struct fl_output *o, const struct fl_rec_fault_lock *r)
{
	char held[256], addr[24], dev[24];
	const char *prot = fl_protection_name(r->protection);

	fl_ksyms__format(o->ksyms, r->held_ip, held, sizeof(held));
	snprintf(addr, sizeof(addr), "0x%" PRIx64, (uint64_t)r->addr);
	fl_format_dev(r->lock.dev, dev, sizeof(dev));
	if (o->json) {
		struct jw w;

		jw_init(&w, o->f);
		json_hdr(o, &w, &r->hdr, "fault_under_lock", FL_SEV_WARNING);
		json_lock(&w, &r->lock);
		jw_str(&w, "held_state", lm_state(r->held_state));
		jw_str(&w, "held_site", held);
		jw_u64(&w, "held_locks", r->nr_held);
		jw_str(&w, "address", addr);
		jw_str(&w, "access", r->fault_flags & 1 ? "write" : "read");	/* FAULT_FLAG_WRITE */
		jw_u64(&w, "fault_flags", r->fault_flags);
		jw_bool(&w, "gup", r->gup);
		jw_str(&w, "protection", prot);
		json_fault_file(&w, r->fault_ino, r->fault_dev, r->fault_fstype);
		if (o->stacks)
			json_stack(&w, o, r->stack, r->nr_stack);
		jw_end_object(&w);
		fputc('\n', o->f);
		return;
	}
	text_hdr(o, &r->hdr, "fault_under_lock", FL_SEV_WARNING);
	fprintf(o->f, "%s fault at %s%s while holding gfs2 glock %u:%" PRIu64 " (dev %s) %s from %s,"
		" protection %s", r->fault_flags & 1 ? "write" : "read", addr,
		r->gup ? " (get_user_pages)" : "", r->lock.type, (uint64_t)r->lock.number, dev,
		lm_state(r->held_state), held, prot);
	if (r->fault_ino) {
		char fdev[24];

		char fstype[FL_FSTYPE_LEN + 1];

		fl_format_dev(r->fault_dev, fdev, sizeof(fdev));
		copy_str(fstype, r->fault_fstype, sizeof(fstype));
		fprintf(o->f, "; maps %s %s ino %" PRIu64, fstype, fdev, (uint64_t)r->fault_ino);
	}
	fputc('\n', o->f);
	if (o->stacks)
		text_stack(o, r->stack, r->nr_stack);
}

const char *fl_fault_in_kind_name(uint32_t kind)
{
	static const char *const names[FL_FI_KINDS] = { "readable", "writeable", "safe_writeable" };

	return kind < FL_FI_KINDS ? names[kind] : "unknown";
}

const char *fl_protection_name(uint32_t prot)
{
	return prot == FL_PROT_MAY_DEMOTE ? "may_demote" : "none";
}

static void print_fault_in(struct fl_output *o, const struct fl_rec_fault_in *r)
{
	char addr[24];

	snprintf(addr, sizeof(addr), "0x%" PRIx64, (uint64_t)r->addr);
	if (o->json) {
		struct jw w;

		jw_init(&w, o->f);
		json_hdr(o, &w, &r->hdr, "fault_in", FL_SEV_INFO);
		jw_str(&w, "kind", fl_fault_in_kind_name(r->kind));
		jw_str(&w, "address", addr);
		jw_u64(&w, "size", r->size);
		jw_u64(&w, "not_faulted_in", r->missed);
		jw_u64(&w, "latency_ns", r->latency_ns);
		jw_u64(&w, "held_locks", r->nr_held);
		jw_end_object(&w);
		fputc('\n', o->f);
		return;
	}
	text_hdr(o, &r->hdr, "fault_in", FL_SEV_INFO);
	fprintf(o->f, "fault_in_%s(%s, %" PRIu64 "): %" PRIu64 " bytes not faulted in, %.1f us%s\n",
		fl_fault_in_kind_name(r->kind), addr, (uint64_t)r->size, (uint64_t)r->missed,
		r->latency_ns / 1e3, r->nr_held ? " (holding a glock)" : "");
}

/*
 * retry_livelock: the begin record is the finding (with the stack); the
 * end record closes it (duration, iterations); updates only move the
 * episode's counts on (no line).
 */
static void print_livelock(struct fl_output *o, const struct fl_rec_livelock *r)
{
	struct fl_livelock_ep *e = fl_livelocks_apply(&o->livelocks, r);
	uint64_t first = r->first_ts && r->first_ts <= r->hdr.ts ? r->first_ts : r->hdr.ts;
	double secs = (r->hdr.ts - first) / 1e9;
	double rate = secs > 0 ? r->iterations / secs : 0;
	const char *kind = fl_livelock_kind_name(r->kind);
	char sys[64], addr[24], dev[24], fstype[FL_FSTYPE_LEN + 1], lock[48] = "";

	if (r->phase == FL_LL_UPDATE)
		return;
	if (r->phase == FL_LL_BEGIN)
		o->findings[FL_SEV_WARNING]++;
	fl_syscall_format(r->syscall_nr, r->syscall_arg1, sys, sizeof(sys));
	snprintf(addr, sizeof(addr), "0x%" PRIx64, (uint64_t)r->addr);
	fl_format_dev(r->dev, dev, sizeof(dev));
	copy_str(fstype, r->fstype, sizeof(fstype));
	if (r->lock.type)
		snprintf(lock, sizeof(lock), "%u:%" PRIu64, r->lock.type, (uint64_t)r->lock.number);
	if (e && r->phase == FL_LL_END && e->first_ts && e->first_ts <= r->hdr.ts)
		secs = (r->hdr.ts - e->first_ts) / 1e9;
	if (o->json) {
		struct jw w;

		jw_init(&w, o->f);
		json_hdr(o, &w, &r->hdr, "retry_livelock", FL_SEV_WARNING);
		jw_str(&w, "phase", r->phase == FL_LL_BEGIN ? "begin" : "end");
		jw_str(&w, "kind", kind);
		jw_str(&w, "syscall", sys);
		jw_i64(&w, "syscall_nr", r->syscall_nr);
		if (r->kind == FL_LL_DIO) {
			jw_i64(&w, "pos", (int64_t)r->addr);
			jw_u64(&w, "count", r->size);
			jw_u64(&w, "done_before", r->done_before);
		} else {
			jw_str(&w, "address", addr);
			jw_u64(&w, "size", r->size);
		}
		jw_u64(&w, "iterations", r->iterations);
		jw_double(&w, "duration_s", secs);
		if (r->phase == FL_LL_BEGIN)
			jw_double(&w, "rate_per_s", rate);
		else
			jw_str(&w, "end_reason", fl_livelock_end_name(r->end_reason));
		if (r->ino) {
			jw_object(&w, "file");
			jw_str(&w, "fstype", fstype);
			jw_str(&w, "dev", dev);
			jw_u64(&w, "ino", r->ino);
			jw_end_object(&w);
		} else {
			jw_null(&w, "file");
		}
		jw_u64(&w, "held_locks", r->nr_held);
		jw_str(&w, "lock_between", r->lock.type ? lock : NULL);
		jw_u64(&w, "lock_acquisitions", r->lock_acqs);
		if (r->phase == FL_LL_BEGIN)
			json_stack(&w, o, r->stack, r->nr_stack);
		jw_end_object(&w);
		fputc('\n', o->f);
		return;
	}
	text_hdr(o, &r->hdr, "retry_livelock", FL_SEV_WARNING);
	if (r->phase == FL_LL_END) {
		fprintf(o->f, "%s %s cycle ended after %" PRIu64 " iterations in %.3f s (%s)\n",
			sys, kind, (uint64_t)r->iterations, secs, fl_livelock_end_name(r->end_reason));
		return;
	}
	if (r->kind == FL_LL_DIO)
		fprintf(o->f, "%s loops: %" PRIu64 " direct I/O calls in %.3f s (%.0f/s) resume at done_before %"
			PRIu64 " without progress", sys, (uint64_t)r->iterations, secs, rate,
			(uint64_t)r->done_before);
	else
		fprintf(o->f, "%s loops: %s(%s, %" PRIu64 ") completed %" PRIu64 " times in %.3f s (%.0f/s)"
			" and the retry still fails", sys, kind, addr, (uint64_t)r->size,
			(uint64_t)r->iterations, secs, rate);
	if (r->ino)
		fprintf(o->f, "; %s %s %s ino %" PRIu64, r->kind == FL_LL_DIO ? "file" : "the range maps",
			fstype, dev, (uint64_t)r->ino);
	if (r->lock.type)
		fprintf(o->f, "; re-acquires gfs2 glock %s between iterations (%" PRIu64 " times so far)",
			lock, (uint64_t)r->lock_acqs);
	fprintf(o->f, "; %u glocks held at the fault-in\n", r->nr_held);
	fprintf(o->f, "%12s     a kernel bug: the cycle may never end; it loops at:\n", "");
	text_stack(o, r->stack, r->nr_stack);
}

static void print_record(struct fl_output *o, const void *data, int type)
{
	switch (type) {
	case FL_REC_DIO_PARTIAL:
	case FL_REC_DIO_RETRY:
		print_dio(o, data, type);
		break;
	case FL_REC_SAME_FILE_FAULT:
		print_fault(o, data);
		break;
	case FL_REC_RECURSIVE_LOCK:
		print_recursive(o, data);
		break;
	case FL_REC_FAULT_UNDER_LOCK:
		print_fault_under_lock(o, data);
		break;
	case FL_REC_FAULT_IN:
		print_fault_in(o, data);
		break;
	}
}

/* An aggregated line: one held event standing for `count`. */
static void emit_folded(void *arg, const void *rec, size_t size, uint64_t count)
{
	struct fl_output *o = arg;
	int type = fl_record_type(rec, size);

	if (type < 0)
		return;
	o->line_count = count;
	print_record(o, rec, type);
	o->line_count = 0;
}

int fl_output_aggregate(struct fl_output *o)
{
	o->agg = fl_agg_new(1000000000ULL, emit_folded, o);
	return o->agg ? 0 : -ENOMEM;
}

void fl_output_flush(struct fl_output *o, uint64_t now)
{
	if (o->agg)
		fl_agg_flush(o->agg, now);
}

int fl_output_record(struct fl_output *o, const void *data, size_t size)
{
	int type = fl_record_type(data, size);
	enum fl_severity sev;

	if (type < 0) {
		o->malformed++;
		return type;
	}
	if (type == FL_REC_RETRY_LIVELOCK) {
		print_livelock(o, data);
		return type;
	}
	sev = fl_record_severity(type);
	o->findings[sev]++;
	if (sev == FL_SEV_INFO && o->agg) {
		const struct fl_hdr *h = data;

		fl_agg_offer(o->agg, fl_agg_key(data, type), h->ts, data, size);
		return type;
	}
	print_record(o, data, type);
	return type;
}

const struct fl_lost_reason fl_lost_reasons[] = {
	{ FL_CNT_LOST_RINGBUF, "ringbuf_full" },
	{ FL_CNT_LOST_TASKMAP, "task_map_full" },
	{ FL_CNT_LOST_FSMAP, "fs_map_full" },
	{ FL_CNT_LOST_LOCKMAP, "lock_map_full" },
	{ FL_CNT_LOST_VMA, "vma_lookup_busy" },
	{ FL_CNT_LOST_HELD, "held_set_full" },
	{ FL_CNT_LOST_STALL_SLOT, "stall_slot_busy" },
};
const int fl_nr_lost_reasons = sizeof(fl_lost_reasons) / sizeof(fl_lost_reasons[0]);

uint64_t fl_summary_lost(const struct fl_summary *s)
{
	uint64_t sum = 0;

	for (int i = 0; i < fl_nr_lost_reasons; i++)
		sum += s->counters[fl_lost_reasons[i].idx];
	return sum;
}

void fl_output_lost(struct fl_output *o, const struct fl_summary *s, uint64_t ts)
{
	if (!fl_summary_lost(s))
		return;
	o->findings[FL_SEV_WARNING]++;
	if (o->json) {
		struct jw w;

		jw_init(&w, o->f);
		jw_object(&w, NULL);
		jw_str(&w, "type", "lost");
		jw_u64(&w, "ts", ts);
		jw_u64(&w, "pid", 0);
		jw_u64(&w, "tid", 0);
		jw_str(&w, "comm", "faultlock");
		jw_str(&w, "severity", "warning");
		jw_object(&w, "counts");
		for (int i = 0; i < fl_nr_lost_reasons; i++)
			jw_u64(&w, fl_lost_reasons[i].reason, s->counters[fl_lost_reasons[i].idx]);
		jw_end_object(&w);
		jw_end_object(&w);
		fputc('\n', o->f);
		return;
	}
	fprintf(o->f, "%12s %-7s %-16s", "", "warning", "lost");
	for (int i = 0; i < fl_nr_lost_reasons; i++)
		if (s->counters[fl_lost_reasons[i].idx])
			fprintf(o->f, " %s=%" PRIu64, fl_lost_reasons[i].reason,
				s->counters[fl_lost_reasons[i].idx]);
	fprintf(o->f, " (counts stay exact: they are kept in the kernel)\n");
}

static uint64_t partial(const struct fl_fs_row *r)
{
	return r->partial_short + r->partial_efault;
}

/* NULL: always known (drops are counted whatever runs); "faults": its hook. */
static bool event_available(const char *type, const struct fl_summary *s)
{
	if (!type)
		return true;
	if (!strcmp(type, "faults")) {
		int h = fl_hook_index("page_fault_kernel");

		return h >= 0 && s->hooks[h].mode != FL_MODE_NONE;
	}
	for (int i = 0; i < fl_nr_event_types; i++)
		if (!strcmp(fl_event_types[i].type, type))
			return fl_event_type_available(&fl_event_types[i], s->hooks, s->find_vma);
	return false;
}

/*
 * The contract's summary.counts, in its order, each with the hook it needs:
 * a count whose hook is unavailable is unknown (null), not zero.
 */
static void summary_counts(const struct fl_summary *s, const char **names, int64_t *vals,
			   bool *known, int *n)
{
	const uint64_t *c = s->counters;
	int i = 0;

#define COUNT(name, event, val) do { \
		names[i] = name; vals[i] = (int64_t)(val); \
		known[i] = !s->hooks || event_available(event, s); \
		i++; \
	} while (0)
	COUNT("lock_acquisitions", "recursive_lock", c[FL_CNT_LOCK_ACQUISITIONS]);
	COUNT("recursive_lock", "recursive_lock", c[FL_CNT_RECURSIVE_LOCK]);
	COUNT("fault_under_lock", "fault_under_lock", c[FL_CNT_FAULT_UNDER_LOCK]);
	COUNT("lock_stall", "lock_stall", s->lock_stalls);
	COUNT("retry_livelock", "retry_livelock", c[FL_CNT_RETRY_LIVELOCK]);
	COUNT("faults", "faults", c[FL_CNT_FAULTS]);
	COUNT("dio_calls", "dio_retry", c[FL_CNT_DIO_CALLS]);
	COUNT("dio_partial", "dio_partial", c[FL_CNT_DIO_PARTIAL]);
	COUNT("dio_retries", "dio_retry", c[FL_CNT_DIO_RETRIES]);
	COUNT("dio_retry_bytes", "dio_retry", c[FL_CNT_DIO_RETRY_BYTES]);
	COUNT("fault_in_calls", "fault_in", c[FL_CNT_FAULT_IN_CALLS]);
	COUNT("fault_in_short", "fault_in", c[FL_CNT_FAULT_IN_SHORT]);
	COUNT("same_file_fault", "same_file_fault", c[FL_CNT_SAME_FILE_FAULT]);
	COUNT("lost_events", NULL, fl_summary_lost(s));
#undef COUNT
	*n = i;
}

/* A target that would not exit: what each of its threads is doing. */
static void json_child_state(struct jw *w, const struct fl_summary *s)
{
	if (!s->child_alive) {
		jw_null(w, "child_state");
		return;
	}
	jw_array(w, "child_state");
	for (int i = 0; i < s->nr_child_state; i++) {
		const struct fl_thread_state *t = &s->child_state[i];

		jw_object(w, NULL);
		jw_u64(w, "pid", t->pid);
		jw_u64(w, "tid", t->tid);
		jw_str(w, "comm", t->comm);
		jw_str(w, "state", (char[2]){ t->state, 0 });
		jw_str(w, "state_name", fl_task_state_name(t->state));
		jw_str(w, "wchan", t->wchan[0] ? t->wchan : NULL);
		jw_array(w, "stack");
		for (int k = 0; k < t->nr_frames; k++)
			jw_str(w, NULL, t->frames[k]);
		jw_end_array(w);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static double episode_secs(const struct fl_livelock_ep *e)
{
	return e->first_ts && e->last_ts > e->first_ts ? (e->last_ts - e->first_ts) / 1e9 : 0;
}

static void json_livelocks(struct jw *w, const struct fl_output *o)
{
	const struct fl_livelocks *l = &o->livelocks;

	jw_array(w, "retry_livelocks");
	for (int i = 0; i < l->nr; i++) {
		const struct fl_livelock_ep *e = &l->ep[i];
		char sys[64], dev[24];

		fl_syscall_format(e->syscall_nr, e->syscall_arg1, sys, sizeof(sys));
		fl_format_dev(e->dev, dev, sizeof(dev));
		jw_object(w, NULL);
		jw_u64(w, "pid", e->pid);
		jw_u64(w, "tid", e->tid);
		jw_str(w, "comm", e->comm);
		jw_str(w, "kind", fl_livelock_kind_name(e->kind));
		jw_str(w, "syscall", sys);
		jw_str(w, "fstype", e->fstype[0] ? e->fstype : NULL);
		jw_str(w, "dev", e->ino ? dev : NULL);
		jw_u64(w, "ino", e->ino);
		jw_u64(w, "iterations_at_least", e->iterations);
		jw_double(w, "duration_s", episode_secs(e));
		jw_bool(w, "ongoing", !e->ended);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static void summary_json(struct fl_output *o, const struct fl_summary *s)
{
	const char *names[20];
	int64_t vals[20];
	bool known[20];
	struct jw w;
	int n;

	jw_init(&w, o->f);
	jw_object(&w, NULL);
	jw_str(&w, "type", "summary");
	jw_u64(&w, "ts", o->start_ts + (uint64_t)(s->duration_s * 1e9));
	jw_u64(&w, "pid", 0);
	jw_u64(&w, "tid", 0);
	jw_str(&w, "comm", "faultlock");
	jw_str(&w, "target", s->target);
	jw_double(&w, "duration_s", s->duration_s);
	jw_object(&w, "counts");
	summary_counts(s, names, vals, known, &n);
	for (int i = 0; i < n; i++)
		if (known[i])
			jw_i64(&w, names[i], vals[i]);
		else
			jw_null(&w, names[i]);
	jw_end_object(&w);
	jw_object(&w, "findings");
	for (int i = 0; i < FL_SEV_MAX; i++)
		jw_u64(&w, sev_names[i], o->findings[i]);
	jw_end_object(&w);
	if (s->have_child) {
		jw_object(&w, "child_status");
		if (WIFEXITED(s->child_status)) {
			jw_i64(&w, "exit_code", WEXITSTATUS(s->child_status));
			jw_null(&w, "signal");
		} else {
			jw_null(&w, "exit_code");
			jw_i64(&w, "signal", WIFSIGNALED(s->child_status) ? WTERMSIG(s->child_status) : 0);
		}
		jw_end_object(&w);
	} else {
		jw_null(&w, "child_status");
	}
	json_child_state(&w, s);
	json_livelocks(&w, o);
	jw_u64(&w, "events_folded", o->agg ? o->agg->events - o->agg->lines : 0);
	jw_object(&w, "gfs2_layout");
	jw_u64(&w, "checks", s->counters[FL_CNT_GFS2_LAYOUT_CHECKS]);
	jw_u64(&w, "mismatches", s->counters[FL_CNT_GFS2_LAYOUT_MISMATCH]);
	jw_end_object(&w);
	jw_object(&w, "hooks");
	for (int i = 0; s->hooks && i < fl_nr_hooks; i++)
		jw_str(&w, fl_hooks[i].name, fl_mode_name(s->hooks[i].mode));
	jw_end_object(&w);
	jw_array(&w, "filesystems");
	for (int i = 0; i < s->nr_fs; i++) {
		const struct fl_fs_row *r = &s->fs[i];
		char dev[24], fstype[FL_FSTYPE_LEN + 1];

		fl_format_dev(r->dev, dev, sizeof(dev));
		copy_str(fstype, r->fstype, sizeof(fstype));
		jw_object(&w, NULL);
		jw_str(&w, "fstype", fstype);
		jw_str(&w, "dev", dev);
		jw_str(&w, "op", op_name(r->op));
		jw_u64(&w, "dio_calls", r->dio_calls);
		jw_u64(&w, "dio_partial", partial(r));
		jw_u64(&w, "dio_partial_efault", r->partial_efault);
		jw_u64(&w, "dio_retries", r->retries);
		jw_u64(&w, "dio_retry_bytes", r->retry_bytes);
		jw_u64(&w, "same_file_fault", r->same_file_fault);
		jw_end_object(&w);
	}
	jw_end_array(&w);
	jw_end_object(&w);
	fputc('\n', o->f);
}

static void summary_text(struct fl_output *o, const struct fl_summary *s)
{
	const char *names[20];
	int64_t vals[20];
	bool known[20];
	int n, unavailable = 0;

	fprintf(o->f, "\nfaultlock: traced %s for %.2f s", s->target, s->duration_s);
	if (s->have_child) {
		if (WIFEXITED(s->child_status))
			fprintf(o->f, "; it exited with status %d", WEXITSTATUS(s->child_status));
		else if (WIFSIGNALED(s->child_status))
			fprintf(o->f, "; it was killed by signal %d (%s)", WTERMSIG(s->child_status),
				strsignal(WTERMSIG(s->child_status)));
	}
	if (s->child_alive) {
		fprintf(o->f, "; it did not exit when told to, and is still there:");
		for (int i = 0; i < s->nr_child_state; i++) {
			const struct fl_thread_state *t = &s->child_state[i];

			fprintf(o->f, "\n  %s[%d/%d] %s%s%s", t->comm, t->pid, t->tid,
				fl_task_state_name(t->state), t->wchan[0] ? " in " : "", t->wchan);
			for (int k = 0; k < t->nr_frames; k++)
				fprintf(o->f, "\n      %s", t->frames[k]);
		}
	}
	for (int i = 0; i < o->livelocks.nr; i++) {
		const struct fl_livelock_ep *e = &o->livelocks.ep[i];
		char sys[64];

		if (!i)
			fprintf(o->f, "\n\nRetry livelocks");
		fl_syscall_format(e->syscall_nr, e->syscall_arg1, sys, sizeof(sys));
		fprintf(o->f, "\n  %s[%u/%u] %s %s on %s ino %" PRIu64 ": at least %" PRIu64
			" iterations in %.2f s, %s", e->comm, e->pid, e->tid, sys,
			fl_livelock_kind_name(e->kind), e->fstype[0] ? e->fstype : "?", e->ino,
			e->iterations, episode_secs(e), e->ended ? "ended" : "STILL LOOPING");
	}
	fprintf(o->f, "\n\nDirect I/O per file system\n");
	fprintf(o->f, "%-10s %-8s %-6s %10s %8s %8s %12s %16s\n", "FSTYPE", "DEV", "OP", "DIO_CALLS",
		"PARTIAL", "RETRIES", "RETRY_BYTES", "SAME_FILE_FAULT");
	if (!s->nr_fs)
		fprintf(o->f, "(no direct I/O seen)\n");
	for (int i = 0; i < s->nr_fs; i++) {
		const struct fl_fs_row *r = &s->fs[i];
		char dev[24], fstype[FL_FSTYPE_LEN + 1];

		fl_format_dev(r->dev, dev, sizeof(dev));
		copy_str(fstype, r->fstype, sizeof(fstype));
		fprintf(o->f, "%-10s %-8s %-6s %10" PRIu64 " %8" PRIu64 " %8" PRIu64 " %12" PRIu64
			" %16" PRIu64 "\n", fstype, dev, op_name(r->op), r->dio_calls, partial(r),
			r->retries, r->retry_bytes, r->same_file_fault);
	}
	fprintf(o->f, "\nCounts\n");
	summary_counts(s, names, vals, known, &n);
	for (int i = 0; i < n; i++)
		if (known[i])
			fprintf(o->f, "  %-18s %" PRId64 "\n", names[i], vals[i]);
		else
			fprintf(o->f, "  %-18s - (hook unavailable)\n", names[i]);
	if (s->counters[FL_CNT_GFS2_LAYOUT_CHECKS])
		fprintf(o->f, "\ngfs2 holder layout: %" PRIu64 " of %" PRIu64 " glock ids read by"
			" offset matched gfs2's own%s\n",
			(uint64_t)(s->counters[FL_CNT_GFS2_LAYOUT_CHECKS] -
				   s->counters[FL_CNT_GFS2_LAYOUT_MISMATCH]),
			(uint64_t)s->counters[FL_CNT_GFS2_LAYOUT_CHECKS],
			s->counters[FL_CNT_GFS2_LAYOUT_MISMATCH] ? ": LOCK FINDINGS ARE UNRELIABLE" : "");
	fprintf(o->f, "\nFindings: %" PRIu64 " error, %" PRIu64 " warning, %" PRIu64 " info\n",
		o->findings[FL_SEV_ERROR], o->findings[FL_SEV_WARNING], o->findings[FL_SEV_INFO]);
	if (o->agg && o->agg->events > o->agg->lines)
		fprintf(o->f, "(%" PRIu64 " info events folded into %" PRIu64 " lines: at most one a second per task and site)\n",
			o->agg->events, o->agg->lines);
	for (int i = 0; s->hooks && i < fl_nr_hooks; i++)
		if (s->hooks[i].mode == FL_MODE_NONE)
			fprintf(o->f, "%s%s", unavailable++ ? ", " : "Hooks unavailable here: ",
				fl_hooks[i].name);
	if (unavailable)
		fprintf(o->f, "\n(`faultlock check` says why and what is lost)\n");
}

void fl_output_summary(struct fl_output *o, const struct fl_summary *s)
{
	if (o->json)
		summary_json(o, s);
	else
		summary_text(o, s);
}
