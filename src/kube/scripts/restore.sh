#!/bin/sh
# Args: <backupDir>. Verifies SHA256SUMS, then restores /etc/kubernetes (certificates, keys,
# kubeconfigs, manifests as they were) and the users' kubeconfigs. Never touches etcd data:
# restoring it would lose the writes made since.
dir="$1"
[ -d "$dir" ] || { echo "backup $dir not found" >&2; exit 1; }
( cd "$dir" && sha256sum -c --quiet SHA256SUMS ) >/dev/null 2>&1 || { echo "backup $dir fails its checksums; not restoring" >&2; exit 1; }
tar -C / -xzf "$dir/etc-kubernetes.tar.gz" || { echo "restoring /etc/kubernetes failed" >&2; exit 1; }
if [ -f "$dir/kubeconfigs.tar.gz" ]; then tar -C / -xzf "$dir/kubeconfigs.tar.gz" || { echo "restoring kubeconfigs failed" >&2; exit 1; }; fi
echo restored
