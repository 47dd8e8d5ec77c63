# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Helpers shared by the VDUSE block scripts: tests/e2e/60-vduse-blk.sh (the
# stock tier: functional I/O) and tests/e2e/62-vduse-hostile.sh (the debug
# tier: errnos, hostile daemons, teardown).  Source tests/lib/tap.sh and
# tests/lib/e2e.sh first, then this file, then:
#
#   vduse_begin               bails out without the daemon; e2e_begin, then
#                             four tests: /tmp writable, the stack loads, the
#                             loaded vduse is the expected one, "vdpa
#                             mgmtdev show" lists vduse
#   vduse_end                 three tests: the work directory removed, then
#                             e2e_end's two
#   tap_do DESC CMD...        tap_run in this shell (CMD may start background
#                             daemons and set VU_PID, QSD_PID, FIO_PID), its
#                             output in $work/out; its "# " lines are shown
#                             when it passes
#   load_stack                loads vduse and virtio_vdpa (ours, or with
#                             VDUSE_INTREE=1 the test kernel's by insmod)
#   bounded SECS CMD...       CMD's status if it ends within SECS, else 124
#   start_vu LOG ARGS...      vduse_user ARGS in the background until ready;
#                             VU_PID
#   stop_vu                   SIGTERM it, its exit status (124: still running)
#   vu_counters LOG KEY       its counters line (KEY=... first) after SIGUSR1
#   vu_field NAME LINE        the number after NAME= in such a line
#   qsd_start NAME            qemu-storage-daemon exports $work/NAME.img as
#                             vduse-blk NAME (one queue) until its device
#                             node appears; QSD_PID; output appended to
#                             $work/NAME.qsd.log
#   qsd_stop NAME             SIGTERM it, wait for it and for NAME to be gone,
#                             its reconnect log removed
#   add NAME [retry]          vdpa dev add NAME, wait for its disk (not once
#                             its probe failed)
#   del NAME                  vdpa dev del NAME, bounded to 60 s
#   short_timeout NAME [SECS] msg_timeout SECS (3) for VDUSE device NAME
#   gone NAME                 neither the VDUSE nor the vDPA device is left
#   dd_cmp DISK MiB           random data written, read back, compared
#   reuse NAME                a good daemon serves a device named NAME
#
# Variables: intree (VDUSE_INTREE, 0 or 1), tool (the daemon,
# tests/userspace/vduse_user or VDUSE_USER), kdir (the running kernel's own
# modules), work (this script's directory under /tmp), VU_PID, QSD_PID.
#
# VDUSE_INTREE=1 (tests/e2e-reference/vduse-intree.sh) loads the in-tree
# vdpa, vduse and virtio_vdpa of the test kernel: the debug VM only (the
# stock tier must load ours and no in-box vDPA module).

intree=${VDUSE_INTREE:-0}
tool=${VDUSE_USER:-$E2E_REPO/tests/userspace/vduse_user}
kdir=/lib/modules/$(uname -r)/kernel
work=/tmp/$(basename "$0" .sh).$$
VU_PID=
QSD_PID=

vduse_begin() {
	local which=ours
	[ -x "$tool" ] || tap_bail "no $tool: make -C tests/userspace vduse on the host"
	if [ "$intree" = 1 ]; then
		[ "${VM_TIER:-}" != stock ] ||
			tap_bail "VDUSE_INTREE=1 is for the debug VM (tests/e2e-reference/vduse-intree.sh)"
		grep -q '^vdpa ' /proc/modules && tap_bail "a vdpa module is already loaded"
		which=in-tree
	else
		e2e_need_modules vduse virtio_vdpa
	fi
	e2e_begin
	mkdir -p "$work"
	tap_do "guest /tmp is writable" eval "touch $work/w && rm $work/w"
	tap_do "load vduse and virtio_vdpa ($which)" load_stack
	tap_do "the loaded vduse is the $([ "$intree" = 1 ] && echo in-tree || echo tree\'s) module" \
		_vduse_is_expected
	tap_do "vdpa mgmtdev show lists vduse" eval 'vdpa mgmtdev show | grep -q "^vduse:"'
}

# vduse_end [PATH...]: the work directory and PATHs removed, modules unloaded.
vduse_end() {
	tap_run "guest /tmp cleaned" rm -rf "$work" "$@"
	e2e_end
}

tap_do() {
	local desc=$1 rc=0 out
	shift
	"$@" >"$work/out" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		tap_ok "$desc"
		out=$(sed -n 's/^# //p' "$work/out")
		[ -z "$out" ] || tap_diag "$out"
	else
		tap_fail "$desc" "command: $*"$'\n'"exit status: $rc"$'\n'"$(tail -n 40 "$work/out")"
	fi
}

load_stack() {
	local m
	if [ "$intree" != 1 ]; then
		modprobe -a vduse virtio_vdpa
		return
	fi
	for m in drivers/vhost/vhost_iotlb drivers/vdpa/vdpa \
		drivers/vdpa/vdpa_user/vduse drivers/virtio/virtio_vdpa; do
		grep -q "^${m##*/} " /proc/modules && continue
		insmod "$kdir/$m.ko" || return 1
	done
}

# The loaded vduse is the kernel's own file (VDUSE_INTREE=1) or not.  The
# stock kernel's is compressed (vduse.ko.xz).
_vduse_is_expected() {
	local f same=0
	f=$(find "$kdir" -name 'vduse.ko*' | head -1)
	[ -n "$f" ] && [ "$(cat /sys/module/vduse/srcversion)" = "$(modinfo -F srcversion "$f")" ] && same=1
	[ "$same" = "$intree" ]
}

# A task stuck in the kernel cannot be killed anyway: CMD is left running.
bounded() {
	local s=$1 pid
	shift
	"$@" &
	pid=$!
	if wait_for "$s" eval "! kill -0 $pid 2>/dev/null"; then
		wait "$pid"
	else
		echo "still running after ${s} s: $*"
		return 124
	fi
}

# The ready file is LOG.ready: daemons of several logs can start at once.
start_vu() {
	local log=$1
	shift
	rm -f "$log.ready"
	"$tool" "$@" --ready-file "$log.ready" >"$log" 2>&1 &
	VU_PID=$!
	wait_for 30 eval "[ -e $log.ready ] || ! kill -0 $VU_PID 2>/dev/null"
	[ -e "$log.ready" ] || { cat "$log"; return 1; }
}

# vu_counters LOG KEY: after a SIGUSR1 to VU_PID, the daemon's new counters
# line (the one starting with KEY=) in LOG.
vu_counters() {
	local n
	n=$(grep -c "^$2=" "$1")
	kill -USR1 "$VU_PID"
	wait_for 10 eval "[ \"\$(grep -c ^$2= $1)\" -gt $n ]" &&
		grep "^$2=" "$1" | tail -n 1
}

# vu_field NAME LINE: the number after NAME= in a counters line.
vu_field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$2"; }

stop_vu() {
	kill "$VU_PID" 2>/dev/null
	wait_for 30 eval "! kill -0 $VU_PID 2>/dev/null" || return 124
	wait "$VU_PID"
}

# qsd keeps its reconnect log (the requests in flight) in
# /tmp/vduse-blk-NAME: started again on the same export, it reads it back.
qsd_start() {
	qemu-storage-daemon \
		--blockdev driver=file,node-name=file0,filename="$work/$1.img",cache.direct=off \
		--export type=vduse-blk,id=exp0,node-name=file0,name="$1",writable=on,num-queues=1 \
		>>"$work/$1.qsd.log" 2>&1 &
	QSD_PID=$!
	wait_for 30 test -c "/dev/vduse/$1"
}

# On SIGTERM qsd destroys its VDUSE device.
qsd_stop() {
	local rc=0
	kill "$QSD_PID" 2>/dev/null
	wait_for 30 eval "! kill -0 $QSD_PID 2>/dev/null" ||
		{ echo "qsd $1 still running after 30 s"; kill -9 "$QSD_PID"; rc=1; }
	wait "$QSD_PID" 2>/dev/null
	wait_for 10 gone "$1" || { echo "$1 still there after qsd exited"; rc=1; }
	rm -f "/tmp/vduse-blk-$1"
	return "$rc"
}

# With "retry", the add is retried for 20 s (qemu-storage-daemon may not
# have set up every queue yet when its device node appears).
add() {
	if [ "${2:-}" = retry ]; then
		wait_for 20 timeout 90 vdpa dev add name "$1" mgmtdev vduse || return 1
	else
		bounded 90 vdpa dev add name "$1" mgmtdev vduse || return 1
	fi
	wait_for 30 _disk_or_no_probe "$1" && [ -n "$(e2e_disk "$1")" ] ||
		{ echo "no disk for $1"; return 1; }
}

# NAME has its disk, or no probe of it runs any more: both probes (vDPA
# to virtio_vdpa, virtio to virtio_blk) run within "vdpa dev add", and a
# device whose probe failed has no driver link.
_disk_or_no_probe() {
	local v
	[ -z "$(e2e_disk "$1")" ] || return 0
	[ -e "/sys/bus/vdpa/devices/$1/driver" ] || return 0
	for v in "/sys/bus/vdpa/devices/$1"/virtio*; do
		[ ! -e "$v/driver" ] || return 1
	done
}

del() { bounded 60 vdpa dev del "$1"; }

# The sysfs file of both vduse modules; SECS defaults to 3.
short_timeout() {
	local f=/sys/class/vduse/$1/msg_timeout
	[ ! -w "$f" ] || echo "${2:-3}" >"$f"
}

gone() { [ ! -e "/dev/vduse/$1" ] && [ ! -e "/sys/bus/vdpa/devices/$1" ]; }

# Direct I/O both ways, around the page cache (files of its own per DISK).
dd_cmp() {
	local p=$work/$1.pattern b=$work/$1.back
	head -c "$(($2 << 20))" /dev/urandom >"$p" &&
		dd if="$p" of="/dev/$1" bs=1M oflag=direct status=none &&
		dd if="/dev/$1" of="$b" bs=1M count="$2" iflag=direct status=none &&
		cmp "$p" "$b"
}

# A good daemon, a device, 1 MiB through it, deleted, the daemon gone with
# the name: the name NAME is reusable.
reuse() {
	local n=$1 d rc=0
	start_vu "$work/$n.reuse.log" blk "$n" --size 16 --destroy || return 1
	add "$n" || rc=1
	d=$(e2e_disk "$n")
	[ "$rc" = 1 ] || dd_cmp "$d" 1 || rc=1
	del "$n" || rc=1
	stop_vu || rc=1
	gone "$n" || { echo "$n still there"; rc=1; }
	[ "$rc" = 0 ] || cat "$work/$n.reuse.log"
	return "$rc"
}
