# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Kernel reports ("splats"): the one place that knows how to find them.
# A report is a line matching tests/lib/splat-patterns and not matching
# tests/lib/splat-allow (either file: extended regexes, one a line, '#'
# comments).  Sourced by the VM runner, the guest runner, the e2e
# library, the benchmark runner and the nested-guest library.
#
#   splat_filter              stdin -> the report lines in it (carriage
#                             returns of a serial console dropped)
#   splat_file FILE           the report lines in FILE (a console log)
#   splat_mark NAME           write a unique marker line to the kernel log
#                             and leave it in SPLAT_MARK
#   splat_log_since MARKER    the kernel log after MARKER (all of it, with a
#                             note on stderr, if the marker was overwritten)
#   splat_since MARKER        the report lines logged after MARKER
#
# Each function returns 0; an empty output means no report.  Sourcing
# this file reads the pattern files; a missing or empty splat-patterns
# exits the sourcing shell with status 2: a check that silently matches
# nothing would pass every run.

SPLAT_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_splat_seq=0

_splat_patterns() {
	[ -f "$1" ] || return 0
	grep -v -E '^[[:space:]]*(#|$)' "$1" || true
}

_splat_re=$(_splat_patterns "$SPLAT_LIB/splat-patterns")
_splat_allow=$(_splat_patterns "$SPLAT_LIB/splat-allow")
if [ -z "$_splat_re" ]; then
	echo "splat.sh: $SPLAT_LIB/splat-patterns is missing or empty" >&2
	exit 2
fi

# The stack dump of an allocation failure warning (warn_alloc(): "page
# allocation failure: ..." or "vmalloc error: ...", then the dump up to
# "</TASK>") is not a report: the failure is the caller's to handle, and
# the fault-injection sweeps cause thousands on purpose. Only its "Call
# Trace:" line is dropped; anything else in between still counts.
_splat_drop_alloc_warnings() {
	awk '/(page allocation failure|vmalloc error): / { wa = 1; print; next }
		wa && /Call Trace:/ { next }
		/<\/TASK>/ { wa = 0 }
		{ print }'
}

splat_filter() {
	tr -d '\r' | _splat_drop_alloc_warnings | grep -a -E -e "$_splat_re" |
		if [ -n "$_splat_allow" ]; then
			grep -a -v -E -e "$_splat_allow"
		else
			cat
		fi || true
}

splat_file() {
	splat_filter <"$1"
}

splat_mark() {
	_splat_seq=$((_splat_seq + 1))
	SPLAT_MARK="splat-mark: $$.$_splat_seq $1"
	echo "$SPLAT_MARK" >/dev/kmsg
}

splat_log_since() {
	local log
	log=$(dmesg)
	if grep -qF -- "$1" <<<"$log"; then
		awk -v m="$1" 'seen; index($0, m) { seen = 1 }' <<<"$log"
	else
		echo "splat.sh: marker '$1' not in the kernel log, scanning all of it" >&2
		printf '%s\n' "$log"
	fi
}

splat_since() {
	splat_log_since "$1" | splat_filter
}
