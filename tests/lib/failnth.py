#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Allocation-failure sweeps through /proc/thread-self/fail-nth.

For N = 1, 2, ... the N-th fault-injection point this thread reaches
fails, and one operation runs. fail-nth counts every point whose
debugfs attributes let it fail: slab allocations (failslab) and page
allocations (fail_page_alloc), as the caller configured them. A failed
step must refuse the operation with an errno of --errnos (default
ENOMEM) and leave nothing behind; the sweep ends at the first N that
the operation no longer reaches (it succeeded without an injected
failure).

  failnth.py devadd MGMTDEV [ATTR=KIND:VALUE ...] [OPTIONS]
      VDPA_CMD_DEV_NEW of a device "fnth0" on MGMTDEV (attributes as in
      vdpanl.py send). After a failure the vdpa snapshot must equal the
      one before; after a success the device is deleted and it must too.
  failnth.py vhost /dev/vhost-vdpa-N [OPTIONS]
      open, VHOST_SET_OWNER, backend features (IOTLB v2), features,
      one 64 KiB IOTLB UPDATE of a buffer mapped afresh for the step
      (untouched: pinning it faults its pages in) and an INVALIDATE,
      close. After each run this process must have no page pinned
      (VmPin 0) and the next open must work.
  failnth.py retire-as /dev/vhost-vdpa-N [OPTIONS]
      (IOTLB_ASID needed) map 64 KiB in address space 1, then fail
      the N-th point of its INVALIDATE. When the invalidate is refused,
      its pages must stay pinned through a successful UPDATE in address
      space 0 (that commit is not address space 1's: the parent may
      still use them) and go when the file is closed.

Options: --max N (steps, default 5000), --every K (only N = 1, 1 + K,
1 + 2K, ...: a sample of a long sweep), --errnos NAME,... (what a failed
step may return), --min-injected K and --min-failed K (fewer injected
failures, or fewer steps refused with an errno, than K fail the sweep:
the fault points the caller meant to reach were not).

Prints "# sweep WHAT: N steps, K injected, failed with ERRNO xM ..." and
exits 0, or prints what went wrong and exits 1. The fault-injection
files must be set up by the caller (failslab's and fail_page_alloc's
ignore-gfp-wait N and so on).
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
VHOST_BACKEND_F_IOTLB_ASID = 3
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


def sweep(what, step, opts):
    """Runs step(fail, n) for n = 1.. until it no longer hits a failure."""
    fail = FailNth()
    errs, injected = {}, 0
    for n in range(1, opts.max + 1, opts.every):
        err = step(fail, n)
        if err is None:
            summary = " ".join(f"{k} x{v}" for k, v in sorted(errs.items()))
            print(f"# sweep {what}: {n} steps, {injected} injected, failed "
                  f"with {summary or '-'}")
            failed = sum(errs.values())
            if injected < opts.min_injected or failed < opts.min_failed:
                print(f"sweep {what}: {injected} failures injected, "
                      f"{failed} refusals; want at least "
                      f"{opts.min_injected} and {opts.min_failed}",
                      file=sys.stderr)
                return 1
            return 0
        injected += 1
        if err:
            if err not in opts.errnos:
                print(f"sweep {what}: step {n} failed with {err}, want "
                      f"{' or '.join(sorted(opts.errnos))} (reproduce: "
                      f"fail the {n}th fault point)", file=sys.stderr)
                return 1
            errs[err] = errs.get(err, 0) + 1
    print(f"sweep {what}: still failing after {opts.max} steps",
          file=sys.stderr)
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


def iotlb_msg(mtype, iova, size, uaddr, asid=0):
    msg = struct.pack("=IIQQQBB", VHOST_IOTLB_MSG_V2, asid, iova, size,
                      uaddr, VHOST_MAP_RW, mtype)
    return msg + bytes(72 - len(msg))


def u64_ioctl(fd, req, value=0):
    buf = bytearray(struct.pack("=Q", value))
    fcntl.ioctl(fd, req, buf)
    return struct.unpack("=Q", buf)[0]


class VhostOpen:
    def __init__(self, path):
        self.path = path
        self.buf = self.update = None
        self.inval = iotlb_msg(VHOST_IOTLB_INVALIDATE, IOVA, MAP_LEN, 0)
        self.fresh_buffer()

    def fresh_buffer(self):
        """A new, untouched buffer for the IOTLB update: pinning it
        allocates its pages and page tables."""
        if self.buf is not None:
            self.buf.close()
        self.buf = mmap.mmap(-1, MAP_LEN)
        addr = ctypes.addressof(ctypes.c_char.from_buffer(self.buf))
        self.update = iotlb_msg(VHOST_IOTLB_UPDATE, IOVA, MAP_LEN, addr)

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
        self.fresh_buffer()
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


def buffer_msg(mtype, asid, iova=IOVA):
    """A fresh 64 KiB buffer, touched, and the message naming it."""
    buf = mmap.mmap(-1, MAP_LEN)
    buf[:] = b"r" * MAP_LEN
    addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
    return buf, iotlb_msg(mtype, iova, MAP_LEN, addr, asid)


class RetireAs:
    """Pages an uncommitted invalidate retired wait for their own
    address space's commit, not for any."""

    def __init__(self, path):
        self.path = path

    def open(self):
        fd = os.open(self.path, os.O_RDWR)
        fcntl.ioctl(fd, VHOST_SET_OWNER)
        want = 1 << VHOST_BACKEND_F_IOTLB_MSG_V2 | \
            1 << VHOST_BACKEND_F_IOTLB_ASID
        if u64_ioctl(fd, VHOST_GET_BACKEND_FEATURES) & want != want:
            os.close(fd)
            raise SystemExit(f"{self.path}: no IOTLB_ASID backend feature")
        u64_ioctl(fd, VHOST_SET_BACKEND_FEATURES, want)
        return fd

    @staticmethod
    def invalidate(fd, fail, n):
        """The armed INVALIDATE of IOVA in address space 1: (errno
        name or "", whether the failure was injected)."""
        inval = iotlb_msg(VHOST_IOTLB_INVALIDATE, IOVA, MAP_LEN, 0, 1)
        err = ""
        fail.arm(n)
        try:
            os.write(fd, inval)
        except OSError as e:
            err = errno.errorcode.get(e.errno, str(e.errno))
        return err, fail.injected()

    def step(self, fail, n):
        """Address space 1 holds a range that stays (its table is not
        empty when committed: the parent copies it) and the one the
        invalidate removes."""
        kb = MAP_LEN >> 10
        bufs = []
        fd = self.open()
        try:
            for iova in (IOVA + (16 << 20), IOVA):
                buf, upd = buffer_msg(VHOST_IOTLB_UPDATE, 1, iova)
                bufs.append(buf)
                os.write(fd, upd)
            err, injected = self.invalidate(fd, fail, n)
            if err and not injected:
                raise SystemExit(f"retire-as step {n}: {err} without a "
                                 f"failure")
            if err:
                # What the refusal left pinned (a part of the range may
                # have been committed away before the failure) must stay.
                held = vm_pin_kb()
                buf, upd = buffer_msg(VHOST_IOTLB_UPDATE, 0)
                bufs.append(buf)
                os.write(fd, upd)
                if vm_pin_kb() != held + kb:
                    raise SystemExit(
                        f"retire-as step {n} ({err}): {vm_pin_kb()} kB "
                        f"pinned after a {kb} kB update in address space "
                        f"0, want {held} + {kb}: what address space 1 "
                        f"could not commit away was released by another "
                        f"address space's commit")
        finally:
            os.close(fd)
        if vm_pin_kb():
            raise SystemExit(f"retire-as step {n}: {vm_pin_kb()} kB still "
                             f"pinned after close")
        if not injected:
            return None
        return err


class Opts:  # pylint: disable=too-few-public-methods
    def __init__(self):
        self.max, self.errnos, self.every = 5000, {"ENOMEM"}, 1
        self.min_injected = self.min_failed = 0


def parse_opts(argv):
    """Takes the options out of argv; returns them."""
    opts, rest = Opts(), []
    while argv:
        arg = argv.pop(0)
        if arg == "--max":
            opts.max = int(argv.pop(0))
        elif arg == "--errnos":
            opts.errnos = set(argv.pop(0).split(","))
        elif arg == "--min-injected":
            opts.min_injected = int(argv.pop(0))
        elif arg == "--every":
            opts.every = int(argv.pop(0))
        elif arg == "--min-failed":
            opts.min_failed = int(argv.pop(0))
        else:
            rest.append(arg)
    return opts, rest


def main(argv):
    opts, argv = parse_opts(list(argv))
    if len(argv) >= 2 and argv[0] == "devadd":
        d = DevAdd(argv[1], argv[2:])
        return sweep(f"devadd {argv[1]}", d.step, opts)
    if len(argv) == 2 and argv[0] == "vhost":
        v = VhostOpen(argv[1])
        v.run()     # once without failures: the path works
        return sweep("vhost open+map", v.step, opts)
    if len(argv) == 2 and argv[0] == "retire-as":
        r = RetireAs(argv[1])
        return sweep("retire-as", r.step, opts)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
