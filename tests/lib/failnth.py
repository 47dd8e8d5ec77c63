#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Allocation-failure sweeps through /proc/thread-self/fail-nth.

For N = 1, 2, ... the N-th fault-injection point this thread reaches
(failslab, and fail_page_alloc when the kernel has it) fails, and one
operation runs. A failed step must leave nothing behind; the sweep ends
at the first N that the operation no longer reaches (it succeeded
without an injected failure).

  failnth.py devadd MGMTDEV [ATTR=KIND:VALUE ...] [--max N]
      VDPA_CMD_DEV_NEW of a device "fnth0" on MGMTDEV (attributes as in
      vdpanl.py send). After a failure the vdpa snapshot must equal the
      one before; after a success the device is deleted and it must too.
  failnth.py vhost /dev/vhost-vdpa-N [--max N]
      open, VHOST_SET_OWNER, backend features (IOTLB v2), features,
      one 64 KiB IOTLB UPDATE and an INVALIDATE, close. After each run
      this process must have no page pinned (VmPin 0) and the next open
      must work.

Prints "# sweep WHAT: N steps, failed with ERRNO xK ..." and exits 0, or
prints what went wrong and exits 1. The fault-injection files must be
set up by the caller (failslab's ignore-gfp-wait N and so on).
"""

import ctypes
import errno
import fcntl
import mmap
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vdpanl  # noqa: E402  pylint: disable=wrong-import-position

VHOST_SET_OWNER = 0xAF01
VHOST_GET_FEATURES = 0x8008AF00
VHOST_SET_FEATURES = 0x4008AF00
VHOST_GET_BACKEND_FEATURES = 0x8008AF26
VHOST_SET_BACKEND_FEATURES = 0x4008AF25
VHOST_BACKEND_F_IOTLB_MSG_V2 = 1
VHOST_IOTLB_MSG_V2 = 2
VHOST_IOTLB_UPDATE, VHOST_IOTLB_INVALIDATE = 2, 3
VHOST_MAP_RW = 3
VIRTIO_F_VERSION_1 = 32
MAP_LEN = 64 << 10
IOVA = 0x40000000


class FailNth:
    """This thread's fail-nth file, opened once (opening allocates)."""

    def __init__(self):
        self.fd = os.open("/proc/thread-self/fail-nth", os.O_RDWR)

    def arm(self, n):
        os.pwrite(self.fd, b"%d" % n, 0)

    def injected(self):
        """Whether the armed failure was injected; disarms it."""
        left = int(os.pread(self.fd, 32, 0) or b"0")
        os.pwrite(self.fd, b"0", 0)
        return left == 0


def vm_pin_kb():
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmPin:"):
                return int(line.split()[1])
    return 0


def sweep(what, step, maxn):
    """Runs step(fail, n) for n = 1.. until it no longer hits a failure."""
    fail = FailNth()
    errs = {}
    for n in range(1, maxn + 1):
        err = step(fail, n)
        if err is None:
            summary = " ".join(f"{k} x{v}" for k, v in sorted(errs.items()))
            print(f"# sweep {what}: {n} steps, failed with {summary or '-'}")
            return 0
        if err:
            errs[err] = errs.get(err, 0) + 1
    print(f"sweep {what}: still failing after {maxn} steps", file=sys.stderr)
    return 1


class DevAdd:
    def __init__(self, mgmtdev, attrs):
        self.genl = vdpanl.Genl()
        specs = ["DEV_NAME=str:fnth0", f"MGMTDEV_DEV_NAME=str:{mgmtdev}"]
        self.new, _ = vdpanl.build_payload(specs + attrs)
        self.delete, _ = vdpanl.build_payload(["DEV_NAME=str:fnth0"])
        self.before = vdpanl.snapshot(self.genl)

    def cmd(self, name, payload):
        return self.genl.request(self.genl.family_id,
                                 vdpanl.CMDS.index(name), payload)

    def remove(self):
        try:
            self.cmd("DEV_DEL", self.delete)
        except vdpanl.NetlinkError as e:
            if e.errno != errno.ENODEV:
                raise

    def step(self, fail, n):
        """None: done; "": injected and survived; else the errno name."""
        lost = False
        try:
            fail.arm(n)
            self.cmd("DEV_NEW", self.new)
            err = ""
        except vdpanl.NetlinkError as e:
            err = vdpanl.errno_name(e.errno)
        except OSError as e:
            # The request or its ack was lost on the socket (ENOBUFS):
            # the device may exist, like after a success.
            err, lost = errno.errorcode.get(e.errno, str(e.errno)), True
        injected = fail.injected()
        if not err or lost:
            self.remove()
        after = vdpanl.snapshot(self.genl)
        if after != self.before:
            raise SystemExit(f"devadd step {n} ({err or 'ok'}): the "
                             f"devices changed:\n" + "\n".join(after))
        if err and not injected:
            raise SystemExit(f"devadd step {n}: {err} without a failure")
        return err if injected else None


def uaddr_of(buf):
    return ctypes.addressof(ctypes.c_char.from_buffer(buf))


def iotlb_msg(mtype, iova, size, uaddr):
    msg = struct.pack("=IIQQQBB", VHOST_IOTLB_MSG_V2, 0, iova, size, uaddr,
                      VHOST_MAP_RW, mtype)
    return msg + bytes(72 - len(msg))


def u64_ioctl(fd, req, value=0):
    buf = bytearray(struct.pack("=Q", value))
    fcntl.ioctl(fd, req, buf)
    return struct.unpack("=Q", buf)[0]


class VhostOpen:
    def __init__(self, path):
        self.path = path
        self.buf = mmap.mmap(-1, MAP_LEN)
        self.buf[0:1] = b"x"
        self.update = iotlb_msg(VHOST_IOTLB_UPDATE, IOVA, MAP_LEN,
                                uaddr_of(self.buf))
        self.inval = iotlb_msg(VHOST_IOTLB_INVALIDATE, IOVA, MAP_LEN, 0)

    def run(self):
        fd = os.open(self.path, os.O_RDWR)
        try:
            fcntl.ioctl(fd, VHOST_SET_OWNER)
            bf = u64_ioctl(fd, VHOST_GET_BACKEND_FEATURES)
            u64_ioctl(fd, VHOST_SET_BACKEND_FEATURES,
                      bf & (1 << VHOST_BACKEND_F_IOTLB_MSG_V2))
            feat = u64_ioctl(fd, VHOST_GET_FEATURES)
            u64_ioctl(fd, VHOST_SET_FEATURES,
                      feat & (1 << VIRTIO_F_VERSION_1))
            os.write(fd, self.update)
            os.write(fd, self.inval)
        finally:
            os.close(fd)

    def step(self, fail, n):
        try:
            fail.arm(n)
            self.run()
            err = ""
        except OSError as e:
            err = errno.errorcode.get(e.errno, str(e.errno))
        injected = fail.injected()
        if vm_pin_kb():
            raise SystemExit(f"vhost step {n} ({err or 'ok'}): "
                             f"{vm_pin_kb()} kB still pinned after close")
        if err and not injected:
            raise SystemExit(f"vhost step {n}: {err} without a failure")
        return err if injected else None


def main(argv):
    maxn = 5000
    if "--max" in argv:
        i = argv.index("--max")
        maxn = int(argv[i + 1])
        del argv[i:i + 2]
    if len(argv) >= 2 and argv[0] == "devadd":
        d = DevAdd(argv[1], argv[2:])
        return sweep(f"devadd {argv[1]}", d.step, maxn)
    if len(argv) == 2 and argv[0] == "vhost":
        v = VhostOpen(argv[1])
        v.run()     # once without failures: the path works
        return sweep("vhost open+map", v.step, maxn)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
