# civis-c: one plain Makefile for the spec engine, libcivis, civis-mock,
# the tests, the examples and the benchmarks.
#
#   make run       build and start civis-mock on 127.0.0.1:8080
#   make test      build and run the whole test suite
#   make valgrind  the suite under memcheck (fails on any error or leak)
#   make asan      the suite built with AddressSanitizer + UBSan
#   make bench     the benchmarks
#   make fuzz      each libFuzzer harness for FUZZ_SECONDS (default 60), clang
#   make tsan      civis-mock under ThreadSanitizer with concurrent traffic
#
# Every source file under spec/src, client/src, mockserver/src and tests is
# picked up by wildcard: adding a file needs no edit here.

B        ?= build
PREFIX   ?= /usr/local
CC       ?= cc
VERSION  := 0.1.0

PKGS     := libcjson libcurl libmicrohttpd cunit zlib sqlite3
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# civis-mock alone hashes recorded files (SHA-256, record_files.c).
MOCK_LIBS  = $(shell pkg-config --libs nettle 2>/dev/null)

WARN     := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wwrite-strings -Wformat=2
OPT      ?= -O2 -g
# -fvisibility=hidden: libcivis.so exports only what the public headers mark
# CIVIS_EXTERN (civis/export.h); check-exports holds it.
CFLAGS   += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) $(WARN) -fPIC -fvisibility=hidden \
            -MMD -MP -Ispec/include -Iclient/include $(SAN_FLAGS) $(PKG_CFLAGS)
LDFLAGS  += $(SAN_FLAGS)
LDLIBS   = $(PKG_LIBS) -lcsv -lpthread -lm

SAN_FLAGS ?=

SPEC_SRC   := $(wildcard spec/src/*.c)
CLIENT_SRC := $(wildcard client/src/*.c)
MOCK_SRC   := $(wildcard mockserver/src/*.c)
CLI_SRC    := $(wildcard cli/*.c)
# The fuzz harnesses' entry functions are in the test binary too: the
# fuzz_regressions suite replays their seeds and regression inputs.
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(filter-out common,$(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRC)))
TEST_SRC   := $(wildcard tests/*.c) $(FUZZ_SRC)
BENCH_SRC  := $(wildcard bench/*.c)
EXAMPLE_SRC := $(wildcard examples/*.c)
EXAMPLE_TESTING_SRC := $(wildcard examples/testing/*.c)

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

SPEC_OBJ   := $(call obj,$(SPEC_SRC)) $(B)/obj/gen/bundled_spec.o
CLIENT_OBJ := $(call obj,$(CLIENT_SRC))
MOCK_OBJ   := $(call obj,$(MOCK_SRC))
CLI_OBJ    := $(call obj,$(CLI_SRC))
MOCKCORE_OBJ := $(filter-out %/main.o,$(MOCK_OBJ))
TEST_OBJ   := $(call obj,$(TEST_SRC))

LIBSPEC    := $(B)/libcivis_spec.a
LIBCIVIS   := $(B)/libcivis.a
LIBCIVIS_SO := $(B)/libcivis.so
LIBMOCKCORE := $(B)/libcivis_mockcore.a
MOCK_BIN   := $(B)/bin/civis-mock
SPEC_BIN   := $(B)/bin/civis-spec
CLI_BIN    := $(B)/bin/civis
EMBED_BIN  := $(B)/bin/civis-embed
EXTRACT_BIN := $(B)/bin/civis-spec-extract
TEST_BIN   := $(B)/tests/run_tests
BENCH_BINS := $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRC))
EXAMPLE_BINS := $(patsubst examples/%.c,$(B)/examples/%,$(EXAMPLE_SRC))
EXAMPLE_TESTING_BIN := $(if $(EXAMPLE_TESTING_SRC),$(B)/examples/testing/test_example)

# The full public spec, as bundled (spec/civis-api.json, made by civis-spec-extract).
# Tests and benchmarks read it from the repository, never from beside it.
FULL_SPEC ?= spec/civis-api.json
VALGRIND  := valgrind --leak-check=full --show-leak-kinds=all \
             --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=2 \
             --suppressions=ci/valgrind.supp --quiet
TEST_ENV  := CIVIS_MOCK_BIN=$(abspath $(MOCK_BIN)) CIVIS_TEST_FULL_SPEC=$(abspath $(FULL_SPEC)) CIVIS_TEST_DATA=$(abspath tests) \
             CIVIS_SPEC_BIN=$(abspath $(SPEC_BIN)) CIVIS_EXAMPLES_DIR=$(abspath $(B)/examples) \
             CIVIS_CLI_BIN=$(abspath $(CLI_BIN))

.PHONY: fuzz fuzz-build fuzz-run tsan tsan-build tsan-run spec-update all deps build run test test-run valgrind valgrind-run asan bench bench-run \
        format format-check clean install check-headers check-exports examples

all: build

# The dependency check runs first and alone: the package flags above are
# read only after it has installed what was missing.
deps:
	@sh ci/deps.sh

build: $(LIBSPEC) $(LIBCIVIS) $(LIBCIVIS_SO) $(MOCK_BIN) $(SPEC_BIN) $(EXTRACT_BIN) $(CLI_BIN) \
       $(TEST_BIN) \
       $(EXAMPLE_BINS) $(EXAMPLE_TESTING_BIN) $(B)/civis.pc

run: deps
	@$(MAKE) --no-print-directory $(MOCK_BIN)
	$(MOCK_BIN) --host 127.0.0.1 --port $${PORT:-8080} $(RUN_ARGS)

test: deps
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory test-run

test-run:
	$(TEST_ENV) $(TEST_ENV_EXTRA) $(TEST_BIN) $(SUITE)
	$(if $(EXAMPLE_TESTING_BIN),$(EXAMPLE_TESTING_BIN))

valgrind: deps
	@$(MAKE) --no-print-directory B=build-valgrind OPT="-O1 -g" build
	@$(MAKE) --no-print-directory B=build-valgrind valgrind-run

valgrind-run:
	$(TEST_ENV) CIVIS_UNDER_VALGRIND=1 $(VALGRIND) $(TEST_BIN) $(SUITE)

asan: deps
	@$(MAKE) --no-print-directory B=build-asan OPT="-O1 -g" \
	  SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" build
	@$(MAKE) --no-print-directory B=build-asan \
	  SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  TEST_ENV_EXTRA="CIVIS_SANITIZED=1" test-run

bench: deps
	@$(MAKE) --no-print-directory build $(BENCH_BINS)
	@$(MAKE) --no-print-directory bench-run

bench-run:
	@for b in $(BENCH_BINS); do echo "== $$b"; $(TEST_ENV) $$b $(FULL_SPEC) || exit 1; done

# ---- fuzzing ------------------------------------------------------------------
# libFuzzer needs clang: the libraries are rebuilt in build-fuzz with
# coverage, ASan and UBSan, and each harness runs FUZZ_SECONDS on a corpus
# seeded from tests/fuzz/seeds, tests/fuzz/regressions and the test data.
# A crash leaves its input in build-fuzz/fuzz/crash-<harness>-*: copy it to
# tests/fuzz/regressions/<harness>/ with the fix, and make test replays it.
FUZZ_SECONDS ?= 60
# A fixed seed makes a CI run repeat the last one's mutations; pass another
# (FUZZ_SEED=0 picks one from the clock) to explore further.
FUZZ_SEED  ?= 1
FUZZ_B     := build-fuzz
# clang's -Wformat=2 also flags the vsnprintf of our printf-like error
# helpers, which gcc (the project's compiler) checks at their callers.
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
              -Wno-format-nonliteral

fuzz: deps
	@$(MAKE) --no-print-directory B=$(FUZZ_B) CC=clang OPT="-O1 -g" \
	  SAN_FLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" fuzz-build
	@$(MAKE) --no-print-directory B=$(FUZZ_B) fuzz-run

fuzz-build: $(patsubst %,$(B)/fuzz/%,$(FUZZ_NAMES))

$(B)/fuzz/%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.c tests/fuzz/libfuzzer.c $(LIBCIVIS)
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -MMD -MP,$(CFLAGS)) -Iclient/src -fsanitize=fuzzer -DFUZZ_ENTRY=fuzz_$*_one \
	  -o $@ $(filter %.c,$^) $(LIBCIVIS) $(LDFLAGS) -fsanitize=fuzzer $(LDLIBS)

# Seeds: the checked-in ones and the regression inputs, plus the test data
# each harness reads (the hand-written spec, the example fixtures).
fuzz-run:
	@for h in $(FUZZ_NAMES); do \
	  c=$(B)/fuzz/corpus/$$h; mkdir -p $$c; \
	  cp tests/fuzz/seeds/$$h/* $$c/ 2>/dev/null; cp tests/fuzz/regressions/$$h/* $$c/ 2>/dev/null; \
	  case $$h in spec) cp tests/specs/*.json $$c/;; fixture|response) cp fixtures/examples/*.json $$c/;; esac; \
	  echo "== fuzz $$h ($(FUZZ_SECONDS) s)"; \
	  $(B)/fuzz/$$h -max_total_time=$(FUZZ_SECONDS) -seed=$(FUZZ_SEED) -max_len=262144 -timeout=30 -print_final_stats=1 \
	    -artifact_prefix=$(B)/fuzz/crash-$$h- $$c > $(B)/fuzz/$$h.log 2>&1; rc=$$?; \
	  runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(B)/fuzz/$$h.log); \
	  if [ $$rc -ne 0 ]; then tail -n 60 $(B)/fuzz/$$h.log; echo "fuzz $$h: FAILED after $${runs:-?} executions (log $(B)/fuzz/$$h.log)"; exit 1; fi; \
	  echo "fuzz $$h: $$runs executions in $(FUZZ_SECONDS) s, 0 failures"; \
	done

# ---- ThreadSanitizer --------------------------------------------------------------
# civis-mock, libcivis and a traffic driver (tests/tsan/driver.c) built with
# -fsanitize=thread in build-tsan. Any report ends the process with exit
# code 66 and leaves its text in build-tsan/tsan-logs; the driver fails on
# either, and on a request that got no sensible answer.
TSAN_B := build-tsan

tsan: deps
	@$(MAKE) --no-print-directory B=$(TSAN_B) OPT="-O1 -g" SAN_FLAGS="-fsanitize=thread" tsan-build
	@$(MAKE) --no-print-directory B=$(TSAN_B) tsan-run

tsan-build: $(MOCK_BIN) $(B)/tsan/driver

$(B)/tsan/driver: $(B)/obj/tests/tsan/driver.o $(B)/obj/tests/mockproc.o $(LIBCIVIS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tsan-run:
	@rm -rf $(B)/tsan-logs && mkdir -p $(B)/tsan-logs
	TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 log_path=$(abspath $(B))/tsan-logs/tsan" \
	  CIVIS_MOCK_BIN=$(abspath $(MOCK_BIN)) $(B)/tsan/driver $(B)/tsan-logs

# ---- libraries and programs ------------------------------------------------

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# The bundled spec becomes its bytes and a static cJSON tree (spec/tools/embed.c),
# so the tools run with no files and loading it parses nothing.
$(EMBED_BIN): spec/tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(OPT) $(WARN) $(PKG_CFLAGS) -o $@ $< $(PKG_LIBS)

$(EXTRACT_BIN): $(B)/obj/spec/tools/spec_extract.o $(LIBSPEC)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Regenerates the bundled spec from a Civis spec document: the public one,
# or a download of GET /endpoints (see the README).
spec-update: $(EXTRACT_BIN)
	@test -n "$(SPEC)" || { echo "usage: make spec-update SPEC=FILE"; exit 2; }
	$(EXTRACT_BIN) $(SPEC) spec/civis-api.json
	@echo "spec-update: spec/civis-api.json rewritten; rebuild and run make test"

$(B)/gen/bundled_spec.c: spec/civis-api.json $(EMBED_BIN)
	@mkdir -p $(dir $@)
	$(EMBED_BIN) spec/civis-api.json civis__bundled_spec > $@

$(B)/obj/gen/bundled_spec.o: $(B)/gen/bundled_spec.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -Wno-overlength-strings -O0 -c -o $@ $<

$(LIBSPEC): $(SPEC_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBCIVIS): $(SPEC_OBJ) $(CLIENT_OBJ)
	rm -f $@ && ar rcs $@ $^

$(LIBCIVIS_SO): $(SPEC_OBJ) $(CLIENT_OBJ)
	$(CC) -shared $(LDFLAGS) -Wl,-soname,libcivis.so.0 -o $@ $^ $(LDLIBS)

# The server core: civis-mock without its command line, for programs that
# embed it (check-exports links it beside libcivis).
$(LIBMOCKCORE): $(MOCKCORE_OBJ)
	rm -f $@ && ar rcs $@ $^

$(MOCK_BIN): $(B)/obj/mockserver/src/main.o $(LIBMOCKCORE) $(LIBSPEC)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(MOCK_LIBS) $(LDLIBS)

$(SPEC_BIN): $(B)/obj/spec/tools/civis_spec.o $(LIBSPEC)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The `civis` command, on libcivis's public API.
$(CLI_BIN): $(CLI_OBJ) $(LIBCIVIS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIBCIVIS) $(LDLIBS)

# Tests: every tests/*.c file declares its suites with CIVIS_SUITE(...);
# the list is gathered here so adding a suite never edits main.c.
$(B)/gen/suites.inc: $(TEST_SRC)
	@mkdir -p $(dir $@)
	@grep -h '^CIVIS_SUITE(' $(TEST_SRC) | sed 's/^CIVIS_SUITE(\([a-z0-9_]*\).*/CIVIS_SUITE_REF(\1)/' > $@.tmp
	@cmp -s $@.tmp $@ 2>/dev/null && rm -f $@.tmp || mv $@.tmp $@

$(B)/obj/tests/main.o: $(B)/gen/suites.inc
# The response harness reads the client's internals (client_internal.h).
$(B)/obj/tests/fuzz/%.o: CFLAGS += -Iclient/src
$(B)/obj/tests/main.o: CFLAGS += -I$(B)/gen

$(TEST_BIN): $(TEST_OBJ) $(LIBCIVIS) $(MOCK_BIN) $(CLI_BIN)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJ) $(LIBCIVIS) $(LDLIBS)

$(B)/examples/%: $(B)/obj/examples/%.o $(LIBCIVIS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(EXAMPLE_TESTING_BIN): $(call obj,$(EXAMPLE_TESTING_SRC)) $(LIBCIVIS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/bench/%: $(B)/obj/bench/%.o $(LIBCIVIS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/civis.pc: ci/civis.pc.in
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

install: build
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/civis/sys $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(LIBCIVIS) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIBCIVIS_SO) $(DESTDIR)$(PREFIX)/lib/libcivis.so.0
	ln -sf libcivis.so.0 $(DESTDIR)$(PREFIX)/lib/libcivis.so
	install -m 644 spec/include/civis/*.h client/include/civis/*.h $(DESTDIR)$(PREFIX)/include/civis/
	install -m 644 spec/include/civis/sys/*.h client/include/civis/sys/*.h $(DESTDIR)$(PREFIX)/include/civis/sys/
	install -m 644 client/include/civis.h $(DESTDIR)$(PREFIX)/include/
	@# Written here, not copied from $(B)/civis.pc: that one keeps the PREFIX of the build.
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' ci/civis.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/civis.pc
	chmod 644 $(DESTDIR)$(PREFIX)/lib/pkgconfig/civis.pc
	install -m 755 $(MOCK_BIN) $(SPEC_BIN) $(CLI_BIN) $(DESTDIR)$(PREFIX)/bin/

# ---- hygiene ----------------------------------------------------------------

PUBLIC_HEADERS = $(wildcard spec/include/civis/*.h spec/include/civis/sys/*.h \
                 client/include/civis/*.h client/include/civis/sys/*.h) client/include/civis.h

FORMAT_SRC = $(wildcard spec/include/civis/*.h spec/include/civis/sys/*.h spec/src/*.[ch] \
             spec/tools/*.c client/include/*.h client/include/civis/*.h \
             client/include/civis/sys/*.h client/src/*.[ch] mockserver/src/*.[ch] tests/*.[ch] tests/link/*.c \
             tests/fuzz/*.[ch] tests/tsan/*.[ch] \
             bench/*.[ch] examples/*.c examples/testing/*.[ch] cli/*.[ch])

format:
	clang-format -i $(FORMAT_SRC)

format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRC) && echo "format-check: clean"

check-headers:
	@for h in $(PUBLIC_HEADERS); do \
	  printf "#include \"%s\"\ntypedef int civis_check_headers_tu;\n" "$${h#*/include/}" | $(CC) $(CFLAGS) -x c -fsyntax-only - || exit 1; done; \
	  echo "check-headers: every public header compiles on its own"

# libcivis.so exports only civis_ functions declared in a public header:
# never a civis__ internal, never a name of another library.
check-exports: $(LIBCIVIS) $(LIBCIVIS_SO) $(B)/bin/link-both
	@$(B)/bin/link-both
	@bad=$$(nm -g --defined-only $(LIBCIVIS) | awk 'NF==3 {print $$3}' | grep -v '^civis_' | sort -u); \
	 if [ -n "$$bad" ]; then echo "libcivis.a: global without civis_: $$bad"; exit 1; fi; \
	 syms=$$(nm -D --defined-only $(LIBCIVIS_SO) | awk 'NF==3 {print $$3}' | sort -u); \
	 bad=$$(echo "$$syms" | grep -v '^civis_[a-z0-9]' ); \
	 if [ -n "$$bad" ]; then echo "libcivis.so exports internals:"; echo "$$bad"; exit 1; fi; \
	 for s in $$syms; do grep -qw "$$s" $(PUBLIC_HEADERS) || { echo "libcivis.so exports $$s, which no public header declares"; exit 1; }; done; \
	 echo "check-exports: libcivis.so exports $$(echo "$$syms" | wc -l) documented civis_ functions, no civis__"

# Every object of both archives, so any name defined twice fails the link.
$(B)/bin/link-both: tests/link/both.c $(LIBCIVIS) $(LIBMOCKCORE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -Wl,--whole-archive $(LIBCIVIS) $(LIBMOCKCORE) \
	  -Wl,--no-whole-archive $(MOCK_LIBS) $(LDLIBS)

clean:
	rm -rf build build-asan build-valgrind build-fuzz build-tsan

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
