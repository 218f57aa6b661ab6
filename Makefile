# fangfei — one plain Makefile.
#   make            build build/fangfei
#   make run        install what is missing, build, create var/ with demo data, serve
#   make test       unit + end-to-end tests, then again under ASan+UBSan
#   make bench      benchmarks against nginx on this machine
#   make soak       tips on every channel while the daemon is killed at
#                   random, on SQLite and on PostgreSQL (SOAK_KILLS, SOAK_SEED)
#   make fuzz       libFuzzer harnesses for every parser of outside input
#   make lint       clang-format check and banned-function grep
#   make SANITIZER=address|thread   sanitizer builds (in build-<sanitizer>/)

CC	?= cc
PKGS	 = libmicrohttpd libcurl jansson sqlite3 libpq libcrypto inih libqrencode libpng zlib expat libical \
	   libwebsockets libprotobuf-c libcmark yajl
SANITIZER ?=
BUILD	 = build$(if $(SANITIZER),-$(SANITIZER))

WARN	 = -Wall -Wextra -Wformat=2 -Wshadow -Wcast-qual -Wstrict-prototypes \
	   -Wmissing-prototypes -Wvla -Wpointer-arith -Wundef
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_DEFAULT_SOURCE -I. -I$(BUILD)/proto $(WARN) -MMD -MP \
	   $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
ifeq ($(CI),true)
CFLAGS	+= -Werror
endif
LDLIBS	 = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lpthread

# -O1, as ASan's own documentation advises: the ASan build compiles in
# two thirds of -O2's time (143 against 206 CPU seconds), and it is on
# make test's longest path.
ifeq ($(SANITIZER),address)
CFLAGS	+= -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
endif
ifeq ($(SANITIZER),thread)
CFLAGS	+= -fsanitize=thread
LDFLAGS	+= -fsanitize=thread
endif

LIB_SRCS = $(wildcard messages/*.c storage/*.c handlers/*.c) \
	   $(filter-out bot/main.c bot/cli_%.c, $(wildcard bot/*.c))
CLI_OBJS = $(patsubst %.c,$(BUILD)/%.o,bot/main.c $(wildcard bot/cli_*.c))
PROTO_OBJS = $(BUILD)/proto/pbbp2.pb-c.o
LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/schema.o $(BUILD)/assets.o \
	   $(PROTO_OBJS)
LIB	 = $(BUILD)/libfangfei.a
BIN	 = $(BUILD)/fangfei

UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# Every tests/e2e/e2e_NAME.c but the shared util is one end-to-end program.
E2E_SRCS  = $(filter-out tests/e2e/e2e_util.c, $(wildcard tests/e2e/e2e_*.c))
E2E_BINS  = $(BUILD)/tests/e2e $(E2E_SRCS:tests/e2e/%.c=$(BUILD)/tests/%)
# The fake long-connection gateways, linked into every e2e_NAME program
# (libwebsockets comes with LDLIBS).
FAKEWS_SRCS = tests/e2e/fakews.c tests/e2e/fakews_api.c tests/e2e/fakews_plat.c

.PHONY: all deps run test test-bins check-unit check valgrind bench profile soak clocks fuzz lint clean demo-db

all: $(BIN)

deps:
	@scripts/deps.sh build

$(BUILD)/%.o: %.c | $(BUILD)/proto/pbbp2.pb-c.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# Feishu's frame: C from bot/proto/pbbp2.proto by protoc-c (protobuf-c).
$(BUILD)/proto/pbbp2.pb-c.c $(BUILD)/proto/pbbp2.pb-c.h: bot/proto/pbbp2.proto
	@mkdir -p $(BUILD)/proto
	protoc-c --c_out=$(BUILD)/proto -Ibot/proto bot/proto/pbbp2.proto

$(BUILD)/proto/pbbp2.pb-c.o: $(BUILD)/proto/pbbp2.pb-c.c
	$(CC) $(CFLAGS) -Wno-missing-prototypes -Wno-cast-qual -c $< -o $@

$(BUILD)/schema.c: $(sort $(wildcard storage/schema/*.sql storage/schema/pg/*.sql)) \
    scripts/embed-schema.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-schema.sh schema_steps \
	    $(sort $(wildcard storage/schema/*.sql)) > $@.tmp
	sh scripts/embed-schema.sh schema_steps_pg \
	    $(sort $(wildcard storage/schema/pg/*.sql)) >> $@.tmp
	mv $@.tmp $@

$(BUILD)/schema.o: $(BUILD)/schema.c
	$(CC) $(CFLAGS) -c $< -o $@

# The console's static files, and Chart.js from Debian's libjs-chart.js,
# embedded in the binary (bot/assets.h).
ASSET_FILES = $(shell find web -type f ! -name '.*' 2>/dev/null)
CHARTJS	 = /usr/share/javascript/chart.js/chart.min.js
$(BUILD)/assets.c: $(ASSET_FILES) scripts/embed-assets.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-assets.sh web $(CHARTJS)=vendor/chart.min.js > $@.tmp
	@mv $@.tmp $@

$(BUILD)/assets.o: $(BUILD)/assets.c
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Tests: cmocka unit tests, and the end-to-end test that starts the binary.
$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/test*.h) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS) -lcmocka

# What the end-to-end programs share, compiled once per build.
E2E_UTIL_OBJ = $(BUILD)/tests/lib/e2e_util.o
E2E_FAKE_OBJS = $(BUILD)/tests/lib/fakeplat.o \
	   $(FAKEWS_SRCS:tests/e2e/%.c=$(BUILD)/tests/lib/%.o)
$(BUILD)/tests/lib/%.o: tests/e2e/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/e2e: tests/e2e/e2e.c tests/e2e/e2e.h $(E2E_UTIL_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ tests/e2e/e2e.c $(E2E_UTIL_OBJ) $(LIB) \
	    $(LDFLAGS) $(LDLIBS) -lcmocka

$(BUILD)/tests/e2e_%: tests/e2e/e2e_%.c tests/e2e/e2e.h tests/e2e/fakeplat.h \
	    tests/e2e/fakews.h tests/e2e/fakews_int.h tests/e2e/wsclient.h \
	    $(E2E_UTIL_OBJ) $(E2E_FAKE_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(E2E_FAKE_OBJS) $(E2E_UTIL_OBJ) $(LIB) \
	    $(LDFLAGS) $(LDLIBS) -lcmocka

# The kill soak: its program, linked with tests/e2e/e2e_util.c and the fake
# platform.
SOAK_SRCS = tests/soak/soak.c tests/soak/soak_chan.c tests/soak/soak_db.c \
	    tests/soak/soak_verify.c
$(BUILD)/tests/soak: $(SOAK_SRCS) tests/soak/soak.h tests/soak/soak_db.h \
	    tests/e2e/fakeplat.h tests/e2e/e2e.h $(BUILD)/tests/lib/fakeplat.o \
	    $(E2E_UTIL_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(SOAK_SRCS) $(BUILD)/tests/lib/fakeplat.o \
	    $(E2E_UTIL_OBJ) $(LIB) $(LDFLAGS) $(LDLIBS)

# The browser tests' puppeteer-core, pinned by tests/browser/package-lock.json,
# installed into the build tree (one copy for every build); the browser is
# Debian's Chromium, never a download.
BROWSER_MODULES = build/browser/node_modules/.package-lock.json
$(BROWSER_MODULES): tests/browser/package.json tests/browser/package-lock.json
	@mkdir -p build/browser
	cp tests/browser/package.json tests/browser/package-lock.json build/browser/
	npm ci --prefix build/browser --ignore-scripts --no-audit --no-fund

check: test-bins
	@sh tests/run.sh $(BUILD)

# What a pass of the suite runs, built but not run.
test-bins: $(BIN) $(UNIT_BINS) $(E2E_BINS) $(BROWSER_MODULES)

# The unit suites under valgrind's memcheck (a normal build: memcheck
# and the sanitizers do not mix).
valgrind: $(UNIT_BINS)
	@sh tests/valgrind.sh $(BUILD)

# make test: what CI runs. Installs what is missing, then the suite in a
# normal build and again under ASan+UBSan, the end-to-end suites under
# ThreadSanitizer, and the unit suites under valgrind's memcheck, the
# passes side by side (tests/ci.sh); the last line sums them all.
JOBS	?= $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
test:
	@scripts/deps.sh test
	@MAKE="$(MAKE)" JOBS=$(JOBS) sh tests/ci.sh

# make run: a newcomer's first command.
run: deps
	@$(MAKE) --no-print-directory $(BIN)
	@sh scripts/run-demo.sh $(BIN)

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory $(BIN) $(LIB)
	@sh bench/run.sh $(BUILD)

# make profile: instructions per check under callgrind (bench/profile.sh),
# on the registry make bench imported.
profile:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory $(BIN)
	@sh bench/profile.sh $(BUILD)

# make soak: SOAK_KILLS kills (default 100) on SQLite, then on a
# throwaway PostgreSQL with two daemons; a few minutes each.
soak: $(BIN) $(BUILD)/tests/soak
	@sh tests/soak/run.sh $(BUILD)

# make clocks: the SQLite suites under libfaketime at the instants where
# the calendar turns (tests/clocks.sh); about four minutes each.
clocks: test-bins
	@sh tests/clocks.sh $(BUILD)

fuzz:
	@scripts/deps.sh fuzz
	@sh tests/fuzz/run.sh

lint:
	@sh scripts/lint.sh

clean:
	rm -rf build build-address build-thread build-fuzz build-test*.log

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
