# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Test tiers: the one place that reads an e2e script's tier line.  Every
# tests/e2e/*.sh says in its first 5 lines which test VMs run it:
#
#   # vm-tier: debug          the test kernel with its sanitizers
#   # vm-tier: stock          Debian's kernel, our modules from DKMS
#   # vm-tier: debug stock    both
#
# Sourced by the guest runner (tests/run-in-vm.sh), which runs a script
# only on its tiers, and by scripts/check.sh, which boots only the VMs its
# filters select items of.
#
#   vm_tier_of FILE           the tiers named by FILE's tier line, or
#                             nothing if it has none

vm_tier_of() {
	head -n 5 "$1" | sed -n 's/^# vm-tier: *\([a-z ]*\).*/\1/p'
}
