# smtpscope: packet-level SMTP analyzer.  See README.md.
#
#   make            build build/release/smtpscope (installs Debian deps if missing)
#   make demo       build, replay the sample capture, write report.html, print findings
#   make test       unit, end-to-end and fuzz-smoke tests (what CI runs)
#   make asan       the test suite under AddressSanitizer + UBSan
#   make fuzz       each libFuzzer target for FUZZ_SECONDS (default 60)
#   make bench      the performance table (README "Performance")
#   make install    PREFIX=/usr/local DESTDIR= (binary, man pages, systemd unit, bash completion)
#   make deb        a Debian package in build/release/ (dpkg-deb from a staged install)
#   make clean

PREFIX  ?= /usr/local
DESTDIR ?=
CFG     ?= release
CC      ?= cc
PKGS     = libpcap libndpi sqlite3 libpsl libcrypto zlib libzstd liblzma hiredis libmicrohttpd libxxhash
B        = build/$(CFG)

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
       -Wformat=2 -Wpointer-arith -Wno-missing-field-initializers
OPT_release = -O2 -g
OPT_asan    = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT_fuzz    = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
OPT         = $(OPT_$(CFG))
# nDPI's headers are not -Wstrict-prototypes clean: include them as system headers.
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null | sed 's/-I/-isystem /g')
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CPPFLAGS   += -I. -I$(B)/gen -D_GNU_SOURCE
CFLAGS     += -std=gnu11 $(OPT) $(WARN) $(PKG_CFLAGS) -MMD -MP
LDFLAGS    += $(filter -fsanitize=%,$(OPT))
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
TOOLS_BIN    = $(B)/tests/mkpcap $(B)/tests/pcapcount

DEPS_STAMP   = build/.deps-build
# Man pages: man/*.1.in with each command's --help put in (man/mkman.sh).
MAN_IN       = $(wildcard man/*.1.in)
MAN_PAGES    = $(MAN_IN:man/%.1.in=$(B)/man/%.1)

.PHONY: all deps deps-test test unit e2e asan fuzz fuzz-build fuzz-targets bench demo install clean test-shared man deb
.DEFAULT_GOAL := all

all: $(BIN) $(TOOLS_BIN) $(MAN_PAGES)

# Dependencies: installed once by deps.sh (apt-get as root).
$(DEPS_STAMP): deps.sh
	@./deps.sh build
	@mkdir -p build && touch $@
deps: $(DEPS_STAMP)
deps-test: $(DEPS_STAMP)
	@./deps.sh test

$(B)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/gen/schema_sql.c: $(sort $(wildcard schema/*.sql)) schema/embed-sql.sh
	@mkdir -p $(dir $@)
	./schema/embed-sql.sh $@ schema_files $(sort $(wildcard schema/*.sql))

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

$(B)/tests/pcapcount: $(B)/tests/gen/pcapcount.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# ---- tests ----------------------------------------------------------------
test: all $(UNIT_BIN)
	@./deps.sh test || echo "smtpscope: some test tools are missing; their tests will skip" >&2
	@BUILD=$(B) ./tests/run.sh

unit: $(UNIT_BIN)
	@BUILD=$(B) ./tests/run.sh unit

asan:
	$(MAKE) CFG=asan CC=clang test

# ---- fuzzing (clang libFuzzer) --------------------------------------------
# make fuzz-build   CFG=fuzz objects (-fsanitize=fuzzer-no-link,address,undefined)
#                   in build/fuzz/, each target linked with -fsanitize=fuzzer
# make fuzz         runs every target FUZZ_SECONDS (tests/fuzz/run.sh); the seed
#                   corpora in tests/fuzz/corpus/ come from tests/fuzz/mkseeds.py
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= $(shell command -v clang 2>/dev/null || command -v clang-14 2>/dev/null || echo clang)
FUZZ_SRC      = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_OBJ      = $(FUZZ_SRC:%.c=build/fuzz/%.o)
FUZZ_BIN      = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
fuzz-build:
	$(MAKE) CFG=fuzz CC=$(FUZZ_CC) fuzz-targets
fuzz-targets: $(FUZZ_BIN)
# Static pattern rules: the $(B)/tests/% test-binary rule must not claim these.
$(FUZZ_OBJ): build/fuzz/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
$(FUZZ_BIN): build/fuzz/%: build/fuzz/tests/fuzz/%.o build/fuzz/libsmtpscope.a
	$(CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)
fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_BUILD=build/fuzz ./tests/fuzz/run.sh

# ---- demo, bench, install -----------------------------------------------------
demo: all
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
	rm -rf build/release build/asan build/fuzz build/tests-out smtpscope.db smtpscope.db-wal smtpscope.db-shm report.html

-include $(shell find build -name '*.d' -type f 2>/dev/null)
