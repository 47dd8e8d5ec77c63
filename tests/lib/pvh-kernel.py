#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Turns an x86 bzImage into the ELF vmlinux it carries, for QEMU's PVH boot.

  pvh-kernel.py BZIMAGE OUT

QEMU boots an uncompressed ELF kernel that has a PVH entry note straight
into 32-bit protected mode: no firmware loader and no decompression inside
the guest. Under nested TCG those two cost the inner guest of the
vhost-vdpa tests most of a minute. The bzImage's setup header says where
its compressed payload lies (setup_sects, payload_offset, payload_length);
the payload is decompressed with the matching tool. Exit status 0 iff OUT
is an ELF image with a PVH entry note (Xen note type 18); on any other
outcome OUT is removed and the caller boots the bzImage as before.
"""
import os
import struct
import subprocess
import sys

TOOLS = {b"\x28\xb5\x2f\xfd": ["zstd", "-qdc"],
         b"\x1f\x8b": ["gzip", "-dc"],
         b"\xfd7zXZ": ["xz", "-dc"]}
PVH_ENTRY = 18          # XEN_ELFNOTE_PHYS32_ENTRY


def payload(img):
    """The compressed payload of bzImage IMG, without the size trailer the
    kernel's build appends to every format but gzip (whose own trailer
    holds the size)."""
    if img[0x202:0x206] != b"HdrS":
        raise ValueError("not a bzImage (no HdrS)")
    start = ((img[0x1f1] or 4) + 1) * 512
    off, length = struct.unpack_from("<II", img, 0x248)
    data = img[start + off:start + off + length]
    return data if data.startswith(b"\x1f\x8b") else data[:-4]


def decompress(data, out):
    for magic, tool in TOOLS.items():
        if data.startswith(magic):
            with open(out, "wb") as f:
                subprocess.run(tool, input=data, stdout=f, check=True)
            return
    raise ValueError("unknown payload compression")


def notes(elf):
    """(name, type) of every note in the program headers of ELF64 ELF."""
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    for i in range(phnum):
        ptype, _, off, _, _, size = struct.unpack_from(
            "<IIQQQQ", elf, phoff + i * phentsize)
        if ptype != 4:  # PT_NOTE
            continue
        pos, end = off, off + size
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", elf, pos)
            name = elf[pos + 12:pos + 12 + namesz].rstrip(b"\0")
            yield name, ntype
            pos += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4


def main():
    src, out = sys.argv[1:3]
    try:
        with open(src, "rb") as f:
            decompress(payload(f.read()), out)
        with open(out, "rb") as f:
            elf = f.read()
        if elf[:5] != b"\x7fELF\x02":
            raise ValueError("payload is not an ELF64 image")
        if (b"Xen", PVH_ENTRY) not in notes(elf):
            raise ValueError("no PVH entry note")
    except (OSError, ValueError, struct.error,
            subprocess.CalledProcessError) as e:
        print(f"pvh-kernel: {src}: {e}", file=sys.stderr)
        if os.path.exists(out):
            os.unlink(out)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
