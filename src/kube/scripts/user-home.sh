#!/bin/sh
# Args: <user>. Prints `home group` of a local user.
line=$(getent passwd "$1") || exit 1
home=$(printf '%s' "$line" | cut -d: -f6); gid=$(printf '%s' "$line" | cut -d: -f4)
group=$(getent group "$gid" | cut -d: -f1)
printf '%s %s\n' "$home" "${group:-$gid}"
