/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Ring-buffer records: validated against the catalogue, then decoded once
 * into a sanitised view (strings cut and made printable, devices and
 * addresses formatted, sites symbolised) that the JSON and text emitters
 * read. Numbers stay in the validated record (view->raw).
 */
#ifndef FL_RECORD_H
#define FL_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "catalog.h"

struct fl_ksyms;
struct fl_stall;
struct fl_deadlock;
struct fl_remote_demote;

/* Validates a raw record: its type, or -EINVAL if malformed or truncated. */
int fl_record_type(const void *data, size_t size);
const char *fl_record_type_name(int type);
/* Its severity: the catalogue's, or what the record says (lock_order). */
enum fl_severity fl_record_severity(const void *data, int type);

struct fl_view_file {
	bool set;			/* the record names a file */
	char fstype[FL_FSTYPE_LEN + 1];
	char dev[24];			/* MAJ:MIN */
	uint64_t ino;
};

struct fl_view_lock {
	bool set;
	char name[80];			/* gfs2's TYPE:NUMBER; extent:ROOT:INO:START+LEN */
	char dev[24];
	uint32_t provider;		/* enum fl_lock_kind */
	uint32_t type;
	uint64_t number;		/* gfs2: the glock number; btrfs: the inode */
};

struct fl_view {
	const struct fl_event_type *et;	/* name */
	enum fl_severity severity;
	int rec;			/* FL_REC_*; 0: lock_stall (made in user space) */
	uint64_t ts;
	uint32_t pid, tid;
	char comm[FL_COMM_LEN + 1];
	uint64_t count;			/* info events this line stands for (>= 1) */
	struct fl_view_file file;	/* the file the event is about */
	struct fl_view_file fault_file;	/* the file a fault inside it maps */
	struct fl_view_lock lock;
	struct fl_view_lock lock2;	/* lock_order: the lock requested now */
	char first_site[256];		/* lock_order: the first task's held site ... */
	char first_req_site[256];	/* ... and where it asked for the other lock */
	const __u64 *first_stack;	/* lock_order: the first task's request */
	uint32_t nr_first_stack;
	char addr[24];			/* the user address, 0x... */
	char site[256];			/* held site, or the faulting ip */
	char req_site[256];		/* requested site */
	char syscall[64];		/* retry_livelock: the system call looping */
	double secs, rate;		/* retry_livelock: episode so far, iterations/s */
	const __u64 *stack;		/* kernel stack, symbolised by the emitters */
	uint32_t nr_stack;
	const __u64 *held_stack;	/* range locks: where the held range was taken */
	uint32_t nr_held_stack;
	const void *raw;		/* the validated record */
	const struct fl_stall *stall;	/* lock_stall */
	const struct fl_deadlock *deadlock;	/* deadlock */
	const struct fl_remote_demote *remote;	/* remote_demote */
	char holder_comm[FL_COMM_LEN + 1];	/* lock_stall */
	uint64_t waited_ms, held_ms;	/* lock_stall; remote_demote: asked, held */
};

/* Decodes a record fl_record_type accepted as `type`; ks may be NULL. */
void fl_view_record(struct fl_view *v, const void *data, int type, const struct fl_ksyms *ks);
/* The same for a lock_stall found by the user-space scan. */
void fl_view_stall(struct fl_view *v, const struct fl_stall *st, const struct fl_ksyms *ks);
/* The same for a deadlock cycle found in user space. */
void fl_view_deadlock(struct fl_view *v, const struct fl_deadlock *d, const struct fl_ksyms *ks);
/* "extent:ROOT:INO:START+LEN": the btrfs range w asks for, as findings name it. */
void fl_btrfs_range_name(char *out, size_t len, const struct fl_waiter *w);
/* The same for another node's request of a lock held here. */
void fl_view_remote(struct fl_view *v, const struct fl_remote_demote *r, const struct fl_ksyms *ks);
/* Calls fn for each frame of v's stack, symbolised with ks, BPF's own
 * frames at the top left out. */
void fl_view_frames(const struct fl_view *v, const struct fl_ksyms *ks,
		    void (*fn)(void *arg, const char *frame), void *arg);
/* The same for any stack of n frames. */
void fl_stack_frames(const __u64 *stack, uint32_t n, const struct fl_ksyms *ks,
		     void (*fn)(void *arg, const char *frame), void *arg);

#endif
