// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: arbitrary bytes as a ring-buffer record, printed by
 * fl_output_record in text and JSON mode, with and without stacks and
 * symbolization. It must never crash or read past `size` (ASan), and in
 * JSON mode every accepted record must be exactly one well-formed JSON line
 * and every rejected one print nothing (-DFL_FUZZ_MEMORY_ONLY: memory safety
 * only; -DFL_FUZZ_CHECK_UTF8: the JSON must also be valid UTF-8;
 * -DFL_FUZZ_CHECK_TEXT: text lines must hold no control character).
 * Build and run: see tests/fuzz/README.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define FL_TEST_NO_CMOCKA
#include "../unit/fltest.h"
#include "ksyms.h"
#include "report.h"

static FILE *devnull;
static struct fl_ksyms *ksyms;

static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81200000 T handle_mm_fault\n"
	"ffffffff81300000 D some_data\n"
	"ffffffffc0a00000 t gfs2_glock_nq\t[gfs2]\n"
	"ffffffffc0a01000 t gfs2_glock_dq\t[gfs2]\n";

static void load_ksyms(void)
{
	char path[] = "/tmp/fl-fuzz-ksyms-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, kallsyms, sizeof(kallsyms) - 1) != (ssize_t)(sizeof(kallsyms) - 1))
		abort();
	close(fd);
	ksyms = fl_ksyms__load(path);
	unlink(path);
	if (!ksyms)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	load_ksyms();
	return 0;
}

/* A retry_livelock update only moves the episode's counts on: no line. */
static bool silent_record(const uint8_t *rec, int type)
{
	return type == FL_REC_RETRY_LIVELOCK &&
	       ((const struct fl_rec_livelock *)rec)->phase == FL_LL_UPDATE;
}

static void check_json(const char *out, size_t len, int type, bool silent)
{
#ifdef FL_FUZZ_MEMORY_ONLY
	(void)out; (void)len; (void)type; (void)silent;
	return;
#endif
	if (silent) {
		if (len) {
			fprintf(stderr, "a livelock update printed %zu bytes\n", len);
			abort();
		}
		return;
	}
	if (type < 0) {
		if (len) {
			fprintf(stderr, "rejected record printed %zu bytes\n", len);
			abort();
		}
		return;
	}
	if (!jc_is_line(out)) {
		fprintf(stderr, "not one JSON line: %s\n", out);
		abort();
	}
#ifdef FL_FUZZ_CHECK_UTF8
	if (!jc_utf8_valid((const unsigned char *)out, len)) {
		fprintf(stderr, "JSON line is not UTF-8: %s\n", out);
		abort();
	}
#endif
}

static void check_text(const char *out, size_t len)
{
#ifdef FL_FUZZ_CHECK_TEXT
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)out[i] < 0x20 && out[i] != '\n') {
			fprintf(stderr, "control char 0x%02x in text output: %s\n", out[i], out);
			abort();
		}
#else
	(void)out;
	(void)len;
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: ASan flags any read past `size`. */
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	for (int mode = 0; mode < 8; mode++) {
		struct fl_output o;
		char *out = NULL;
		size_t len = 0;
		int type;

		memset(&o, 0, sizeof(o));
		o.json = mode & 1;
		o.stacks = mode & 2;
		o.ksyms = mode & 4 ? ksyms : NULL;
		o.start_ts = 1000000000ULL;
#if !defined(FL_FUZZ_CHECK_TEXT)
		if (!o.json) {
			o.f = devnull;
			type = fl_output_record(&o, buf, size);
		} else
#endif
		{
			o.f = open_memstream(&out, &len);
			if (!o.f)
				abort();
			type = fl_output_record(&o, buf, size);
			fclose(o.f);
			if (o.json)
				check_json(out ? out : "", len, type, type > 0 && silent_record(buf, type));
			else
				check_text(out ? out : "", len);
			free(out);
		}
		if ((type < 0) != (o.malformed == 1))
			abort();
	}
	free(buf);
	return 0;
}
