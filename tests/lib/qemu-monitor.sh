# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# QEMU's human monitor from inside the test VM (scripts/vm-run.sh
# --guest-monitor puts it on the serial port named by VM_MONITOR_TTY).
#
#   qemu_monitor_ok           true when the VM has a guest monitor
#   qemu_monitor CMD...       sends the command line CMD to the monitor and
#                             prints its reply (the lines between the echo
#                             of CMD and the next "(qemu) " prompt, control
#                             sequences and CRs removed); returns 1 if no
#                             prompt came back within QEMU_MONITOR_TIMEOUT
#                             seconds (default 20) or there is no monitor
#
# The port is raw and does not echo (vm-init.sh sets it so at boot and
# keeps it open).  Each call first discards whatever is pending and sends
# an empty line, which only brings a prompt back (or ends a stray partial
# line), so a command always starts on a line of its own; the monitor's
# echo of the command is how its reply is told from what came before.

_qm_fd=

qemu_monitor_ok() { [ -n "${VM_MONITOR_TTY:-}" ] && [ -c "$VM_MONITOR_TTY" ]; }

# _qm_until TEXT DEADLINE: reads the monitor into _qm_out until it ends
# with TEXT; 1 if SECONDS reaches DEADLINE first.
_qm_until() {
	local c

	while [[ $_qm_out != *"$1" ]]; do
		[ "$SECONDS" -lt "$2" ] || return 1
		IFS= read -r -N 1 -t 1 -u "$_qm_fd" c && _qm_out+=$c
	done
}

# Discard pending output: read until 0.3 s pass without any, or DEADLINE.
_qm_drain() {
	local c

	while IFS= read -r -N 1 -t 0.3 -u "$_qm_fd" c; do
		[ "$SECONDS" -lt "$1" ] || return 1
	done
	return 0
}

_qemu_monitor() {
	local deadline=$((SECONDS + ${QEMU_MONITOR_TIMEOUT:-20})) line=$*

	stty raw -echo <&"$_qm_fd" || return 1
	_qm_drain "$deadline" || return 1
	_qm_out=
	printf '\r' >&"$_qm_fd"
	_qm_until '(qemu) ' "$deadline" || return 1
	_qm_out=
	printf '%s\r' "$line" >&"$_qm_fd"
	_qm_until '(qemu) ' "$deadline" || return 1
	# The reply starts after the echoed line's end.
	_qm_out=${_qm_out#*"$line"}
	_qm_out=${_qm_out%'(qemu) '}
	printf '%s' "$_qm_out" | sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' \
		-e 's/\r//g' -e '/^$/d'
}

qemu_monitor() {
	local rc=0 _qm_out

	qemu_monitor_ok || { echo "qemu_monitor: no guest monitor (vm-run.sh --guest-monitor)" >&2; return 1; }
	exec {_qm_fd}<>"$VM_MONITOR_TTY" || return 1
	_qemu_monitor "$@" || rc=$?
	[ "$rc" = 0 ] || echo "qemu_monitor: no prompt after '$*'" >&2
	exec {_qm_fd}<&-
	return "$rc"
}
