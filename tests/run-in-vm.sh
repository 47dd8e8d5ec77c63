#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest-side test runner; `make check` runs
#
#   scripts/vm-run.sh -- tests/run-in-vm.sh [FILTER...]
#
# Test items, in order:
#   kunit/<module>  every .ko under tests/kunit/ and every *_test.ko in the
#                   tree: modprobe'd (KUnit runs its suites at load), the
#                   KTAP of each suite it added read back from debugfs and
#                   its cases counted, then rmmod'ed together with the
#                   modules it pulled in
#   e2e/<script>    every tests/e2e/*.sh, run with bash, TAP on stdout
#   kmemleak        a final leak scan, always run
# FILTERs select kunit/e2e items whose name contains one of them.
#
# Tiers: scripts/vm-run.sh sets VM_TIER=debug (our test kernel, the default)
# or VM_TIER=stock (--stock: Debian's kernel, our modules from DKMS).  Every
# e2e script names its tiers in a "# vm-tier: T..." line in its first 5
# lines (debug, stock or both); one without is a failure.  On the stock
# tier there is no KUnit and no kmemleak in the kernel, and the tree's own
# *.ko (built for the test kernel) are not installed: the kunit items are
# left out, the last item only checks for late kernel reports, and every
# item fails if an in-box vDPA module was loaded while it ran.  An item
# left out for its tier is a failure if a FILTER names it, else a note.
#
# An e2e script with a "# vm-retry: WHY" line in its first 10 lines runs
# once more when only its own test cases failed (no kernel report, no
# in-box module loaded); the second run is the item's result, and the first
# is shown (a RETRY line, and a note before the totals).
#
# Each item also fails on any kernel report logged while it ran
# (tests/lib/splat-patterns minus tests/lib/splat-allow).  Output: the
# items' own KTAP/TAP indented, one "PASS|FAIL|SKIP <item> (...) in <S>s"
# line per item (its wall time, which scripts/check.sh collects), and last "<N> passed, <N> failed, <N> skipped", counting test cases.
# Exit status 0 iff nothing failed.
#
# Environment: RUN_IN_VM_TIMEOUT (default 1200) seconds per e2e script
# (35-netlink-dump.sh creates 300 devices: ~7 minutes on a loaded host).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
kunit_dir=/sys/kernel/debug/kunit
kml=/sys/kernel/debug/kmemleak
item_timeout=${RUN_IN_VM_TIMEOUT:-1200}
tier=${VM_TIER:-debug}

filters=()
work=                   # scratch directory
stock_names=            # stock tier: module names that must be ours
total_pass=0 total_fail=0 total_skip=0
retried=()	# items run twice (vm_retry_of)
script_fail=0	# failures of the last script's own test cases
item='' marker='' mods_before='' item_start=0
i_pass=0 i_fail=0 i_skip=0

indent() {
	sed 's/^/    /'
}

# --- Counting -------------------------------------------------------------

pass_n() { i_pass=$((i_pass + $1)); }
skip_n() { i_skip=$((i_skip + $1)); }
fail_n() { i_fail=$((i_fail + $1)); }

# One failure that is not a test case of its own: reason, optional detail.
fail_one() {
	fail_n 1
	echo "    FAILED: $1"
	[ -z "${2:-}" ] || indent <<<"$2"
}

# --- Kernel reports -------------------------------------------------------

. "$repo/tests/lib/splat.sh"
. "$repo/tests/lib/vm-tier.sh"

check_splats() {
	local hits
	hits=$(splat_since "$marker")
	[ -z "$hits" ] || fail_one "kernel reports while $item ran:" "$hits"
}

# --- Modules --------------------------------------------------------------

loaded_modules() {
	cut -d' ' -f1 /proc/modules
}

# Unload what the item loaded and left behind (newest first, as listed in
# /proc/modules).  $1=1: say so (an e2e script should clean up after itself).
unload_new_modules() {
	local verbose=$1 m out
	for m in $(comm -13 <(sort <<<"$mods_before") <(loaded_modules | sort) |
		grep -Fxf - <(loaded_modules) || true); do
		grep -q "^$m .*\[permanent\]" /proc/modules && continue
		[ "$verbose" = 0 ] || echo "    note: $item left module $m loaded"
		out=$(rmmod "$m" 2>&1) ||
			fail_one "module $m stays loaded after $item" "$out"
	done
}

# --- Items ----------------------------------------------------------------

selected() {
	local f
	[ ${#filters[@]} = 0 ] && return 0
	for f in "${filters[@]}"; do
		[[ $1 == *"$f"* ]] && return 0
	done
	return 1
}

item_begin() {
	item=$1
	item_start=$SECONDS
	i_pass=0 i_fail=0 i_skip=0
	splat_mark "run-in-vm: begin $item"
	marker=$SPLAT_MARK
	mods_before=$(loaded_modules)
}

item_end() {
	local verdict=PASS
	if [ "$i_fail" -gt 0 ]; then
		verdict=FAIL
	elif [ "$i_pass" = 0 ] && [ "$i_skip" -gt 0 ]; then
		verdict=SKIP
	fi
	echo "$verdict $item ($i_pass passed, $i_fail failed, $i_skip skipped)" \
		"in $((SECONDS - item_start))s"
	total_pass=$((total_pass + i_pass))
	total_fail=$((total_fail + i_fail))
	total_skip=$((total_skip + i_skip))
}

# --- KUnit ----------------------------------------------------------------

kunit_modules() {
	{
		find "$repo/tests/kunit" -type f -name '*.ko' 2>/dev/null
		find "$repo" -path "$repo/.git" -prune -o -type f \
			-name '*_test.ko' -print
	} | sort -u
}

kunit_suites() {
	[ -d "$kunit_dir" ] || return 0
	find "$kunit_dir" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort
}

# Count one suite's cases from its debugfs KTAP: the suite's own lines are
# indented by 4 spaces ("    1..N", "    ok 3 name # SKIP why"); deeper ones
# are parameters of a case, which counts once.
kunit_suite() {
	local s=$1 ktap line plan='' n=0 failed=0
	ktap=$(cat "$kunit_dir/$s/results" 2>/dev/null || true)
	if [ -z "$ktap" ]; then
		fail_one "suite $s: no results in debugfs"
		return
	fi
	indent <<<"$ktap"
	while IFS= read -r line; do
		if [[ -z $plan && $line =~ ^\ {4}1\.\.([0-9]+)$ ]]; then
			plan=${BASH_REMATCH[1]}
		elif [[ $line =~ ^\ {4}(not\ )?ok\ [0-9]+ ]]; then
			n=$((n + 1))
			if [[ $line =~ \ \#\ SKIP ]]; then
				skip_n 1
			elif [[ $line == "    ok"* ]]; then
				pass_n 1
			else
				fail_n 1
				failed=$((failed + 1))
			fi
		fi
	done <<<"$ktap"
	if [ "$n" != "${plan:-none}" ]; then
		# e.g. suite_init failed: "1..N", no cases, "not ok 1 <suite>"
		fail_one "suite $s: $n results for ${plan:-an unknown number of} cases"
	elif [ "$failed" = 0 ] && grep -qx "not ok 1 $s" <<<"$ktap"; then
		fail_one "suite $s failed as a whole"
	fi
}

run_kunit() {
	local ko=$1 name before out s suites
	name=$(basename "$ko" .ko)
	name=${name//-/_}
	before=$(kunit_suites)
	if ! out=$(modprobe "$name" 2>&1); then
		fail_one "modprobe $name failed" "$out"
		return
	fi
	suites=$(comm -13 <(echo "$before") <(kunit_suites))
	[ -n "$suites" ] || fail_one "$name added no KUnit suite"
	for s in $suites; do
		kunit_suite "$s"
	done
	if ! out=$(rmmod "$name" 2>&1); then
		fail_one "rmmod $name failed" "$out"
	elif [ -e "/sys/module/$name" ]; then
		fail_one "$name still in /sys/module after rmmod"
	fi
	unload_new_modules 0
}

# --- e2e scripts (TAP) ----------------------------------------------------

# Count the TAP in file $1 of a script that exited with status $2.
parse_tap() {
	local file=$1 rc=$2 line plan='' n=0 failed=0 bail=0 lc
	# A directive is an unescaped '#' followed by SKIP or TODO, any case.
	local directive='[^\\]#[[:space:]]*(skip|todo)'
	while IFS= read -r line; do
		lc=${line,,}
		if [[ -z $plan && $line =~ ^1\.\.([0-9]+) ]]; then
			plan=${BASH_REMATCH[1]}
			# "1..0 # SKIP reason": the whole script skipped, on purpose.
			if [[ $plan == 0 && $lc =~ $directive ]]; then
				skip_n 1
			fi
		elif [[ $line =~ ^(not )?ok([[:space:]]|$) ]]; then
			n=$((n + 1))
			if [[ $lc =~ $directive ]]; then
				if [[ ${BASH_REMATCH[1]} == todo && $line == ok* ]]; then
					pass_n 1
				else
					skip_n 1
				fi
			elif [[ $line == ok* ]]; then
				pass_n 1
			else
				fail_n 1
				failed=$((failed + 1))
			fi
		elif [[ $line == "Bail out!"* ]]; then
			bail=1
		fi
	done <"$file"
	# Whatever went wrong with the script as a whole is one more failure.
	local why=''
	[ "$rc" != 124 ] || why+="; timed out after ${item_timeout}s"
	[ "$bail" = 0 ] || why+="; bailed out"
	if [ -z "$plan" ]; then
		why+="; no TAP plan (1..N)"
	elif [ "$plan" != "$n" ]; then
		why+="; planned $plan tests, ran $n"
	elif [ "$plan" = 0 ] && [ "$i_skip" = 0 ]; then
		why+="; ran no tests (1..0 without # SKIP)"
	fi
	if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
		why+="; exited with status $rc"
	fi
	[ -z "$why" ] || fail_one "${why#; }"
}

# run_e2e, then the checks every item gets; script_fail is what the
# script's own test cases failed.
run_e2e_checked() {
	run_e2e "$1"
	script_fail=$i_fail
	check_splats
	check_stock_modules
}

# A script that says "# vm-retry: WHY" in its first 10 lines (a failure
# mode outside our code, WHY) runs once more if only its own test cases
# failed: never after a kernel report or an in-box module load, and once.
vm_retry_of() {
	head -n 10 "$1" | sed -n 's/^# vm-retry: *//p'
}

retry_fits() {
	[ "$i_fail" -gt 0 ] && [ "$i_fail" = "$script_fail" ] &&
		[ -n "$(vm_retry_of "$1")" ]
}

# The e2e item begun (item_begin): its script, run again if retry_fits.
run_e2e_item() {
	local script=$1 t0

	run_e2e_checked "$script"
	retry_fits "$script" || return 0
	retried+=("$item")
	echo "RETRY $item ($i_pass passed, $i_fail failed: its test cases" \
		"only, no kernel report; run once more, that run counts):" \
		"$(vm_retry_of "$script")"
	t0=$item_start
	item_begin "$item"
	item_start=$t0	# its time is both runs'
	run_e2e_checked "$script"
}

run_e2e() {
	local script=$1 out=$work/e2e.out
	# Output streams live (indented) and is kept for parsing.  The group
	# runs under errexit too: the script's status must not end it early.
	{
		rc=0
		cd "$repo" &&
			timeout -k 10 "$item_timeout" bash "$script" </dev/null ||
			rc=$?
		echo "$rc" >"$work/e2e.rc"
	} 2>&1 | tee "$out" | sed -u 's/^/    /' || true
	parse_tap "$out" "$(cat "$work/e2e.rc")"
	unload_new_modules 1
}

# --- kmemleak -------------------------------------------------------------

# kmemleak only reports objects >= 5 s old at the start of a scan and skips
# ones modified since the previous scan: age everything, then scan twice.
run_kmemleak() {
	local report
	item_begin kmemleak
	[ "$tier" = debug ] || item=late-reports  # no kmemleak in this kernel
	if [ "$tier" = stock ]; then
		# No kmemleak in Debian's kernel: only the late reports.
		sleep 1
		check_splats
		[ "$i_fail" -gt 0 ] || pass_n 1
		item_end
		return
	fi
	if ! [ -w "$kml" ]; then
		fail_one "$kml missing: kmemleak not available"
		item_end
		return
	fi
	sleep 6
	# Late reports from the last item land here, before kmemleak's own.
	check_splats
	echo scan >"$kml" && sleep 1 && echo scan >"$kml"
	report=$(cat "$kml")
	# This is the last scan the run needs: vm-init.sh skips its own.
	: >/run/vm-kmemleak-scanned
	if [ -z "$report" ]; then
		pass_n 1
	else
		fail_one "kmemleak: suspected leaks:" "$report"
	fi
	item_end
}

# --- Stock tier: the vDPA modules loaded are ours -------------------------

# Every module load is traced; after each item, a load of a vDPA module
# (one of ours by name, any of the kernel's own under drivers/vdpa, or
# vhost_vdpa or virtio_vdpa) must carry the out-of-tree taint, "O", that
# Debian's in-box modules do not.
tracefs=/sys/kernel/tracing

stock_vdpa_names() {
	find "/lib/modules/$(uname -r)/updates" \
		"/lib/modules/$(uname -r)/kernel/drivers/vdpa" \
		-name '*.ko*' -printf '%f\n' 2>/dev/null
	printf '%s\n' vhost_vdpa.ko virtio_vdpa.ko
}

stock_trace_begin() {
	[ -d "$tracefs/events" ] || mount -t tracefs tracefs "$tracefs"
	stock_names=$(stock_vdpa_names | sed 's/\.ko.*//; s/-/_/g' | sort -u)
	echo 1 >"$tracefs/events/module/module_load/enable"
	: >"$tracefs/trace"
}

# Loads since the last call of a vDPA module without the "O" taint.
stock_inbox_loads() {
	sed -n 's/.* module_load: \([^ ]*\) *\([A-Z]*\)$/\1 \2/p' \
		"$tracefs/trace" | while read -r name flags; do
		grep -qx "$name" <<<"$stock_names" || continue
		[[ $flags == *O* ]] || echo "$name (taints '$flags')"
	done
	: >"$tracefs/trace"
}

check_stock_modules() {
	local inbox
	[ "$tier" = stock ] || return 0
	inbox=$(stock_inbox_loads)
	[ -z "$inbox" ] ||
		fail_one "in-box vDPA modules loaded while $item ran:" "$inbox"
}

# --- Main -----------------------------------------------------------------

in_guest() {
	tr '\0' ' ' </proc/1/cmdline | grep -q 'scripts/vm-init\.sh'
}

# Item $1, for tiers $2, is to be run here (returns 0) or not: a script with
# no tier is a failure (every script must run somewhere); one for another
# tier is a failure when a filter asked for it by name, a note otherwise.
tier_fits() {
	[[ " $2 " == *" $tier "* ]] && return 0
	local how="scripts/vm-run.sh -- tests/run-in-vm.sh" why
	[ "$2" != stock ] || how="scripts/vm-run.sh --stock -- tests/run-in-vm.sh"
	why="$1 is for VM_TIER=$2, this is VM_TIER=$tier (run it with $how)"
	[ -n "$2" ] || why="$1 has no '# vm-tier: debug|stock' line in its first 5 lines"
	if [ -z "$2" ] || [ ${#filters[@]} -gt 0 ]; then
		item_begin "$1"
		fail_one "$why"
		item_end
	else
		echo "note: $1 is for VM_TIER=$2, not run on VM_TIER=$tier"
	fi
	return 1
}

run_items() {
	local ko script matched=0
	while IFS= read -r ko; do
		if [ -z "$ko" ] || ! selected "kunit/$(basename "$ko" .ko)"; then
			continue
		fi
		matched=$((matched + 1))
		tier_fits "kunit/$(basename "$ko" .ko)" debug || continue
		item_begin "kunit/$(basename "$ko" .ko)"
		run_kunit "$ko"
		check_splats
		item_end
	done < <(kunit_modules)
	for script in "$repo"/tests/e2e/*.sh; do
		if [ ! -f "$script" ] || ! selected "e2e/${script##*/}"; then
			continue
		fi
		matched=$((matched + 1))
		tier_fits "e2e/${script##*/}" "$(vm_tier_of "$script")" || continue
		item_begin "e2e/${script##*/}"
		run_e2e_item "$script"
		item_end
	done
	if [ "$matched" = 0 ]; then
		item_begin "selection"
		fail_one "no KUnit module or e2e script matches: ${filters[*]:-(none)}"
		item_end
	fi
}

main() {
	filters=("$@")
	in_guest || { echo "run-in-vm: run me via scripts/vm-run.sh" >&2; exit 2; }
	export LC_ALL=C
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	[ "$tier" != stock ] || stock_trace_begin
	run_items
	run_kmemleak
	[ ${#retried[@]} = 0 ] ||
		echo "note: run twice, the first run failed (RETRY lines above): ${retried[*]}"
	echo "$total_pass passed, $total_fail failed, $total_skip skipped"
	[ "$total_fail" = 0 ]
}

main "$@"
