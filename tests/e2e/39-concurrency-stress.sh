#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
# Concurrency stress: five workers race each other for STRESS_SECONDS on
# our modules (vdpa, vdpa_sim, vdpa_sim_net, vdpa_sim_blk, virtio_vdpa,
# vhost_vdpa), then stop, and the state after them is checked:
#
# - netlink: "vdpa dev add" (vdpasim_net or vdpasim_blk, at random) and
#   "vdpa dev del" over a pool of four names s0..s3, so adds collide
#   (EEXIST) and deletes miss (ENODEV); an add on vdpasim_blk while its
#   module is out finds no management device (ENODEV); until a delete
#   has worked, the device it just added is the next one it deletes;
# - bind: on a random device s*, with a random driver of the two: sysfs
#   unbind, bind, driver_override set to the driver or cleared, and
#   drivers_probe (ENODEV, ENOENT, EBUSY, EAGAIN are the races allowed,
#   and EACCES: bash opens with O_CREAT, and a driver directory whose
#   bind and unbind files are not there yet or any more, or a device
#   directory whose driver_override is already gone (the device being
#   deleted), refuses the creation with EACCES);
# - modules: rmmod of vdpa_sim_blk, virtio_vdpa or vhost_vdpa, and
#   modprobe of it again at once ("in use" is an outcome, counted: a
#   hammer holds vhost_vdpa);
# - fd: `vdpa_user hammer` (2 threads and a child that received the
#   descriptor over SCM_RIGHTS, all issuing ioctls, IOTLB updates and
#   kicks) on the /dev/vhost-vdpa-N of a virtio-net device picked at
#   random; when there is none it creates h0 (a device of its own, that
#   the netlink and bind workers leave alone) and steers it to
#   vhost_vdpa.  Once hammer is ready (its threads are then niced, so
#   that they do not starve the others) the device goes away under it, by
#   one of the other workers or, after 0.2-2 s, by the fd worker itself
#   (dev del, unbind, or driver_override to virtio_vdpa); hammer must
#   then see ENODEV on every call and exit 0.  A run whose device went
#   away before hammer was ready may fail, with ENODEV, ENOENT or ENXIO only;
# - dumps: "vdpa dev show", "vdpa mgmtdev show", "vdpa dev config show"
#   and "vdpa dev config show sN" (ENODEV allowed).
#
# Assertions: every worker exits within 60 s of the stop (else the stacks
# of its processes, /proc/PID/task/*/stack, are shown); each kind of
# operation succeeded at least once (add, del, bind, unbind,
# driver_override and drivers_probe, modprobe, rmmod, hammer runs and
# their ioctls, dumps); every failure is one of the errnos allowed for
# that operation (any other is shown with its message); then every device
# left is deleted, "vdpa dev show" is empty, /sys/bus/vdpa/devices is
# empty, each module has a refcount of 0 and unloads, no page is left
# pinned (nr_foll_pin_acquired - nr_foll_pin_released as before) and the
# kernel reported nothing.  The counts of every outcome, with the slowest
# of each kind, are printed as diagnostics ("# add: 7 ok, 4 EEXIST,
# 1 ENODEV (slowest 2456 ms)"), and so are the hammer runs that lost
# their device before they were ready, and where a hammer that was not
# ready after 10 s stood (its kernel stacks).
#
# Knob: STRESS_SECONDS (default 30), how long the workers run.
# Cost: about 2 minutes in the test VM (30 s of stress; module loads,
# setup and the state checks around it take the rest).
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/e2e.sh"

bus=/sys/bus/vdpa
stress_s=${STRESS_SECONDS:-30}
grace_s=60
mods=(vdpa vdpa_sim vdpa_sim_net vdpa_sim_blk virtio_vdpa vhost_vdpa)
churn=(vdpa_sim_blk virtio_vdpa vhost_vdpa)
drivers=(virtio_vdpa vhost_vdpa)
workers=(netlink bind module fd dump)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stop=$tmp/stop
tool=
declare -A wpid

# --- Outcomes -------------------------------------------------------------
#
# A worker logs one line per operation on its stdout, "WHAT OUTCOME MS":
# OUTCOME is "ok", the errno name of an allowed failure, or "unexpected"
# (the command and its message then go to the worker's $bad file); MS is
# how long it took, in milliseconds.

# errclass MESSAGE: sets ERR to the errno name MESSAGE shows.  Bash opens
# with O_CREAT: a bind or unbind file missing from a driver directory
# that exists (the driver being registered or unregistered) is EACCES.
errclass() {
	case $1 in
	*"File exists"*) ERR=EEXIST ;;
	*"No such device or address"*) ERR=ENXIO ;;
	*"No such device"*) ERR=ENODEV ;;
	*"No such file or directory"*) ERR=ENOENT ;;
	*"Permission denied"*) ERR=EACCES ;;
	*"Device or resource busy"*) ERR=EBUSY ;;
	*"Resource temporarily unavailable"*) ERR=EAGAIN ;;
	*" is in use"*) ERR=INUSE ;;
	*) ERR=other ;;
	esac
}

# outcome WHAT ALLOWED START_US CMD STATUS MESSAGE: log an operation that
# began at START_US; ALLOWED is a |-list of errno names.
outcome() {
	local ms=$(((${EPOCHREALTIME/./} - $3) / 1000))

	if [ "$5" = 0 ]; then
		echo "$1 ok $ms"
		return
	fi
	errclass "$6"
	if [[ "|$2|" == *"|$ERR|"* ]]; then
		echo "$1 $ERR $ms"
	else
		echo "$1 unexpected $ms"
		printf '%s: %s\n' "$4" "${6//$'\n'/ | }" >>"$bad"
	fi
}

# attempt WHAT ALLOWED CMD...: run CMD, log its outcome; 0 if it worked.
attempt() {
	local what=$1 allowed=$2 out rc=0 t0

	shift 2
	t0=${EPOCHREALTIME/./}	# microseconds (LC_ALL=C: with a dot)
	out=$("$@" 2>&1) || rc=$?
	outcome "$what" "$allowed" "$t0" "$*" "$rc" "$out"
	return "$rc"
}

# sysw WHAT ALLOWED FILE VALUE: write VALUE to FILE from this shell (no
# fork), log the outcome; 0 if it worked.
sysw() {
	local rc=0 t0 out=''

	t0=${EPOCHREALTIME/./}	# microseconds (LC_ALL=C: with a dot)
	if ! { echo "$4" >"$3"; } 2>"$errf"; then
		rc=1
		out=$(<"$errf")
	fi
	outcome "$1" "$2" "$t0" "echo '$4' >$3" "$rc" "$out"
	return "$rc"
}

# --- Workers --------------------------------------------------------------

# Random adds and deletes; until a delete has worked, a device this worker
# just added is deleted next (on a slow host a few random tries could all
# miss, and the check that a delete worked would fail by chance).
w_netlink() {
	local name added='' deleted=0

	until [ -e "$stop" ]; do
		name=s$((RANDOM % 4))
		if [ "$deleted" = 0 ] && [ -n "$added" ]; then
			name=$added added=''
			attempt del ENODEV vdpa dev del "$name" && deleted=1
		elif ((RANDOM % 2)); then
			attempt del ENODEV vdpa dev del "$name" && deleted=1
		elif ((RANDOM % 2)); then
			attempt add EEXIST vdpa dev add name "$name" mgmtdev vdpasim_net &&
				added=$name
		else
			attempt add "EEXIST|ENODEV" \
				vdpa dev add name "$name" mgmtdev vdpasim_blk &&
				added=$name
		fi
	done
}

w_bind() {
	local devs d drv

	until [ -e "$stop" ]; do
		devs=("$bus"/devices/s*)
		if [ ! -e "${devs[0]}" ]; then
			sleep 0.1	# nothing to do until a device appears
			continue
		fi
		d=${devs[RANDOM % ${#devs[@]}]##*/}
		drv=${drivers[RANDOM % 2]}
		case $((RANDOM % 7)) in
		0 | 1) sysw unbind "ENODEV|ENOENT|EACCES" "$bus/drivers/$drv/unbind" "$d" ;;
		2 | 3) sysw bind "ENODEV|ENOENT|EACCES|EBUSY|EAGAIN" "$bus/drivers/$drv/bind" "$d" ;;
		4) sysw override "ENODEV|ENOENT|EACCES" "$bus/devices/$d/driver_override" "$drv" ;;
		5) sysw override "ENODEV|ENOENT|EACCES" "$bus/devices/$d/driver_override" "" ;;
		6) sysw probe ENODEV "$bus/drivers_probe" "$d" ;;
		esac
	done
}

w_module() {
	local m

	until [ -e "$stop" ]; do
		m=${churn[RANDOM % ${#churn[@]}]}
		# Out and back in at once: the other workers need them.
		if [ ! -e "/sys/module/$m" ] ||
		   attempt rmmod "INUSE|EAGAIN" rmmod "$m"; then
			attempt modprobe "" modprobe "$m"
		fi
	done
	for m in "${churn[@]}"; do
		[ -e "/sys/module/$m" ] || attempt modprobe "" modprobe "$m"
	done
}

w_dump() {
	until [ -e "$stop" ]; do
		attempt dump "" vdpa dev show
		attempt dump "" vdpa mgmtdev show
		attempt dump "" vdpa dev config show
		attempt config ENODEV vdpa dev config show "s$((RANDOM % 4))"
	done
}

# The fd worker ----------------------------------------------------------

# Sets node and dev to a virtio-net device bound to vhost_vdpa, picked at
# random, and its /dev/vhost-vdpa-N; 1 if there is none.
fd_find() {
	local n u c=()

	for n in "$bus"/devices/*/vhost-vdpa-*; do
		[ -e "$n" ] || continue
		{ u=$(<"${n%/*}/uevent"); } 2>/dev/null || continue
		[[ $u != *VDPA_DEVICE_ID=1* ]] || c+=("$n")
	done
	[ ${#c[@]} -gt 0 ] || return 1
	n=${c[RANDOM % ${#c[@]}]}
	dev=${n%/*} dev=${dev##*/} node=/dev/${n##*/}
}

# Create h0 if needed and steer it to vhost_vdpa.
fd_steer() {
	if [ ! -e "$bus/devices/h0" ]; then
		attempt fdadd EEXIST vdpa dev add name h0 mgmtdev vdpasim_net || return
	fi
	sysw fdsteer "ENODEV|ENOENT" "$bus/devices/h0/driver_override" vhost_vdpa &&
		sysw fdsteer "ENODEV|ENOENT|EACCES" "$bus/drivers/virtio_vdpa/unbind" h0
	sysw fdsteer ENODEV "$bus/drivers_probe" h0
}

# Take device $1 away from vhost_vdpa, one way or another.
fd_remove() {
	case $((RANDOM % 3)) in
	0) attempt fdremove ENODEV vdpa dev del "$1" ;;
	1) sysw fdremove "ENODEV|ENOENT|EACCES" "$bus/drivers/vhost_vdpa/unbind" "$1" ;;
	2) sysw fdremove "ENODEV|ENOENT" "$bus/devices/$1/driver_override" virtio_vdpa &&
		sysw fdremove "ENODEV|ENOENT|EACCES" "$bus/drivers/vhost_vdpa/unbind" "$1" &&
		sysw fdremove ENODEV "$bus/drivers_probe" "$1" ;;
	esac
}

# hammer failed before "ready" only because the device went away (or its
# node now belongs to a block device): every error is ENODEV or ENOENT, or
# ENXIO from the char-device core for a node whose cdev is already gone
# (cdev_device_del() removes the cdev before devtmpfs drops the node).
# vdev.c's "DRIVER_OK for X failed" only follows such an error (a status
# read that failed), so it counts when one came.
fd_raced() {
	local line why=0

	[ -n "$1" ] || return 1
	while IFS= read -r line; do
		if [[ $line =~ ^vdpa_user:\ error:\ .*(ENODEV|ENOENT|ENXIO)\ \( ||
		      $line =~ ^vdpa_user:\ error:\ .*device\ id\ [0-9]+,\ this\ test\ needs\ 1$ ]]; then
			why=1
		elif ! [[ $line =~ ^vdpa_user:\ error:\ .*:\ DRIVER_OK\ for\ [a-z-]+\ failed$ ]]; then
			return 1
		fi
	done <<<"$1"
	[ "$why" = 1 ]
}

# Nice hammer $1 (all its threads, and its child's: its process group)
# once it is ready: they would starve the other workers.  Its start is
# not niced: the other workers would take the device away before it gets
# there.
# A group that is gone already (its device went away first and hammer
# ended) has nothing left to renice: that is not a failure.
fd_renice() {
	local err

	err=$(renice -n 10 -g "$1" 2>&1 >/dev/null) && return 0
	kill -0 -- "-$1" 2>/dev/null || return 0
	echo "$err" >&2
	return 1
}

# One hammer run on $node ($dev); logs "fd ok" and "fdops N" or a failure.
fd_run() {
	local pid hfd line all='' ready=0 st=0 waited=0 hold rc=0 errs ms t0 t1

	t0=${EPOCHREALTIME/./}
	# Its own limit outlasts the 60 s this worker waits for "ready" and
	# then for the removal, even in a starved VM.
	coproc HAM { exec setsid "$tool" hammer --dev "$node" --threads 2 \
		--timeout 90000 2>"$tmp/hammer.err"; }
	# shellcheck disable=SC2153 # HAM_PID is set by coproc
	pid=$HAM_PID
	exec {hfd}<&"${HAM[0]}"
	# Wait for "ready" (diagnostics before it are skipped), 60 s at most;
	# where it is after 10 s goes to the diagnostics.
	while :; do
		if IFS= read -r -t 5 line <&"$hfd"; then
			[ "$line" != ready ] || { ready=1; break; }
			continue
		fi
		st=$?
		[ "$st" -gt 128 ] || break
		waited=$((waited + 5))
		if [ "$waited" = 10 ]; then
			echo "hammer on $dev not ready after 10 s:"
			stacks_of "$pid"
		fi >>"$tmp/slow"
		[ "$waited" -lt 60 ] || break
	done
	if [ "$ready" = 1 ]; then
		echo "fdsetup ok $(((${EPOCHREALTIME/./} - t0) / 1000))"
		attempt fdrenice "" fd_renice "$pid"
		hold=$((RANDOM % 19 + 2))
		# Its next line is its last: the device is gone already.
		if IFS= read -r -t "$((hold / 10)).$((hold % 10))" line <&"$hfd"; then
			all+=$line$'\n'
		else
			all+=$line
			fd_remove "$dev"
		fi
	elif [ "$st" -gt 128 ]; then
		fd_remove "$dev"	# not ready within 60 s: end it
	fi
	t1=${EPOCHREALTIME/./}
	while IFS= read -r -t 90 line <&"$hfd"; do
		all+=$line$'\n'
	done
	exec {hfd}<&-
	kill "$pid" 2>/dev/null
	wait "$pid" || rc=$?
	errs=$(<"$tmp/hammer.err")
	ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
	if [ "$ready" = 1 ] && [ "$rc" = 0 ]; then
		echo "fd ok $ms"
		echo "fdexit ok $(((${EPOCHREALTIME/./} - t1) / 1000))"
		[[ $all =~ \#\ hammer:\ ([0-9]+)\ ops ]] && echo "fdops ${BASH_REMATCH[1]}"
	elif [ "$ready" = 0 ] && [ "$rc" = 1 ] && fd_raced "$errs"; then
		echo "fd raced $ms"
		echo "$dev, $ms ms: ${errs//$'\n'/ | }" >>"$tmp/raced"
	else
		echo "fd unexpected $ms"
		printf 'hammer on %s (%s), ready=%s, exit status %s: %s\n' \
			"$node" "$dev" "$ready" "$rc" "${errs//$'\n'/ | }" >>"$bad"
	fi
}

w_fd() {
	local node dev

	until [ -e "$stop" ]; do
		if fd_find || { fd_steer; fd_find; }; then
			fd_run
		else
			sleep 0.1	# vhost_vdpa is out: wait for the module worker
		fi
	done
}

# start NAME: run worker w_NAME in the background, its log in $tmp.
start() {
	(
		RANDOM=$BASHPID
		bad=$tmp/bad.$1
		errf=$tmp/err.$1
		"w_$1"
		touch "$tmp/done.$1"
	) >"$tmp/log.$1" 2>"$tmp/stderr.$1" &
	wpid[$1]=$!
}

# --- After the stop -------------------------------------------------------

# The processes of worker $1: its shell and all its descendants.
tree_of() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2 }
		END {
			for (p in parent) {
				q = p
				while (q != root && q in parent && q > 1)
					q = parent[q]
				if (q == root)
					print p
			}
		}'
}

# Where process $1 and its descendants are, in the kernel.
stacks_of() {
	local p t

	for p in $(tree_of "$1"); do
		printf 'pid %s %s: %s\n' "$p" "$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)" \
			"$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
		for t in /proc/"$p"/task/*; do
			printf '  task %s:\n' "${t##*/}"
			sed 's/^/    /' "$t/stack" 2>/dev/null
		done
	done
}

# Wait grace_s for the workers; one test: they all finished.
wait_workers() {
	local deadline=$((SECONDS + grace_s)) w late diag=''

	while :; do
		late=()
		for w in "${workers[@]}"; do
			[ -e "$tmp/done.$w" ] || late+=("$w")
		done
		if [ ${#late[@]} = 0 ] || [ "$SECONDS" -ge "$deadline" ]; then
			break
		fi
		sleep 0.2
	done
	for w in "${late[@]}"; do
		diag+="worker $w still running ${grace_s} s after the stop:"$'\n'
		diag+=$(stacks_of "${wpid[$w]}")$'\n'
		# shellcheck disable=SC2046 # one pid per word
		kill -KILL $(tree_of "${wpid[$w]}") 2>/dev/null
	done
	for w in "${workers[@]}"; do
		[ -e "$tmp/done.$w" ] && wait "${wpid[$w]}"
	done
	if [ -z "$diag" ]; then
		tap_ok "every worker stopped within ${grace_s} s"
	else
		tap_fail "every worker stopped within ${grace_s} s" "$diag"
	fi
}

declare -A cnt

# Fill cnt[WHAT/OUTCOME] from the logs, cnt[fdops] the ioctls of hammer;
# print the counts as diagnostics, one line per WHAT.
tally() {
	local k v

	while read -r k v; do
		cnt[$k]=$v
	done < <(cat "$tmp"/log.* | awk '
		$1 == "fdops" { n["fdops"] += $2; next }
		{ n[$1 "/" $2]++ }
		END { for (k in n) print k, n[k] }')
	tap_diag "$(cat "$tmp"/log.* | awk '
		$1 == "fdops" { ops += $2; next }
		!($1 in seen) { seen[$1] = 1; what[++n] = $1 }
		!(($1, $2) in c) { outs[$1] = outs[$1] " " $2 }
		{ c[$1, $2]++; if ($3 > max[$1]) max[$1] = $3 }
		END {
			for (i = 1; i <= n; i++) {
				w = what[i]
				m = split(outs[w], o, " ")
				line = w ":"
				for (j = 1; j <= m; j++)
					line = line (j > 1 ? "," : "") " " c[w, o[j]] " " o[j]
				print line " (slowest " max[w] + 0 " ms)"
			}
			print "fdops: " ops + 0 " hammer ioctls before the removals"
		}')"
}

# progress DESC WHAT...: one test: cnt[WHAT/ok] > 0 for every WHAT.
progress() {
	local desc=$1 w missing=''

	shift
	for w in "$@"; do
		[ "${cnt[$w/ok]:-0}" -gt 0 ] || missing+=" $w"
	done
	if [ -z "$missing" ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "no success for:$missing"
	fi
}

# expected WORKER ALLOWED: one test: nothing unexpected in its logs.
expected() {
	local got

	got=$(cat "$tmp/bad.$1" "$tmp/stderr.$1" 2>/dev/null | sort | uniq -c |
	      sort -rn | head -n 20)
	tap_is "$got" "" "$1 worker: every failure was an expected one ($2)"
}

delete_all() {
	local d

	for d in $(vdpa dev show | sed -n 's/^\([^ :]*\): .*/\1/p'); do
		timeout 60 vdpa dev del "$d" || return 1
	done
}

# rmmod_idle MODULE: its refcount is 0 and it unloads.
rmmod_idle() {
	local ref

	ref=$(cat "/sys/module/$1/refcnt" 2>/dev/null) || { echo "$1 is not loaded"; return 1; }
	[ "$ref" = 0 ] || { echo "$1: refcnt $ref, holders: $(ls "/sys/module/$1/holders")"; return 1; }
	timeout 60 rmmod "$1"
}

# --- Main -----------------------------------------------------------------

tap_plan 26

for m in "${mods[@]}"; do
	modinfo -F filename "$m" 2>/dev/null | grep -q /updates/ ||
		tap_bail "modprobe would not load our $m (not in updates/)"
	[ ! -e "/sys/module/$m" ] || tap_bail "$m is loaded already"
done
e2e_find_vdpa_user || tap_bail "no vdpa_user: run make -C tests/userspace on the host"
tool=$E2E_VDPA_USER
[[ $("$tool" 2>&1) == *hammer* ]] ||
	tap_bail "$tool has no hammer subcommand: rebuild it (make -C tests/userspace)"
if ! [[ $stress_s =~ ^[0-9]+$ ]] || [ "$stress_s" -lt 1 ]; then
	tap_bail "STRESS_SECONDS=$stress_s: want a number of seconds, at least 1"
fi

e2e_begin
pins_before=$(e2e_pins_outstanding)
tap_run "modprobe ${mods[*]}" modprobe -a "${mods[@]}"

for w in "${workers[@]}"; do
	start "$w"
done
sleep "$stress_s"
touch "$stop"
t_stop=$SECONDS
wait_workers
tap_diag "$stress_s s of stress, workers stopped $((SECONDS - t_stop)) s after"

tally
[ ! -e "$tmp/raced" ] ||
	tap_diag "hammer runs that failed before they were ready, as the device went:"$'\n'"$(head -n 10 "$tmp/raced")"
[ ! -e "$tmp/slow" ] || tap_diag "$(head -n 100 "$tmp/slow")"
progress "netlink: dev add and dev del worked" add del
progress "sysfs: bind and unbind worked" bind unbind
progress "sysfs: driver_override and drivers_probe writes worked" override probe
progress "modprobe worked" modprobe
progress "rmmod worked" rmmod
if [ "${cnt[fd/ok]:-0}" -gt 0 ] && [ "${cnt[fdops]:-0}" -gt 0 ]; then
	tap_ok "hammer ran on a device that went away under it (${cnt[fd/ok]} runs, ${cnt[fdops]} ioctls)"
else
	tap_fail "hammer ran on a device that went away under it" \
		"runs: ${cnt[fd/ok]:-0}, ioctls: ${cnt[fdops]:-0}"
fi
progress "dumps worked" dump

expected netlink "add: EEXIST, and ENODEV for vdpasim_blk; del: ENODEV"
expected bind "ENODEV, ENOENT, EACCES; bind also EBUSY, EAGAIN"
expected module "rmmod: in use or EAGAIN; modprobe: none"
expected fd "ENODEV, ENOENT, EACCES; hammer: ENODEV, ENOENT or ENXIO before it got ready"
expected dump "config show sN: ENODEV"

tap_run "delete every device left" delete_all
tap_is "$(vdpa dev show 2>&1)" "" "vdpa dev show is empty"
tap_is "$(ls "$bus/devices")" "" "nothing under $bus/devices"
for m in vhost_vdpa virtio_vdpa vdpa_sim_blk vdpa_sim_net vdpa_sim vdpa; do
	tap_run "$m: refcnt 0, rmmod works" rmmod_idle "$m"
done
tap_is "$(e2e_pins_outstanding)" "$pins_before" \
	"no page left pinned (nr_foll_pin_acquired - nr_foll_pin_released as before)"
e2e_end
tap_diag "wall time ${SECONDS} s"
tap_done
