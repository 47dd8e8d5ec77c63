#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Device lifecycle workload of `make bench` (run in the VM, as root).

  lifecycle.py --count N --mgmtdev MGMTDEV [--driver DRIVER] [--memory]

Creates N devices of MGMTDEV through the vdpa netlink family (one socket,
one process: fork and exec are slow under TCG), checks that each one is
bound to DRIVER (default virtio_vdpa) once created, then deletes them all.
Prints one line of NAME=VALUE pairs:

  add_s=  del_s=  total_s=  ms_per_dev=
      seconds for the N adds (bind included: probing is synchronous),
      the N deletes, both, and per device;
  with --memory, all N devices alive together, also
  mem_kb_per_dev=  slab_kb_per_dev=  not_returned_kb=
      the drop in MemAvailable and the growth of Slab (reclaimable and
      not) per device while they exist, and how much MemAvailable had not
      come back after the deletes (an indication, not a leak test).

Exit status 1 if a request fails or a device is not bound.
"""

import os
import sys
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
            "memory": False}
    argv = list(argv)
    while argv:
        arg = argv.pop(0)
        if arg == "--memory":
            opts["memory"] = True
        elif arg in ("--count", "--mgmtdev", "--driver") and argv:
            opts[arg[2:]] = argv.pop(0)
        else:
            raise SystemExit(f"lifecycle.py: bad argument {arg}")
    opts["count"] = int(opts["count"])
    return opts


def main(argv):
    opts = parse(argv)
    names = [f"lc{i}" for i in range(opts["count"])]
    genl = vdpanl.Genl()
    if opts["memory"]:
        settle()
    mem0, slab0 = meminfo()

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
    unbound = [n for n in names if bound_to(n) != opts["driver"]]

    if opts["memory"]:
        settle()
        mem1, slab1 = meminfo()

    t1 = time.monotonic()
    for name in names:
        request(genl, "DEV_DEL", name)
    t_del = time.monotonic() - t1

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
