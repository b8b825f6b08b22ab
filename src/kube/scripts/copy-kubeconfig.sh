#!/bin/sh
# Args: <source> <destination> <owner> <group>. Atomic copy with mode 0600, owned by the user;
# prints `src=<sha256>` and `dst=<sha256>` so the caller can check the copy.
src="$1"; dst="$2"; owner="$3"; group="$4"
d=$(dirname -- "$dst")
[ -d "$d" ] || { mkdir -p -- "$d" && chown "$owner:$group" "$d" && chmod 700 "$d"; } || exit 1
tmp="$dst.kcr-tmp.$$"
{ install -m 600 -o "$owner" -g "$group" -- "$src" "$tmp" && mv -f -- "$tmp" "$dst"; } || { rm -f -- "$tmp"; exit 1; }
printf 'src=%s
' "$(sha256sum -- "$src" | cut -d' ' -f1)"
printf 'dst=%s
' "$(sha256sum -- "$dst" | cut -d' ' -f1)"
