// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fl-empty: attaches programs of bench/empty.bpf.c, prints "ready", and
 * holds the links until SIGINT or SIGTERM. The baseline bench/run.sh
 * measures faultlock against.
 *
 *   usage: fl-empty [--hook NAME[,NAME...]] [--mode tp_btf|tracepoint]
 *                   [--count COMM]
 *
 * Without --hook: every hook faultlock attaches on a tracepoint-only kernel,
 * each in the mode faultlock uses there (tp_btf; the btrfs ones as classic
 * tracepoints), those whose tracepoint this kernel lacks left out with a
 * note on stderr. --hook: only those, in --mode (default: the same per-hook
 * mode). --count COMM: counting programs instead of empty ones; on exit one
 * line per hook, "calls HOOK OWN ALL": the calls made by tasks named COMM,
 * and by every task.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "empty.h"
#include "empty.skel.h"

enum { MODE_DEFAULT, MODE_TP_BTF, MODE_TRACEPOINT };

struct hook {
	const char *cat, *name;
};

#define HOOK_ROW(idx, cat, ev) [idx] = { #cat, #ev },
static const struct hook hooks[FL_EMPTY_NR_HOOKS] = { FL_EMPTY_HOOKS(HOOK_ROW) };

static int usage(void)
{
	fprintf(stderr, "usage: fl-empty [--hook NAME[,NAME...]] [--mode tp_btf|tracepoint] [--count COMM]\n");
	return 2;
}

static int hook_index(const char *name)
{
	for (int i = 0; i < FL_EMPTY_NR_HOOKS; i++)
		if (!strcmp(hooks[i].name, name))
			return i;
	return -1;
}

static bool classic_exists(const struct hook *h)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/%s", h->cat, h->name);
	if (!access(path, F_OK))
		return true;
	snprintf(path, sizeof(path), "/sys/kernel/debug/tracing/events/%s/%s", h->cat, h->name);
	return !access(path, F_OK);
}

int main(int argc, char **argv)
{
	bool want[FL_EMPTY_NR_HOOKS] = {}, any = false;
	struct bpf_link *links[FL_EMPTY_NR_HOOKS] = {};
	struct bpf_program *progs[FL_EMPTY_NR_HOOKS] = {}, *p;
	const char *comm = NULL;
	int mode = MODE_DEFAULT, sig, err, ret = 3;
	struct empty_bpf *skel;
	sigset_t set;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--hook") && i + 1 < argc) {
			char *list = strdup(argv[++i]), *save = NULL;

			for (char *s = strtok_r(list, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
				int h = hook_index(s);

				if (h < 0) {
					fprintf(stderr, "fl-empty: no hook named '%s'\n", s);
					return 2;
				}
				want[h] = any = true;
			}
			free(list);
		} else if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "tp_btf"))
				mode = MODE_TP_BTF;
			else if (!strcmp(argv[i], "tracepoint"))
				mode = MODE_TRACEPOINT;
			else
				return usage();
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			comm = argv[++i];
		} else {
			return usage();
		}
	}

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	skel = empty_bpf__open();
	if (!skel) {
		fprintf(stderr, "fl-empty: cannot open the empty programs\n");
		return 3;
	}
	if (comm)
		strncpy((char *)skel->rodata->count_comm, comm, sizeof(skel->rodata->count_comm) - 1);
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, false);
	for (int i = 0; i < FL_EMPTY_NR_HOOKS; i++) {
		bool btrfs = !strcmp(hooks[i].cat, "btrfs");
		bool classic = mode == MODE_TRACEPOINT || (mode == MODE_DEFAULT && btrfs);
		char name[64];

		if (any && !want[i])
			continue;
		if (!any && classic && !classic_exists(&hooks[i])) {
			fprintf(stderr, "fl-empty: %s left out: no such tracepoint here\n", hooks[i].name);
			continue;
		}
		snprintf(name, sizeof(name), "%s_%s_%s", comm ? "c" : "e", classic ? "tp" : "btf",
			 hooks[i].name);
		progs[i] = bpf_object__find_program_by_name(skel->obj, name);
		if (!progs[i]) {
			fprintf(stderr, "fl-empty: no program %s\n", name);
			goto out;
		}
		bpf_program__set_autoload(progs[i], true);
	}
	err = empty_bpf__load(skel);
	if (err) {
		fprintf(stderr, "fl-empty: cannot load the programs: %s\n", strerror(-err));
		goto out;
	}
	for (int i = 0; i < FL_EMPTY_NR_HOOKS; i++) {
		if (!progs[i])
			continue;
		links[i] = bpf_program__attach(progs[i]);
		if (!links[i]) {
			fprintf(stderr, "fl-empty: cannot attach %s: %s\n", hooks[i].name, strerror(errno));
			goto out;
		}
	}
	printf("ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
	/* detached first: the counts stop with the workload */
	for (int i = 0; i < FL_EMPTY_NR_HOOKS; i++) {
		bpf_link__destroy(links[i]);
		links[i] = NULL;
	}
	if (comm) {
		int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(skel->maps.calls);
		unsigned long long v[ncpu > 0 ? ncpu : 1];

		for (int i = 0; i < FL_EMPTY_NR_HOOKS; i++) {
			unsigned long long sum[2] = {};

			if (!progs[i])
				continue;
			for (int w = 0; w < 2; w++) {
				__u32 k = i + w * FL_EMPTY_NR_HOOKS;

				if (bpf_map_lookup_elem(fd, &k, v))
					continue;
				for (int c = 0; c < ncpu; c++)
					sum[w] += v[c];
			}
			printf("calls %s %llu %llu\n", hooks[i].name, sum[0], sum[1]);
		}
	}
	ret = 0;
out:
	for (int i = 0; i < FL_EMPTY_NR_HOOKS; i++)
		bpf_link__destroy(links[i]);
	empty_bpf__destroy(skel);
	return ret;
}
