#!/bin/sh
# How every remote command starts (see launch.ts): `sh -c <this> <marker> <argv...>` prints
# "<marker> <pid>" (its $0 and $$) to stderr, then becomes its arguments.
printf "%s %s\n" "$0" "$$" >&2; exec "$@"
