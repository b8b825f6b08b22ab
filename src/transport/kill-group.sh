#!/bin/sh
# Args: <pid>. Signals a command's process group: TERM, and `timeout` follows with KILL 2 s later.
kill -s TERM -- "-$1" 2>/dev/null || kill -s TERM -- "$1"
