#!/usr/bin/env bash
# Makes a folder holding the arm64 libraries the official Node.js binary links (glibc, libstdc++,
# libgcc), so renew-linux-arm64 runs here under qemu-user:
#   apt-get install qemu-user-static
#   bash scripts/arm64-sysroot.sh out/arm64-root
#   qemu-aarch64-static -L out/arm64-root out/dist/renew-linux-arm64 version
# Debian's packages are downloaded with a private apt state: the machine's dpkg architectures and
# installed packages are left as they were. test/e2e/install.test.ts uses it when
# KCR_ARM64_SYSROOT names such a folder.
set -euo pipefail
root=$(realpath -m "${1:?usage: arm64-sysroot.sh DIR}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/state/lists/partial" "$work/cache/archives/partial" "$work/debs" "$root"
touch "$work/status"
chmod -R a+rwX "$work"   # apt downloads as _apt
opts=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o "Dir::State=$work/state" -o "Dir::Cache=$work/cache" -o "Dir::State::status=$work/status")
apt-get "${opts[@]}" update -qq
(cd "$work/debs" && apt-get "${opts[@]}" download -qq libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64)
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$root"; done
echo "arm64-sysroot: $root"
