#!/bin/sh
# Args: <target> <temp suffix> <mode> <owner> <group> <staged upload>. Installs stdin (or the staged
# upload, $6) as $1 atomically: a temp file beside the real target (symlinks resolved, so a link
# stays a link), owner then mode (chown clears setuid bits), rename. An existing target's mode and
# numeric owner/group are kept unless given; a new file is 0600 unless a mode is given.
set -eu
target=$(readlink -f -- "$1") || { echo "cannot resolve $1 (does its folder exist?)" >&2; exit 1; }
tmp="$target.kcr-tmp-$2"; mode=$3; owner=$4; group=$5; src=$6
trap 'rm -f -- "$tmp"; [ -z "$src" ] || rm -f -- "$src"' EXIT
umask 077
if [ -n "$src" ]; then cat -- "$src" > "$tmp"; else cat > "$tmp"; fi
if [ -e "$target" ]; then
  # shellcheck disable=SC2046 # split on purpose: mode, uid and gid, three words of digits
  set -- $(stat -L -c '%a %u %g' -- "$target")
  [ -n "$mode" ] || mode=$1
  [ -n "$owner" ] || owner=$2
  [ -n "$group" ] || group=$3
fi
if [ -n "$owner" ] && [ -n "$group" ]; then chown -- "$owner:$group" "$tmp"
elif [ -n "$owner" ]; then chown -- "$owner" "$tmp"
elif [ -n "$group" ]; then chgrp -- "$group" "$tmp"; fi
if [ -n "$mode" ]; then chmod "$mode" "$tmp"; fi
mv -f -- "$tmp" "$target"
