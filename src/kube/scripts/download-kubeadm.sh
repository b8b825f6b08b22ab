#!/bin/sh
# Args: <url> <dest>. Downloads kubeadm and its official `.sha256` beside it, checks the digest,
# installs it executable at <dest> atomically, and prints `sha256=<hex>`.
url="$1"; dest="$2"
umask 022
mkdir -p -- "$(dirname -- "$dest")" || exit 1
tmp="$dest.kcr-tmp.$$"
trap 'rm -f -- "$tmp"' EXIT
if command -v curl >/dev/null 2>&1; then
  curl -fsSL --retry 2 -m 300 -o "$tmp" "$url" || { echo "download failed: $url" >&2; exit 1; }
  want=$(curl -fsSL --retry 2 -m 60 "$url.sha256") || { echo "checksum download failed: $url.sha256" >&2; exit 1; }
else
  wget -q -T 300 -O "$tmp" "$url" || { echo "download failed: $url" >&2; exit 1; }
  want=$(wget -q -T 60 -O - "$url.sha256") || { echo "checksum download failed: $url.sha256" >&2; exit 1; }
fi
want=$(printf '%s' "$want" | tr -d ' \n' | cut -c1-64)
got=$(sha256sum -- "$tmp" | cut -d' ' -f1)
[ "$got" = "$want" ] || { echo "SHA-256 mismatch for $url: got $got, published $want" >&2; exit 1; }
chmod 755 -- "$tmp" && mv -f -- "$tmp" "$dest" || exit 1
echo "sha256=$got"
