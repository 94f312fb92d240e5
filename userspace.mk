# SPDX-License-Identifier: GPL-2.0-only
# Userspace part of procsnap: libprocsnap, snapctl, unit tests, man pages.
#
# Included by the top-level Makefile, which defines Q, PREFIX, DESTDIR,
# LIBDIR, INCLUDEDIR, BINDIR, MANDIR, VERSION and CC.  Paths are relative
# to the top of the tree.  CPPFLAGS, CFLAGS and LDFLAGS from the
# environment are honoured after ours, so distribution flags apply.

# The soname moves only if the library breaks its ABI, never per release:
# growth goes into new sections of lib/libprocsnap.sym.
LIBPROCSNAP_SOMAJOR := 0
LIBPROCSNAP_SONAME  := libprocsnap.so.$(LIBPROCSNAP_SOMAJOR)
LIBPROCSNAP_REAL    := libprocsnap.so.$(VERSION)

US_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror \
	     -Imodule/uapi -Ilib
# -pthread: the collection's lanes (lib/lanes.c) are threads.
US_LIB_CFLAGS := $(US_CFLAGS) -pthread -fPIC -fvisibility=hidden \
		 -DPROCSNAP_LIB_VERSION='"$(VERSION)"'
# -pthread: "snapctl request" notes a long wait from a helper thread.
US_CLI_CFLAGS := $(US_CFLAGS) -pthread -DSNAPCTL_VERSION='"$(VERSION)"'

# Recursive on purpose: pkg-config only runs when the unit tests are built.
US_CHECK_CFLAGS = $(shell pkg-config --cflags check)
US_CHECK_LIBS = $(shell pkg-config --libs check)

# Recursive too: pkg-config runs only when the library is built or linked.
US_LIB_PKGS := libelf libcrypto libarchive json-c yara
US_LIB_DEP_CFLAGS = $(shell pkg-config --cflags $(US_LIB_PKGS))
US_LIB_DEP_LIBS = $(shell pkg-config --libs $(US_LIB_PKGS))

# core.c (the ELF core writer) is the only user of libelf; libcrypto is
# for SHA-256 (hash.c), libarchive for the tar stream (sink.c), json-c
# for an evidence directory's manifest (view.c), libyara for procsnap_scan()
# (scan.c).
US_LIB_OBJS := lib/libprocsnap.o lib/maps.o lib/json.o lib/hash.o \
	       lib/throttle.o lib/memread.o lib/sink.o lib/procfs.o \
	       lib/manifest.o lib/collect.o lib/core.o lib/lanes.o \
	       lib/view.o lib/scan.o lib/diff.o lib/triage.o lib/codediff.o \
	       lib/sockets.o
US_CLI_OBJS := cli/snapctl.o cli/util.o cli/subcmd.o cli/version.o \
	       cli/help.o cli/request.o cli/state.o cli/cancel.o cli/list.o \
	       cli/threads.o cli/delete.o cli/collect.o cli/snapshot.o \
	       cli/scan.o cli/diff.o cli/triage.o
US_CLI_MAIN := cli/main.o
US_TEST_SRCS := test/unit/check_procsnap.c test/unit/check_abi.c \
		test/unit/check_lib.c test/unit/check_cli.c \
		test/unit/check_snapshot_cli.c test/unit/check_util.c \
		test/unit/check_collect.c test/unit/check_engine.c \
		test/unit/check_collect_cli.c test/unit/check_scan.c \
		test/unit/check_diff.c test/unit/check_triage.c \
		test/unit/capture.c \
		test/unit/fake_device.c $(wildcard test/unit/check_core.c)
US_TEST_HDRS := test/unit/check_procsnap.h

US_LIB_HDRS := lib/libprocsnap.h module/uapi/procsnap.h lib/core.h \
	       lib/internal.h lib/utf8.h lib/triage.h
US_CLI_HDRS := $(US_LIB_HDRS) cli/snapctl.h cli/util.h cli/subcmd.h \
	       cli/collect.h cli/request.h cli/scan.h

US_LIB_FILES := lib/libprocsnap.a lib/$(LIBPROCSNAP_REAL) \
		lib/$(LIBPROCSNAP_SONAME) lib/libprocsnap.so lib/libprocsnap.pc

# Functions of libprocsnap(3) that get a man page alias.
US_MAN3_ALIASES := procsnap_open procsnap_close procsnap_fd \
		   procsnap_get_version procsnap_lib_version procsnap_strerror \
		   procsnap_request procsnap_cancel procsnap_state \
		   procsnap_wait procsnap_snapshot procsnap_list \
		   procsnap_delete procsnap_delete_all procsnap_threads \
		   procsnap_state_name procsnap_files procsnap_xstate \
		   procsnap_collect procsnap_rules_load procsnap_rules_free \
		   procsnap_scan procsnap_diff procsnap_triage \
		   procsnap_finding_name procsnap_view_snapshot procsnap_view_dir \
		   procsnap_view_process procsnap_view_close procsnap_view_kind \
		   procsnap_view_pid procsnap_view_target procsnap_view_segments \
		   procsnap_view_extents procsnap_view_read procsnap_view_environ \
		   procsnap_view_exe procsnap_view_pagemap procsnap_request_freeze \
		   procsnap_snapshot_freeze procsnap_frozen

# kbuild-style "  CC      file" lines, unless V=1 made Q empty (commands
# are echoed instead) or make -s asked for silence.
us_silent := $(findstring s,$(firstword -$(MAKEFLAGS)))
us_say = $(if $(Q),$(if $(us_silent),,@printf '  %-7s %s\n' '$(1)' '$(2)'))

.PHONY: lib cli unit-test-build unit-check install-lib install-cli \
	clean-userspace FORCE

lib: $(US_LIB_FILES)

cli: cli/snapctl

unit-test-build: test/unit/check_procsnap

unit-check: test/unit/check_procsnap
	$(call us_say,CHECK,$<)
	$(Q)./test/unit/check_procsnap

# The version is compiled in, so a new VERSION rebuilds what prints it.
lib/%.o: lib/%.c $(US_LIB_HDRS) VERSION
	$(call us_say,CC,$@)
	$(Q)$(CC) $(US_LIB_CFLAGS) $(US_LIB_DEP_CFLAGS) $(CPPFLAGS) $(CFLAGS) \
		-c -o $@ $<

cli/%.o: cli/%.c $(US_CLI_HDRS) VERSION
	$(call us_say,CC,$@)
	$(Q)$(CC) $(US_CLI_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

lib/libprocsnap.a: $(US_LIB_OBJS)
	$(call us_say,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

lib/$(LIBPROCSNAP_REAL): $(US_LIB_OBJS) lib/libprocsnap.sym
	$(call us_say,LD,$@)
	$(Q)$(CC) -shared -pthread -Wl,-soname,$(LIBPROCSNAP_SONAME) \
		-Wl,--version-script=lib/libprocsnap.sym -Wl,-z,defs \
		$(CFLAGS) $(LDFLAGS) -o $@ $(US_LIB_OBJS) $(US_LIB_DEP_LIBS)

lib/$(LIBPROCSNAP_SONAME): lib/$(LIBPROCSNAP_REAL)
	$(call us_say,LN,$@)
	$(Q)ln -sf $(LIBPROCSNAP_REAL) $@

lib/libprocsnap.so: lib/$(LIBPROCSNAP_SONAME)
	$(call us_say,LN,$@)
	$(Q)ln -sf $(LIBPROCSNAP_SONAME) $@

# Regenerated on every run, but only rewritten when PREFIX and friends
# changed, so an install never ships paths from an earlier build.
lib/libprocsnap.pc: lib/libprocsnap.pc.in VERSION FORCE
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
		-e 's|@VERSION@|$(VERSION)|g' $< > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else \
		$(if $(Q),$(if $(us_silent),,printf '  %-7s %s\n' GEN $@;)) \
		mv -f $@.tmp $@; fi

# Linked through the unversioned symlink; found at run time by soname via
# the system's library path, never an rpath into the build tree.
cli/snapctl: $(US_CLI_MAIN) $(US_CLI_OBJS) lib/libprocsnap.so
	$(call us_say,LD,$@)
	$(Q)$(CC) -pthread $(CFLAGS) $(LDFLAGS) -o $@ $(US_CLI_MAIN) \
		$(US_CLI_OBJS) -Llib -lprocsnap

# Static: the tests exercise the objects themselves, wherever they run.
# --wrap=ioctl routes the library's ioctl() calls through
# test/unit/fake_device.c, which stands in for the module when a test
# installs a fake and passes everything else to the real ioctl().
test/unit/check_procsnap: $(US_TEST_SRCS) $(US_TEST_HDRS) $(US_CLI_HDRS) \
			  $(US_CLI_OBJS) lib/libprocsnap.a
	$(Q)pkg-config --exists check || { \
		echo "userspace.mk: libcheck not found by pkg-config" >&2; \
		exit 1; }
	$(call us_say,CCLD,$@)
	$(Q)$(CC) $(US_CLI_CFLAGS) -Icli $(US_CHECK_CFLAGS) \
		$(US_LIB_DEP_CFLAGS) $(CPPFLAGS) \
		$(CFLAGS) $(LDFLAGS) -Wl,--wrap=ioctl -o $@ $(US_TEST_SRCS) \
		$(US_CLI_OBJS) lib/libprocsnap.a $(US_LIB_DEP_LIBS) \
		$(US_CHECK_LIBS)

install-lib: lib
	$(call us_say,INSTALL,libprocsnap)
	$(Q)install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(MANDIR)/man3
	$(Q)install -m 0644 lib/$(LIBPROCSNAP_REAL) $(DESTDIR)$(LIBDIR)/
	$(Q)ln -sf $(LIBPROCSNAP_REAL) $(DESTDIR)$(LIBDIR)/$(LIBPROCSNAP_SONAME)
	$(Q)ln -sf $(LIBPROCSNAP_SONAME) $(DESTDIR)$(LIBDIR)/libprocsnap.so
	$(Q)install -m 0644 lib/libprocsnap.a $(DESTDIR)$(LIBDIR)/
	$(Q)install -m 0644 lib/libprocsnap.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	$(Q)install -m 0644 lib/libprocsnap.h module/uapi/procsnap.h \
		$(DESTDIR)$(INCLUDEDIR)/
	$(Q)install -m 0644 doc/libprocsnap.3 $(DESTDIR)$(MANDIR)/man3/
	$(Q)for f in $(US_MAN3_ALIASES); do \
		echo '.so man3/libprocsnap.3' > $(DESTDIR)$(MANDIR)/man3/$$f.3 \
		|| exit 1; done

# snapctl is useless without the library it links, so both go in.
install-cli: cli install-lib
	$(call us_say,INSTALL,snapctl)
	$(Q)install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8
	$(Q)install -m 0755 cli/snapctl $(DESTDIR)$(BINDIR)/
	$(Q)install -m 0644 doc/snapctl.8 $(DESTDIR)$(MANDIR)/man8/

clean-userspace:
	$(call us_say,CLEAN,userspace)
	$(Q)rm -f $(US_LIB_OBJS) $(US_CLI_OBJS) $(US_CLI_MAIN) $(US_LIB_FILES) \
		lib/libprocsnap.pc.tmp cli/snapctl test/unit/check_procsnap

FORCE:
