// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `faultlock daemon`: placeholder until the daemon lands. */
#include "faultlock.h"

int cmd_daemon(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	elog("daemon: not available in this version");
	return FL_EXIT_USAGE;
}
