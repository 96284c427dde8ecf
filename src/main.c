// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* faultlock: command dispatch. */
#include <argp.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "faultlock.h"

static const char usage[] =
"Usage: faultlock COMMAND [OPTIONS]\n"
"\n"
"Detect and trace tasks that hold a filesystem lock (gfs2 glocks) and take\n"
"a page fault that needs it, and measure the nofault/retry machinery\n"
"(iomap direct I/O partials and retries, fault_in_*).\n"
"\n"
"Commands:\n"
"  check [--json]                  what this kernel lets faultlock hook\n"
"  trace [OPTIONS] -- CMD [ARGS]   trace CMD and its descendants\n"
"  trace [OPTIONS] -p PID | -a     trace a process, or every task\n"
"  daemon [OPTIONS]                long-running service with /metrics, /glocks\n"
"  cluster ADDR:PORT...            the cluster's glock wait-for graph from every\n"
"                                  node's daemon\n"
"\n"
"`faultlock COMMAND --help` lists a command's options.\n"
"Exit status: 0 nothing found, 1 error finding, 2 usage, 3 environment.\n";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "check", cmd_check },
	{ "trace", cmd_trace },
	{ "daemon", cmd_daemon },
	{ "cluster", cmd_cluster },
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
	argp_err_exit_status = FL_EXIT_USAGE;

	if (argc < 2) {
		fputs(usage, stderr);
		return FL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return FL_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("faultlock %s (libbpf %s)\n", FAULTLOCK_VERSION, libbpf_version_string());
		return FL_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	elog("unknown command '%s' (try: faultlock --help)", argv[1]);
	return FL_EXIT_USAGE;
}
