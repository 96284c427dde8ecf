// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `faultlock check`: what this kernel lets faultlock hook, found by probing. */
#include <argp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "faultlock.h"
#include "resolve.h"
#include "json.h"
#include "loader.h"
#include "options.h"

static struct {
	bool json;
	const char *btf_path;
} opts;

enum { OPT_BTF = 1000 };

static const struct argp_option check_options[] = {
	{ "json", 'j', NULL, 0, "One JSON object on stdout", 0 },
	{ "btf", OPT_BTF, "PATH", 0, "Kernel BTF that trace would use for CO-RE (shown, checked)", 0 },
	{ 0 },
};

static error_t check_parse(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	switch (key) {
	case 'j': opts.json = true; break;
	case OPT_BTF: opts.btf_path = fl_parse_btf(state, arg); break;
	case ARGP_KEY_ARG: argp_error(state, "unexpected argument '%s'", arg); break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child check_children[] = {
	{ &fl_verbose_argp, 0, NULL, 0 },
	{ 0 },
};

static const struct argp check_argp = {
	.options = check_options,
	.children = check_children,
	.parser = check_parse,
	.args_doc = "",
	.doc = "Show the kernel's BTF, lockdown and gfs2 state, every hook faultlock knows with "
	       "the mode it would use here (found by trial load and attach), and the event "
	       "types `trace` can produce on this kernel.\v"
	       "Exit status: 0 if at least one event type can be produced, 3 otherwise.",
};

static void print_text(const struct fl_sysinfo *si, const struct fl_hook_state *st)
{
	printf("kernel      %s\n", si->release);
	printf("btf         vmlinux %s; modules: %s\n", si->btf_vmlinux ? "yes" : "no",
	       si->btf_modules[0] ? si->btf_modules : "none");
	if (opts.btf_path)
		printf("            --btf %s for CO-RE (attach still needs the kernel's own BTF for\n"
		       "            tp_btf, fentry and task storage; kprobes and tracepoints do not)\n",
		       opts.btf_path);
	else if (!si->btf_vmlinux)
		printf("            trace needs --btf PATH (a BTF of this kernel) for CO-RE\n");
	printf("gfs2        %s\n", si->gfs2_loaded ? "loaded" : "not loaded");
	printf("lockdown    %s\n", si->lockdown);
	printf("bpf         ringbuf %s, task storage %s, bpf_find_vma %s, task stack iterator %s\n",
	       si->ringbuf ? "yes" : "no", si->task_storage ? "yes" : "no (tid hash instead)",
	       si->find_vma ? "yes" : "no (same_file_fault unavailable)",
	       si->task_iter ? "yes" : "no (the daemon shows no holder stacks)");
	printf("\n%-28s %-11s %s\n", "HOOK", "MODE", "STATUS");
	for (int i = 0; i < fl_nr_hooks; i++) {
		const char *target = fl_hook_target(&fl_hooks[i], st[i].mode);

		if (st[i].mode != FL_MODE_NONE && strcmp(target, fl_hooks[i].name))
			printf("%-28s %-11s ok (on %s)\n", fl_hooks[i].name, fl_mode_name(st[i].mode), target);
		else if (st[i].mode != FL_MODE_NONE)
			printf("%-28s %-11s ok\n", fl_hooks[i].name, fl_mode_name(st[i].mode));
		else
			printf("%-28s %-11s unavailable (%s)\n", fl_hooks[i].name, "-", st[i].why);
	}
	printf("\n%-18s %-9s %s\n", "EVENT", "SEVERITY", "TRACE CAN PRODUCE");
	for (int i = 0; i < fl_nr_event_types; i++) {
		const struct fl_event_type *et = &fl_event_types[i];
		bool ok = fl_event_type_available(et, st, si->find_vma);

		printf("%-18s %-9s %s", et->type, fl_severity_name(et->severity), ok ? "yes" : "no (needs");
		for (int set = 0; !ok && set < FL_NEEDS_SETS && et->needs[set][0]; set++) {
			printf("%s", set ? " or" : "");
			for (int n = 0; n < FL_NEEDS_HOOKS && et->needs[set][n]; n++)
				printf(" %s", et->needs[set][n]);
		}
		if (!ok && et->needs_find_vma)
			printf(" and bpf_find_vma");
		printf("%s\n", ok ? "" : ")");
	}
	printf("\nnote: gfs2 holder and glock fields are read at fixed offsets (5.10's gfs2 has no\n"
	       "BTF); %s.\n",
	       st[FL_HOOK_GLOCK_QUEUE].mode != FL_MODE_NONE ?
	       "trace checks them against gfs2_glock_queue's own glock ids" :
	       "without the gfs2_glock_queue tracepoint they go unchecked");
	printf("note: page_fault_* tracepoints see hardware faults only; faults taken through\n"
	       "get_user_pages (direct I/O pinning a user buffer) need handle_mm_fault. On a\n"
	       "fixed kernel such a fault shows up as a dio_partial with a nofault iterator.\n");
}

static void print_json(const struct fl_sysinfo *si, const struct fl_hook_state *st)
{
	struct jw w;

	jw_init(&w, stdout);
	jw_object(&w, NULL);
	jw_str(&w, "kernel", si->release);
	jw_object(&w, "btf");
	jw_bool(&w, "vmlinux", si->btf_vmlinux);
	if (opts.btf_path)
		jw_str(&w, "external", opts.btf_path);
	else
		jw_null(&w, "external");
	jw_array(&w, "modules");
	{
		char mods[sizeof(si->btf_modules)], *save = NULL;

		memcpy(mods, si->btf_modules, sizeof(mods));
		for (char *m = strtok_r(mods, " ", &save); m; m = strtok_r(NULL, " ", &save))
			jw_str(&w, NULL, m);
	}
	jw_end_array(&w);
	jw_end_object(&w);
	jw_bool(&w, "gfs2_loaded", si->gfs2_loaded);
	jw_str(&w, "lockdown", si->lockdown);
	jw_object(&w, "features");
	jw_bool(&w, "ringbuf", si->ringbuf);
	jw_bool(&w, "task_storage", si->task_storage);
	jw_bool(&w, "find_vma", si->find_vma);
	jw_bool(&w, "task_iter", si->task_iter);
	jw_end_object(&w);
	jw_array(&w, "hooks");
	for (int i = 0; i < fl_nr_hooks; i++) {
		jw_object(&w, NULL);
		jw_str(&w, "hook", fl_hooks[i].name);
		jw_str(&w, "mode", fl_mode_name(st[i].mode));
		jw_str(&w, "status", st[i].mode != FL_MODE_NONE ? "ok" : "unavailable");
		if (st[i].mode != FL_MODE_NONE)
			jw_str(&w, "target", fl_hook_target(&fl_hooks[i], st[i].mode));
		if (st[i].mode == FL_MODE_NONE)
			jw_str(&w, "reason", st[i].why);
		jw_end_object(&w);
	}
	jw_end_array(&w);
	jw_array(&w, "events");
	for (int i = 0; i < fl_nr_event_types; i++) {
		const struct fl_event_type *et = &fl_event_types[i];

		jw_object(&w, NULL);
		jw_str(&w, "type", et->type);
		jw_str(&w, "severity", fl_severity_name(et->severity));
		jw_bool(&w, "available", fl_event_type_available(et, st, si->find_vma));
		jw_end_object(&w);
	}
	jw_end_array(&w);
	jw_end_object(&w);
	fputc('\n', stdout);
}

int cmd_check(int argc, char **argv)
{
	static struct fl_loader l;
	int avail = 0, err;

	if (argp_parse(&check_argp, argc, argv, 0, NULL, NULL))
		return FL_EXIT_USAGE;
	err = fl_loader__prepare(&l);
	if (err)
		return fl_prepare_exit(err);
	if (opts.json)
		print_json(&l.si, l.states);
	else
		print_text(&l.si, l.states);
	for (int i = 0; i < fl_nr_event_types; i++)
		if (fl_event_types[i].needs[0][0] && fl_event_type_available(&fl_event_types[i], l.states, l.si.find_vma))
			avail++;
	fl_loader__destroy(&l);		/* a tracefs mounted to probe goes again */
	if (!avail) {
		elog("this kernel lets faultlock produce no event type (see the table above)");
		return FL_EXIT_ENV;
	}
	return FL_EXIT_OK;
}
