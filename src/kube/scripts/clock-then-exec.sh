#!/bin/sh
# Args: a command. Prints the node's clock (seconds since the epoch) on its first line, then becomes
# the command: one round trip for "when was it removed" and the removal itself. A clock that is
# not a number stops it (exit 1) before the command runs: a removal we cannot date could not be
# proven to have restarted anything.
t=$(date -u +%s 2>&1)
case "$t" in ''|*[!0-9]*) printf 'not a clock: %s\n' "$t"; exit 1 ;; esac
printf '%s\n' "$t"
exec "$@"
