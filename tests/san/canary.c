// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Leak canary for the san tier (tests/san/run.sh): LD_PRELOADed into the
 * sanitized faultlock, it leaks one block of FL_SAN_CANARY_BYTES at start.
 * A run that then does not end with LeakSanitizer's report of exactly that
 * block means the tier's leak detection does not work where it is needed
 * (e.g. LSan cannot stop the daemon's threads after its capability drop, or
 * the report is not recognised): the tier fails instead of passing blind.
 * Not instrumented itself; its malloc is ASan's (interposed).
 */
#include <stdlib.h>
#include <string.h>

#define FL_SAN_CANARY_BYTES 4242

void *volatile fl_san_canary_sink;

__attribute__((constructor)) static void fl_san_canary_leak(void)
{
	char *p = malloc(FL_SAN_CANARY_BYTES);

	if (p)
		memset(p, 'x', FL_SAN_CANARY_BYTES);
	fl_san_canary_sink = p;		/* keeps the allocation ... */
	fl_san_canary_sink = NULL;	/* ... and then drops its only pointer */
}
