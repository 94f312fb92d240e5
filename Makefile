# SPDX-License-Identifier: GPL-2.0
#
# procsnap: module (via Kbuild), libprocsnap, snapctl, tests.
#
#   make                 module + library + CLI
#   make module          procsnap.ko against KDIR (default: the running kernel)
#   make install         everything, honouring DESTDIR and PREFIX
#   make dkms-install    the module source into /usr/src for DKMS
#   make check           unit tests, then the VM tests on Debian's kernel
#   make check-rt        the same on Debian's PREEMPT_RT kernel
#   make check KREL=R    the same on any installed Debian kernel release R
#   make check-matrix    make check on 5.10, 6.1, 6.12 x generic, rt
#   make kernels-install (root) headers of those kernels, bullseye pinned
#   make check-debug     the VM tests on a KASAN/lockdep/kmemleak/UBSAN kernel
#   make check-debug-rt  the same on its PREEMPT_RT flavour (6.12)
#   make bench           benchmarks (bench/README.md); bench-matrix: the
#                        pause on every kernel of check-matrix
#   make demo            a demo inside the VM
#   make style           checkpatch --strict on the module
#   V=1 for verbose, W=1 for the kernel's extra warnings.

KERNELRELEASE ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build
PREFIX ?= /usr
DESTDIR ?=
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
UDEVDIR ?= /lib/udev/rules.d
DKMSDIR ?= /usr/src
CC ?= cc
VERSION := $(shell cat VERSION)

ifeq ($(V),1)
Q :=
else
Q := @
endif

all: module lib cli

include userspace.mk

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

module-install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) modules_install
	$(if $(DESTDIR),,depmod -a $(KERNELRELEASE))

install-udev:
	install -D -m 0644 udev/70-procsnap.rules $(DESTDIR)$(UDEVDIR)/70-procsnap.rules

install: module-install install-lib install-cli install-udev

# DKMS builds from a copy of exactly the files the kernel build reads.
DKMS_FILES := Kbuild Makefile VERSION dkms.conf userspace.mk module
dkms-install:
	@grep -q '^PACKAGE_VERSION="$(VERSION)"' dkms.conf || \
		{ echo "dkms.conf PACKAGE_VERSION is not $(VERSION)" >&2; exit 1; }
	install -d $(DESTDIR)$(DKMSDIR)/procsnap-$(VERSION)
	cp -a $(DKMS_FILES) $(DESTDIR)$(DKMSDIR)/procsnap-$(VERSION)/

# Static test and benchmark programs for the VM (no loader needed there).
define guest_prog_cc
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -static -pthread \
		-Imodule/uapi -Ilib -o $@ $< lib/libprocsnap.a
endef
GUEST_PROGS := $(patsubst test/guest/prog/%.c,build/guest-progs/%,$(wildcard test/guest/prog/*.c)) \
	$(patsubst bench/prog/%.c,build/guest-progs/%,$(wildcard bench/prog/*.c))
guest-progs: $(GUEST_PROGS)
build/guest-progs/%: bench/prog/%.c module/uapi/procsnap.h lib/libprocsnap.a
	$(guest_prog_cc)
build/guest-progs/%: test/guest/prog/%.c module/uapi/procsnap.h lib/libprocsnap.a
	$(guest_prog_cc)

# KREL=<release>: any installed Debian kernel (test/vm/kernels.sh list).
check:
	$(if $(KREL),PROCSNAP_KREL=$(KREL)) test/check.sh

check-matrix:
	test/vm/kernels.sh install >/dev/null
	test/check-matrix.sh

kernels-install:
	test/vm/kernels.sh install

check-rt:
	test/check.sh --rt

check-debug:
	test/check-debug.sh

check-debug-rt:
	test/check-debug.sh --rt

demo:
	test/demo.sh

# compat.h is the one place allowed to test LINUX_VERSION_CODE, for what
# the preprocessor cannot see (struct members, exports).
CHECKPATCH := /usr/src/linux-source-6.1/scripts/checkpatch.pl --strict --no-tree -f
style:
	$(CHECKPATCH) $(filter-out module/compat.h,$(wildcard module/*.c module/*.h)) \
		module/uapi/*.h
	$(CHECKPATCH) --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON module/compat.h

clean: clean-userspace
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	rm -rf build/guest-progs

distclean: clean
	rm -rf build

.PHONY: all module module-install install-udev install dkms-install \
	guest-progs check check-matrix kernels-install check-rt check-debug check-debug-rt demo style clean distclean

# Benchmarks (bench/README.md): the paper's tables, side by side with the
# alternatives, from one VM run; reports land in bench/results/.
bench:
	$(if $(KREL),PROCSNAP_KREL=$(KREL)) bench/run.sh

bench-quick:
	bench/run.sh --quick

bench-rt:
	bench/run.sh --rt

# The pause at 4 MB and 1 GB on every kernel of make check-matrix.
bench-matrix:
	test/vm/kernels.sh install >/dev/null
	bench/matrix.sh

.PHONY: bench bench-quick bench-rt bench-matrix
