# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2034 # TAP_LAST_OK is for the sourcing script
#
# TAP output for tests/e2e/*.sh.  Source it, then:
#
#   tap_plan N                        print the plan "1..N" (optional; without
#                                     it tap_done prints a trailing plan)
#   tap_ok DESC                       a passing test
#   tap_fail DESC [DIAG]              a failing test, DIAG printed as "# " lines
#   tap_skip DESC REASON              a skipped test ("ok K - DESC # SKIP REASON")
#   tap_is GOT WANT DESC              ok iff GOT and WANT are equal strings
#   tap_run DESC CMD [ARGS...]        ok iff CMD exits 0; shows its output if not
#   tap_fails_with DESC PATTERN CMD [ARGS...]
#                                     ok iff CMD exits non-zero and its stderr
#                                     matches the extended regex PATTERN
#   tap_diag MSG...                   print "# " diagnostic lines
#   tap_bail REASON                   "Bail out!" and exit 1
#   tap_done                          check the plan, exit 1 if anything failed
#
# Tests are numbered automatically.  Every helper returns 0, so a script under
# `set -e` keeps going after a failed test; TAP_LAST_OK is 1 if the latest test
# passed (or was skipped), 0 if it failed.  CMD runs in a subshell: a `cd` or
# a variable assignment in it does not reach the script.

_tap_count=0
_tap_failures=0
_tap_planned=
TAP_LAST_OK=1

# One description line: no newlines, and a '#' would start a TAP directive.
_tap_desc() {
	local d=${1//$'\n'/ }
	printf '%s' "${d//#/\\#}"
}

# _tap_result ok|"not ok" DESC [DIRECTIVE]
_tap_result() {
	_tap_count=$((_tap_count + 1))
	printf '%s %d - %s%s\n' "$1" "$_tap_count" "$(_tap_desc "$2")" \
		"${3:+ # $3}"
}

tap_diag() {
	local line
	while IFS= read -r line; do
		printf '# %s\n' "$line"
	done <<<"$*"
}

tap_plan() {
	_tap_planned=$1
	printf '1..%d\n' "$1"
}

tap_ok() {
	_tap_result ok "$1"
	TAP_LAST_OK=1
}

tap_fail() {
	_tap_result "not ok" "$1"
	_tap_failures=$((_tap_failures + 1))
	TAP_LAST_OK=0
	[ -z "${2:-}" ] || tap_diag "$2"
	return 0
}

tap_skip() {
	_tap_result ok "$1" "SKIP ${2:-}"
	TAP_LAST_OK=1
}

tap_is() {
	if [ "$1" = "$2" ]; then
		tap_ok "$3"
	else
		tap_fail "$3" "got:  '$1'"$'\n'"want: '$2'"
	fi
}

tap_run() {
	local desc=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" = 0 ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "command: $*"$'\n'"exit status: $rc"${out:+$'\n'"$out"}
	fi
}

tap_fails_with() {
	local desc=$1 pattern=$2 err rc=0
	shift 2
	# Keep stderr only; stdout goes nowhere.
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	if [ "$rc" != 0 ] && grep -qE -- "$pattern" <<<"$err"; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "command: $*"$'\n'"want: non-zero exit status, stderr matching /$pattern/"$'\n'"got: exit status $rc, stderr:"${err:+$'\n'"$err"}
	fi
}

tap_bail() {
	printf 'Bail out! %s\n' "$*"
	exit 1
}

tap_done() {
	if [ -z "$_tap_planned" ]; then
		printf '1..%d\n' "$_tap_count"
	elif [ "$_tap_planned" != "$_tap_count" ]; then
		tap_diag "planned $_tap_planned tests but ran $_tap_count"
		exit 1
	fi
	[ "$_tap_failures" = 0 ] || exit 1
	exit 0
}
