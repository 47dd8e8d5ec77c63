#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A small client of the "vdpa" generic netlink family, for tests.

It speaks raw netlink so that tests can send what iproute2's vdpa tool
never would: malformed attributes, unknown ones, wrong types, missing
ones, DEV_ATTR_SET (the tool of Debian 12 lacks "vdpa dev set"), and
listen to the family's "dev" multicast group.

  vdpanl.py send CMD [--dump] [--nlflags N] [--tail HEX] [--bufsize N]
                     [--stats] [--exec-after-first SHELLCMD]
                     [ATTR=KIND:VALUE ...]
      Send one request and print each reply's attributes as
      "NAME=value" lines, each reply followed by "--"; on error print
      "error ERRNO_NAME: extack" and exit 1.  After the error line come
      "extack_attr=NAME" when the kernel pointed at an attribute of the
      request and "extack_missing=NAME" when it reported a missing one.
      KIND is u8, u16, u32, u64, str (NUL added), raw (no NUL added) or
      hex (bytes).  ATTR and CMD are uapi names without the VDPA_ATTR_ /
      VDPA_CMD_ prefix, or numbers; our extensions (<linux/vdpa_ext.h>)
      are EXT_DEV_DRIVER and EXT_DEV_CHARDEV (VDPA_EXT_ATTR_ prefix
      replaced by EXT_).  A VDPA_EXT_ATTR_DEV_CHARDEV in a reply prints
      as "EXT_DEV_CHARDEV={NAME=vhost-vdpa-0 MAJOR=M MINOR=N}".  --tail appends raw bytes after the
      attributes (e.g. a truncated attribute).  --bufsize sets the
      receive buffer (the kernel sizes dump messages after it); --stats
      prints "datagrams=N replies=M" on stderr; --exec-after-first runs
      a shell command once the first reply datagram has arrived (the
      dump resumes afterwards).
  vdpanl.py monitor --count N [--timeout S] [--attrs]
      Join the "dev" group; print "ready" once joined, then one line
      per event: "<CMD> <device name>", with --attrs followed by its
      "  NAME=value" lines; exit 1 on timeout.
  vdpanl.py batch [--verbose] [--check-state]
      Read one request per line of stdin, written as the arguments of
      "send" (shell quoting applies), send them in turn over one socket
      and print one line per request: "ok" or "error ERRNO_NAME: extack";
      with --verbose, what "send" would print instead, and "==" after
      each request.  --check-state adds "state=unchanged" or
      "state=changed": whether the snapshot (below) differs after the
      request from before it.  Exit 1 if any was refused.  One process
      for many requests: fork and exec are slow in the test VM.
  vdpanl.py snapshot
      Print every management device, device and device configuration
      (three dumps), one sorted line each: what "nothing changed"
      compares.
  vdpanl.py fuzz --seed S --count N [--keep NAME,...] [--prefix P]
                 [--batch B] [--check-every M] [--timeout T] [--dry-run]
                 [--trace]
      Send N seeded random messages over one socket, B to a datagram
      (default 64): every command of the family (and unknown ones),
      every attribute with valid, boundary and invalid payloads, unknown
      and duplicated attributes, every flag combination, broken
      attribute streams, headers and framing; a grid of every command x
      flag class x attribute type on top of a well-formed request, all
      of it each seed; about 25% well-formed requests on real objects
      (the management devices, the fuzzer's own devices, the --keep
      devices).  DEV_NEW, DEV_DEL and DEV_ATTR_SET only ever name
      devices starting with P (default "fz"), which are all deleted at
      the end; the --keep devices are only read.  Every reply is
      checked: well-formed, answering a request of the datagram, an
      errno the family can return, an extack message where the family
      sets one, no wait over T seconds (default 5).  Every M messages
      (default 10000; 0: never) the snapshot (below) without P* devices
      must be the one from before.  Prints "# netlink fuzz seed S: N
      messages, ok=.. EINVAL=.. ...", the mix, and a final line; exits 1
      on any violation or if the state (snapshot) differs after the run.
      The same seed sends the same messages as long as the kernel
      answers the same.  --dry-run only builds the messages (no kernel
      needed); --trace prints each request's outcome on stderr.

Errno names are those of <errno.h> (EOPNOTSUPP, not its alias ENOTSUP).
"""

import errno
import os
import random
import select
import socket
import struct
import sys
import time

NETLINK_GENERIC = 16
NETLINK_EXT_ACK = 11
NETLINK_ADD_MEMBERSHIP = 1
SOL_NETLINK = 270

NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 0x1, 0x2, 0x4
NLM_F_DUMP = 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS = 1, 2
NLMSGERR_ATTR_MISS_TYPE = 5
NLMSG_HDRLEN, GENL_HDRLEN = 16, 4

GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2

# The values of <uapi/linux/vdpa.h> (Linux 6.12); the kernel module takes
# them from that header, the tests from here.
CMDS = ["UNSPEC", "MGMTDEV_NEW", "MGMTDEV_GET", "DEV_NEW", "DEV_DEL",
        "DEV_GET", "DEV_CONFIG_GET", "DEV_VSTATS_GET", "DEV_ATTR_SET"]
ATTRS = ["UNSPEC", "MGMTDEV_BUS_NAME", "MGMTDEV_DEV_NAME",
         "MGMTDEV_SUPPORTED_CLASSES", "DEV_NAME", "DEV_ID", "DEV_VENDOR_ID",
         "DEV_MAX_VQS", "DEV_MAX_VQ_SIZE", "DEV_MIN_VQ_SIZE",
         "DEV_NET_CFG_MACADDR", "DEV_NET_STATUS", "DEV_NET_CFG_MAX_VQP",
         "DEV_NET_CFG_MTU", "DEV_NEGOTIATED_FEATURES",
         "DEV_MGMTDEV_MAX_VQS", "DEV_SUPPORTED_FEATURES",
         "DEV_QUEUE_INDEX", "DEV_VENDOR_ATTR_NAME", "DEV_VENDOR_ATTR_VALUE",
         "DEV_FEATURES", "DEV_BLK_CFG_CAPACITY", "DEV_BLK_CFG_SIZE_MAX",
         "DEV_BLK_CFG_BLK_SIZE", "DEV_BLK_CFG_SEG_MAX",
         "DEV_BLK_CFG_NUM_QUEUES", "DEV_BLK_CFG_PHY_BLK_EXP",
         "DEV_BLK_CFG_ALIGN_OFFSET", "DEV_BLK_CFG_MIN_IO_SIZE",
         "DEV_BLK_CFG_OPT_IO_SIZE", "DEV_BLK_CFG_MAX_DISCARD_SEC",
         "DEV_BLK_CFG_MAX_DISCARD_SEG", "DEV_BLK_CFG_DISCARD_SEC_ALIGN",
         "DEV_BLK_CFG_MAX_WRITE_ZEROES_SEC",
         "DEV_BLK_CFG_MAX_WRITE_ZEROES_SEG", "DEV_BLK_READ_ONLY",
         "DEV_BLK_FLUSH"]
# Our extensions of the family, <linux/vdpa_ext.h>: reply-only attributes
# numbered from VDPA_EXT_ATTR_BASE, and those nested in EXT_DEV_CHARDEV.
EXT_ATTR_BASE = 0x2000
EXT_ATTRS = ["EXT_DEV_DRIVER", "EXT_DEV_CHARDEV"]
EXT_CHARDEV_ATTRS = ["UNSPEC", "NAME", "MAJOR", "MINOR"]
NESTED_ATTRS = {"EXT_DEV_CHARDEV": EXT_CHARDEV_ATTRS}
STRING_ATTRS = {"MGMTDEV_BUS_NAME", "MGMTDEV_DEV_NAME", "DEV_NAME",
                "DEV_VENDOR_ATTR_NAME", "EXT_DEV_DRIVER", "NAME"}
BINARY_ATTRS = {"DEV_NET_CFG_MACADDR"}


# Linux aliases: the names the kernel headers use for these errnos.
ERRNO_NAMES = {**errno.errorcode, errno.EOPNOTSUPP: "EOPNOTSUPP",
               errno.EAGAIN: "EAGAIN"}


def errno_name(err):
    return ERRNO_NAMES.get(err, str(err))


def align4(n):
    return (n + 3) & ~3


def attr_name(atype, names=None):
    """The name of attribute type atype among names (default: the
    family's top-level attributes, extensions included), or its number."""
    if names is None:
        ext = atype - EXT_ATTR_BASE
        if 0 <= ext < len(EXT_ATTRS):
            return EXT_ATTRS[ext]
        names = ATTRS
    return names[atype] if 0 <= atype < len(names) else str(atype)


def attr_type(name):
    """The type of the attribute called name (see attr_name), or of a
    number."""
    if name in EXT_ATTRS:
        return EXT_ATTR_BASE + EXT_ATTRS.index(name)
    return lookup(ATTRS, name)


class NetlinkError(Exception):
    """A refusal: errno, extack message, and the attribute it names."""

    def __init__(self, err, msg, bad_offset=None, missing=None):
        super().__init__(f"{errno_name(err)}: {msg}")
        self.errno, self.msg = err, msg
        self.bad_offset, self.missing = bad_offset, missing


def nla(atype, payload):
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * (-len(payload) % 4)


def parse_attrs(data):
    """Yields (type, payload) of each attribute in data."""
    off = 0
    while off + 4 <= len(data):
        length, atype = struct.unpack_from("=HH", data, off)
        if length < 4:
            break
        yield atype & 0x3fff, data[off + 4:off + length]
        off += align4(length)


def parse_messages(data):
    """Yields (type, flags, body) of each netlink message in a datagram."""
    off = 0
    while off + NLMSG_HDRLEN <= len(data):
        length, mtype, mflags, _, _ = struct.unpack_from("=IHHII", data, off)
        if length < NLMSG_HDRLEN:
            break
        yield mtype, mflags, data[off + NLMSG_HDRLEN:off + length]
        off += align4(length)


def extack_error(err, tlvs):
    """The NetlinkError for errno err and the extack TLVs tlvs."""
    msg, offs, miss = "", None, None
    for atype, payload in parse_attrs(tlvs):
        if atype == NLMSGERR_ATTR_MSG:
            msg = payload.rstrip(b"\0").decode(errors="replace")
        elif atype == NLMSGERR_ATTR_OFFS:
            offs = struct.unpack("=I", payload)[0]
        elif atype == NLMSGERR_ATTR_MISS_TYPE:
            miss = struct.unpack("=I", payload)[0]
    return NetlinkError(err, msg, offs, miss)


class Genl:
    def __init__(self, family="vdpa", bufsize=1 << 20):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.bind((0, 0))
        self.seq = 0
        self.bufsize = bufsize
        # One receive buffer: a fresh one per read costs an mmap() and a
        # munmap() of 1 MiB, dear in the test VM.
        self.rbuf = bytearray(bufsize)
        self.datagrams = 0
        self.after_first = None
        self.family_id, self.groups = self._resolve(family)

    def _resolve(self, name):
        msgs = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                            nla(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
        attrs = dict(parse_attrs(msgs[0]))
        groups = {}
        for _, grp in parse_attrs(attrs.get(CTRL_ATTR_MCAST_GROUPS, b"")):
            g = dict(parse_attrs(grp))
            gname = g[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()
            groups[gname] = struct.unpack("=I", g[CTRL_ATTR_MCAST_GRP_ID])[0]
        return struct.unpack("=H", attrs[CTRL_ATTR_FAMILY_ID])[0], groups

    def send(self, msg_type, cmd, payload, flags):
        self.seq += 1
        body = struct.pack("=BBH", cmd, 1, 0) + payload
        hdr = struct.pack("=IHHII", NLMSG_HDRLEN + len(body), msg_type,
                          flags, self.seq, 0)
        self.sock.send(hdr + body)

    def request(self, msg_type, cmd, payload=b"",
                flags=NLM_F_REQUEST | NLM_F_ACK):
        """Returns the attribute payloads of the replies, or raises."""
        self.send(msg_type, cmd, payload, flags)
        self.datagrams = 0
        replies = []
        while True:
            n = self.sock.recv_into(self.rbuf, self.bufsize)
            data = bytes(memoryview(self.rbuf)[:n])
            got, done = len(replies), False
            for mtype, mflags, body in parse_messages(data):
                if mtype == NLMSG_ERROR:
                    self._check_error(body, mflags)
                    done = True
                elif mtype == NLMSG_DONE:
                    self._check_done(body, mflags)
                    done = True
                else:
                    replies.append(body[GENL_HDRLEN:])
            if len(replies) > got:
                self.datagrams += 1
            if done:
                return replies
            if self.datagrams == 1 and len(replies) > got and \
               self.after_first:
                self.after_first()

    @staticmethod
    def _check_error(body, mflags):
        err = -struct.unpack_from("=i", body)[0]
        if not err:
            return
        tlvs = b""
        if mflags & NLM_F_ACK_TLVS:
            # After the errno comes the request: its header only when
            # NLM_F_CAPPED is set, else all of it (padded); then the TLVs.
            inner_len = struct.unpack_from("=I", body, 4)[0]
            if mflags & NLM_F_CAPPED:
                inner_len = NLMSG_HDRLEN
            tlvs = body[4 + align4(inner_len):]
        raise extack_error(err, tlvs)

    @staticmethod
    def _check_done(body, mflags):
        """A dump that failed part-way ends with its errno in NLMSG_DONE."""
        if len(body) < 4:
            return
        err = -struct.unpack_from("=i", body)[0]
        if err > 0:
            tlvs = body[4:] if mflags & NLM_F_ACK_TLVS else b""
            raise extack_error(err, tlvs)

    def join(self, group):
        self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
                             self.groups[group])


def lookup(names, name):
    return int(name, 0) if name[0].isdigit() else names.index(name)


def encode(kind, value):
    if kind in ("u8", "u16", "u32", "u64"):
        fmt = {"u8": "=B", "u16": "=H", "u32": "=I", "u64": "=Q"}[kind]
        return struct.pack(fmt, int(value, 0))
    if kind == "str":
        return value.encode() + b"\0"
    if kind == "raw":
        return value.encode()
    if kind == "hex":
        return bytes.fromhex(value.replace(":", ""))
    raise ValueError(f"unknown kind {kind}")


def decode(atype, payload, names=None):
    name = attr_name(atype, names)
    if name in NESTED_ATTRS:
        inner = NESTED_ATTRS[name]
        return name, "{%s}" % " ".join(
            "%s=%s" % decode(t, v, inner) for t, v in parse_attrs(payload))
    if name in STRING_ATTRS:
        return name, payload.rstrip(b"\0").decode(errors="replace")
    if name in BINARY_ATTRS or len(payload) not in (1, 2, 4, 8):
        return name, payload.hex(":")
    fmt = {1: "=B", 2: "=H", 4: "=I", 8: "=Q"}[len(payload)]
    return name, struct.unpack(fmt, payload)[0]


def build_payload(specs):
    """The attributes of specs, and the message offset -> name of each."""
    payload, where = b"", {}
    for spec in specs:
        name, _, rest = spec.partition("=")
        kind, _, value = rest.partition(":")
        atype = attr_type(name)
        where[NLMSG_HDRLEN + GENL_HDRLEN + len(payload)] = attr_name(atype)
        payload += nla(atype, encode(kind, value))
    return payload, where


def print_error(e, where):
    print(f"error {errno_name(e.errno)}: {e.msg}")
    if e.bad_offset is not None:
        print(f"extack_attr={where.get(e.bad_offset, e.bad_offset)}")
    if e.missing is not None:
        print(f"extack_missing={attr_name(e.missing)}")


def send_request(genl, args):
    """Sends the request of the parsed "send" arguments args."""
    payload, where = build_payload(args.attrs)
    if args.tail:
        payload += bytes.fromhex(args.tail)
    flags = NLM_F_REQUEST | NLM_F_ACK
    if args.dump:
        flags |= NLM_F_DUMP
    if args.nlflags is not None:
        flags = args.nlflags
    try:
        return genl.request(genl.family_id, lookup(CMDS, args.cmd), payload,
                            flags), where
    except NetlinkError as e:
        e.where = where
        raise


def print_replies(replies):
    for body in replies:
        for atype, value in parse_attrs(body):
            print("%s=%s" % decode(atype, value))
        print("--")


def cmd_send(args):
    try:
        genl = Genl(bufsize=args.bufsize)
        if args.exec_after_first:
            import subprocess  # pylint: disable=import-outside-toplevel
            genl.after_first = lambda: subprocess.run(
                args.exec_after_first, shell=True, check=False,
                stdout=sys.stderr)
        replies, _ = send_request(genl, args)
    except NetlinkError as e:
        print_error(e, getattr(e, "where", {}))
        return 1
    if args.stats:
        print(f"datagrams={genl.datagrams} replies={len(replies)}",
              file=sys.stderr)
    print_replies(replies)
    return 0


def batch_one(genl, line, verbose):
    """Sends one batch line; returns whether it succeeded."""
    import shlex  # pylint: disable=import-outside-toplevel
    try:
        replies, _ = send_request(genl, parse_args(SEND_OPTS,
                                                   shlex.split(line)))
    except NetlinkError as e:
        if verbose:
            print_error(e, getattr(e, "where", {}))
        else:
            print(f"error {errno_name(e.errno)}: {e.msg}")
        return False
    if verbose:
        print_replies(replies)
    else:
        print("ok")
    return True


def cmd_batch(args):
    try:
        genl = Genl()
    except NetlinkError as e:
        print_error(e, {})
        return 1
    rc = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        before = snapshot(genl) if args.check_state else None
        if not batch_one(genl, line, args.verbose):
            rc = 1
        if args.check_state:
            same = snapshot(genl) == before
            print("state=" + ("unchanged" if same else "changed"))
        if args.verbose:
            print("==")
        sys.stdout.flush()
    return rc


def describe(body):
    """One line for a reply: its attributes, in order, as NAME=value."""
    return " ".join("%s=%s" % decode(t, v) for t, v in parse_attrs(body))


def snapshot(genl):
    """Every management device, device and configuration, sorted lines."""
    lines = []
    for cmd in ("MGMTDEV_GET", "DEV_GET", "DEV_CONFIG_GET"):
        replies = genl.request(genl.family_id, CMDS.index(cmd), b"",
                               NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP)
        lines += sorted(f"{cmd} {describe(body)}" for body in replies)
    return lines


def cmd_snapshot(_args):
    try:
        lines = snapshot(Genl())
    except NetlinkError as e:
        print_error(e, {})
        return 1
    print("\n".join(lines))
    return 0


def print_event(body, with_attrs):
    cmd = body[0]
    attrs = list(parse_attrs(body[GENL_HDRLEN:]))
    names = dict(decode(t, v) for t, v in attrs)
    cmd_name = CMDS[cmd] if cmd < len(CMDS) else str(cmd)
    print(f"{cmd_name} {names.get('DEV_NAME')}", flush=True)
    if with_attrs:
        for atype, value in attrs:
            print("  %s=%s" % decode(atype, value), flush=True)


def cmd_monitor(args):
    try:
        genl = Genl()
        genl.join("dev")
    except NetlinkError as e:
        print_error(e, {})
        return 1
    print("ready", flush=True)
    seen = 0
    while seen < args.count:
        ready, _, _ = select.select([genl.sock], [], [], args.timeout)
        if not ready:
            print("timeout", flush=True)
            return 1
        for mtype, mflags, body in parse_messages(genl.sock.recv(1 << 16)):
            if mtype != genl.family_id or seen >= args.count:
                continue
            print_event(body, args.attrs)
            seen += 1
    return 0


# --- fuzz: seeded random requests, every reply checked ----------------------
#
# The fuzzer sends "rounds": one datagram holding up to --batch messages,
# then a NLMSG_NOOP with NLM_F_ACK (the sentinel). The kernel handles a
# datagram's messages in order before sendmsg() returns, each answered on
# its own (ack, error or data), so once the sentinel's ack is in, every
# reply of the round is queued ahead of it, except the later parts of a
# dump, which come as the socket is read. A message that breaks the
# framing (nlmsg_len beyond or short of its bytes, a header cut short)
# ends its datagram, and the sentinel goes alone in the next one. Each
# message is walked the way netlink_rcv_skb() walks it before it joins a
# round, which says which messages the kernel will handle (and with which
# sequence numbers) and lets a guard refuse, and generate again, any
# message that could touch what is not the fuzzer's: a request to
# another generic netlink family, or a DEV_NEW, DEV_DEL or DEV_ATTR_SET
# whose device name (as the kernel would read it) does not start with
# the fuzzer's prefix.

NLMSG_NOOP = 1
NLMSG_MIN_TYPE = 0x10
NLM_F_ECHO = 0x8
NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK = 0x8000, 0x4000, 0x3fff
GENL_MAX_ID = 1023          # <uapi/linux/genetlink.h>: no family above it
VDPA_GENL_VERSION = 1

FZ_C = {name: i for i, name in enumerate(CMDS)}
FZ_A = {name: i for i, name in enumerate(ATTRS)}


def _fz_attrs(*names):
    return frozenset(FZ_A[n] for n in names)


# core/netlink.c, vdpa_nl_ops: command -> (doit, dumpit, GENL_ADMIN_PERM).
FZ_OPS = {FZ_C["MGMTDEV_GET"]: (True, True, False),
          FZ_C["DEV_NEW"]: (True, False, True),
          FZ_C["DEV_DEL"]: (True, False, True),
          FZ_C["DEV_GET"]: (True, True, False),
          FZ_C["DEV_CONFIG_GET"]: (True, True, False),
          FZ_C["DEV_VSTATS_GET"]: (True, False, True),
          FZ_C["DEV_ATTR_SET"]: (True, False, True)}
# core/nl_parse.c, vdpa_nl_cmd_attrs: what each doit takes (dumps: none).
FZ_HANDLE = ("MGMTDEV_BUS_NAME", "MGMTDEV_DEV_NAME")
FZ_DEV_CONFIG = ("DEV_NET_CFG_MACADDR", "DEV_NET_CFG_MTU",
                 "DEV_NET_CFG_MAX_VQP", "DEV_FEATURES")
FZ_CMD_ATTRS = {
    FZ_C["MGMTDEV_GET"]: _fz_attrs(*FZ_HANDLE),
    FZ_C["DEV_NEW"]: _fz_attrs("DEV_NAME", *FZ_HANDLE, *FZ_DEV_CONFIG),
    FZ_C["DEV_DEL"]: _fz_attrs("DEV_NAME"),
    FZ_C["DEV_GET"]: _fz_attrs("DEV_NAME"),
    FZ_C["DEV_CONFIG_GET"]: _fz_attrs("DEV_NAME"),
    FZ_C["DEV_VSTATS_GET"]: _fz_attrs("DEV_NAME", "DEV_QUEUE_INDEX"),
    FZ_C["DEV_ATTR_SET"]: _fz_attrs("DEV_NAME", *FZ_DEV_CONFIG),
}
# core/nl_msg.c: request command -> (reply command, attributes every
# reply carries).
FZ_REPLY = {
    FZ_C["MGMTDEV_GET"]: (FZ_C["MGMTDEV_NEW"], _fz_attrs(
        "MGMTDEV_DEV_NAME", "MGMTDEV_SUPPORTED_CLASSES",
        "DEV_MGMTDEV_MAX_VQS", "DEV_SUPPORTED_FEATURES")),
    FZ_C["DEV_GET"]: (FZ_C["DEV_NEW"], _fz_attrs(
        "MGMTDEV_DEV_NAME", "DEV_NAME", "DEV_ID", "DEV_VENDOR_ID",
        "DEV_MAX_VQS", "DEV_MAX_VQ_SIZE", "DEV_MIN_VQ_SIZE")),
    FZ_C["DEV_CONFIG_GET"]: (FZ_C["DEV_CONFIG_GET"], _fz_attrs(
        "DEV_NAME", "DEV_ID", "DEV_FEATURES")),
    FZ_C["DEV_VSTATS_GET"]: (FZ_C["DEV_VSTATS_GET"], _fz_attrs(
        "DEV_NAME", "DEV_ID", "DEV_NEGOTIATED_FEATURES", "DEV_QUEUE_INDEX")),
}
FZ_DESTRUCTIVE = frozenset(FZ_C[c] for c in ("DEV_NEW", "DEV_DEL",
                                              "DEV_ATTR_SET"))

# Every errno a request to the family can be refused with:
#  EINVAL     policy (core), genl header checks (core), the family's own
#             checks, the parents' dev_add refusals (sim: bad parameters)
#  ERANGE     policy (NLA_POLICY_MIN, binary size, string length past a
#             NUL), max_vqp above the mgmtdev's limit, queue index
#  EOPNOTSUPP no such operation (core: unknown command, dump flag on a
#             command without dumpit), attribute or features the mgmtdev
#             does not take, no dev_set_attr, no vendor statistics
#  ENODEV     no such management device or device
#  EEXIST     DEV_NEW of a name in use
#  EPERM      GENL_ADMIN_PERM (core; not seen as root)
#  ENOMEM     allocations of the core, the family and the parents
#  EMSGSIZE   a reply that does not fit its message
#  EBUSY      a dump requested while one is running on the socket (core)
#  ENOENT     a message type that is no family (core)
#  EAGAIN     DEV_VSTATS_GET before feature negotiation completed
# E2BIG (only nla_strscpy(), which the family does not use) and EIO (the
# simulators' fail_dev_add knob, which the fuzzer leaves alone) are not
# among them.
FZ_ERRNOS = frozenset((errno.EINVAL, errno.ERANGE, errno.EOPNOTSUPP,
                       errno.ENODEV, errno.EEXIST, errno.EPERM, errno.ENOMEM,
                       errno.EMSGSIZE, errno.EBUSY, errno.ENOENT,
                       errno.EAGAIN))
# Refusals that come without an extack message whatever the request.
FZ_BARE_ERRNOS = frozenset((errno.EPERM, errno.ENOENT, errno.ENOMEM,
                            errno.EMSGSIZE, errno.EBUSY))

# Feature bits (<uapi/linux/virtio_config.h>, virtio_net.h).
FZ_F_VERSION_1, FZ_F_ACCESS_PLATFORM = 32, 33
FZ_NET_F_MTU, FZ_NET_F_MAC, FZ_NET_F_CTRL_VQ = 3, 5, 17
FZ_NET_F_CTRL_RX, FZ_NET_F_CTRL_RX_EXTRA, FZ_NET_F_MQ = 18, 20, 22
FZ_NET_CTRL_BITS = (18, 19, 20, 21, 22, 23)
VIRTIO_ID_NET, VIRTIO_ID_BLOCK = 1, 2

# The payload kind of each attribute: the policy's (core/netlink.c) for
# those requests take, the reply's type (core/nl_msg.c) for the others.
FZ_KIND = {FZ_A["MGMTDEV_BUS_NAME"]: "bus", FZ_A["MGMTDEV_DEV_NAME"]: "mgmt",
           FZ_A["DEV_NAME"]: "name", FZ_A["DEV_NET_CFG_MACADDR"]: "mac",
           FZ_A["DEV_NET_CFG_MAX_VQP"]: "vqp", FZ_A["DEV_NET_CFG_MTU"]: "mtu",
           FZ_A["DEV_QUEUE_INDEX"]: "qidx", FZ_A["DEV_FEATURES"]: "features",
           FZ_A["DEV_VENDOR_ATTR_NAME"]: "str"}
for _name, _kind in (("u64", ("MGMTDEV_SUPPORTED_CLASSES",
                              "DEV_NEGOTIATED_FEATURES",
                              "DEV_SUPPORTED_FEATURES",
                              "DEV_VENDOR_ATTR_VALUE",
                              "DEV_BLK_CFG_CAPACITY")),
                     ("u32", ("DEV_ID", "DEV_VENDOR_ID", "DEV_MAX_VQS",
                              "DEV_MGMTDEV_MAX_VQS", "DEV_BLK_CFG_SIZE_MAX",
                              "DEV_BLK_CFG_BLK_SIZE", "DEV_BLK_CFG_SEG_MAX",
                              "DEV_BLK_CFG_OPT_IO_SIZE",
                              "DEV_BLK_CFG_MAX_DISCARD_SEC",
                              "DEV_BLK_CFG_MAX_DISCARD_SEG",
                              "DEV_BLK_CFG_DISCARD_SEC_ALIGN",
                              "DEV_BLK_CFG_MAX_WRITE_ZEROES_SEC",
                              "DEV_BLK_CFG_MAX_WRITE_ZEROES_SEG")),
                     ("u16", ("DEV_MAX_VQ_SIZE", "DEV_MIN_VQ_SIZE",
                              "DEV_NET_STATUS", "DEV_BLK_CFG_NUM_QUEUES",
                              "DEV_BLK_CFG_MIN_IO_SIZE")),
                     ("u8", ("DEV_BLK_CFG_PHY_BLK_EXP",
                             "DEV_BLK_CFG_ALIGN_OFFSET", "DEV_BLK_READ_ONLY",
                             "DEV_BLK_FLUSH"))):
    for _a in _kind:
        FZ_KIND[FZ_A[_a]] = _name

FZ_INT_FMT = {"u8": "=B", "u16": "=H", "u32": "=I", "u64": "=Q"}
# Our reply-only extensions are unknown in requests too.
FZ_EXT_ATTRS = frozenset(range(EXT_ATTR_BASE, EXT_ATTR_BASE + len(EXT_ATTRS)))
FZ_UNKNOWN_ATTRS = (0, len(ATTRS), len(ATTRS) + 1, 63, 64, 255, 256,
                    NLA_TYPE_MASK) + tuple(sorted(FZ_EXT_ATTRS))

FZ_CMD_ATTRS_SORTED = {cmd: tuple(sorted(attrs))
                       for cmd, attrs in FZ_CMD_ATTRS.items()}
FZ_DEV_CMDS = frozenset(FZ_C[c] for c in ("DEV_NEW", "DEV_DEL", "DEV_GET",
                                           "DEV_CONFIG_GET", "DEV_VSTATS_GET",
                                           "DEV_ATTR_SET"))
FZ_HDR = struct.Struct("=IHHII")
FZ_NLA = struct.Struct("=HH")
FZ_BATCH = 64               # messages per datagram by default (--batch)
FZ_DGRAM_MAX = 128 << 10    # a round ends once its datagram is this big
FZ_REPLY_CMD = {cmd: reply[0] for cmd, reply in FZ_REPLY.items()}

# The grid: every command (and unknown ones) with every class of header
# flags and every attribute type (unknown ones and flag bits included),
# on top of a well-formed request of the command. Each seed walks all of
# it in a seeded order, the attribute's payload drawn like any other.
FZ_FLAG_GRID = (
    NLM_F_REQUEST | NLM_F_ACK, NLM_F_REQUEST,
    NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, NLM_F_REQUEST | NLM_F_DUMP,
    NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO, 0, NLM_F_ACK,
    NLM_F_REQUEST | NLM_F_ACK | NLM_F_MULTI,
    NLM_F_REQUEST | NLM_F_ACK | 0x100, NLM_F_REQUEST | NLM_F_ACK | 0x200,
    NLM_F_REQUEST | NLM_F_ACK | 0x10 | 0x20 | 0x400 | 0x800 | 0x1000 |
    0x8000)
FZ_CMD_GRID = tuple(range(len(CMDS))) + (len(CMDS), 255)
FZ_ATTR_GRID = tuple(range(len(ATTRS))) + (
    len(ATTRS), 255, NLA_TYPE_MASK, FZ_A["DEV_NAME"] | NLA_F_NESTED,
    FZ_A["DEV_NET_CFG_MTU"] | NLA_F_NET_BYTEORDER)
FZ_GRID_SIZE = len(FZ_CMD_GRID) * len(FZ_FLAG_GRID) * len(FZ_ATTR_GRID)
FZ_GRID_ATTRS = frozenset(FZ_ATTR_GRID + FZ_UNKNOWN_ATTRS)


def fz_hdr(length, mtype, flags, seq, pid=0):
    return FZ_HDR.pack(length, mtype, flags, seq, pid)


def fz_walk(data):
    """(offset, length) of each message netlink_rcv_skb() handles in data."""
    out, off, total = [], 0, len(data)
    while total - off >= NLMSG_HDRLEN:
        length = struct.unpack_from("=I", data, off)[0]
        if length < NLMSG_HDRLEN or total - off < length:
            break
        out.append((off, length))
        off += min(align4(length), total - off)
    return out


def fz_dev_names(msg):
    """What the kernel would read as each DEV_NAME of message msg: the
    bytes before the first NUL, None when the policy refuses it for want
    of a NUL.  Attribute flags are ignored, as nla_type() does."""
    names, off, end = [], NLMSG_HDRLEN + GENL_HDRLEN, len(msg)
    dev_name = FZ_A["DEV_NAME"]
    while end - off >= 4:
        length, atype = FZ_NLA.unpack_from(msg, off)
        if length < 4 or length > end - off:
            break
        if atype & NLA_TYPE_MASK == dev_name:
            nul = msg.find(b"\0", off + 4, off + min(length, 4 + 256))
            names.append(msg[off + 4:nul] if nul >= 0 else None)
        off += (length + 3) & ~3
    return names


class FzReq:  # pylint: disable=too-many-instance-attributes
    """One message the kernel handles in a round, and what came back."""

    __slots__ = ("raw", "hdr", "type", "flags", "seq", "ack", "cmd", "ours",
                 "processed", "has_op", "is_dump", "reply_cmd", "err", "msg",
                 "final", "data", "label", "valid", "sentinel", "_names")

    def __init__(self, raw, family_id, label="-"):
        self.raw = raw
        self.hdr = raw[:NLMSG_HDRLEN]
        _, mtype, flags, self.seq, _ = FZ_HDR.unpack_from(raw)
        self.type, self.flags = mtype, flags
        self.ack = bool(flags & NLM_F_ACK)
        cmd = raw[NLMSG_HDRLEN] if len(raw) >= 20 else None
        self.cmd = cmd
        self.ours = ours = mtype == family_id
        # Whether the kernel hands it to a netlink family at all.
        self.processed = processed = bool(flags & NLM_F_REQUEST) and \
            mtype >= NLMSG_MIN_TYPE
        dump = flags & NLM_F_DUMP == NLM_F_DUMP
        op = FZ_OPS.get(cmd)
        self.has_op = has_op = op is not None and op[1 if dump else 0]
        live = processed and ours and cmd is not None
        self.is_dump = live and dump and has_op
        self.reply_cmd = FZ_REPLY_CMD.get(cmd) if live and has_op else None
        self.err = None          # 0 for an ack, else the errno
        self.msg = ""            # the extack message of a refusal
        self.final = False       # NLMSG_ERROR or NLMSG_DONE seen
        self.data = []           # attribute dicts of the data replies
        self.label = label       # how it was generated
        self.valid = label.startswith("valid")
        self.sentinel = False
        self._names = None

    @property
    def names(self):
        """Each DEV_NAME the kernel reads in it (see fz_dev_names())."""
        if self._names is None:
            live = self.processed and self.ours and self.cmd is not None
            self._names = fz_dev_names(self.raw) if live else []
        return self._names

    @property
    def name(self):
        """The device name the kernel acts on: the last DEV_NAME."""
        names = self.names
        return names[-1] if names else None

    def describe(self):
        cmd = self.cmd if self.cmd is not None else "-"
        if isinstance(cmd, int) and cmd < len(CMDS):
            cmd = CMDS[cmd]
        return (f"seq {self.seq} ({self.label}) type {self.type:#x} flags "
                f"{self.flags:#x} cmd {cmd} len {len(self.raw)}: "
                f"{self.raw[:96].hex()}{'...' if len(self.raw) > 96 else ''}")


class FzMgmt:  # pylint: disable=too-few-public-methods
    """A management device, as MGMTDEV_GET shows it."""

    def __init__(self, bus, name, classes, max_vqs, features):
        self.bus, self.name = bus, name
        self.classes, self.max_vqs, self.features = classes, max_vqs, features

    def handle(self):
        out = b""
        if self.bus is not None:
            out += nla(FZ_A["MGMTDEV_BUS_NAME"], self.bus + b"\0")
        return out + nla(FZ_A["MGMTDEV_DEV_NAME"], self.name + b"\0")


# Used by --dry-run, which asks no kernel: the three management devices
# of the tests with their sizes (the features need not be exact).
FZ_DRY_MGMTDEVS = (
    FzMgmt(None, b"vdpasim_net", 1 << VIRTIO_ID_NET, 17,
           (1 << 34) - 1 & ~(1 << 31)),
    FzMgmt(None, b"vdpasim_blk", 1 << VIRTIO_ID_BLOCK, 1,
           (1 << 33) | (1 << 32) | 0x7ff),
    FzMgmt(None, b"vdpa_test", 1 << VIRTIO_ID_NET, 9,
           (1 << 32) | (1 << 33) | (1 << 3) | (1 << 5) | (1 << 16) |
           (1 << 17) | (1 << 22)),
)


class FzViolation(Exception):
    pass


class FzGen:  # pylint: disable=too-many-instance-attributes
    """Seeded generator of rounds; knows the fuzzer's own devices."""

    # Shares of the messages. Creating and deleting a device is by far
    # the dearest request (a device registered, a release), hence the
    # small shares of the valid DEV_NEW and DEV_DEL, and fuzzed DEV_NEW
    # mostly naming a device that exists (refused with EEXIST after every
    # other check).
    NEW_SHARE = 0.006       # valid DEV_NEW
    DEL_SHARE = 0.006       # valid DEV_DEL
    VALID_SHARE = 0.25      # all well-formed requests on real objects
    MUTATED_SHARE = 0.28    # well-formed requests with 1-3 mutations
    GRID_SHARE = 0.16       # the grid (above)
    STRUCT_SHARE = 0.07     # broken attribute streams, headers, framing
    # The rest: random attributes of random types.
    FRESH_NAME = 0.1        # fuzzed DEV_NEW of a name not in use
    OWN_CAP = 12            # valid DEV_NEW stops at this many devices
    POOL = 64               # payloads drawn for each attribute type

    VALID_KINDS = ("mgmt_dump",) + ("mgmt_get",) * 2 + ("dev_dump",) + \
        ("dev_get",) * 3 + ("cfg_dump",) + ("cfg_get",) * 3 + \
        ("vstats",) * 3 + ("set",)
    FUZZ_CMDS = tuple(c for c in FZ_OPS for _ in range(10)) + \
        (0, 0, FZ_C["MGMTDEV_NEW"], FZ_C["MGMTDEV_NEW"], len(CMDS),
         len(CMDS), -1, -1, -1)

    def __init__(self, rng, prefix, family_id, mgmtdevs, keep,
                 part=(0, 1)):
        self.rng = rng
        self.prefix = prefix
        self.family_id = family_id
        self.mgmtdevs = list(mgmtdevs)
        self.keep = list(keep)
        self.plain = [prefix + b"%d" % i for i in range(16)]
        self.special = [prefix + b"x" * (255 - len(prefix)),
                        prefix + b"%s%n%p", prefix + b"\xff\xfe\x80",
                        prefix + b"-._:@+", prefix + b" sp", prefix]
        self.own = {}           # name -> None, in order of creation
        self.nvqs = {}          # name -> DEV_MAX_VQS last seen
        self.seq = 0
        self.mix = {}
        self.payloads = {}      # (type, destructive) -> payload pool
        self.encoded = {}       # (type with flags, destructive) -> attrs
        # The cells of the grid this generator sends: part (index,
        # parts) of them, for the streams of a run to share the grid.
        self.grid_cells = range(part[0], FZ_GRID_SIZE, part[1])
        self.grid = []          # grid cells still to send, in order
        self.grid_sent = 0
        self.guarded = 0        # messages the guard refused
        self.vqs_choices = sorted({2, 3, 4, 5, 9, 17} |
                                  {m.max_vqs for m in self.mgmtdevs})

    # --- helpers ---

    def next_seq(self):
        self.seq = (self.seq + 1) & 0xffffffff
        return self.seq

    def count(self, label):
        self.mix[label] = self.mix.get(label, 0) + 1

    def choice(self, seq):
        return seq[int(self.rng.random() * len(seq))]

    def message(self, cmd, payload, flags, mtype=None, version=1,
                reserved=0, pid=0):
        body = struct.pack("=BBH", cmd, version, reserved) + payload
        mtype = self.family_id if mtype is None else mtype
        return fz_hdr(NLMSG_HDRLEN + len(body), mtype, flags,
                      self.next_seq(), pid) + body

    def dev_targets(self):
        return list(self.own) + self.keep

    # --- the guard ---

    def safe(self, req):
        """Whether the kernel handling req can touch only what is ours."""
        if not req.processed:
            return True
        if not req.ours:
            return req.type > GENL_MAX_ID
        if req.cmd not in FZ_DESTRUCTIVE:
            return True
        prefix = self.prefix
        for name in req.names:
            if name and not name.startswith(prefix):
                return False
        return True

    # --- rounds ---

    def round(self, most, batch):
        """One round of at most min(most, batch) messages: the datagrams,
        the requests the kernel will handle in them (the sentinel last),
        how many messages were generated, and how many of them the kernel
        will not walk (framing)."""
        reqs, parts, seqs = [], [], set()
        size = nmsgs = unwalked = refused = 0
        limit = min(most, batch)
        framed = True
        family = self.family_id
        while nmsgs < limit and framed and size < FZ_DGRAM_MAX:
            data, label, framed = self.one()
            if framed:
                req = FzReq(data, family, label)
                if not self.safe(req):
                    refused += 1
                    self.guarded += 1
                    if refused >= 50:
                        raise FzViolation("the guard refused 50 messages "
                                          "in a row")
                    continue
                reqs.append(req)
                parts.append(data + b"\0" * (-len(data) % 4))
                size += len(data)
            else:
                walked = self.walk_unframed(data, label, seqs, reqs)
                if walked is None:
                    framed = True
                    refused += 1
                    self.guarded += 1
                    if refused >= 50:
                        raise FzViolation("the guard refused 50 messages "
                                          "in a row")
                    continue
                if not walked:
                    unwalked += 1
                parts.append(data)
            refused = 0
            nmsgs += 1
            self.count(label)
        sentinel = FzReq(fz_hdr(NLMSG_HDRLEN, NLMSG_NOOP,
                                NLM_F_REQUEST | NLM_F_ACK, self.next_seq()),
                         family, "sentinel")
        sentinel.sentinel = True
        reqs.append(sentinel)
        if framed:
            parts.append(sentinel.raw)
            return reqs, [b"".join(parts)], nmsgs, unwalked
        return reqs, [b"".join(parts), sentinel.raw], nmsgs, unwalked

    def walk_unframed(self, data, label, seqs, reqs):
        """Adds the requests the kernel will find in data (the last
        message of its datagram) to reqs and returns how many; None if
        the guard refuses one or a sequence number repeats."""
        if not seqs:
            seqs.update(q.seq for q in reqs)
        found = []
        for off, length in fz_walk(data):
            req = FzReq(data[off:off + length], self.family_id, label)
            if not self.safe(req) or req.seq in seqs or \
               req.seq == (self.seq + 1) & 0xffffffff:
                return None
            seqs.add(req.seq)
            found.append(req)
        reqs.extend(found)
        return len(found)

    def one(self):
        """One message: (bytes, label, framed)."""
        x = self.rng.random()
        if x < self.VALID_SHARE:
            return self.valid_msg(x)
        x -= self.VALID_SHARE
        if x < self.MUTATED_SHARE:
            return self.fuzz_msg(self.mutated)
        x -= self.MUTATED_SHARE
        if x < self.GRID_SHARE:
            return self.grid_msg()
        x -= self.GRID_SHARE
        if x < self.STRUCT_SHARE:
            return self.structural()
        return self.fuzz_msg(self.random_attrs)

    # --- valid requests ---

    def valid_flags(self):
        return NLM_F_REQUEST | (NLM_F_ACK if self.rng.random() < 0.8 else 0)

    def valid_features(self, mgmt, mac, mtu, vqp):
        r = self.rng
        sup = mgmt.features
        f = 1 << FZ_F_VERSION_1
        for bit in range(64):
            if sup >> bit & 1 and bit not in FZ_NET_CTRL_BITS and \
               r.random() < 0.3:
                f |= 1 << bit
        if mgmt.classes & (1 << VIRTIO_ID_NET):
            if mac:
                f |= 1 << FZ_NET_F_MAC
            if mtu:
                f |= 1 << FZ_NET_F_MTU
            if vqp and vqp > 1:
                f |= 1 << FZ_NET_F_MQ
            if r.random() < 0.4:
                for bit in FZ_NET_CTRL_BITS:
                    if r.random() < 0.4:
                        f |= 1 << bit
            if f & (1 << FZ_NET_F_CTRL_RX_EXTRA):
                f |= 1 << FZ_NET_F_CTRL_RX
            if any(f >> bit & 1 for bit in FZ_NET_CTRL_BITS):
                f |= 1 << FZ_NET_F_CTRL_VQ
        return f & sup

    def unicast_mac(self):
        mac = bytearray(self.rng.getrandbits(48).to_bytes(6, "little"))
        mac[0] = (mac[0] & 0xfe) | 0x02
        return bytes(mac)

    def valid_new(self):
        """A valid DEV_NEW; the device counts as ours from now on (learn()
        forgets it if the kernel refuses it)."""
        r = self.rng
        free = [n for n in self.plain if n not in self.own]
        if not free or not self.mgmtdevs:
            return None
        name, mgmt = self.choice(free), self.choice(self.mgmtdevs)
        payload = nla(FZ_A["DEV_NAME"], name + b"\0") + mgmt.handle()
        mac = mtu = vqp = None
        if mgmt.classes & (1 << VIRTIO_ID_NET):
            if r.random() < 0.5:
                mac = self.unicast_mac()
                payload += nla(FZ_A["DEV_NET_CFG_MACADDR"], mac)
            if r.random() < 0.4:
                mtu = self.choice((68, 576, 1280, 1500, 4000, 9000, 65535))
                payload += nla(FZ_A["DEV_NET_CFG_MTU"],
                               struct.pack("=H", mtu))
            if r.random() < 0.4:
                vqp = r.randint(1, max(1, mgmt.max_vqs // 2 or 4))
                payload += nla(FZ_A["DEV_NET_CFG_MAX_VQP"],
                               struct.pack("=H", vqp))
        if mgmt.classes & ((1 << VIRTIO_ID_NET) | (1 << VIRTIO_ID_BLOCK)) \
           and r.random() < 0.4:
            payload += nla(FZ_A["DEV_FEATURES"], struct.pack(
                "=Q", self.valid_features(mgmt, mac, mtu, vqp)))
        self.own[name] = None
        return (self.message(FZ_C["DEV_NEW"], payload, self.valid_flags()),
                "valid:DEV_NEW", True)

    def valid_del(self):
        """A valid DEV_DEL of one of our devices, which we forget now."""
        name = self.choice(list(self.own))
        del self.own[name]
        return (self.message(FZ_C["DEV_DEL"],
                             nla(FZ_A["DEV_NAME"], name + b"\0"),
                             self.valid_flags()), "valid:DEV_DEL", True)

    def valid_dump(self, cmd):
        flags = NLM_F_REQUEST | NLM_F_DUMP
        if self.rng.random() < 0.8:
            flags |= NLM_F_ACK
        return (self.message(FZ_C[cmd], b"", flags), f"valid:{cmd}-dump",
                True)

    def valid_msg(self, x):
        """A well-formed request on real objects (x: the draw that chose
        a valid request, below VALID_SHARE)."""
        r, own = self.rng, self.own
        if x < self.NEW_SHARE + self.DEL_SHARE:
            new = x < self.NEW_SHARE
            if new and len(own) < self.OWN_CAP or not new and not own:
                msg = self.valid_new()
                if msg:
                    return msg
                return self.valid_dump("DEV_GET")
            return self.valid_del()
        kind = self.choice(self.VALID_KINDS)
        targets = self.dev_targets()
        if kind == "set" and not own or \
           kind in ("dev_get", "cfg_get", "vstats") and not targets:
            kind = "dev_dump"
        if kind.endswith("_dump"):
            return self.valid_dump({"mgmt_dump": "MGMTDEV_GET",
                                    "dev_dump": "DEV_GET",
                                    "cfg_dump": "DEV_CONFIG_GET"}[kind])
        if kind == "mgmt_get":
            if not self.mgmtdevs:
                return self.valid_dump("MGMTDEV_GET")
            return (self.message(FZ_C["MGMTDEV_GET"],
                                 self.choice(self.mgmtdevs).handle(),
                                 self.valid_flags()), "valid:MGMTDEV_GET",
                    True)
        if kind == "set":
            name = self.choice(list(own))
            payload = nla(FZ_A["DEV_NAME"], name + b"\0") + \
                nla(FZ_A["DEV_NET_CFG_MACADDR"], self.unicast_mac())
            return (self.message(FZ_C["DEV_ATTR_SET"], payload,
                                 self.valid_flags()), "valid:DEV_ATTR_SET",
                    True)
        name = self.choice(targets)
        payload = nla(FZ_A["DEV_NAME"], name + b"\0")
        cmd = {"dev_get": "DEV_GET", "cfg_get": "DEV_CONFIG_GET",
               "vstats": "DEV_VSTATS_GET"}[kind]
        if kind == "vstats":
            nvqs = self.nvqs.get(name, 3)
            qidx = r.randrange(nvqs) if r.random() < 0.9 else nvqs
            payload += nla(FZ_A["DEV_QUEUE_INDEX"], struct.pack("=I", qidx))
        return (self.message(FZ_C[cmd], payload, self.valid_flags()),
                f"valid:{cmd}", True)

    # --- payloads ---

    def int_payload(self, fmt_name, special):
        r = self.rng
        bits = {"u8": 8, "u16": 16, "u32": 32, "u64": 64}[fmt_name]
        top = (1 << bits) - 1
        x = r.random()
        if x < 0.6 and special:
            value = self.choice(special)
        elif x < 0.8:
            value = self.choice((0, 1, 2, top, top - 1, 1 << (bits - 1)))
        else:
            value = r.getrandbits(bits)
        return struct.pack(FZ_INT_FMT[fmt_name], value & top)

    def wrong_size(self, good):
        """An integer payload of a size other than good bytes."""
        r = self.rng
        size = self.choice([n for n in (0, 1, 2, 3, 4, 5, 7, 8, 9, 16)
                            if n != good])
        return r.randbytes(size)

    def junk(self):
        """A payload of no particular type."""
        r = self.rng
        x = r.random()
        if x < 0.3:
            return r.randbytes(r.randrange(0, 24))
        if x < 0.5:
            return self.int_payload(self.choice(("u8", "u16", "u32", "u64")),
                                    ())
        if x < 0.7:
            return b"1500\0"
        if x < 0.85:
            return self.nested_junk(2)
        return b"\0" * r.randrange(0, 12)

    def nested_junk(self, depth):
        r = self.rng
        out = b""
        for _ in range(r.randrange(0, 5)):
            atype = r.randrange(0, 48)
            if depth and r.random() < 0.3:
                out += nla(atype | NLA_F_NESTED, self.nested_junk(depth - 1))
            else:
                out += nla(atype, r.randbytes(r.randrange(0, 12)))
        if r.random() < 0.2:
            out += struct.pack("=HH", r.randrange(0, 64), r.randrange(48))
        return out

    def fuzz_name(self, destructive):
        """A DEV_NAME payload; for a request that can change something,
        only names starting with the prefix, or none the kernel takes."""
        r, p = self.rng, self.prefix
        pool = self.plain + self.special
        if not destructive:
            pool += self.keep + [b"nosuchdev", b"vdpasim_net", b"vdpa0"]
        base = self.choice(pool)
        x = r.random()
        if x < 0.5:
            return base + b"\0"
        if x < 0.55:
            return base                                 # no NUL
        if x < 0.6:
            return b"\0"                                # empty
        if x < 0.63:
            return b""                                  # zero-length
        if x < 0.67:
            return p + b"y" * (256 - len(p)) + b"\0"    # one too long
        if x < 0.7:
            return p + b"z" * self.choice((300, 1000, 4000)) + b"\0"
        if x < 0.75:
            return base + b"\0" + r.randbytes(r.randrange(1, 8))
        if x < 0.79:
            return self.choice((p + b"/a", p + b"/", p + b"/../x")) + b"\0"
        if x < 0.83:
            return base + b"\0" * r.randrange(2, 9)
        if x < 0.88:
            return p + bytes((self.choice(b"abcdefgh"),)) + b"\0"
        if x < 0.94:
            return self.int_payload(self.choice(("u16", "u32", "u64")), ())
        return r.randbytes(r.randrange(0, 16))

    def fuzz_mgmt(self):
        r = self.rng
        names = [m.name for m in self.mgmtdevs] or [b"vdpasim_net"]
        x = r.random()
        if x < 0.5:
            return self.choice(names) + b"\0"
        if x < 0.55:
            return self.choice(names)
        return self.choice((b"nope\0", b"vdpasim_ne\0", b"VDPA_TEST\0", b"\0",
                            b"", b"m" * 255 + b"\0", b"m" * 256 + b"\0",
                            b"vdpa_test\0junk", b"pci/0000:00:01.0\0",
                            b"%s%n\0", self.int_payload("u32", ())))

    def fuzz_bus(self):
        return self.choice((b"pci\0", b"vdpa\0", b"platform\0", b"\0", b"",
                            b"b" * 64 + b"\0", b"b" * 65 + b"\0", b"pci",
                            b"pci\0\0\0", self.int_payload("u16", ())))

    def fuzz_mac(self):
        r = self.rng
        x = r.random()
        if x < 0.4:
            return self.unicast_mac()
        if x < 0.7:
            return self.choice((b"\0" * 6, b"\xff" * 6,
                                b"\x01\x00\x5e\x00\x00\x01",
                                b"\x03" + r.randbytes(5), r.randbytes(6)))
        return r.randbytes(self.choice((0, 1, 4, 5, 7, 8, 12)))

    def fuzz_payload(self, atype, destructive):
        """A payload for attribute atype: valid, boundary or invalid."""
        r = self.rng
        kind = FZ_KIND.get(atype)
        if kind is None or r.random() < 0.08:
            return self.junk()
        if kind == "name":
            return self.fuzz_name(destructive)
        if kind == "mgmt":
            return self.fuzz_mgmt()
        if kind == "bus":
            return self.fuzz_bus()
        if kind == "str":
            return self.choice((b"kicks\0", b"\0", b"x" * 300 + b"\0"))
        if kind == "mac":
            return self.fuzz_mac()
        sizes = {"mtu": "u16", "vqp": "u16", "qidx": "u32",
                 "features": "u64"}
        fmt_name = sizes.get(kind, kind)
        good = struct.calcsize(FZ_INT_FMT[fmt_name])
        if r.random() < 0.15:
            return self.wrong_size(good)
        special = ()
        if kind == "mtu":
            special = (0, 67, 68, 69, 1500, 9000, 65535)
        elif kind == "vqp":
            half = [m.max_vqs // 2 for m in self.mgmtdevs] or [4]
            special = tuple({0, 1, 2, 3, 65535} |
                            {h + d for h in half for d in (0, 1)})
        elif kind == "qidx":
            vqs = self.choice(self.vqs_choices)
            special = (0, 1, 2, vqs - 1, vqs, vqs + 1, 0xffff, 0x10000,
                       0xffffffff)
        elif kind == "features":
            sup = [m.features for m in self.mgmtdevs] or [1 << 32]
            special = tuple(sup) + (0, 1 << FZ_F_VERSION_1,
                                    self.choice(sup) & r.getrandbits(64),
                                    self.choice(sup) | 1 << 63,
                                    (1 << 64) - 1, 1 << 34)
        return self.int_payload(fmt_name, special)

    def payload(self, atype, destructive):
        """A payload for attribute atype (flags ignored), drawn from the
        pool of its kind: POOL payloads made by fuzz_payload() on first
        use, one of them made afresh on every 16th draw."""
        atype &= NLA_TYPE_MASK
        if atype == FZ_A["DEV_NAME"]:
            key = -2 if destructive else atype
        else:
            key = atype if atype in FZ_KIND else -1   # -1: junk
        pool = self.payloads.get(key)
        if pool is None:
            pool = [self.pool_payload(atype, key)
                    for _ in range(self.POOL)]
            self.payloads[key] = pool
        i = self.rng.getrandbits(6)
        if i < 4:
            pool[i] = self.pool_payload(atype, key)
        return pool[i]

    def pool_payload(self, atype, key):
        """A payload for the pool key of atype; for the device names of
        requests that can change something, only those the guard lets
        through (a name the guard refused would come back from the pool
        again and again)."""
        while True:
            payload = self.fuzz_payload(atype, key == -2)
            if key != -2:
                return payload
            nul = payload.find(b"\0", 0, 256)
            if nul <= 0 or payload.startswith(self.prefix):
                return payload

    def attr(self, atype, destructive):
        """An attribute of type atype (flags included), encoded: from
        the pool of its type for the types of the grid, made now for the
        others."""
        if atype not in FZ_GRID_ATTRS:
            return nla(atype, self.payload(atype, destructive))
        key = -atype - 1 if destructive and \
            atype & NLA_TYPE_MASK == FZ_A["DEV_NAME"] else atype
        pool = self.encoded.get(key)
        if pool is None:
            pool = [nla(atype, self.payload(atype, destructive))
                    for _ in range(self.POOL)]
            self.encoded[key] = pool
        i = self.rng.getrandbits(6)
        if i < 4:
            pool[i] = nla(atype, self.payload(atype, destructive))
        return pool[i]

    # --- fuzzed requests ---

    def fuzz_cmd(self):
        cmd = self.choice(self.FUZZ_CMDS)
        return cmd if cmd >= 0 else self.rng.randrange(len(CMDS), 256)

    def fuzz_type(self, atype, cmd):
        """An attribute type near atype: other attributes, unknown ones,
        flag bits."""
        r = self.rng
        x = r.random()
        allowed = FZ_CMD_ATTRS_SORTED.get(cmd)
        if x < 0.6 and allowed:
            return self.choice(allowed)
        if x < 0.8:
            return r.randrange(1, len(ATTRS))
        if x < 0.9:
            return self.choice(FZ_UNKNOWN_ATTRS + (
                r.randrange(len(ATTRS), NLA_TYPE_MASK),))
        if x < 0.95:
            return (atype or r.randrange(1, len(ATTRS))) | \
                self.choice((NLA_F_NESTED, NLA_F_NET_BYTEORDER))
        return atype or r.randrange(1, len(ATTRS))

    def valid_attrs(self, cmd):
        """The attributes of a plausible request for cmd, as (type,
        payload) pairs, for mutated messages and the grid. A DEV_NEW
        names a device of ours that exists unless FRESH_NAME says not."""
        r = self.rng
        out = []
        destructive = cmd in FZ_DESTRUCTIVE
        if cmd in (FZ_C["DEV_NEW"], FZ_C["MGMTDEV_GET"]) and self.mgmtdevs:
            mgmt = self.choice(self.mgmtdevs)
            if mgmt.bus is not None:
                out.append((FZ_A["MGMTDEV_BUS_NAME"], mgmt.bus + b"\0"))
            out.append((FZ_A["MGMTDEV_DEV_NAME"], mgmt.name + b"\0"))
        if cmd in FZ_DEV_CMDS:
            if cmd == FZ_C["DEV_NEW"]:
                names = list(self.own) if self.own and \
                    r.random() >= self.FRESH_NAME else self.plain
            elif destructive:
                names = list(self.own) or self.plain
            else:
                names = self.dev_targets() or self.plain
            out.append((FZ_A["DEV_NAME"], self.choice(names) + b"\0"))
        if cmd == FZ_C["DEV_VSTATS_GET"]:
            out.append((FZ_A["DEV_QUEUE_INDEX"],
                        struct.pack("=I", r.randrange(4))))
        if cmd in (FZ_C["DEV_NEW"], FZ_C["DEV_ATTR_SET"]):
            if r.random() < 0.5:
                out.append((FZ_A["DEV_NET_CFG_MACADDR"], self.unicast_mac()))
            if r.random() < 0.3:
                out.append((FZ_A["DEV_NET_CFG_MTU"], struct.pack("=H", 1500)))
            if r.random() < 0.3:
                out.append((FZ_A["DEV_NET_CFG_MAX_VQP"],
                            struct.pack("=H", r.randint(1, 4))))
            if r.random() < 0.3 and self.mgmtdevs:
                out.append((FZ_A["DEV_FEATURES"], struct.pack(
                    "=Q", self.choice(self.mgmtdevs).features)))
        return out

    def mutated(self, cmd):
        """Attributes for cmd: a plausible request, mutated 1-3 times."""
        r = self.rng
        attrs = self.valid_attrs(cmd)
        destructive = cmd in FZ_DESTRUCTIVE
        for _ in range(self.choice((1, 1, 1, 2, 3))):
            op = r.random()
            if op < 0.4 and attrs:
                i = r.randrange(len(attrs))
                attrs[i] = (attrs[i][0],
                            self.payload(attrs[i][0], destructive))
            elif op < 0.6:
                atype = self.fuzz_type(0, cmd)
                attrs.append((atype, self.payload(atype, destructive)))
            elif op < 0.7 and attrs:
                del attrs[r.randrange(len(attrs))]
            elif op < 0.8 and attrs:
                i = r.randrange(len(attrs))
                atype = attrs[i][0]
                attrs.insert(r.randrange(len(attrs) + 1),
                             (atype, self.payload(atype, destructive)
                              if r.random() < 0.5 else attrs[i][1]))
            elif op < 0.9 and attrs:
                i = r.randrange(len(attrs))
                attrs[i] = (self.fuzz_type(attrs[i][0], cmd), attrs[i][1])
            else:
                r.shuffle(attrs)
        return b"".join([nla(t, p) for t, p in attrs]), "fuzz:mutated"

    def random_attrs(self, cmd):
        """Attributes for cmd: random types, payloads from the pools."""
        r = self.rng
        destructive = cmd in FZ_DESTRUCTIVE
        attrs = [self.attr(self.fuzz_type(0, cmd), destructive)
                 for _ in range(self.choice((0, 1, 1, 2, 2, 2, 3, 3, 4, 5,
                                             6, 8)))]
        if attrs and r.random() < 0.15:
            attrs.append(self.choice(attrs))
        return b"".join(attrs), "fuzz:random"

    def fuzz_flags(self):
        r = self.rng
        x = r.random()
        if x < 0.55:
            return NLM_F_REQUEST | NLM_F_ACK
        if x < 0.67:
            return NLM_F_REQUEST
        if x < 0.76:
            return NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP
        if x < 0.80:
            return NLM_F_REQUEST | NLM_F_DUMP
        if x < 0.84:
            return NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO
        if x < 0.88:
            return self.choice((0, NLM_F_ACK, NLM_F_ACK | NLM_F_DUMP))
        flags = NLM_F_REQUEST if r.random() < 0.9 else 0
        for bit in (NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO, 0x10, 0x20, 0x100,
                    0x200, 0x400, 0x800, 0x1000, 0x8000):
            if r.random() < 0.25:
                flags |= bit
        return flags

    def fuzz_msg(self, attrs_of):
        """A fuzzed request: attributes from attrs_of(cmd), random flags,
        now and then the wrong message type, version, reserved bits or
        port id."""
        r = self.rng
        cmd = self.fuzz_cmd()
        payload, label = attrs_of(cmd)
        flags = self.fuzz_flags()
        x = r.random()
        if x < 0.93:
            mtype = self.family_id
        elif x < 0.96:
            mtype, label = r.randrange(NLMSG_MIN_TYPE), label + ":control-type"
        else:
            mtype = r.randrange(GENL_MAX_ID + 1, 0x10000)
            label += ":no-family"
        version = reserved = pid = 0
        x = r.random()
        if x < 0.8:
            version = 1
        elif x < 0.9:
            version, label = r.randrange(256), label + ":version"
        elif x < 0.95:
            version, reserved = 1, r.randrange(1, 0x10000)
            label += ":reserved"
        else:
            version, pid = 1, r.getrandbits(32)
            label += ":pid"
        return (self.message(cmd, payload, flags, mtype, version, reserved,
                             pid), label, True)

    def grid_msg(self):
        """The next cell of the grid: a plausible request of the cell's
        command with the cell's flags and one more attribute of the
        cell's type."""
        if not self.grid:
            self.grid = list(self.grid_cells)
            self.rng.shuffle(self.grid)
        cell = self.grid.pop()
        self.grid_sent += 1
        cell, atype = divmod(cell, len(FZ_ATTR_GRID))
        cmd, flags = divmod(cell, len(FZ_FLAG_GRID))
        cmd, flags = FZ_CMD_GRID[cmd], FZ_FLAG_GRID[flags]
        atype = FZ_ATTR_GRID[atype]
        destructive = cmd in FZ_DESTRUCTIVE
        payload = b"".join([nla(t, p) for t, p in self.valid_attrs(cmd)])
        payload += self.attr(atype, destructive)
        return self.message(cmd, payload, flags), "grid", True

    def structural(self):
        """A message whose attribute stream, header or framing is broken;
        framing breaks end their datagram."""
        r = self.rng
        cmd = self.fuzz_cmd()
        payload, _ = (self.mutated if r.random() < 0.5
                      else self.random_attrs)(cmd)
        flags = self.fuzz_flags()
        mtype = self.family_id if r.random() < 0.93 else \
            r.randrange(GENL_MAX_ID + 1, 0x10000)
        how = self.choice(("trailing", "cut-attr", "short-attr",
                           "huge-attr-len", "genl-cut", "big", "len-over",
                           "len-under", "tiny"))
        label = "struct-" + how
        if how == "trailing":
            return (self.message(cmd, payload + r.randbytes(
                r.randrange(1, 4)), flags, mtype), label, True)
        if how == "cut-attr":
            body = r.randbytes(r.randrange(0, 8))
            atype = r.randrange(1, len(ATTRS))
            cut = struct.pack("=HH", 4 + len(body) + r.randrange(1, 40),
                              atype) + body
            return self.message(cmd, payload + cut, flags, mtype), label, True
        if how == "short-attr":
            cut = struct.pack("=HH", r.randrange(0, 4), r.randrange(64))
            return self.message(cmd, payload + cut, flags, mtype), label, True
        if how == "huge-attr-len":
            cut = struct.pack("=HH", 0xffff, FZ_A["DEV_NAME"]) + b"fz\0\0"
            return self.message(cmd, payload + cut, flags, mtype), label, True
        if how == "genl-cut":
            # nlmsg_len covers less than the generic netlink header.
            keep = r.randrange(0, 4)
            body = struct.pack("=BBH", cmd, 1, 0)[:keep]
            return (fz_hdr(NLMSG_HDRLEN + keep, mtype, flags,
                           self.next_seq()) + body, label, True)
        if how == "big":
            size = self.choice((1000, 4000, 16000, 60000))
            big = nla(self.choice((FZ_A["DEV_NAME"],
                                   FZ_A["DEV_VENDOR_ATTR_NAME"],
                                   len(ATTRS) + 3)), b"q" * size)
            return self.message(cmd, payload + big, flags, mtype), label, True
        data = self.message(cmd, payload, flags, mtype)
        if how == "len-over":
            # nlmsg_len beyond the datagram: the kernel drops it.
            over = len(data) + r.randrange(1, 64)
            return struct.pack("=I", over) + data[4:], label, False
        if how == "len-under":
            # The rest of the bytes are read as further messages.
            under = r.randrange(NLMSG_HDRLEN, len(data)) \
                if len(data) > NLMSG_HDRLEN else NLMSG_HDRLEN
            return struct.pack("=I", under) + data[4:], label, False
        return data[:r.randrange(1, NLMSG_HDRLEN)], label, False

    # --- the fuzzer's view of its devices ---

    def learn(self, req):
        """Updates the own devices after request req (handled, final)."""
        if not req.ours or not req.processed or req.cmd is None:
            return
        cmd, err = req.cmd, req.err or 0
        if cmd == FZ_C["DEV_NEW"]:
            name = req.name
            if name is None:
                pass
            elif err in (0, errno.EEXIST):
                if name.startswith(self.prefix) and name not in self.own:
                    self.own[name] = None
            elif req.valid:
                # valid_new() counted it as ours.
                self.own.pop(name, None)
        elif cmd == FZ_C["DEV_DEL"]:
            if err in (0, errno.ENODEV) and req.name is not None:
                self.own.pop(req.name, None)
        elif err == errno.ENODEV and cmd in FZ_DEV_CMDS:
            if req.name is not None:
                self.own.pop(req.name, None)
        if not req.data:
            return
        dev_name, max_vqs = FZ_A["DEV_NAME"], FZ_A["DEV_MAX_VQS"]
        for attrs in req.data:
            dev = attrs.get(dev_name)
            vqs = attrs.get(max_vqs)
            if dev is not None and vqs is not None and len(vqs) == 4:
                self.nvqs[bytes(dev).split(b"\0")[0]] = \
                    struct.unpack("=I", vqs)[0]
        if req.is_dump and cmd == FZ_C["DEV_GET"] and req.err == 0 \
           and req.final:
            seen = [bytes(a[dev_name]).split(b"\0")[0] for a in req.data
                    if dev_name in a]
            # Sorted: the dump's order (of the device indexes) depends on
            # what other streams of the run created and deleted.
            self.own = {n: None for n in sorted(seen)
                        if n.startswith(self.prefix)}

    def dry_learn(self, reqs):
        """Without a kernel: every fuzzed DEV_DEL and DEV_NEW of ours
        fails (the valid ones were counted when made)."""
        del reqs


class Fuzzer:  # pylint: disable=too-many-instance-attributes
    """Sends what FzGen makes and checks every reply."""

    MAX_VIOLATIONS = 20

    def __init__(self, args):
        self.args = args
        self.base = args.prefix.encode()     # of every device of the run
        self.prefix = self.base              # of this stream's devices
        self.count = args.count              # this stream's messages
        self.keep = [k.encode() for k in args.keep.split(",") if k]
        self.genl = None
        self.checker = None     # a second socket for the state checks
        self.portid = 0
        self.buf = self.view = None
        self.violations = []
        self.outcomes = {}      # label class -> outcome -> count
        self.reopened = 0
        self.sent = 0
        self.rounds = 0
        self.unwalked = 0
        self.dumping = 0        # dumps of the round that sent data, not done
        self.checks = 0
        self.fuzzing = False    # violations stop the run only while fuzzing

    # --- the socket ---

    def open(self):
        if self.genl is not None:
            self.genl.sock.close()
        self.genl = Genl()
        sock = self.genl.sock
        # Room for every reply of a round (errors echo the request) and
        # for the largest datagram; the *FORCE options need CAP_NET_ADMIN.
        for force, opt, size in ((33, socket.SO_RCVBUF, 8 << 20),
                                 (32, socket.SO_SNDBUF, 1 << 20)):
            try:
                sock.setsockopt(socket.SOL_SOCKET, force, size)
            except OSError:
                sock.setsockopt(socket.SOL_SOCKET, opt, size)
        # While fuzzing the socket blocks (a timeout would poll before
        # every read); the rounds read with MSG_DONTWAIT and wait in
        # select(). Requests outside the rounds time out.
        sock.settimeout(None if self.fuzzing else self.args.timeout)
        self.portid = sock.getsockname()[0]
        self.buf = bytearray(1 << 20)
        self.view = memoryview(self.buf)

    def violate(self, text):
        self.violations.append(text)
        print(f"# violation: {text}", flush=True)
        if self.fuzzing and len(self.violations) >= self.MAX_VIOLATIONS:
            raise FzViolation("too many violations")

    # --- one round ---

    def run_round(self, gen):
        reqs, datagrams, nmsgs, unwalked = gen.round(
            self.count - self.sent, self.args.batch)
        self.sent += nmsgs
        self.rounds += 1
        self.unwalked += unwalked
        if self.args.dry_run:
            gen.dry_learn(reqs)
            return
        by_seq = {q.seq: q for q in reqs}
        self.dumping = 0
        try:
            for dgram in datagrams:
                self.genl.sock.send(dgram)
            self.collect(reqs[-1], by_seq)
        except OSError as e:
            if e.errno != errno.ENOBUFS:
                raise
            # Replies were dropped: nothing of this round can be judged.
            print(f"# note: ENOBUFS after seq {reqs[0].seq}: reopening the "
                  f"socket", flush=True)
            self.reopened += 1
            self.open()
            return
        self.close_round(gen, reqs)

    def collect(self, sentinel, by_seq):
        """Reads replies until the sentinel's ack is in and every dump
        that sent data is done. Everything but the later parts of dumps
        is queued when sendmsg() returns: read without waiting, wait only
        when the socket is empty."""
        sock, buf, view = self.genl.sock, self.buf, self.view
        recv, size = sock.recv_into, len(buf)
        flags = socket.MSG_DONTWAIT | socket.MSG_TRUNC
        while not sentinel.final or self.dumping:
            try:
                n = recv(view, size, flags)
            except BlockingIOError:
                if select.select([sock], [], [], self.args.timeout)[0]:
                    continue
                pending = [q.describe() for q in by_seq.values()
                           if not q.final]
                self.violate(f"no reply for {self.args.timeout:g} s; "
                             f"waiting for: "
                             f"{'; '.join(pending) or 'dump continuation'}")
                raise FzViolation("socket blocked") from None
            if n > size:
                self.violate(f"a reply datagram of {n} bytes (more than "
                             f"{size})")
                n = size
            self.replies(buf, n, by_seq)

    def close_round(self, gen, reqs):
        trace = self.args.trace
        outcomes = self.outcomes
        for q in reqs:
            if q.sentinel:
                continue
            if q.is_dump and not q.final:
                self.violate(f"dump without NLMSG_DONE or error: "
                             f"{q.describe()}")
            elif q.ack and not q.final:
                self.violate(f"no ack: {q.describe()}")
            elif q.reply_cmd is not None and not q.is_dump and \
                    not q.err and not q.data:
                self.violate(f"no reply and no error: {q.describe()}")
            if not q.processed:
                outcome = "not-request"
            elif q.err:
                outcome = ERRNO_NAMES.get(q.err, str(q.err))
            else:
                outcome = "ok"
            counts = outcomes.setdefault("valid" if q.valid else "fuzz", {})
            counts[outcome] = counts.get(outcome, 0) + 1
            if q.cmd is not None and q.ours and q.processed:
                name = CMDS[q.cmd] if q.cmd < len(CMDS) else "other"
                if q.is_dump:
                    name += "-dump"
                counts = outcomes.setdefault(name, {})
                counts[outcome] = counts.get(outcome, 0) + 1
            if trace:
                print(f"# {outcome} {q.describe()}"
                      f"{' msg=' + repr(q.msg) if q.msg else ''}",
                      file=sys.stderr)
            gen.learn(q)

    # --- replies ---

    def replies(self, data, total, by_seq):
        off = 0
        unpack = FZ_HDR.unpack_from
        family, portid = self.genl.family_id, self.portid
        while off < total:
            if total - off < NLMSG_HDRLEN:
                self.violate(f"{total - off} stray bytes after the last "
                             f"reply message: {data[off:total].hex()}")
                return
            length, mtype, mflags, seq, pid = unpack(data, off)
            if length < NLMSG_HDRLEN or length > total - off:
                self.violate(f"reply nlmsg_len {length} with {total - off} "
                             f"bytes left: {data[off:off + 64].hex()}")
                return
            body = data[off + NLMSG_HDRLEN:off + length]
            start, off = off, off + ((length + 3) & ~3)
            req = by_seq.get(seq)
            if req is None:
                self.violate(f"reply type {mtype:#x} flags {mflags:#x} with "
                             f"seq {seq} that no request of the round has: "
                             f"{data[start:start + 64].hex()}")
                continue
            if pid != portid:
                self.violate(f"reply nlmsg_pid {pid}, not our port "
                             f"{portid}: {req.describe()}")
            if req.final:
                self.violate(f"reply type {mtype:#x} after the final one: "
                             f"{req.describe()}")
                continue
            if mtype == NLMSG_ERROR:
                self.error_reply(req, mflags, body)
            elif mtype == NLMSG_DONE:
                self.done_reply(req, mflags, body)
            elif mtype == family:
                self.data_reply(req, mflags, body)
            else:
                self.violate(f"reply of type {mtype:#x} (neither "
                             f"NLMSG_ERROR, NLMSG_DONE nor the family's): "
                             f"{req.describe()}")

    def finish(self, req):
        """req got its final reply."""
        req.final = True
        if req.is_dump and req.data:
            self.dumping -= 1

    def tlvs(self, req, raw):
        """The extack TLVs raw as a dict; a violation if malformed."""
        out, off = {}, 0
        while off < len(raw):
            if len(raw) - off < 4:
                self.violate(f"extack TLVs end in {len(raw) - off} stray "
                             f"bytes: {req.describe()}")
                break
            length, atype = FZ_NLA.unpack_from(raw, off)
            if length < 4 or length > len(raw) - off:
                self.violate(f"extack TLV of length {length}: "
                             f"{req.describe()}")
                break
            out[atype & NLA_TYPE_MASK] = raw[off + 4:off + length]
            off += (length + 3) & ~3
        return out

    def refusal(self, req, err, tlvs, what):
        """Checks the errno and extack message of a refusal."""
        msg = bytes(tlvs.get(NLMSGERR_ATTR_MSG, b"")).rstrip(b"\0")
        req.msg = msg.decode(errors="replace")
        if err not in FZ_ERRNOS:
            self.violate(f"{what} with errno {errno_name(err)}, which the "
                         f"family never returns: {req.describe()}"
                         f"{' (' + req.msg + ')' if req.msg else ''}")
            return
        bare = err in FZ_BARE_ERRNOS or not req.ours or \
            (err == errno.EOPNOTSUPP and not req.has_op) or \
            (err == errno.EINVAL and len(req.raw) < 20)
        if not msg and not bare:
            self.violate(f"{what} {errno_name(err)} without an extack "
                         f"message: {req.describe()}")

    def error_reply(self, req, mflags, body):
        self.finish(req)
        if len(body) < 4 + NLMSG_HDRLEN:
            self.violate(f"NLMSG_ERROR of {len(body)} bytes: "
                         f"{req.describe()}")
            req.err = errno.EINVAL
            return
        err = -struct.unpack_from("=i", body)[0]
        if body[4:4 + NLMSG_HDRLEN] != req.hdr:
            self.violate(f"NLMSG_ERROR echoes header "
                         f"{body[4:4 + NLMSG_HDRLEN].hex()}: "
                         f"{req.describe()}")
        if err < 0:
            self.violate(f"NLMSG_ERROR with positive error {-err}: "
                         f"{req.describe()}")
        capped = mflags & NLM_F_CAPPED
        inner = NLMSG_HDRLEN if capped else len(req.raw)
        if not capped and body[4:4 + inner] != req.raw:
            self.violate(f"NLMSG_ERROR does not echo the request: "
                         f"{req.describe()}")
        tlvs = self.tlvs(req, body[4 + ((inner + 3) & ~3):]) \
            if mflags & NLM_F_ACK_TLVS else {}
        req.err = err
        if err == 0:
            if not req.ack:
                self.violate(f"ack to a request without NLM_F_ACK: "
                             f"{req.describe()}")
            if req.is_dump and req.data:
                self.violate(f"ack after dump data (want NLMSG_DONE): "
                             f"{req.describe()}")
            return
        if req.data:
            self.violate(f"error {errno_name(err)} after a data reply: "
                         f"{req.describe()}")
        self.refusal(req, err, tlvs, "refusal")

    def done_reply(self, req, mflags, body):
        self.finish(req)
        if not req.is_dump:
            self.violate(f"NLMSG_DONE for a request that is no dump: "
                         f"{req.describe()}")
        if len(body) < 4:
            self.violate(f"NLMSG_DONE of {len(body)} bytes: "
                         f"{req.describe()}")
            req.err = 0
            return
        err = -struct.unpack_from("=i", body)[0]
        req.err = err
        if err < 0:
            self.violate(f"NLMSG_DONE with positive error {-err}: "
                         f"{req.describe()}")
        elif err:
            tlvs = self.tlvs(req, body[4:]) if mflags & NLM_F_ACK_TLVS else {}
            self.refusal(req, err, tlvs, "dump ended")

    def data_reply(self, req, mflags, body):
        echo = req.flags & NLM_F_ECHO and req.cmd in (FZ_C["DEV_NEW"],
                                                      FZ_C["DEV_DEL"])
        if req.reply_cmd is None and not echo:
            self.violate(f"data reply to a request that has none: "
                         f"{req.describe()}")
            return
        if len(body) < GENL_HDRLEN:
            self.violate(f"data reply of {len(body)} bytes: "
                         f"{req.describe()}")
            return
        cmd, version, reserved = body[0], body[1], body[2] | body[3] << 8
        want = req.reply_cmd if req.reply_cmd is not None else req.cmd
        if cmd != want or version != VDPA_GENL_VERSION or reserved:
            self.violate(f"data reply cmd {cmd} version {version} reserved "
                         f"{reserved} (want cmd {want}, version "
                         f"{VDPA_GENL_VERSION}): {req.describe()}")
        if bool(mflags & NLM_F_MULTI) != req.is_dump:
            self.violate(f"data reply "
                         f"{'with' if mflags & NLM_F_MULTI else 'without'} "
                         f"NLM_F_MULTI: {req.describe()}")
        if req.data:
            if not req.is_dump:
                self.violate(f"a second data reply to a doit: "
                             f"{req.describe()}")
        elif req.is_dump:
            self.dumping += 1
        attrs, off, end = {}, GENL_HDRLEN, len(body)
        unpack, nattrs = FZ_NLA.unpack_from, len(ATTRS)
        while off < end:
            if end - off < 4:
                self.violate(f"data reply ends in {end - off} stray "
                             f"bytes: {req.describe()}")
                break
            length, atype = unpack(body, off)
            if length < 4 or length > end - off:
                self.violate(f"data reply attribute {atype} of length "
                             f"{length}: {req.describe()}")
                break
            atype &= NLA_TYPE_MASK
            if atype >= nattrs and atype not in FZ_EXT_ATTRS:
                self.violate(f"data reply with unknown attribute {atype}: "
                             f"{req.describe()}")
            if atype not in attrs:
                attrs[atype] = body[off + 4:off + length]
            off += (length + 3) & ~3
        if req.reply_cmd is not None:
            missing = FZ_REPLY[req.cmd][1].difference(attrs)
            if missing:
                self.violate(f"data reply lacks "
                             f"{', '.join(ATTRS[a] for a in sorted(missing))}"
                             f": {req.describe()}")
        req.data.append(attrs)

    # --- before, during and after ---

    def dump(self, cmd):
        return self.genl.request(self.genl.family_id, FZ_C[cmd], b"",
                                 NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP)

    def devices(self):
        """Names (bytes) of the managed devices."""
        out = []
        for body in self.dump("DEV_GET"):
            attrs = dict(parse_attrs(body))
            out.append(attrs.get(FZ_A["DEV_NAME"], b"").split(b"\0")[0])
        return out

    def mgmtdevs(self):
        out = []
        for body in self.dump("MGMTDEV_GET"):
            attrs = dict(parse_attrs(body))

            def num(name, fmt, attrs=attrs):
                raw = attrs.get(FZ_A[name])
                return struct.unpack(fmt, raw)[0] if raw and \
                    len(raw) == struct.calcsize(fmt) else 0
            bus = attrs.get(FZ_A["MGMTDEV_BUS_NAME"])
            out.append(FzMgmt(
                bus.split(b"\0")[0] if bus is not None else None,
                attrs.get(FZ_A["MGMTDEV_DEV_NAME"], b"").split(b"\0")[0],
                num("MGMTDEV_SUPPORTED_CLASSES", "=Q"),
                num("DEV_MGMTDEV_MAX_VQS", "=I"),
                num("DEV_SUPPORTED_FEATURES", "=Q")))
        return out

    def kept(self, lines):
        """The lines of a snapshot that are not about the devices of the
        run (of any of its workers)."""
        mark = " DEV_NAME=" + self.base.decode(errors="replace")
        return [line for line in lines if mark not in line]

    def check_kept(self, before):
        """Between rounds: what is not the run's is as it was."""
        self.checks += 1
        now = self.kept(snapshot(self.checker))
        if now != before:
            lost = [x for x in before if x not in now]
            new = [x for x in now if x not in before]
            self.violate(f"after {self.sent} messages what is not the "
                         f"fuzzer's changed: before only {lost[:5]!r}, "
                         f"now only {new[:5]!r}")

    def cleanup(self, prefix):
        """Deletes every device named prefix*; returns their number."""
        gone = 0
        for name in self.devices():
            if not name.startswith(prefix):
                continue
            try:
                self.genl.request(self.genl.family_id, FZ_C["DEV_DEL"],
                                  nla(FZ_A["DEV_NAME"], name + b"\0"))
                gone += 1
            except NetlinkError as e:
                self.violate(f"cleanup: DEV_DEL {name!r}: {e}")
        left = [n for n in self.devices() if n.startswith(prefix)]
        if left:
            self.violate(f"cleanup: still there: {left!r}")
        return gone

    # --- the run ---

    def summary(self, gen, tag, elapsed):
        total = self.outcomes.get("valid", {}), self.outcomes.get("fuzz", {})
        merged = {}
        for counts in total:
            for k, v in counts.items():
                merged[k] = merged.get(k, 0) + v

        def fmt(counts):
            keys = sorted(counts, key=lambda k: (k != "ok",
                                                 k == "not-request", k))
            return " ".join(f"{k}={counts[k]}" for k in keys)
        print(f"# netlink fuzz seed {tag}: {self.sent} messages, "
              f"{fmt(merged)}")
        for group in ("valid", "fuzz"):
            if group in self.outcomes:
                print(f"#   {group}: {fmt(self.outcomes[group])}")
        for cmd in sorted(k for k in self.outcomes
                          if k not in ("valid", "fuzz")):
            print(f"#   {cmd}: {fmt(self.outcomes[cmd])}")
        rate = self.sent / elapsed if elapsed > 0 else 0
        cells = len(gen.grid_cells)
        print(f"#   {elapsed:.1f} s ({rate:.0f} messages/s), "
              f"{self.rounds} datagrams (up to {self.args.batch} messages "
              f"each), grid {min(gen.grid_sent, cells)}/{cells} cells, "
              f"{self.unwalked} not walked by the kernel (framing), "
              f"{gen.guarded} refused by the guard, {self.checks} state "
              f"checks, socket reopened {self.reopened} times")
        self.print_mix(gen)

    @staticmethod
    def print_mix(gen):
        """How the messages were made: each label and extra tag."""
        mix = {}
        for label, n in gen.mix.items():
            for tag in label.split(":")[1:] if label.startswith("fuzz:") \
                    else (label,):
                mix[tag] = mix.get(tag, 0) + n
            if label.startswith("fuzz:"):
                mix["fuzz"] = mix.get("fuzz", 0) + n
        print("#   mix: " + " ".join(f"{k}={mix[k]}" for k in sorted(mix)),
              flush=True)

    def stream(self, index):
        """Worker index's share of the run: (seed tag, generator seed,
        device name prefix, number of messages)."""
        args, jobs = self.args, self.args.jobs
        if jobs == 1:
            return str(args.seed), args.seed, self.base, args.count
        return (f"{args.seed}/{index}", f"{args.seed}/{index}",
                self.base + bytes((ord("a") + index,)),
                args.count // jobs + (index < args.count % jobs))

    def dry_run(self):
        for index in range(self.args.jobs):
            tag, seed, self.prefix, self.count = self.stream(index)
            self.sent = self.rounds = 0
            gen = FzGen(random.Random(seed), self.prefix, 0x1c,
                        FZ_DRY_MGMTDEVS, self.keep, (index, self.args.jobs))
            start = time.monotonic()
            while self.sent < self.count:
                self.run_round(gen)
            elapsed = time.monotonic() - start
            cells = len(gen.grid_cells)
            print(f"# netlink fuzz seed {tag}: {self.sent} messages built "
                  f"(dry run) in {self.rounds} datagrams, {elapsed:.2f} s "
                  f"({self.sent / elapsed if elapsed else 0:.0f} "
                  f"messages/s), grid {min(gen.grid_sent, cells)}/{cells} "
                  f"cells, {gen.guarded} refused by the guard")
            self.print_mix(gen)
        return 0

    def start(self):
        """Checks the state the run starts from; returns an exit status
        to give up with, or None."""
        existing = self.devices()
        theirs = [n for n in existing if n.startswith(self.base)]
        if theirs:
            print(f"# vdpanl.py fuzz: devices named {self.args.prefix}* "
                  f"exist before the run: {theirs!r}", flush=True)
            return 1
        missing = [k for k in self.keep if k not in existing]
        if missing:
            print(f"# vdpanl.py fuzz: --keep devices missing: {missing!r}",
                  flush=True)
            return 1
        return None

    def fuzz(self, gen, kept):
        """Sends the rounds, checking what is not the run's every
        --check-every messages."""
        every = self.args.check_every
        next_check = every if every > 0 else -1
        self.fuzzing = True
        self.genl.sock.settimeout(None)
        try:
            while self.sent < self.count:
                self.run_round(gen)
                if 0 < next_check <= self.sent:
                    self.check_kept(kept)
                    next_check += every
        except FzViolation as e:
            print(f"# stopped after {self.sent} messages: {e}", flush=True)
        except Exception:  # pylint: disable=broad-except
            import traceback  # pylint: disable=import-outside-toplevel
            self.violations.append("internal error")
            print("# internal error of the fuzzer (cleaning up all the same):"
                  "\n" + traceback.format_exc(), flush=True)
        self.fuzzing = False

    def worker(self, index, mgmtdevs, kept):
        """Runs stream index; returns its exit status."""
        tag, seed, self.prefix, self.count = self.stream(index)
        self.open()
        self.checker = Genl()
        self.checker.sock.settimeout(self.args.timeout)
        gen = FzGen(random.Random(seed), self.prefix, self.genl.family_id,
                    mgmtdevs, self.keep, (index, self.args.jobs))
        gen.seq = self.genl.seq + 1
        start = time.monotonic()
        self.fuzz(gen, kept)
        elapsed = time.monotonic() - start
        self.summary(gen, tag, elapsed)
        # The socket may hold a half-read round after a stop: a new one.
        self.open()
        gone = self.cleanup(self.prefix)
        print(f"# netlink fuzz seed {tag}: deleted {gone} "
              f"{self.prefix.decode(errors='replace')}* devices at the end, "
              f"{len(self.violations)} violations", flush=True)
        return 1 if self.violations else 0

    def fork_workers(self, mgmtdevs, kept):
        """Runs the streams in --jobs processes, their output passed on
        in order once all are done; returns the worst exit status."""
        children = []
        for index in range(self.args.jobs):
            rfd, wfd = os.pipe()
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                os.close(rfd)
                os.dup2(wfd, 1)
                status = 2
                try:
                    status = self.worker(index, mgmtdevs, kept)
                finally:
                    sys.stdout.flush()
                    os._exit(status)  # pylint: disable=protected-access
            os.close(wfd)
            children.append((pid, rfd, []))
        open_fds = {rfd: out for _, rfd, out in children}
        while open_fds:
            for rfd in select.select(list(open_fds), [], [])[0]:
                chunk = os.read(rfd, 65536)
                if chunk:
                    open_fds[rfd].append(chunk)
                else:
                    os.close(rfd)
                    del open_fds[rfd]
        worst = 0
        for pid, _, out in children:
            status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
            sys.stdout.write(b"".join(out).decode(errors="replace"))
            if status:
                print(f"# worker {pid} exited with status {status}")
                worst = max(worst, 1)
        sys.stdout.flush()
        return worst

    def run(self):
        args = self.args
        if not self.base or \
           any(k.startswith(self.base) for k in self.keep):
            print(f"vdpanl.py fuzz: the prefix must not be empty, and --keep "
                  f"names must not start with it ({args.prefix!r})",
                  file=sys.stderr)
            return 2
        if args.batch < 1 or not 1 <= args.jobs <= 26:
            print("vdpanl.py fuzz: --batch must be at least 1, --jobs "
                  "between 1 and 26", file=sys.stderr)
            return 2
        if args.dry_run:
            return self.dry_run()
        self.open()
        before = snapshot(self.genl)
        status = self.start()
        if status is not None:
            return status
        mgmtdevs = self.mgmtdevs()
        if args.jobs == 1:
            status = self.worker(0, mgmtdevs, self.kept(before))
        else:
            status = self.fork_workers(mgmtdevs, self.kept(before))
            self.open()
            self.violations = []
            left = self.cleanup(self.base)
            if left:
                self.violate(f"{left} {args.prefix}* devices left by the "
                             f"workers")
        for k in self.keep:
            try:
                self.genl.request(self.genl.family_id, FZ_C["DEV_GET"],
                                  nla(FZ_A["DEV_NAME"], k + b"\0"))
            except NetlinkError as e:
                self.violate(f"--keep device {k!r} is gone: {e}")
        after = snapshot(self.genl)
        if after != before:
            lost = [x for x in before if x not in after]
            new = [x for x in after if x not in before]
            self.violations.append("state changed")
            print("# violation: the state after the run differs from the "
                  "state before", flush=True)
            for line in lost[:10]:
                print(f"#   before only: {line}")
            for line in new[:10]:
                print(f"#   after only:  {line}")
        print(f"# netlink fuzz seed {args.seed}: done, {args.count} messages"
              f" in {args.jobs} stream(s), "
              f"{'state unchanged' if after == before else 'STATE CHANGED'}"
              f", {len(self.violations)} violations", flush=True)
        return 1 if self.violations or status else 0


def cmd_fuzz(args):
    try:
        return Fuzzer(args).run()
    except NetlinkError as e:
        print(f"# vdpanl.py fuzz: {e}"
              f"{' (is the vdpa family registered?)' if e.errno == errno.ENOENT else ''}",
              flush=True)
        return 1


FUZZ_OPTS = {"seed": (lambda v: int(v, 0), 1), "count": (int, 1000),
             "keep": (str, ""), "prefix": (str, "fz"),
             "batch": (int, FZ_BATCH), "jobs": (int, 1),
             "check-every": (int, 10000),
             "timeout": (float, 5.0), "dry-run": (None, False),
             "trace": (None, False)}


class UsageError(Exception):
    pass


class Args:  # pylint: disable=too-few-public-methods
    """Parsed options (as attributes) and the positional arguments."""

    def __init__(self, defaults):
        self.__dict__.update(defaults)
        self.positional = []


# Options of each subcommand: name -> (converter or None for a flag,
# default). argparse would cost a second per run in the test VM.
SEND_OPTS = {"dump": (None, False), "nlflags": (lambda v: int(v, 0), None),
             "tail": (str, None), "bufsize": (int, 1 << 20),
             "stats": (None, False), "exec-after-first": (str, None)}
OPTS = {"send": SEND_OPTS,
        "monitor": {"count": (int, 1), "timeout": (float, 10.0),
                    "attrs": (None, False)},
        "snapshot": {},
        "batch": {"verbose": (None, False), "check-state": (None, False)},
        "fuzz": FUZZ_OPTS}


def parse_args(opts, argv):
    args = Args({k.replace("-", "_"): d for k, (_, d) in opts.items()})
    argv = list(argv)
    while argv:
        arg = argv.pop(0)
        if not arg.startswith("--"):
            args.positional.append(arg)
            continue
        name, eq, value = arg[2:].partition("=")
        if name not in opts:
            raise UsageError(f"unknown option {arg}")
        conv = opts[name][0]
        if conv is None:
            value = True
        elif not eq:
            if not argv:
                raise UsageError(f"{arg} needs a value")
            value = argv.pop(0)
        setattr(args, name.replace("-", "_"), conv(value) if conv else value)
    if opts is SEND_OPTS:
        if not args.positional:
            raise UsageError("send needs a command")
        args.cmd, args.attrs = args.positional[0], args.positional[1:]
    return args


def main(argv):
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in OPTS:
        print(__doc__, file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    try:
        args = parse_args(OPTS[argv[0]], argv[1:])
    except (UsageError, ValueError) as e:
        print(f"vdpanl.py {argv[0]}: {e}", file=sys.stderr)
        return 2
    return {"send": cmd_send, "monitor": cmd_monitor, "batch": cmd_batch,
            "snapshot": cmd_snapshot, "fuzz": cmd_fuzz}[argv[0]](args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
