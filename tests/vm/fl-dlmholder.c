// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* fl-dlmholder — the guest-side probe of src/dlmview.c: who holds FILE's
 * gfs2 glock, as this node's DLM debugfs shows it.
 *
 *   fl-dlmholder FILE [TYPE]
 *       TYPE: the glock type, default 6 (flock; its number is the inode's
 *       i_no_addr, which gfs2 also makes the inode number). Prints
 *       "dlm: ls=LS our_node=N holders=N" (holders<0: -errno), then one
 *       "holder: node=N pid=N mode=EX master=N local=0|1 inferred=0|1" each.
 *
 * Build: gcc -std=gnu11 -O2 -static -Iinclude -Isrc -o fl-dlmholder \
 *            tests/vm/fl-dlmholder.c src/dlmview.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "dlmview.h"

int main(int argc, char **argv)
{
	struct fl_dlm_holder h[8];
	char ls[256] = "";
	struct stat st;
	uint32_t dev, type;
	int n;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: fl-dlmholder FILE [TYPE]\n");
		return 2;
	}
	if (stat(argv[1], &st)) {
		perror(argv[1]);
		return 2;
	}
	type = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 6;
	/* The kernel's s_dev encoding (20-bit minor), as BPF reads it. */
	dev = (uint32_t)major(st.st_dev) << 20 | minor(st.st_dev);
	if (fl_dlm_lockspace_of(NULL, dev, ls, sizeof(ls)))
		strcpy(ls, "?");
	n = fl_dlm_find_holders(NULL, dev, type, (uint64_t)st.st_ino, h, 8);
	printf("dlm: ls=%s dev=%u:%u type=%u number=%llu our_node=%d holders=%d\n", ls,
	       major(st.st_dev), minor(st.st_dev), type, (unsigned long long)st.st_ino,
	       fl_dlm_our_node(NULL), n);
	for (int i = 0; i < n; i++)
		printf("holder: node=%d pid=%d mode=%s master=%d local=%d inferred=%d\n", h[i].node,
		       h[i].pid, fl_dlm_mode_name(h[i].mode), h[i].master, h[i].local, h[i].inferred);
	return n < 0;
}
