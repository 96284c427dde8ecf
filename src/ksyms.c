// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ksyms.h"

struct fl_ksyms {
	struct fl_ksym *syms;
	size_t nr, cap;
	char *strs;		/* all names and module names */
	size_t strs_len, strs_cap;
};

static long add_str(struct fl_ksyms *ks, const char *s)
{
	size_t n = strlen(s) + 1;
	long off;

	if (ks->strs_len + n > ks->strs_cap) {
		size_t cap = ks->strs_cap ? ks->strs_cap * 2 : 1 << 20;
		char *p;

		while (cap < ks->strs_len + n)
			cap *= 2;
		p = realloc(ks->strs, cap);
		if (!p)
			return -1;
		ks->strs = p;
		ks->strs_cap = cap;
	}
	memcpy(ks->strs + ks->strs_len, s, n);
	off = ks->strs_len;
	ks->strs_len += n;
	return off;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct fl_ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct fl_ksyms *fl_ksyms__load(const char *path)
{
	struct fl_ksyms *ks = calloc(1, sizeof(*ks));
	char line[1024], name[512], mod[128], type;
	uint64_t addr;
	FILE *f;

	if (!ks)
		return NULL;
	f = fopen(path ? path : "/proc/kallsyms", "r");
	if (!f) {
		free(ks);
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		long noff, moff = -1;
		int n = sscanf(line, "%" SCNx64 " %c %511s [%127[^]]]", &addr, &type, name, mod);

		if (n < 3 || !addr)
			continue;
		/* Text symbols only: stacks hold code addresses. */
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (ks->nr == ks->cap) {
			size_t cap = ks->cap ? ks->cap * 2 : 4096;
			struct fl_ksym *p = realloc(ks->syms, cap * sizeof(*p));

			if (!p)
				goto err;
			ks->syms = p;
			ks->cap = cap;
		}
		noff = add_str(ks, name);
		if (n == 4)
			moff = add_str(ks, mod);
		if (noff < 0 || (n == 4 && moff < 0))
			goto err;
		/* Offsets for now: strs may move while growing. */
		ks->syms[ks->nr].addr = addr;
		ks->syms[ks->nr].name = (const char *)(uintptr_t)noff;
		ks->syms[ks->nr].module = (const char *)(uintptr_t)(moff + 1);
		ks->nr++;
	}
	fclose(f);
	for (size_t i = 0; i < ks->nr; i++) {
		uintptr_t moff = (uintptr_t)ks->syms[i].module;

		ks->syms[i].name = ks->strs + (uintptr_t)ks->syms[i].name;
		ks->syms[i].module = moff ? ks->strs + moff - 1 : NULL;
	}
	if (ks->nr)
		qsort(ks->syms, ks->nr, sizeof(*ks->syms), cmp_sym);
	return ks;
err:
	fclose(f);
	fl_ksyms__free(ks);
	errno = ENOMEM;
	return NULL;
}

void fl_ksyms__free(struct fl_ksyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->strs);
	free(ks);
}

const struct fl_ksyms *fl_ksyms__system(void)
{
	static struct fl_ksyms *system;

	if (!system)
		system = fl_ksyms__load(NULL);
	return system;
}

const struct fl_ksym *fl_ksyms__find(const struct fl_ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi;

	if (!ks || !ks->nr || addr < ks->syms[0].addr)
		return NULL;
	hi = ks->nr;
	while (hi - lo > 1) {	/* last symbol with sym.addr <= addr */
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return &ks->syms[lo];
}

int fl_ksyms__range(const struct fl_ksyms *ks, const char *name, const char *module,
		    uint64_t *lo, uint64_t *hi)
{
	for (size_t i = 0; ks && i < ks->nr; i++) {
		const struct fl_ksym *s = &ks->syms[i];
		size_t j = i + 1;

		if (strcmp(s->name, name) || (module && (!s->module || strcmp(s->module, module))))
			continue;
		while (j < ks->nr && ks->syms[j].addr == s->addr)
			j++;	/* aliases share an address */
		if (j == ks->nr)
			return -ENOENT;
		*lo = s->addr;
		*hi = ks->syms[j].addr;
		return 0;
	}
	return -ENOENT;
}

void fl_ksyms__format(const struct fl_ksyms *ks, uint64_t addr, char *buf, size_t len)
{
	const struct fl_ksym *s = fl_ksyms__find(ks, addr);
	const struct fl_ksym *next = s && s + 1 < ks->syms + ks->nr ? s + 1 : NULL;

	if (!s) {
		snprintf(buf, len, "0x%" PRIx64, addr);
		return;
	}
	if (next && next->addr > s->addr)
		snprintf(buf, len, "%s+0x%" PRIx64 "/0x%" PRIx64 "%s%s%s", s->name, addr - s->addr,
			 next->addr - s->addr, s->module ? " [" : "", s->module ? s->module : "",
			 s->module ? "]" : "");
	else
		snprintf(buf, len, "%s+0x%" PRIx64 "%s%s%s", s->name, addr - s->addr,
			 s->module ? " [" : "", s->module ? s->module : "", s->module ? "]" : "");
}
