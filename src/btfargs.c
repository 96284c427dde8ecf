// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include <bpf/btf.h>
#include "btfargs.h"

int fl_btf_param_index(const struct btf *btf, const char *func, const char *param)
{
	const struct btf_type *t, *proto;
	const struct btf_param *p;
	int id;

	if (!btf)
		return -1;
	id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	proto = t ? btf__type_by_id(btf, t->type) : NULL;
	if (!proto || !btf_is_func_proto(proto))
		return -1;
	p = btf_params(proto);
	for (int i = 0; i < btf_vlen(proto); i++) {
		const char *name = btf__name_by_offset(btf, p[i].name_off);

		if (name && !strcmp(name, param))
			return i;
	}
	return -1;
}
