# connrate - build, test, demo.  `make help` lists the targets.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
VERSION := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral -Werror
CFLAGS   ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -DCR_VERSION='"$(VERSION)"' -MMD -MP
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) -pthread
LDLIBS_CORE := -pthread -lm

# Quiet rules unless V=1.
ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif

BUILD ?= build
CORE_SRC := $(filter-out src/main.c,$(wildcard src/*.c))
CORE_OBJ := $(CORE_SRC:src/%.c=$(BUILD)/src/%.o)
MAIN_OBJ := $(BUILD)/src/main.o

NL_CFLAGS := $(shell pkg-config --cflags libnl-route-3.0 libmnl json-c 2>/dev/null)
NL_LIBS   := $(shell pkg-config --libs libnl-route-3.0 libmnl json-c 2>/dev/null)
DATADIR   ?= $(PREFIX)/share/connrate
NETNS_SRC := $(wildcard netns/*.c)
NETNS_OBJ := $(NETNS_SRC:netns/%.c=$(BUILD)/netns/%.o)
HARNESS_SRC := $(wildcard harness/*.c)
HARNESS_OBJ := $(HARNESS_SRC:harness/%.c=$(BUILD)/harness/%.o)
# connrate-dut: dut/, plus the core's units, json and option engine, the
# lab's reading of the kernel's queue table (harness/nfq.c) and the
# checked netlink walk (netns/nlwalk.c)
DUT_SRC := $(wildcard dut/*.c)
DUT_LIB_OBJ := $(filter-out $(BUILD)/dut/dut.o,$(DUT_SRC:dut/%.c=$(BUILD)/dut/%.o))
DUT_OBJ := $(BUILD)/dut/dut.o $(DUT_LIB_OBJ) $(BUILD)/harness/nfq.o $(BUILD)/netns/nlwalk.o \
	$(BUILD)/src/units.o $(BUILD)/src/json.o $(BUILD)/src/opt.o
# what connrate-lab takes from the core (connrate's option table among it)
# and from dut/ (connrate-dut's, to read --dut-sim as connrate-dut does)
LAB_CORE_OBJ := $(addprefix $(BUILD)/src/,units.o payload.o opt.o cli.o addr.o json.o walltime.o) \
	$(BUILD)/dut/dutopts.o

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

.SECONDARY:
.PHONY: FORCE all check check-all check-asan-run check-unit check-netns demo demo-dut demo-gate asan check-asan install deps help clean bench fuzz all-asan

all: connrate connrate-lab connrate-dut

connrate: $(CORE_OBJ) $(MAIN_OBJ)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_CORE)

connrate-lab: $(HARNESS_OBJ) $(NETNS_OBJ) $(LAB_CORE_OBJ)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(NL_LIBS) $(LDLIBS_CORE)

connrate-dut: $(DUT_OBJ)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(NL_LIBS) $(LDLIBS_CORE)

$(BUILD)/netns/%.o: netns/%.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) -Isrc $(NL_CFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/dut/%.o: dut/%.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) -Isrc -Inetns -Iharness $(NL_CFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/harness/%.o: harness/%.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) -DCR_DATADIR='"$(DATADIR)"' -Isrc -Inetns -Idut $(NL_CFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) -Isrc -Inetns -Iharness -Idut $(NL_CFLAGS) $(CMOCKA_CFLAGS) $(ALL_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

# unit tests link everything but the mains; the linker takes what each needs
TEST_LIB := $(BUILD)/libtest.a
$(TEST_LIB): $(CORE_OBJ) $(NETNS_OBJ) $(filter-out $(BUILD)/harness/main.o,$(HARNESS_OBJ)) $(DUT_LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(TEST_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(NL_LIBS) $(LDLIBS_CORE)

# --- tests -------------------------------------------------------------
# Every runner prints its own lines; tests/summary.sh adds them up into the
# closing "N passed, M failed" line and the exit status.
RESULTS := $(BUILD)/results

# check installs what is missing first (a fresh machine: sudo make check)
check: deps
	$(Q)$(MAKE) --no-print-directory check-all

# an LD_PRELOAD shim the end-to-end tests use (tests/preload)
PRELOAD := $(BUILD)/tests/slowconnect.so
$(PRELOAD): tests/preload/slowconnect.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -shared $(LDFLAGS) -o $@ $< -ldl

check-all: all $(UNIT_BIN) $(PRELOAD)
	$(Q)rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	$(Q)status=0; \
	  tests/run-unit.sh $(RESULTS) $(UNIT_BIN) || status=1; \
	  tests/test-runners.sh $(RESULTS) || status=1; \
	  tests/run-netns.sh $(RESULTS) || status=1; \
	  tests/summary.sh $(RESULTS) || status=1; \
	  exit $$status

check-unit: $(UNIT_BIN)
	$(Q)rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	$(Q)status=0; tests/run-unit.sh $(RESULTS) $(UNIT_BIN) || status=1; \
	  tests/test-runners.sh $(RESULTS) || status=1; \
	  tests/summary.sh $(RESULTS) || status=1; exit $$status

check-netns: all $(PRELOAD)
	$(Q)rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	$(Q)status=0; tests/run-netns.sh $(RESULTS) || status=1; \
	  tests/summary.sh $(RESULTS) || status=1; exit $$status

# --- sanitizers ----------------------------------------------------------
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="-O1 -g $(SAN)" \
	  LDFLAGS="$(SAN)" all-asan

all-asan: $(CORE_OBJ) $(MAIN_OBJ) $(UNIT_BIN) $(HARNESS_OBJ) $(NETNS_OBJ) $(DUT_OBJ)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o connrate-asan $(CORE_OBJ) $(MAIN_OBJ) $(LDLIBS_CORE)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o connrate-lab-asan $(HARNESS_OBJ) $(NETNS_OBJ) $(LAB_CORE_OBJ) $(NL_LIBS) $(LDLIBS_CORE)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o connrate-dut-asan $(DUT_OBJ) $(NL_LIBS) $(LDLIBS_CORE)

check-asan: deps
	$(Q)$(MAKE) --no-print-directory check-asan-run

# the lab under test starts the plain connrate beside it: build those too
check-asan-run: all asan $(PRELOAD)
	$(Q)rm -rf build-asan/results && mkdir -p build-asan/results
	$(Q)status=0; \
	  tests/run-unit.sh build-asan/results $(UNIT_BIN:$(BUILD)/%=build-asan/%) || status=1; \
	  CONNRATE=./connrate-asan CONNRATE_LAB=./connrate-lab-asan CONNRATE_DUT=./connrate-dut-asan \
	    tests/run-netns.sh build-asan/results test_core.sh test_lab.sh test_profile.sh test_dut.sh test_report.sh test_multihost.sh test_hold.sh || status=1; \
	  tests/summary.sh build-asan/results || status=1; exit $$status

# --- fuzzing (libFuzzer, clang) -------------------------------------------
# make fuzz runs every fuzz/fuzz_*.c for FUZZ_SECS seconds from a corpus
# seeded with the shipped files and test fixtures; a crash stops it and
# leaves the input in build-fuzz/ (then it becomes a unit test).
FUZZ_SECS ?= 60
FUZZ_CC   ?= clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-D_GNU_SOURCE -DCR_VERSION='"fuzz"' -Isrc -Inetns -Iharness -Idut $(NL_CFLAGS)
FUZZ_SRC_topo    := netns/topo.c src/units.c src/payload.c
FUZZ_SRC_profile := harness/profile.c netns/ns.c netns/topo.c src/units.c src/payload.c
FUZZ_SRC_units   := src/units.c src/addr.c netns/topo.c src/payload.c
FUZZ_SRC_http    := src/server.c src/client.c src/loop.c src/sock.c src/addr.c src/units.c \
	src/stats.c src/histo.c src/pacer.c src/report.c src/json.c src/cli.c src/opt.c src/payload.c \
	src/spin.c src/pool.c src/rlimit.c src/walltime.c src/hdrlog.c src/holdsrv.c
FUZZ_SRC_snmp    := harness/counters.c netns/ns.c netns/nlwalk.c
FUZZ_SRC_netlink := harness/counters.c dut/nfqmsg.c dut/flow.c netns/ns.c netns/nlwalk.c
FUZZ_SRC_results := harness/results.c harness/page.c harness/svg.c harness/abgate.c harness/abtest.c \
                    src/payload.c src/units.c
FUZZ_SRC_cost    := harness/cost.c
FUZZ_SRC_page    := $(FUZZ_SRC_results)
FUZZ_SRC_merge   := src/merge.c src/jread.c src/stats.c src/histo.c src/report.c src/json.c \
	src/walltime.c src/payload.c src/opt.c src/cli.c src/units.c src/addr.c src/pacer.c
FUZZ_TARGETS := topo profile units http snmp netlink results cost page merge
FUZZ_SEEDS_topo    := netns/topologies/*.topo
FUZZ_SEEDS_profile := sysctl-profiles/*.conf
FUZZ_SEEDS_snmp    := tests/fixtures/snmp.txt tests/fixtures/netstat.txt
FUZZ_SEEDS_netlink := tests/fixtures/ct-stats.bin tests/fixtures/nfq-packet.bin
FUZZ_SEEDS_results := tests/fixtures/rounds.jsonl
FUZZ_SEEDS_page    := tests/fixtures/report-errs/rounds.jsonl
FUZZ_SEEDS_cost    := tests/fixtures/proc-stat.txt tests/fixtures/proc-pid-stat.txt
FUZZ_SEEDS_merge   := tests/fixtures/host-round.jsonl
FUZZ_SEEDS_http    := fuzz/seeds/http/*
FUZZ_SEEDS_units   := fuzz/seeds/units/*

build-fuzz/fuzz_%: fuzz/fuzz_%.c $(wildcard src/*.c netns/*.c harness/*.c dut/*.c)
	@mkdir -p build-fuzz
	$(call msg,FUZZCC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_SRC_$*) $(NL_LIBS) -lm -pthread

fuzz: $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)
	$(Q)set -e; for t in $(FUZZ_TARGETS); do \
	  c=build-fuzz/corpus-$$t; mkdir -p $$c; \
	  case $$t in topo) s="$(FUZZ_SEEDS_topo)";; profile) s="$(FUZZ_SEEDS_profile)";; \
	    snmp) s="$(FUZZ_SEEDS_snmp)";; netlink) s="$(FUZZ_SEEDS_netlink)";; \
	    results) s="$(FUZZ_SEEDS_results)";; page) s="$(FUZZ_SEEDS_page)";; cost) s="$(FUZZ_SEEDS_cost)";; http) s="$(FUZZ_SEEDS_http)";; units) s="$(FUZZ_SEEDS_units)";; \
	    merge) s="$(FUZZ_SEEDS_merge)";; esac; \
	  cp $$s $$c/ 2>/dev/null || true; \
	  printf 'fuzz_%-8s ' $$t; \
	  build-fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECS) -max_len=65536 -artifact_prefix=build-fuzz/crash-$$t- \
	    $$c > build-fuzz/fuzz_$$t.log 2>&1 || { echo "CRASH (build-fuzz/fuzz_$$t.log)"; tail -30 build-fuzz/fuzz_$$t.log; exit 1; }; \
	  grep -o 'Done [0-9]* runs in [0-9]* second(s)' build-fuzz/fuzz_$$t.log | tail -1; \
	done

# --- the rest ------------------------------------------------------------
# deps first, then a fresh make: pkg-config's flags are read when make starts
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh

demo-dut: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo-dut.sh

demo-gate: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo-gate.sh

deps:
	$(Q)scripts/deps.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bench/bench.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 connrate $(DESTDIR)$(PREFIX)/bin/connrate
	install -m 0755 connrate-lab $(DESTDIR)$(PREFIX)/bin/connrate-lab
	install -m 0755 connrate-dut $(DESTDIR)$(PREFIX)/bin/connrate-dut
	install -m 0644 connrate.1 $(DESTDIR)$(PREFIX)/share/man/man1/connrate.1
	install -d $(DESTDIR)$(DATADIR)/netns/topologies $(DESTDIR)$(DATADIR)/sysctl-profiles
	install -m 0644 netns/topologies/*.topo $(DESTDIR)$(DATADIR)/netns/topologies/
	install -m 0644 sysctl-profiles/*.conf $(DESTDIR)$(DATADIR)/sysctl-profiles/

help:
	@echo "make            build ./connrate, ./connrate-lab (harness/, netns/) and ./connrate-dut (dut/)"
	@echo "make check      unit tests, then end-to-end tests in namespaces (root)"
	@echo "make check-unit / check-netns / check-asan"
	@echo "make demo       install missing packages, build, run a short demonstration (root)"
	@echo "make demo-dut   two firewall builds played by connrate-dut: the knee moves (root)"
	@echo "make demo-gate  two nft builds, one a little slower per connection, and the gate catching it (root)"
	@echo "make bench      connrate against wrk -> nginx, side by side (root)"
	@echo "make fuzz       libFuzzer on every parser (FUZZ_SECS per target)"
	@echo "make asan       build with AddressSanitizer and UBSan"
	@echo "make deps       install the Debian packages the build and tests need"
	@echo "make install    install connrate and its man page (PREFIX, DESTDIR)"

clean:
	rm -rf build build-asan build-fuzz connrate connrate-asan connrate-lab connrate-lab-asan connrate-dut connrate-dut-asan

# the version is compiled in: rebuild what prints it when it changes
$(BUILD)/.version: FORCE
	@mkdir -p $(BUILD)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
$(BUILD)/src/main.o $(BUILD)/src/cli.o $(BUILD)/harness/main.o $(BUILD)/harness/run.o \
	$(BUILD)/dut/dut.o: $(BUILD)/.version
FORCE:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
