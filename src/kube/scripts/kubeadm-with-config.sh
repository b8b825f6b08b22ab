#!/bin/sh
# Args: <kubeadm> <args...>; stdin: the configuration. Runs `<kubeadm> <args...> --config <file>`
# with the configuration in a 0600 temporary file that is removed however kubeadm ends (exit,
# error, or the session's signal), and exits with kubeadm's status.
kubeadm="$1"; shift
umask 077
cfg=$(mktemp /tmp/kube-cert-renew-kubeadm.XXXXXX) || exit 1
trap 'rm -f -- "$cfg"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
cat >"$cfg" || exit 1
"$kubeadm" "$@" --config "$cfg"
