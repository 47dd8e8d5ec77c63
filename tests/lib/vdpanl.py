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
      VDPA_CMD_ prefix, or numbers.  --tail appends raw bytes after the
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

Errno names are those of <errno.h> (EOPNOTSUPP, not its alias ENOTSUP).
"""

import errno
import select
import socket
import struct
import sys

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
STRING_ATTRS = {"MGMTDEV_BUS_NAME", "MGMTDEV_DEV_NAME", "DEV_NAME",
                "DEV_VENDOR_ATTR_NAME"}
BINARY_ATTRS = {"DEV_NET_CFG_MACADDR"}


# Linux aliases: the names the kernel headers use for these errnos.
ERRNO_NAMES = {**errno.errorcode, errno.EOPNOTSUPP: "EOPNOTSUPP",
               errno.EAGAIN: "EAGAIN"}


def errno_name(err):
    return ERRNO_NAMES.get(err, str(err))


def align4(n):
    return (n + 3) & ~3


def attr_name(atype):
    return ATTRS[atype] if 0 <= atype < len(ATTRS) else str(atype)


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
            data = self.sock.recv(self.bufsize)
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


def decode(atype, payload):
    name = attr_name(atype)
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
        atype = lookup(ATTRS, name)
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
        "batch": {"verbose": (None, False), "check-state": (None, False)}}


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
            "snapshot": cmd_snapshot}[argv[0]](args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
