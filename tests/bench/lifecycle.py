#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Device lifecycle workload of `make bench` (run in the VM, as root).

  lifecycle.py --count N --mgmtdev MGMTDEV [--driver DRIVER] [--memory]
               [--stacks FILE] [--detail FILE]

Creates N devices of MGMTDEV through the vdpa netlink family (one socket,
one process: fork and exec are slow under TCG), checks that each one is
bound to DRIVER (default virtio_vdpa; none: to no driver) once created,
then deletes them all.
Prints one line of NAME=VALUE pairs:

  add_s=  del_s=  total_s=  ms_per_dev=
      seconds for the N adds (bind included: probing is synchronous),
      the N deletes, both, and per device;
  with --memory, all N devices alive together, also
  mem_kb_per_dev=  slab_kb_per_dev=  not_returned_kb=
      the drop in MemAvailable and the growth of Slab (reclaimable and
      not) per device while they exist, and how much MemAvailable had not
      come back after the deletes (an indication, not a leak test).

With --stacks FILE, a thread of the same process samples the kernel stack
of the requesting thread (/proc/self/task/TID/stack) every 2 ms, while it
adds and while it deletes: a wall-clock profile, waits included (a grace
period shows as the functions waiting for it). FILE gets, per phase, the
share of samples each kernel function was on the stack for (inclusive),
and the commonest stacks.

With --detail FILE (and --memory), FILE gets the growth per device of
every /proc/meminfo field and of the largest slab caches (object size x
objects, /proc/slabinfo) while the devices exist.

Exit status 1 if a request fails or a device is not bound.
"""

import collections
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import vdpanl  # noqa: E402  pylint: disable=wrong-import-position

BUS = "/sys/bus/vdpa/devices"


def meminfo():
    vals = {}
    with open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            key, _, rest = line.partition(":")
            vals[key] = int(rest.split()[0])
    return vals["MemAvailable"], vals["Slab"]


def meminfo_all():
    vals = {}
    with open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            key, _, rest = line.partition(":")
            vals[key] = int(rest.split()[0])
    return vals


def slabinfo():
    """Bytes held by each slab cache (objects x object size)."""
    vals = {}
    try:
        with open("/proc/slabinfo", encoding="ascii") as f:
            for line in f:
                if line.startswith(("slabinfo", "#")):
                    continue
                fields = line.split()
                vals[fields[0]] = int(fields[2]) * int(fields[3])
    except OSError:
        pass
    return vals


def detail(path, count, before, after):
    """Writes what grew per device between two snapshots."""
    (mem0, slab0), (mem1, slab1) = before, after
    lines = []
    for key in mem1:
        d = (mem1[key] - mem0.get(key, 0)) / count
        if abs(d) >= 0.1:
            lines.append(f"meminfo {key} {d:+.1f} KiB/dev")
    grown = sorted(((slab1[k] - slab0.get(k, 0), k) for k in slab1),
                   reverse=True)
    for delta, key in grown[:25]:
        if delta > 0:
            lines.append(f"slab {key} {delta / count / 1024:+.2f} KiB/dev")
    with open(path, "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")


def frame(line):
    """'[<0>] fn+0x1/0x2 [mod]' -> 'fn[mod]'."""
    fields = line.split()
    if len(fields) < 2:
        return line.strip()
    return fields[1].split("+")[0] + "".join(fields[2:3])


class Sampler:
    """Samples the kernel stack of one thread from another one."""

    def __init__(self, tid):
        self.path = f"/proc/self/task/{tid}/stack"
        self.samples = []
        self.phase = None
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            phase = self.phase
            if phase:
                try:
                    with open(self.path, encoding="ascii") as f:
                        text = f.read()
                except OSError:
                    text = "?unreadable"
                frames = [frame(ln) for ln in text.splitlines()
                          if ln.strip()]
                self.samples.append((phase, tuple(frames)))
            time.sleep(0.002)

    def write(self, path):
        out = []
        for phase in ("add", "del"):
            stacks = [s for p, s in self.samples if p == phase]
            n = len(stacks) or 1
            incl = collections.Counter()
            for st in stacks:
                incl.update(set(st) or {"(user space)"})
            out.append(f"{phase}: {len(stacks)} samples")
            for fn, c in incl.most_common(45):
                out.append(f"{phase} incl {100 * c / n:5.1f}% {fn}")
            whole = collections.Counter(";".join(reversed(st[:14]))
                                        for st in stacks)
            for st, c in whole.most_common(12):
                out.append(f"{phase} stack {100 * c / n:5.1f}% {st}")
        with open(path, "w", encoding="ascii") as f:
            f.write("\n".join(out) + "\n")


def settle():
    """Give caches back so that the memory figures mean something."""
    with open("/proc/sys/vm/drop_caches", "w", encoding="ascii") as f:
        f.write("3\n")
    time.sleep(0.5)


def request(genl, cmd, name, mgmtdev=None):
    payload = vdpanl.nla(vdpanl.lookup(vdpanl.ATTRS, "DEV_NAME"),
                         name.encode() + b"\0")
    if mgmtdev:
        payload += vdpanl.nla(vdpanl.lookup(vdpanl.ATTRS, "MGMTDEV_DEV_NAME"),
                              mgmtdev.encode() + b"\0")
    genl.request(genl.family_id, vdpanl.lookup(vdpanl.CMDS, cmd), payload)


def bound_to(name):
    try:
        return os.path.basename(os.readlink(f"{BUS}/{name}/driver"))
    except OSError:
        return ""


def parse(argv):
    opts = {"count": 200, "mgmtdev": "vdpasim_net", "driver": "virtio_vdpa",
            "memory": False, "stacks": None, "detail": None}
    argv = list(argv)
    while argv:
        arg = argv.pop(0)
        if arg == "--memory":
            opts["memory"] = True
        elif arg in ("--count", "--mgmtdev", "--driver", "--stacks",
                     "--detail") and argv:
            opts[arg[2:]] = argv.pop(0)
        else:
            raise SystemExit(f"lifecycle.py: bad argument {arg}")
    opts["count"] = int(opts["count"])
    return opts


def main(argv):
    opts = parse(argv)
    names = [f"lc{i}" for i in range(opts["count"])]
    genl = vdpanl.Genl()
    sampler = Sampler(threading.get_native_id()) if opts["stacks"] else None
    if opts["memory"]:
        settle()
    mem0, slab0 = meminfo()
    snap0 = (meminfo_all(), slabinfo())

    if sampler:
        sampler.phase = "add"
    t0 = time.monotonic()
    for name in names:
        try:
            request(genl, "DEV_NEW", name, opts["mgmtdev"])
        except vdpanl.NetlinkError as e:
            print(f"DEV_NEW {name} after {names.index(name)} devices: "
                  f"{vdpanl.errno_name(e.errno)} {e.msg}")
            for done in names[:names.index(name)]:
                request(genl, "DEV_DEL", done)
            return 1
    t_add = time.monotonic() - t0
    if sampler:
        sampler.phase = None
    want = "" if opts["driver"] == "none" else opts["driver"]
    unbound = [n for n in names if bound_to(n) != want]

    if opts["memory"]:
        settle()
        mem1, slab1 = meminfo()
        if opts["detail"]:
            detail(opts["detail"], len(names), snap0,
                   (meminfo_all(), slabinfo()))

    if sampler:
        sampler.phase = "del"
    t1 = time.monotonic()
    for name in names:
        request(genl, "DEV_DEL", name)
    t_del = time.monotonic() - t1
    if sampler:
        sampler.phase = None
        sampler.stop = True
        sampler.thread.join()
        sampler.write(opts["stacks"])

    out = {"add_s": f"{t_add:.3f}", "del_s": f"{t_del:.3f}",
           "total_s": f"{t_add + t_del:.3f}",
           "ms_per_dev": f"{(t_add + t_del) * 1000 / len(names):.3f}"}
    if opts["memory"]:
        settle()
        mem2, _ = meminfo()
        out["mem_kb_per_dev"] = f"{(mem0 - mem1) / len(names):.1f}"
        out["slab_kb_per_dev"] = f"{(slab1 - slab0) / len(names):.1f}"
        out["not_returned_kb"] = str(mem0 - mem2)
    if unbound:
        print(f"{len(unbound)} of {len(names)} devices not bound to "
              f"{opts['driver']}, e.g. {unbound[0]}: '{bound_to(unbound[0])}'")
        return 1
    print(" ".join(f"{k}={v}" for k, v in out.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
