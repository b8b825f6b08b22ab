#!/bin/sh
# Args: <backupRoot>. The master's renewal finished: its in-progress marker goes.
# $marker (RENEWAL_MARKER_NAME) is set by a line backup.ts puts in front (withConstants).
# shellcheck disable=SC2154
rm -f -- "$1/$marker"
