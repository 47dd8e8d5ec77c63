# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# QEMU's monitor from inside the test VM: scripts/vm-run.sh
# --guest-monitor puts it on the serial port named by VM_MONITOR_TTY.
#
#   qemu_monitor_ok           true when the VM has a guest monitor
#   qemu_monitor CMD...       runs the human monitor (HMP) command line CMD
#                             (device_del ID, device_add ..., info pci...)
#                             and prints its output; returns 1 if no answer
#                             came within QEMU_MONITOR_TIMEOUT seconds
#                             (default 20) or there is no monitor
#
# The port carries QMP, and CMD goes through its human-monitor-command, so
# the output is HMP's own text.  QMP rather than HMP's line editor on the
# port: the editor echoes every character with a redraw of the whole line
# (a 130-character device_add comes back as some 40 KB through an
# emulated UART), while QMP answers each command with one JSON line, its
# "id" telling it from events and from anything left over.  The port is
# raw and does not echo (vm-init.sh sets it so at boot and keeps it open).
# The capabilities handshake is sent on every call: QEMU refuses a second
# one harmlessly.

_qm_fd=
_qm_seq=0

qemu_monitor_ok() { [ -n "${VM_MONITOR_TTY:-}" ] && [ -c "$VM_MONITOR_TTY" ]; }

# _qm_json STRING: STRING as a JSON string literal.
_qm_json() {
	local s=${1//\\/\\\\}

	s=${s//\"/\\\"}
	printf '"%s"' "${s//$'\t'/\\t}"
}

# _qm_answer ID DEADLINE: prints the JSON line that answers command ID.
# A read that times out mid-line has consumed what came of the line: kept
# in part and completed by the next read (the UART may pause longer than
# the read's second when the guest is busy).
_qm_answer() {
	local line part=''

	while [ "$SECONDS" -lt "$2" ]; do
		if ! IFS= read -r -t 1 -u "$_qm_fd" line; then
			part+=$line
			continue
		fi
		line=$part$line part=''
		[[ $line =~ \"id\":\ ?\"$1\" ]] || continue
		printf '%s\n' "${line%$'\r'}"
		return 0
	done
	return 1
}

# _qm_send ID JSON-WITHOUT-BRACES DEADLINE: sends a command, prints its answer.
_qm_send() {
	printf '{%s, "id": "%s"}\r\n' "$2" "$1" >&"$_qm_fd"
	_qm_answer "$1" "$3"
}

_qemu_monitor() {
	local deadline=$((SECONDS + ${QEMU_MONITOR_TIMEOUT:-20})) id ans

	stty raw -echo <&"$_qm_fd" || return 1
	# Whatever is pending (events, the greeting) is of no interest.
	while IFS= read -r -N 1 -t 0.2 -u "$_qm_fd" _; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
	done
	_qm_seq=$((_qm_seq + 1))
	id=qm$$-$_qm_seq
	_qm_send "$id-caps" '"execute": "qmp_capabilities"' "$deadline" \
		>/dev/null || return 1
	ans=$(_qm_send "$id" "\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": $(_qm_json "$*")}" "$deadline") ||
		return 1
	jq -j '.return // ("error: " + .error.desc + "\n")' <<<"$ans" | tr -d '\r'
}

qemu_monitor() {
	local rc=0

	qemu_monitor_ok || { echo "qemu_monitor: no guest monitor (vm-run.sh --guest-monitor)" >&2; return 1; }
	exec {_qm_fd}<>"$VM_MONITOR_TTY" || return 1
	_qemu_monitor "$@" || rc=$?
	[ "$rc" = 0 ] || echo "qemu_monitor: no answer to '$*'" >&2
	exec {_qm_fd}<&-
	return "$rc"
}
