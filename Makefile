# Smart Office - build, test, run.
#
#   make            build everything into build/
#   make check      install what the tests need, then run every test
#   make run        start the local deployment with demo accounts
#   make bench      run the benchmarks and print the figures
#   make format     reformat all C with clang-format
#   make install    install into $(DESTDIR)$(PREFIX)

PREFIX ?= /usr/local
CC ?= cc
CLANG ?= clang
LUA_VERSION ?= 5.4

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wvla
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -fPIC $(WARN) -Werror $(CFLAGS) \
	-Imodules/core
LUA_CFLAGS := $(shell pkg-config --cflags lua$(LUA_VERSION) 2>/dev/null)
LUA_LIBS := $(shell pkg-config --libs lua$(LUA_VERSION) 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)
STROPHE_CFLAGS := $(shell pkg-config --cflags libstrophe 2>/dev/null)
STROPHE_LIBS := $(shell pkg-config --libs libstrophe 2>/dev/null)

B := build
CORE_SRC := $(wildcard modules/core/*.c)
CORE_OBJ := $(CORE_SRC:modules/core/%.c=$(B)/obj/core/%.o)
CORE_LIB := $(B)/lib/libsmartoffice-core.a
# What linking the core needs: expat (so_xml), libidn2 (domain names),
# OpenSSL's libcrypto (audit hashes), utf8proc (folding names).
CORE_LIBS := -lexpat -lidn2 -lcrypto -lutf8proc
STORE_SRC := $(wildcard modules/store/*.c)
STORE_OBJ := $(STORE_SRC:modules/store/%.c=$(B)/obj/store/%.o)
STORE_LIB := $(B)/lib/libsmartoffice-store.a
STORE_LIBS := -lpq -lpthread
PQ_CFLAGS := -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
CLI_SRC := $(wildcard modules/cli/*.c)
CLI_OBJ := $(CLI_SRC:modules/cli/%.c=$(B)/obj/cli/%.o)
# The CLI reads HR's CSV files with libcsv.
CLI_LIBS := -lcsv
DIR_SRC := $(wildcard modules/directory/*.c)
DIR_OBJ := $(DIR_SRC:modules/directory/%.c=$(B)/obj/directory/%.o)
PROSODY_SRC := $(wildcard modules/prosody/*.c)
PROSODY_OBJ := $(PROSODY_SRC:modules/prosody/%.c=$(B)/obj/prosody/%.o)
PROSODY_LUA := $(wildcard modules/prosody/*.lua)
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit/%)
ITEST_SRC := $(wildcard tests/integration/*.c)
ITEST_BIN := $(ITEST_SRC:tests/integration/%.c=$(B)/tests/integration/%)
STEST_SRC := $(wildcard tests/store/*.c)
STEST_BIN := $(STEST_SRC:tests/store/%.c=$(B)/tests/store/%)
BENCH_SRC := $(wildcard tests/bench/*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(B)/bench/%)
FUZZ_SRC := $(wildcard tests/fuzz/*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)
C_FILES := $(shell git ls-files '*.c' '*.h' 2>/dev/null)

.PHONY: all check run bench format format-check install deps tests fuzz \
	clean docs
all: $(CORE_LIB) $(B)/bin/smartoffice $(B)/bin/smartoffice-directory \
	$(B)/prosody/smartoffice.so \
	$(PROSODY_LUA:modules/prosody/%=$(B)/prosody/%)

$(B)/obj/core/%.o: modules/core/%.c $(wildcard modules/core/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(CORE_LIB): $(CORE_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(B)/obj/store/%.o: modules/store/%.c $(wildcard modules/core/*.h) \
		$(wildcard modules/store/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PQ_CFLAGS) -Imodules/store -c $< -o $@

$(STORE_LIB): $(STORE_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(B)/obj/cli/%.o: modules/cli/%.c $(wildcard modules/*/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PQ_CFLAGS) -Imodules/cli -Imodules/store \
		-DCLI_SCHEMAS_DIR='"$(PREFIX)/share/smartoffice/schemas"' -c $< -o $@

$(B)/bin/smartoffice: $(CLI_OBJ) $(STORE_LIB) $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(STORE_LIB) $(CORE_LIB) $(STORE_LIBS) \
		$(CORE_LIBS) $(CLI_LIBS)

$(B)/obj/directory/%.o: modules/directory/%.c $(wildcard modules/*/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(STROPHE_CFLAGS) $(PQ_CFLAGS) -Imodules/store \
		-Imodules/directory -c $< -o $@

$(B)/bin/smartoffice-directory: $(DIR_OBJ) $(STORE_LIB) $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(DIR_OBJ) $(STORE_LIB) $(CORE_LIB) \
		$(STROPHE_LIBS) $(STORE_LIBS) $(CORE_LIBS)

$(B)/obj/prosody/%.o: modules/prosody/%.c $(wildcard modules/*/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LUA_CFLAGS) $(PQ_CFLAGS) -Imodules/store -c $< -o $@

$(B)/prosody/smartoffice.so: $(PROSODY_OBJ) $(STORE_LIB) $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) -shared $(CFLAGS) -o $@ $(PROSODY_OBJ) $(STORE_LIB) $(CORE_LIB) \
		$(STORE_LIBS) $(CORE_LIBS)

$(B)/prosody/%.lua: modules/prosody/%.lua
	@mkdir -p $(@D)
	cp $< $@

$(B)/tests/unit/%: tests/unit/%.c $(CORE_LIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(CORE_LIB) $(CORE_LIBS) \
		$(CHECK_LIBS)

$(B)/tests/integration/%: tests/integration/%.c $(CORE_LIB) \
		$(wildcard tests/integration/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(STROPHE_CFLAGS) -Itests/integration -o $@ $< \
		$(CORE_LIB) $(STROPHE_LIBS) $(CORE_LIBS)

$(B)/bench/%: tests/bench/%.c $(CORE_LIB) $(wildcard tests/bench/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(CORE_LIB) $(CORE_LIBS)

# The audit bench writes to PostgreSQL through the store.
$(B)/bench/bench_audit: tests/bench/bench_audit.c $(STORE_LIB) $(CORE_LIB) \
		$(wildcard tests/bench/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PQ_CFLAGS) -Imodules/store -o $@ $< $(STORE_LIB) \
		$(CORE_LIB) $(STORE_LIBS) $(CORE_LIBS)

# The directory bench searches through the store (SQL) and, end to end,
# as an XMPP client of the directory component (libstrophe).
$(B)/bench/bench_directory: tests/bench/bench_directory.c \
		tests/bench/directory/xmpp_search.c $(STORE_LIB) $(CORE_LIB) \
		$(wildcard tests/bench/*.h tests/bench/directory/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PQ_CFLAGS) $(STROPHE_CFLAGS) -Imodules/store \
		-Itests/bench -o $@ tests/bench/bench_directory.c \
		tests/bench/directory/xmpp_search.c $(STORE_LIB) $(CORE_LIB) \
		$(STROPHE_LIBS) $(STORE_LIBS) $(CORE_LIBS)

# The rollout bench builds a directory snapshot through the store and asks
# the same questions of a plain Lua table (liblua) beside it.
$(B)/bench/bench_rollout: tests/bench/bench_rollout.c $(STORE_LIB) \
		$(CORE_LIB) $(wildcard tests/bench/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PQ_CFLAGS) $(LUA_CFLAGS) -Imodules/store -o $@ $< \
		$(STORE_LIB) $(CORE_LIB) $(STORE_LIBS) $(CORE_LIBS) $(LUA_LIBS)

# Store tests drive the store against the suite's private PostgreSQL.
$(B)/tests/store/%: tests/store/%.c $(STORE_LIB) $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PQ_CFLAGS) -Imodules/store -o $@ $< $(STORE_LIB) \
		$(CORE_LIB) $(STORE_LIBS) $(CORE_LIBS)

# The load generator is an XMPP client, not a core benchmark.
$(B)/bench/bench_flood: tests/bench/bench_flood.c $(wildcard tests/bench/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(STROPHE_CFLAGS) -o $@ $< $(STROPHE_LIBS)

$(B)/fuzz/%: tests/fuzz/%.c $(CORE_SRC) $(wildcard modules/core/*.h)
	@mkdir -p $(@D)
	$(CLANG) -std=c11 -D_GNU_SOURCE -g -O1 -Imodules/core \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(CORE_SRC) $(CORE_LIBS)

tests: all $(UNIT_BIN) $(ITEST_BIN) $(STEST_BIN) $(BENCH_BIN)
fuzz: $(FUZZ_BIN)

deps:
	scripts/install-deps

check: deps
	$(MAKE) tests fuzz
	scripts/check

run: deps
	$(MAKE) all
	scripts/run

bench: deps
	$(MAKE) tests
	scripts/bench

docs: $(B)/bin/smartoffice
	scripts/docs-options

format:
	clang-format -i $(C_FILES)

format-check:
	clang-format --dry-run --Werror $(C_FILES)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/smartoffice/prosody
	install -m 0755 $(B)/bin/smartoffice $(B)/bin/smartoffice-directory \
		$(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(B)/prosody/smartoffice.so $(B)/prosody/*.lua \
		$(DESTDIR)$(PREFIX)/lib/smartoffice/prosody/
	install -d $(DESTDIR)$(PREFIX)/share/smartoffice/schemas
	install -m 0644 schemas/*.sql $(DESTDIR)$(PREFIX)/share/smartoffice/schemas/

clean:
	rm -rf $(B)
