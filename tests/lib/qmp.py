#!/usr/bin/python3 -S
# SPDX-License-Identifier: GPL-2.0-only
"""A QMP client that stays up: one python3 start per QEMU, not per command.

    qmp.py SOCKET [WAIT]

connects to QEMU's QMP unix socket SOCKET (waiting up to WAIT seconds,
default 60, for it to appear), negotiates the capabilities, prints "ready",
then runs every line of its stdin as a command and prints the answer as one
JSON line: the line is either a whole command ({"execute": ...}) or an
execute name followed by its arguments as JSON ("query-status",
"migrate {\"uri\": \"unix:/tmp/m\"}").  Events are left out of the answers
and written to stderr, one JSON line each.  It ends at the end of its stdin
or when QEMU closes the socket (then it prints {"closed": true} to every
command still asked).  tests/lib/inner-guest.sh drives it (inner_qmp_open,
inner_qmp).
"""
import json
import socket
import sys
import time


def connect(path, wait):
    end = time.monotonic() + wait
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() >= end:
                raise
            time.sleep(0.1)


class Qmp:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.n = 0

    def message(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def command(self, cmd):
        self.n += 1
        cmd["id"] = self.n
        self.sock.sendall(json.dumps(cmd).encode() + b"\n")
        while True:
            msg = self.message()
            if "event" in msg:
                sys.stderr.write(json.dumps(msg) + "\n")
                sys.stderr.flush()
                continue
            if msg.get("id") == self.n:
                del msg["id"]
                return msg


def parse(line):
    line = line.strip()
    if line.startswith("{"):
        return json.loads(line)
    name, _, args = line.partition(" ")
    cmd = {"execute": name}
    if args.strip():
        cmd["arguments"] = json.loads(args)
    return cmd


def main():
    if len(sys.argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    wait = float(sys.argv[2]) if len(sys.argv) == 3 else 60.0
    try:
        qmp = Qmp(connect(sys.argv[1], wait))
        qmp.message()  # the greeting
        qmp.command({"execute": "qmp_capabilities"})
    except (OSError, EOFError, ValueError) as e:
        print(json.dumps({"closed": True, "why": str(e)}), flush=True)
        return 1
    print("ready", flush=True)
    closed = False
    for line in sys.stdin:
        if not line.strip():
            continue
        if closed:
            print(json.dumps({"closed": True}), flush=True)
            continue
        try:
            ans = qmp.command(parse(line))
        except ValueError as e:
            ans = {"error": {"class": "qmp.py", "desc": "bad command: %s" % e}}
        except (OSError, EOFError):
            closed = True
            ans = {"closed": True}
        print(json.dumps(ans), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
