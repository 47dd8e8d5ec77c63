#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build our modules with DKMS (dkms add, build, install) against an
# installed kernel's headers, entirely in a scratch tree: the host's
# /var/lib/dkms, /usr/src and /lib/modules are never written.
#
#   scripts/dkms-build.sh [--kernel RELEASE] [--print-dir] [--quiet]
#   scripts/dkms-build.sh --print-release
#
#   --kernel RELEASE  target kernel (default: the newest Debian 6.12 amd64
#                     kernel, not cloud or rt, with both
#                     /boot/vmlinuz-RELEASE and /usr/src/linux-headers-RELEASE)
#   --print-dir       print the result directory (building it if missing)
#   --print-release   print that default release and build nothing (exit 1
#                     if there is none)
#
# The result lives in ${VDPA_CACHE:-~/.cache/vdpa-oot}/dkms-<key>/ where
# <key> hashes the kernel release and the content of every file the build
# reads (dkms.conf, Kbuild, the sources), so a warm cache is reused and any
# change to them rebuilds.  In it:
#   install/<release>/updates/           what "dkms install" installed
#                                        (Debian's dkms puts the modules
#                                        in updates/dkms/, compressed as
#                                        the kernel's own are)
#   release                              the kernel release
#   build.log                            dkms's output
#   test-modules/                        tests/modules/*.ko, built by a
#                                        plain make against the same
#                                        headers (never installed by DKMS:
#                                        the stock tier's fixtures; their
#                                        symbol versions are those of the
#                                        DKMS-built vdpa.ko, same sources
#                                        and headers)
# Modules are not signed (the stock kernel does not enforce signatures).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
release=
print_dir=0
print_release=0
quiet=0
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) release=${2:?}; shift 2 ;;
	--print-dir) print_dir=1; shift ;;
	--print-release) print_release=1; shift ;;
	--quiet) quiet=1; shift ;;
	*) echo "dkms-build.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

log() { [ $quiet = 1 ] || echo "dkms-build: $*" >&2; }
die() { echo "dkms-build: error: $*" >&2; exit 1; }

# The newest 6.12 Debian kernel that has an image and headers.
default_release() {
	local v
	for v in $(find /boot -maxdepth 1 -name 'vmlinuz-6.12.*-amd64' \
		! -name '*cloud*' ! -name '*rt*' -printf '%f\n' |
		sed 's/^vmlinuz-//' | sort -rV); do
		[ -d "/usr/src/linux-headers-$v" ] && { echo "$v"; return; }
	done
	die "no /boot/vmlinuz-6.12.*-amd64 with matching /usr/src/linux-headers-*"
}

if [ $print_release = 1 ]; then
	default_release
	exit
fi
command -v dkms >/dev/null || die "dkms missing: apt-get install dkms"

[ -n "$release" ] || release=$(default_release)
headers=/usr/src/linux-headers-$release
[ -f "$headers/Makefile" ] || die "$headers missing: apt-get install linux-headers-$release"

name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"$/\1/p' "$here/dkms.conf")
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$here/dkms.conf")
if [ -z "$name" ] || [ -z "$version" ]; then
	die "dkms.conf lacks PACKAGE_NAME or PACKAGE_VERSION"
fi

# The files dkms gets: what the module build reads, as git sees it in the
# work tree (build products are ignored; tests and scripts are not part of
# the build, so changing them does not rebuild).
source_files() {
	(cd "$here" && git ls-files -co --exclude-standard -z -- \
		dkms.conf Kbuild Kconfig Makefile core sim drivers include \
		tests/modules)
}

cache=${VDPA_CACHE:-$HOME/.cache/vdpa-oot}
key=$( {
	echo "$release"
	source_files | LC_ALL=C sort -z |
		(cd "$here" && xargs -0 sha256sum)
} | sha256sum | cut -c1-16)
out=$cache/dkms-$key
mkdir -p "$cache"

# The modules dkms.conf installs (BUILT_MODULE_NAME[]).
built_modules() {
	sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\(.*\)"$/\1/p' "$here/dkms.conf"
}

# Copies of the kernel's own modules of the same names, where a real
# install tree has them: "dkms install" (no --force, as a user runs it)
# then makes its version check against them, and refuses any of ours that
# the kernel's would shadow in its eyes.
kernel_twins() {
	local tree=$1 m f
	for m in $(built_modules); do
		f=$(find "/lib/modules/$release/kernel" -name "$m.ko*" | head -n 1)
		[ -z "$f" ] || install -D -m 644 "$f" "$tree/${f#/lib/modules/"$release"/}"
	done
}

# test_modules TMP SRC: the test fixtures (vdpa_test_parent, _driver) of
# SRC built against the headers, with the bus core they link to, into
# TMP/test-modules.
test_modules() {
	local tmp=$1 dir=$1/test-build
	cp -a "$2" "$dir"
	make -j"$(nproc)" -C "$headers" M="$dir" CONFIG_VDPA_SIM= \
		CONFIG_VIRTIO_VDPA= CONFIG_VHOST_VDPA= CONFIG_VDPA_KUNIT_TEST= \
		CONFIG_VDPA_SIM_KUNIT_TEST= modules >"$tmp/test-build.log" 2>&1 ||
		die "test modules failed to build (log: $tmp/test-build.log)"
	mkdir "$tmp/test-modules"
	cp "$dir"/tests/modules/*.ko "$tmp/test-modules/"
	rm -rf "$dir"
}

build() {
	local tmp=$out.tmp src t0=$SECONDS
	rm -rf "$tmp"
	mkdir -p "$tmp/dkms" "$tmp/src" "$tmp/install/$release"
	src=$tmp/src/$name-$version
	mkdir "$src"
	source_files | (cd "$here" && xargs -0 cp --parents -t "$src")
	# No dkms framework.conf is read for these (it has none on this
	# machine; a signing key would otherwise be made in /var/lib/dkms).
	local opts=(--dkmstree "$tmp/dkms" --sourcetree "$tmp/src"
		--installtree "$tmp/install" -k "$release"
		--kernelsourcedir "$headers")
	log "dkms add/build/install $name/$version for $release"
	kernel_twins "$tmp/install/$release"
	{
		dkms add -m "$name" -v "$version" "${opts[@]}" &&
			sign_file=/nonexistent dkms build -m "$name" \
				-v "$version" "${opts[@]}" &&
			dkms install -m "$name" -v "$version" --no-depmod \
				"${opts[@]}"
	} >"$tmp/build.log" 2>&1 || {
		tail -n 40 "$tmp/build.log" >&2
		find "$tmp/dkms" -name make.log -exec tail -n 40 {} + >&2
		die "dkms failed (log: $tmp/build.log)"
	}
	rm -rf "$tmp/install/$release/kernel"
	test_modules "$tmp" "$src"
	echo "$release" >"$tmp/release"
	rm -rf "$out"
	mv "$tmp" "$out"
	log "built in $((SECONDS - t0))s: $out"
}

exec 9>"$cache/.lock-dkms-$key"
flock 9
if [ -f "$out/release" ]; then
	log "cached: $out"
else
	build
fi
for m in $(built_modules); do
	[ -n "$(find "$out/install/$release/updates" -name "$m.ko*")" ] ||
		die "dkms install left out $m (see $out/build.log)"
done
[ $print_dir = 0 ] || echo "$out"
