# SPDX-License-Identifier: GPL-2.0-only
#
# Out-of-tree build of the vDPA module set.
#
#   make                 build every module against KDIR
#   make KDIR=/path      ... against another prepared 6.12 build tree
#   make install         install into /lib/modules/<release>/updates + depmod
#   make lint            checkpatch --strict, kernel-doc, sparse
#   make check           everything CI runs: build, static checks, the KUnit
#                        suites and end-to-end tests in the test VM
#   make demo            boot the test VM, load our modules, show the bus
#   make kernel          build (or find cached) the test kernel
#   make bench           ours against the in-tree modules in one VM boot of a
#                        non-debug kernel (BENCH_ARGS="--rounds 5 ..."; not
#                        part of make check): table, JSON and chart under
#                        results/bench/
#
# KDIR defaults to the running kernel's build tree when it exists, else the
# project's own test kernel (built once and cached, see scripts/).

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
HOST_KDIR := /lib/modules/$(shell uname -r)/build

# Deferred: only targets that need a kernel tree pay for finding one.
TEST_KERNEL = $(shell $(ROOT)/scripts/build-kernel.sh --print-dir --quiet)
TEST_KDIR = $(TEST_KERNEL)/build
KDIR ?= $(if $(wildcard $(HOST_KDIR)/Makefile),$(HOST_KDIR),$(TEST_KDIR))
# Full kernel source (checkpatch, kernel-doc); headers packages lack them.
KSRC ?= $(shell $(ROOT)/scripts/build-kernel.sh --print-src --quiet)

KMAKE = $(MAKE) -C $(KDIR) M=$(ROOT)

SOURCES = $(shell cd $(ROOT) && git ls-files -co --exclude-standard \
		'*.c' '*.h' 2>/dev/null | grep -v '^tests/userspace/')
DOC_SOURCES = $(filter include/% core/% sim/% drivers/%, $(SOURCES))

.PHONY: all modules install clean lint checkpatch kernel-doc sparse check \
	demo kernel bench

all: modules

# Builds of one tree take turns (several people may share a work tree).
modules:
	flock $(ROOT)/.build.lock $(KMAKE) W=1 modules

install: modules
	$(KMAKE) INSTALL_MOD_DIR=updates modules_install
	depmod -a $$($(MAKE) -s -C $(KDIR) kernelrelease)

clean:
	$(KMAKE) clean

kernel:
	$(ROOT)/scripts/build-kernel.sh

checkpatch:
	cd $(ROOT) && $(KSRC)/scripts/checkpatch.pl --strict --no-tree \
		--terse --show-types --ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES \
		-f $(SOURCES)

kernel-doc:
	cd $(ROOT) && $(KSRC)/scripts/kernel-doc -none -Wall $(DOC_SOURCES)

# C=2 checks every source whether or not it needs rebuilding. sparse
# prints its findings and still exits 0: any finding located in our tree
# is a failure. (Findings inside the kernel's own headers are its own:
# sparse cannot follow the scoped guard() in device_match_driver_override(),
# for one.)
sparse:
	$(KMAKE) C=2 modules 2>&1 | tee $(ROOT)/.sparse.log
	@! grep -E '^$(ROOT)/.*(warning|error):' $(ROOT)/.sparse.log

lint: checkpatch kernel-doc sparse

check:
	$(ROOT)/scripts/check.sh

demo:
	$(ROOT)/scripts/demo.sh

bench:
	$(ROOT)/scripts/bench.sh $(BENCH_ARGS)
