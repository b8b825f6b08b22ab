#!/bin/sh
# Args: <path>. Prints `sha256=<hex>` and `version=<kubeadm version -o short>`.
printf 'sha256=%s\n' "$(sha256sum -- "$1" | cut -d' ' -f1)"
printf 'version=%s\n' "$("$1" version -o short 2>/dev/null)"
