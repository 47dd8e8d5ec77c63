#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Per-queue packet counters of network interfaces, for tests.

  qstats.py [--pairs N] [NETNS/]IFNAME...

For each interface (NETNS/IFNAME: in network namespace NETNS, the name
"ip netns" knows it by), prints one line per queue the kernel reports,
"IFNAME rx0 PACKETS", ..., "IFNAME tx0 PACKETS", ...; with --pairs N
instead one line for all of them: per interface, in the order given, the
packets of rx0 .. rx(N-1) then tx0 .. tx(N-1), "-" for a queue not
reported.  The counts come from the "netdev" generic netlink family's
qstats-get dump with the queue scope (Linux 6.10 and later): since 6.10
virtio_net keeps its per-queue packet counts there, not in "ethtool
-S".  Only the queues in use are reported (real_num_rx_queues,
real_num_tx_queues: after "ethtool -L combined 1" only queue 0).  One
process for all (a fork costs in the test VM).  Exit status 1 (with a
message on stderr) if an interface, a namespace or the family is missing
or the kernel refuses.
"""

import ctypes
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2

# <linux/netdev.h>
QSTATS_GET = 12
A_IFINDEX = 1
A_QUEUE_TYPE = 2
A_QUEUE_ID = 3
A_SCOPE = 4
A_RX_PACKETS = 8
A_TX_PACKETS = 10
SCOPE_QUEUE = 1
QUEUE_TYPE = {0: "rx", 1: "tx"}
CLONE_NEWNET = 0x40000000


def attr(kind, payload):
    """One netlink attribute, padded to 4 bytes."""
    n = 4 + len(payload)
    return struct.pack("=HH", n, kind) + payload + b"\0" * (-n % 4)


def attrs(buf):
    """{type: payload} of an attribute stream."""
    out = {}
    while len(buf) >= 4:
        n, kind = struct.unpack_from("=HH", buf)
        if n < 4:
            break
        out[kind & 0x3fff] = buf[4:n]
        buf = buf[(n + 3) & ~3:]
    return out


def uint(payload):
    """A netlink "uint": 4 or 8 bytes."""
    return struct.unpack("=I" if len(payload) == 4 else "=Q", payload)[0]


class Genl:
    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.bind((0, 0))
        self.seq = 0

    def request(self, family, cmd, flags, payload):
        """Send one request; return the payloads of its replies."""
        self.seq += 1
        body = struct.pack("=BBH", cmd, 1, 0) + payload
        self.sock.send(struct.pack("=IHHII", 16 + len(body), family,
                                   NLM_F_REQUEST | flags, self.seq, 0) + body)
        replies = []
        while True:
            data = self.sock.recv(1 << 16)
            while len(data) >= 16:
                n, kind, _, seq, _ = struct.unpack_from("=IHHII", data)
                msg, data = data[16:n], data[(n + 3) & ~3:]
                if seq != self.seq:
                    continue
                if kind == NLMSG_DONE:
                    err = struct.unpack_from("=i", msg)[0] if len(msg) >= 4 else 0
                    if err < 0:
                        raise OSError(-err, os.strerror(-err))
                    return replies
                if kind == NLMSG_ERROR:
                    err = struct.unpack_from("=i", msg)[0]
                    if err:
                        raise OSError(-err, os.strerror(-err))
                    return replies
                replies.append(msg[4:])   # after the genl header
            if not flags & NLM_F_DUMP and replies:
                return replies

    def family(self, name):
        reply = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0,
                             attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
        return struct.unpack("=H", attrs(reply[0])[CTRL_ATTR_FAMILY_ID][:2])[0]


def setns(fd):
    """Move this (single-threaded) process to the network namespace of
    the open file FD."""
    if ctypes.CDLL(None, use_errno=True).setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def queues(spec):
    """{("rx"|"tx", id): packets} of [NETNS/]IFNAME."""
    netns, _, name = spec.rpartition("/")
    if netns:
        fd = os.open("/run/netns/" + netns, os.O_RDONLY)
        try:
            setns(fd)
        finally:
            os.close(fd)
    try:
        ifindex = socket.if_nametoindex(name)
        nl = Genl()
        fam = nl.family("netdev")
        replies = nl.request(fam, QSTATS_GET, NLM_F_DUMP,
                             attr(A_IFINDEX, struct.pack("=I", ifindex)) +
                             attr(A_SCOPE, struct.pack("=I", SCOPE_QUEUE)))
    finally:
        if netns:
            setns(HOME_NS)
    out = {}
    for r in replies:
        a = attrs(r)
        if A_QUEUE_TYPE not in a or A_QUEUE_ID not in a:
            continue
        kind = QUEUE_TYPE.get(uint(a[A_QUEUE_TYPE]))
        count = a.get(A_RX_PACKETS if kind == "rx" else A_TX_PACKETS)
        if kind and count is not None:
            out[(kind, uint(a[A_QUEUE_ID]))] = uint(count)
    return out


# Our own network namespace, open to come back to it.
HOME_NS = os.open("/proc/self/ns/net", os.O_RDONLY)


def main():
    args = sys.argv[1:]
    pairs = None
    if args[:1] == ["--pairs"] and len(args) >= 2:
        pairs = int(args[1])
        args = args[2:]
    if not args:
        sys.exit("usage: qstats.py [--pairs N] [NETNS/]IFNAME...")
    fields = []
    for spec in args:
        try:
            q = queues(spec)
        except OSError as e:
            sys.exit(f"qstats.py: {spec}: {e.strerror or e}")
        if pairs is None:
            for (kind, qid), count in sorted(q.items()):
                print(f"{spec.rpartition('/')[2]} {kind}{qid} {count}")
            continue
        for kind in ("rx", "tx"):
            fields += [str(q.get((kind, i), "-")) for i in range(pairs)]
    if pairs is not None:
        print(" ".join(fields))


if __name__ == "__main__":
    main()
