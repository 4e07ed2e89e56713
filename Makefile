# smtpscope: packet-level SMTP analyzer.  See README.md.
#
#   make deps       install the Debian packages (deps.sh; apt-get as root,
#                   else it prints the command).  Nothing else installs:
#                   compiling never runs apt-get.
#   make            build build/release/smtpscope
#   make demo       deps, build, replay the sample capture, write report.html, print findings
#   make test       deps, then unit, include-check, fuzz-corpus replay and
#                   end-to-end tests (what CI runs)
#   make asan       the test suite under AddressSanitizer + UBSan (clang, -Werror)
#   make ubsan      the test suite under UBSan alone (clang, -Werror)
#   make tsan       ThreadSanitizer over the threaded end-to-end tests (replay,
#                   live with 1 and 2 workers) (clang, -Werror)
#   make golden-update  rewrite tests/expected/ from this build (then review the diff)
#   make fuzz       each libFuzzer target for FUZZ_SECONDS (default 60)
#   make bench      the performance table (README "Performance")
#   make install    PREFIX=/usr/local DESTDIR= (binary, man pages, systemd unit, bash completion)
#   make deb        a Debian package in build/release/ (dpkg-deb from a staged install)
#   make clean      remove build outputs (build/); never a database or report
#
# Warnings never fail a plain build (a newer compiler must not break a
# user's make); CI and the sanitizer targets add WERROR=-Werror.
# Objects go to build/<CFG>/ for the configuration's own compiler and no
# extra flags, else to build/<CFG>-<hash of CC and flags>/, so objects of
# different compilers or flags never mix.

PREFIX  ?= /usr/local
DESTDIR ?=
CFG     ?= release
WERROR  ?=
PKGS     = libpcap libndpi sqlite3 libpsl libcrypto zlib libzstd liblzma hiredis libmicrohttpd libxxhash

# Each configuration's compiler; CC= on the command line or in the environment wins.
CC_release = cc
CC_asan    = clang
CC_ubsan   = clang
CC_tsan    = clang
CC_fuzz    = clang
ifeq ($(origin CC),default)
CC := $(or $(CC_$(CFG)),cc)
endif
BUILD_KEY := $(strip $(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS))
ifeq ($(BUILD_KEY),$(CC_$(CFG)))
B        = build/$(CFG)
else
B        = build/$(CFG)-$(shell printf '%s' '$(BUILD_KEY)' | cksum | cut -d' ' -f1)
endif

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
       -Wformat=2 -Wpointer-arith -Wno-missing-field-initializers
OPT_release = -O2 -g
OPT_asan    = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT_ubsan   = -O1 -g -fsanitize=undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT_tsan    = -O1 -g -fsanitize=thread -fno-omit-frame-pointer
OPT_fuzz    = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
OPT         = $(OPT_$(CFG))
# nDPI's headers are not -Wstrict-prototypes clean: include them as system headers.
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null | sed 's/-I/-isystem /g')
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CPPFLAGS   += -I. -I$(B)/gen -D_GNU_SOURCE
CFLAGS     += -std=gnu11 $(OPT) $(WARN) $(WERROR) $(PKG_CFLAGS) -MMD -MP
LDFLAGS    += $(filter -fsanitize=%,$(OPT))
# analyzer/base/hash_avx2.c: libxxhash's XXH3 built for AVX2, called only on
# CPUs that have it (hash.c); Debian's library is built for SSE2
ifeq ($(shell uname -m),x86_64)
CPPFLAGS   += -DHASH_HAVE_AVX2
%/analyzer/base/hash_avx2.o: CFLAGS += -mavx2
endif
LDLIBS     += $(PKG_LIBS) -lpthread

ANALYZER_SRC = $(filter-out analyzer/cli/main.c,$(wildcard analyzer/*/*.c))
DISSECT_SRC  = $(wildcard dissectors/*.c dissectors/*/*.c)
REPORT_SRC   = $(wildcard reports/*.c reports/*/*.c)
LIB_SRC      = $(ANALYZER_SRC) $(DISSECT_SRC) $(REPORT_SRC)
LIB_OBJ      = $(LIB_SRC:%.c=$(B)/%.o) $(B)/gen/schema_sql.o $(B)/gen/query_sql.o
LIB          = $(B)/libsmtpscope.a
BIN          = $(B)/smtpscope

UNIT_SRC     = $(wildcard tests/unit/test_*.c)
UNIT_BIN     = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
TOOLS_BIN    = $(B)/tests/mkpcap $(B)/tests/pcapcount $(B)/tests/golden
# every fuzz target, linked without libFuzzer to replay its corpus (make test)
FUZZ_REPLAY_BIN = $(patsubst tests/fuzz/%.c,$(B)/tests/%-replay,$(wildcard tests/fuzz/fuzz_*.c))

# Man pages: man/*.1.in with each command's --help put in (man/mkman.sh).
MAN_IN       = $(wildcard man/*.1.in)
MAN_PAGES    = $(MAN_IN:man/%.1.in=$(B)/man/%.1)

.PHONY: all deps deps-test pkgs-ok test check unit e2e asan ubsan tsan tsan-check fuzz fuzz-build \
	fuzz-targets bench demo install clean test-shared golden-update test-bins man deb
.DEFAULT_GOAL := all

all: $(BIN) $(TOOLS_BIN) $(MAN_PAGES)

# Dependencies: only ever installed here, never as a side effect of compiling.
deps:
	@./deps.sh all
deps-test: deps

# The libraries must be there to compile: say how to get them, once.
pkgs-ok:
	@pkg-config --exists $(PKGS) || { echo "smtpscope: missing libraries ($(PKGS)):" \
		"run 'make deps' (as root it installs them)" >&2; exit 1; }

$(B)/%.o: %.c | pkgs-ok
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# current.sql: what the migrations leave, made from them at build time
# (schema/mkcurrent.py); a new database gets it in one step (store.c)
MIGRATIONS = $(sort $(wildcard schema/[0-9][0-9][0-9]_*.sql))
$(B)/gen/current.sql: $(MIGRATIONS) schema/mkcurrent.py
	@mkdir -p $(dir $@)
	python3 schema/mkcurrent.py $@

$(B)/gen/schema_sql.c: $(sort $(wildcard schema/*.sql)) $(B)/gen/current.sql schema/embed-sql.sh
	@mkdir -p $(dir $@)
	./schema/embed-sql.sh $@ schema_files $(sort $(wildcard schema/*.sql)) $(B)/gen/current.sql

$(B)/gen/query_sql.c: $(sort $(wildcard reports/queries/*.sql)) schema/embed-sql.sh
	@mkdir -p $(dir $@)
	./schema/embed-sql.sh $@ query_files $(sort $(wildcard reports/queries/*.sql))

$(B)/gen/%.o: $(B)/gen/%.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(B)/analyzer/cli/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/mkpcap: $(B)/tests/gen/mkpcap.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/golden: $(B)/tests/gen/golden.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/pcapcount: $(B)/tests/gen/pcapcount.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(FUZZ_REPLAY_BIN): $(B)/tests/%-replay: $(B)/tests/fuzz/%.o $(B)/tests/fuzz/replay_main.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# ---- tests ----------------------------------------------------------------
# make test: the deps step first (a missing test tool makes its tests skip),
# then `check`, which builds and runs everything.
test:
	@$(MAKE) --no-print-directory deps || echo "smtpscope: some packages are missing; the tests that need them will skip" >&2
	@$(MAKE) --no-print-directory check

check: all $(UNIT_BIN) $(FUZZ_REPLAY_BIN)
	@BUILD=$(B) ./tests/run.sh

test-bins: all $(UNIT_BIN) $(FUZZ_REPLAY_BIN)

unit: $(UNIT_BIN) $(FUZZ_REPLAY_BIN)
	@BUILD=$(B) ./tests/run.sh unit

# Rewrites tests/expected/*.jsonl from this build (review the diff like code).
golden-update: all
	@rm -rf $(B)/pcaps && mkdir -p $(B)/pcaps $(B)/tests-out && $(B)/tests/mkpcap $(B)/pcaps > /dev/null
	@BUILD=$(B) BIN=$(BIN) PCAPS=$(B)/pcaps OUT=$(B)/tests-out GOLDEN_UPDATE=1 sh tests/e2e/test_golden.sh | tail -n 1

asan:
	$(MAKE) CFG=asan CC=clang WERROR=-Werror test

ubsan:
	$(MAKE) CFG=ubsan CC=clang WERROR=-Werror test

# ThreadSanitizer over the threaded paths: replay (a worker and the writer)
# and live capture with 1 and 2 workers and the analysis thread.  A race
# report fails the run (halt_on_error, exit code 66).
tsan:
	@$(MAKE) --no-print-directory deps || echo "smtpscope: some packages are missing; the tests that need them will skip" >&2
	$(MAKE) CFG=tsan CC=clang WERROR=-Werror tsan-check

tsan-check: all $(UNIT_BIN)
	@BUILD=$(B) TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 $${TSAN_OPTIONS:-}" \
		./tests/run.sh threads

# ---- fuzzing (clang libFuzzer) --------------------------------------------
# make fuzz-build   CFG=fuzz objects (-fsanitize=fuzzer-no-link,address,undefined)
#                   in build/fuzz/, each target linked with -fsanitize=fuzzer
# make fuzz         runs every target FUZZ_SECONDS (tests/fuzz/run.sh); the seed
#                   corpora in tests/fuzz/corpus/ come from tests/fuzz/mkseeds.py
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_SRC      = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_OBJ      = $(FUZZ_SRC:%.c=build/fuzz/%.o)
FUZZ_BIN      = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
fuzz-build:
	$(MAKE) CFG=fuzz CC=$(FUZZ_CC) fuzz-targets
fuzz-targets: $(FUZZ_BIN)
# Static pattern rules: the $(B)/tests/% test-binary rule must not claim these.
$(FUZZ_OBJ): build/fuzz/%.o: %.c | pkgs-ok
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
$(FUZZ_BIN): build/fuzz/%: build/fuzz/tests/fuzz/%.o build/fuzz/libsmtpscope.a
	$(CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)
fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_BUILD=build/fuzz ./tests/fuzz/run.sh

# ---- demo, bench, install -----------------------------------------------------
demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	$(BIN) replay --db smtpscope.db tests/pcaps/sample.pcap
	$(BIN) report --db smtpscope.db -o report.html
	@echo "smtpscope: report written to report.html"
	$(BIN) findings --db smtpscope.db

bench: all deps-test
	@BUILD=$(B) ./tests/bench/bench.sh

test-shared: all
	@BUILD=$(B) ./tests/run.sh shared

# ---- operations: man pages, systemd unit, completion, install, deb (issue 18)
UNITDIR  ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

$(B)/man/%.1: man/%.1.in man/mkman.sh $(BIN)
	@mkdir -p $(dir $@)
	./man/mkman.sh $(BIN) $< $@
man: $(MAN_PAGES)

install: $(BIN) $(MAN_PAGES)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/doc/smtpscope $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/smtpscope
	install -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/smtpscope/README.md
	install -m 0644 schema/README.md $(DESTDIR)$(PREFIX)/share/doc/smtpscope/schema.md
	install -m 0644 LICENSE $(DESTDIR)$(PREFIX)/share/doc/smtpscope/copyright
	install -m 0644 packaging/smtpscope.default $(DESTDIR)$(PREFIX)/share/doc/smtpscope/smtpscope.default
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(PREFIX)/share/man/man1/
	sed 's|@BINDIR@|$(PREFIX)/bin|g' packaging/smtpscope.service.in > $(DESTDIR)$(UNITDIR)/smtpscope.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/smtpscope.service
	install -m 0644 packaging/smtpscope.bash-completion $(DESTDIR)$(BASHCOMPDIR)/smtpscope

# A Debian package from a staged install (packaging/mkdeb.sh): build/<cfg>/smtpscope_*.deb
deb: $(BIN) $(MAN_PAGES)
	@./packaging/mkdeb.sh $(B) $(B)

clean:
	rm -rf build

-include $(shell find $(B) build/fuzz -name '*.d' -type f 2>/dev/null)
