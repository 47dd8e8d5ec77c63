#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build (or find in the cache) the test kernel from Debian's linux-source-6.12.
#
#   scripts/build-kernel.sh [--fragment FILE] [--print-dir] [--print-src] [--quiet]
#
# The kernel is x86_64 allnoconfig plus the fragment (default
# tests/kernel.config): only what the fragment names (and what that
# selects or defaults on) is built, which keeps a cold build short.
# The result lives outside the clone, in
#   ${VDPA_CACHE:-~/.cache/vdpa-oot}/kernel-<key>/{build,mods}
# where <key> hashes the fragment, the build recipe version below and the
# source package version, so a warm cache is reused and any change to
# them rebuilds. Bump RECIPE whenever the way the kernel is built changes.
# --print-dir prints that directory (building first when it is missing);
# --print-src prints the extracted kernel source tree (for checkpatch and
# kernel-doc) without building anything.
set -euo pipefail

RECIPE=2

here=$(cd "$(dirname "$0")/.." && pwd)
fragment=$here/tests/kernel.config
print_dir=0
print_src=0
quiet=0
while [ $# -gt 0 ]; do
	case $1 in
	--fragment) fragment=$(realpath "$2"); shift 2 ;;
	--print-dir) print_dir=1; shift ;;
	--print-src) print_src=1; shift ;;
	--quiet) quiet=1; shift ;;
	*) echo "build-kernel.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

log() { [ $quiet = 1 ] || echo "build-kernel: $*" >&2; }
die() { echo "build-kernel: error: $*" >&2; exit 1; }

tarball=/usr/src/linux-source-6.12.tar.xz
[ -r "$tarball" ] || die "$tarball missing: apt-get install linux-source-6.12"
src_version=$(dpkg-query -W -f='${Version}' linux-source-6.12)

cache=${VDPA_CACHE:-$HOME/.cache/vdpa-oot}
key=$( { echo "$src_version recipe $RECIPE"; cat "$fragment"; } | sha256sum | cut -c1-16)
kdir=$cache/kernel-$key
srcdir=$cache/src-$src_version

mkdir -p "$cache"

extract_source() {
	exec 8>"$cache/.lock-src"
	flock 8
	if [ ! -f "$srcdir/.extracted" ]; then
		log "extracting $tarball"
		rm -rf "$srcdir" && mkdir -p "$srcdir"
		tar -xf "$tarball" -C "$srcdir" --strip-components=1
		touch "$srcdir/.extracted"
	fi
	flock -u 8
}

if [ $print_src = 1 ]; then
	extract_source
	echo "$srcdir"
	exit 0
fi

exec 9>"$cache/.lock-$key"
flock 9

if [ -f "$kdir/.done" ]; then
	log "cached: $kdir"
	[ $print_dir = 0 ] || echo "$kdir"
	exit 0
fi

extract_source
# An unfinished build (interrupted session) is resumed, not restarted:
# make only redoes what is missing or out of date.
mkdir -p "$kdir/build"
build=$kdir/build
jobs=$(($(nproc) + 1))
mk() { make -s -C "$srcdir" O="$build" ARCH=x86_64 "$@"; }

log "configuring (allnoconfig + $(basename "$fragment"))"
# allnoconfig with the fragment as its preset (KCONFIG_ALLCONFIG): every
# option the fragment sets keeps its value, every other visible option is
# off; olddefconfig then only settles what is still undecided.
mk KCONFIG_ALLCONFIG="$fragment" allnoconfig >/dev/null
mk olddefconfig >/dev/null

# Every option the fragment asks for must have survived olddefconfig:
# a silently dropped dependency would otherwise show up as a confusing
# test failure much later.
missing=0
while IFS= read -r line; do
	case $line in CONFIG_*=[ym]) ;; *) continue ;; esac
	grep -qx "$line" "$build/.config" || {
		echo "build-kernel: fragment asks for '$line', config has:" \
			"$(grep "^${line%%=*}=" "$build/.config" || echo 'not set')" >&2
		missing=1
	}
done <"$fragment"
[ $missing = 0 ] || die "config fragment not satisfied"

log "building bzImage and modules with -j$jobs (a cold build takes ~14 min on 2 idle cores)"
start=$SECONDS
mk -j"$jobs" bzImage modules
mk INSTALL_MOD_PATH="$kdir/mods" modules_install >/dev/null
make -s -C "$build" kernelrelease >"$kdir/release"
log "built $(cat "$kdir/release") in $((SECONDS - start))s"
touch "$kdir/.done"
[ $print_dir = 0 ] || echo "$kdir"
