# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# faultlock: `make` builds one static binary, ./faultlock.
#   make V=1            show every command
#   make test           unit + host integration tests (root for the latter)
#   make vmtest         real Debian kernels under QEMU (KERNELS="6.1" narrows)
#   make soak           ten minutes of event storm under the daemon (root)
#   make install        PREFIX=/usr/local DESTDIR=

VERSION := 0.1.0
OUTPUT ?= .output
PREFIX ?= /usr/local
DESTDIR ?=

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool

ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX_DIR := vmlinux/$(ARCH)
ifeq ($(wildcard $(VMLINUX_DIR)/vmlinux.h),)
$(error Architecture $(ARCH) is not supported yet: no $(VMLINUX_DIR)/vmlinux.h (see `make vmlinux`))
endif

ifeq ($(V),1)
	Q =
	msg =
else
	Q = @
	msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
	MAKEFLAGS += --no-print-directory
endif

# clang -target bpf misses the arch include dirs (asm/types.h): add them.
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

WARNINGS := -Wall -Wextra -Werror
# CFLAGS is the user's (make CFLAGS=-O0 works); what the build needs is apart.
CFLAGS ?= -g -O2
FL_CFLAGS := -std=gnu11 $(WARNINGS) -D_GNU_SOURCE -DFAULTLOCK_VERSION='"$(VERSION)"' \
	-Iinclude -Isrc -I$(OUTPUT)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -D__bpf__ $(WARNINGS) \
	-Wno-unused-parameter -Wno-missing-field-initializers \
	-Iinclude -I$(VMLINUX_DIR) $(CLANG_BPF_SYS_INCLUDES)
# Static so the same binary runs in a bare initramfs on any kernel.
LDFLAGS_STATIC := -static
LDLIBS := -l:libbpf.a -l:libelf.a -l:libz.a -l:libevent.a -l:libjson-c.a

# common.bpf.c (the definitions of the shared maps) first: bpftool's linker
# leaves externs of objects before it unresolved in the .maps section.
BPF_SRCS := bpf/common.bpf.c $(filter-out bpf/common.bpf.c,$(wildcard bpf/*.bpf.c))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKEL := $(OUTPUT)/faultlock.skel.h

APP_SRCS := $(wildcard src/*.c)
APP_OBJS := $(patsubst src/%.c,$(OUTPUT)/src/%.o,$(APP_SRCS))
LIB_OBJS := $(filter-out $(OUTPUT)/src/main.o,$(APP_OBJS))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/unit/%,$(UNIT_SRCS))

# libFuzzer targets (tests/fuzz/README.md): one per oracle set.
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-std=gnu11 $(WARNINGS) -D_GNU_SOURCE -DFAULTLOCK_VERSION='"fuzz"' -Iinclude -Isrc
# The record decoder and emitters alone: no libbpf (it must not be needed to print).
FUZZ_SRCS := tests/fuzz/fuzz_record.c src/report.c src/record.c src/event_json.c src/event_text.c \
	src/summary.c src/names.c src/snapshot.c src/json.c src/ksyms.c src/catalog.c \
	src/aggregate.c src/livelock.c src/syscalls.c src/taskstate.c src/stall.c src/dlmview.c src/gfs2fs.c src/btrfsfs.c src/glockdump.c
FUZZ_BINS := $(OUTPUT)/fuzz/fuzz_record $(OUTPUT)/fuzz/fuzz_record_utf8 \
	$(OUTPUT)/fuzz/fuzz_record_text \
	$(OUTPUT)/fuzz/fuzz_http $(OUTPUT)/fuzz/fuzz_listen $(OUTPUT)/fuzz/fuzz_options
fuzz_record_defs := 
fuzz_record_utf8_defs := -DFL_FUZZ_CHECK_UTF8
fuzz_record_text_defs := -DFL_FUZZ_CHECK_TEXT
# The daemon's HTTP front end (an in-process evhttp server fed over loopback)
# and --listen parser, linked to libevent as the daemon is; the option
# parsers of options.c and FAULTLOCK_HOOK_MODES (resolve.c), with libbpf.
FUZZ_HTTP_SRCS := src/http.c src/connlimit.c
FUZZ_OPTIONS_SRCS := src/options.c src/resolve.c src/tpformat.c src/catalog.c src/probe.c src/process.c
# Seed corpora: tests/fuzz/seeds/TARGET/, copied into TARGET's corpus.
FUZZ_SEED_DIRS := $(wildcard tests/fuzz/seeds/*)

# ASan+UBSan build of ./faultlock for the san tier (tests/san/run.sh): the
# same sources, linked to the shared libbpf/libelf/libz/libevent (the
# sanitizer runtimes need a dynamic executable).
SAN_OUTPUT := $(OUTPUT)/san
SAN_CFLAGS := -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_OBJS := $(patsubst src/%.c,$(SAN_OUTPUT)/src/%.o,$(APP_SRCS))
SAN_BIN := $(SAN_OUTPUT)/faultlock

BENCH_BINS := $(OUTPUT)/bench/fault_storm $(OUTPUT)/bench/dio_loop $(OUTPUT)/bench/fork_loop \
	$(OUTPUT)/bench/btrfs_write $(OUTPUT)/bench/fl-empty

WORKLOAD_SRCS := $(wildcard tests/workloads/*.c)
WORKLOADS := $(patsubst tests/workloads/%.c,$(OUTPUT)/workloads/%,$(WORKLOAD_SRCS))

.PHONY: all clean install test unit fuzz fuzz-seeds san bench soak hosttest vmtest workloads vmlinux demo deb
.DELETE_ON_ERROR:
.SECONDARY:

all: faultlock workloads

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/src $(OUTPUT)/unit $(OUTPUT)/workloads $(OUTPUT)/fuzz $(OUTPUT)/bench \
		$(SAN_OUTPUT)/src:
	$(Q)mkdir -p $@

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

# Several concerns, one skeleton: bpftool's static linker resolves the
# extern maps and globals of bpf/faultlock.bpf.h.
$(OUTPUT)/faultlock.bpf.o: $(BPF_OBJS)
	$(call msg,GEN-LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(SKEL): $(OUTPUT)/faultlock.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name faultlock_bpf > $@

$(OUTPUT)/src/%.o: src/%.c | $(OUTPUT)/src $(SKEL)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(FL_CFLAGS) -MMD -MP -c $< -o $@

faultlock: $(APP_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(FL_CFLAGS) $(LDFLAGS_STATIC) $^ $(LDLIBS) -o $@

workloads: $(WORKLOADS)

$(OUTPUT)/workloads/%: tests/workloads/%.c tests/workloads/wl.h tests/workloads/uffd.h | $(OUTPUT)/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -std=gnu11 $(WARNINGS) -static -pthread $< -o $@

$(OUTPUT)/unit/%: tests/unit/%.c $(LIB_OBJS) | $(OUTPUT)/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(FL_CFLAGS) -MMD -MP $^ -l:libbpf.a -lelf -lz -l:libevent.a -l:libjson-c.a -lcmocka -o $@

unit: $(UNIT_BINS)
	$(Q)TIERS=unit tests/run-all.sh

$(OUTPUT)/fuzz/%: $(FUZZ_SRCS) $(wildcard include/*.h src/*.h tests/unit/fltest.h) | $(OUTPUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $($*_defs) $(FUZZ_SRCS) -o $@

$(OUTPUT)/fuzz/fuzz_http $(OUTPUT)/fuzz/fuzz_listen: $(OUTPUT)/fuzz/%: tests/fuzz/%.c $(FUZZ_HTTP_SRCS) \
		$(wildcard include/*.h src/*.h) | $(OUTPUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< $(FUZZ_HTTP_SRCS) -l:libevent.a -o $@

# argp_error wrapped: the parsers' refusals are recorded, not printed.
$(OUTPUT)/fuzz/fuzz_options: tests/fuzz/fuzz_options.c $(FUZZ_OPTIONS_SRCS) \
		$(wildcard include/*.h src/*.h) | $(OUTPUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -Wl,--wrap=argp_error $< $(FUZZ_OPTIONS_SRCS) \
		-l:libbpf.a -l:libelf.a -l:libz.a -o $@

fuzz-seeds: | $(OUTPUT)/fuzz
	$(Q)for d in $(FUZZ_SEED_DIRS); do \
		mkdir -p $(OUTPUT)/fuzz/corpus-$${d##*/} && cp $$d/* $(OUTPUT)/fuzz/corpus-$${d##*/}/ || exit 1; \
	done

fuzz: $(FUZZ_BINS) fuzz-seeds
	$(Q)TIERS=fuzz tests/run-all.sh

$(SAN_OUTPUT)/src/%.o: src/%.c | $(SAN_OUTPUT)/src $(SKEL)
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_CFLAGS) $(FL_CFLAGS) -MMD -MP -c $< -o $@

$(SAN_BIN): $(SAN_OBJS)
	$(call msg,LD-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_CFLAGS) $(FL_CFLAGS) $^ -lbpf -lelf -lz -levent -ljson-c -o $@

# Leak canary LD_PRELOADed by the san tier (tests/san/canary.c).
$(SAN_OUTPUT)/canary.so: tests/san/canary.c | $(SAN_OUTPUT)/src
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O1 -std=gnu11 $(WARNINGS) -shared -fPIC $< -o $@

# The san tier alone (root): the trace and daemon commands under ASan+UBSan.
san: $(SAN_BIN) $(SAN_OUTPUT)/canary.so workloads
	$(Q)TIERS=san tests/run-all.sh

# Benchmarks (bench/run.sh, root): faultlock against empty programs on the
# same hooks, against bench/faultlock.bt and against no program, then hook
# by hook, in one run (docs/performance.md).
$(OUTPUT)/bench/empty.bpf.o: bench/empty.bpf.c bench/empty.h | $(OUTPUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/bench/empty.skel.h: $(OUTPUT)/bench/empty.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name empty_bpf > $@

$(OUTPUT)/bench/fl-empty: bench/empty.c bench/empty.h $(OUTPUT)/bench/empty.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(FL_CFLAGS) -I$(OUTPUT)/bench $< $(LDFLAGS_STATIC) $(LDLIBS) -o $@

$(OUTPUT)/bench/%: bench/%.c | $(OUTPUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -std=gnu11 $(WARNINGS) $< -o $@

bench: faultlock $(BENCH_BINS)
	$(Q)bench/run.sh

# Ten minutes of event storm under the daemon (tests/soak/run.sh, root; not
# in `make test`): RSS flat, /metrics within 1 s, every event logged or lost.
soak: faultlock workloads
	$(Q)tests/soak/run.sh

hosttest: faultlock workloads $(BENCH_BINS)
	$(Q)TIERS=host tests/run-all.sh

vmtest: faultlock workloads
	$(Q)TIERS=vm tests/run-all.sh

# The README's test command runs this: every tier, VM matrix included,
# each run even when an earlier one fails.
test: faultlock workloads $(UNIT_BINS) $(FUZZ_BINS) fuzz-seeds $(BENCH_BINS) $(SAN_BIN) $(SAN_OUTPUT)/canary.so
	$(Q)tests/run-all.sh

# Regenerate the vendored vmlinux.h from this machine's BTF (or VMLINUX_BTF=,
# then say its kernel with VMLINUX_KERNEL=MAJOR.MINOR): written as
# vmlinux_<MAJOR><MINOR>.h, the kernel it came from, and vmlinux.h pointed at it.
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
VMLINUX_KERNEL ?= $(shell uname -r | cut -d. -f1,2)
VMLINUX_FILE := vmlinux_$(subst .,,$(VMLINUX_KERNEL)).h
vmlinux:
	$(call msg,GEN,$(VMLINUX_DIR)/$(VMLINUX_FILE))
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $(VMLINUX_DIR)/$(VMLINUX_FILE).tmp
	$(Q)mv $(VMLINUX_DIR)/$(VMLINUX_FILE).tmp $(VMLINUX_DIR)/$(VMLINUX_FILE)
	$(Q)ln -sfn $(VMLINUX_FILE) $(VMLINUX_DIR)/vmlinux.h

install: faultlock
	install -D -m 0755 faultlock $(DESTDIR)$(PREFIX)/sbin/faultlock
	install -D -m 0644 docs/faultlock.8 $(DESTDIR)$(PREFIX)/share/man/man8/faultlock.8
	@# The unit starts the binary where this install puts it.
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed 's|/usr/local/sbin/faultlock|$(PREFIX)/sbin/faultlock|' packaging/faultlock.service \
		> $(DESTDIR)$(PREFIX)/lib/systemd/system/faultlock.service
	chmod 0644 $(DESTDIR)$(PREFIX)/lib/systemd/system/faultlock.service

# Debian package (debian/, dpkg-buildpackage) built in a copy of this tree,
# so dh's clean step never touches it: .output/faultlock_VERSION_ARCH.deb.
# dpkg-buildpackage's output is in $(OUTPUT)/deb/build.log, shown on failure.
deb:
	$(Q)v=$$(dpkg-parsechangelog -S Version) && [ "$$v" = "$(VERSION)" ] || \
		{ echo "deb: debian/changelog is at $$v, the Makefile at $(VERSION)" >&2; exit 1; }
	$(Q)rm -rf $(OUTPUT)/deb && mkdir -p $(OUTPUT)/deb/faultlock-$(VERSION)
	$(Q)tar -c --anchored --exclude=./$(OUTPUT) --exclude=./.git --exclude=./faultlock . | \
		tar -x -C $(OUTPUT)/deb/faultlock-$(VERSION)
	$(call msg,DEB,$(OUTPUT)/faultlock_$(VERSION)_$$(dpkg --print-architecture).deb)
	$(Q)cd $(OUTPUT)/deb/faultlock-$(VERSION) && \
		DEB_BUILD_OPTIONS="$${DEB_BUILD_OPTIONS:-parallel=2} noddebs" \
		dpkg-buildpackage -b -us -uc >../build.log 2>&1 || \
		{ cat ../build.log >&2; echo "deb: dpkg-buildpackage failed" >&2; exit 1; }
	$(Q)mv $(OUTPUT)/deb/faultlock_$(VERSION)_*.deb $(OUTPUT)/

clean:
	$(call msg,CLEAN,)
	$(Q)rm -rf $(OUTPUT) faultlock

-include $(wildcard $(OUTPUT)/bpf/*.d $(OUTPUT)/src/*.d $(OUTPUT)/unit/*.d $(SAN_OUTPUT)/src/*.d)
