#!/usr/bin/env bash
# Builds the real Kubernetes 1.20.2 binaries the lab runs (kubeadm, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubelet) and a static pause binary, from Debian's own
# source package, offline, with Debian's Go 1.19. The result is cached outside the clone, keyed by
# the source package's version, so only the first run on a machine pays (about 6 min on 2 cores, measured).
#
#   bash test/lab/real/build-kubernetes.sh          # build if missing; prints the cache directory
#   KCR_K8S_CACHE=/elsewhere bash ...               # another cache root (default /var/cache/kube-cert-renew)
#
# Each step prints its name and time; a failure is one line naming the step (its log is kept).
set -euo pipefail

# shellcheck source=kubernetes.env
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/kubernetes.env"

cache_root=${KCR_K8S_CACHE:-/var/cache/kube-cert-renew}
out="$cache_root/kubernetes/$SRC_VERSION"
work="$cache_root/kubernetes/work-$SRC_VERSION"
log="$cache_root/kubernetes/build-$SRC_VERSION.log"
started=$(date +%s)

if [ -f "$out/COMPLETE" ]; then
  echo "real kubernetes $K8S_VERSION: cached in $out"
  exit 0
fi

current_step=""
step() {
  current_step=$1
  printf 'real kubernetes: [%4ss] %s\n' "$(( $(date +%s) - started ))" "$1"
}
fail() {
  echo "real kubernetes build failed at step '$current_step' (log: $log)" >&2
  tail -n 15 "$log" >&2 2>/dev/null || true
  exit 1
}
trap fail ERR

mkdir -p "$cache_root/kubernetes"
: > "$log"
echo "real kubernetes $K8S_VERSION: not cached; building into $out (about 6 min on 2 cores, once per machine)"

step "enable Debian source packages"
if ! grep -rqs 'deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  # Same mirror and suite as the binary entries, source only.
  cat > /etc/apt/sources.list.d/kube-cert-renew-src.sources <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi

step "install the Go 1.19 toolchain, rsync, gcc (apt-get)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >>"$log" 2>&1
apt-get install -y -qq --no-install-recommends golang-1.19-go rsync gcc libc6-dev dpkg-dev >>"$log" 2>&1
[ -x /usr/lib/go-1.19/bin/go ] || { echo "go 1.19 missing after install" >>"$log"; false; }

# The work tree survives a failed or interrupted run: the download, the unpacking and the generated
# sources are redone only when missing, and Go's build cache (in the work tree) makes builds resume.
mkdir -p "$work"
cd "$work"
if [ ! -f unpacked.done ]; then
  step "download the source package $SRC_PACKAGE $SRC_VERSION"
  rm -rf ./*
  apt-get source --download-only "$SRC_PACKAGE=$SRC_VERSION" >>"$log" 2>&1
  orig=$(ls ./*.orig.tar.gz)
  step "unpack $(basename "$orig")"
  tar xzf "$orig"
  touch unpacked.done
fi
tree=$(find . -maxdepth 1 -mindepth 1 -type d -name 'kubernetes-*' | head -n 1)
[ -n "$tree" ] || { echo "no kubernetes-* directory in $work" >>"$log"; false; }
cd "$tree"

export PATH=/usr/lib/go-1.19/bin:$PATH GOPATH=$PWD/.go CGO_ENABLED=0 GO111MODULE=off
export GOCACHE=$work/.gocache GOFLAGS=
mkdir -p .go/src/k8s.io
ln -sfn ../../.. .go/src/k8s.io/kubernetes

if [ ! -f "$work/generated.done" ]; then
  step "generate sources (make generated_files, ~1 min)"
  make generated_files >>"$log" 2>&1
  touch "$work/generated.done"
fi

cd .go/src/k8s.io/kubernetes
# GOPATH mode: the version variables live under vendor/.
V=k8s.io/kubernetes/vendor/k8s.io
LDF="-s -w -X $V/component-base/version.gitVersion=$K8S_VERSION -X $V/component-base/version.gitMajor=1"
LDF="$LDF -X $V/component-base/version.gitMinor=20 -X $V/component-base/version.gitCommit=$K8S_COMMIT"
LDF="$LDF -X $V/component-base/version.gitTreeState=clean -X $V/client-go/pkg/version.gitVersion=$K8S_VERSION"
LDF="$LDF -X $V/client-go/pkg/version.gitMajor=1 -X $V/client-go/pkg/version.gitMinor=20"
LDF="$LDF -X $V/client-go/pkg/version.gitCommit=$K8S_COMMIT -X $V/client-go/pkg/version.gitTreeState=clean"
mkdir -p "$work/bin"
for b in $BINARIES; do
  step "go build $b"
  go build -ldflags "$LDF" -o "$work/bin/$b" "./cmd/$b" >>"$log" 2>&1
done

step "pause (static, from build/pause)"
gcc -Os -static -DVERSION=3.2 -o "$work/bin/pause" build/pause/linux/pause.c >>"$log" 2>&1

step "check version stamps"
"$work/bin/kubeadm" version -o short | tee -a "$log" | grep -qx "$K8S_VERSION"
"$work/bin/kube-apiserver" --version | tee -a "$log" | grep -q "Kubernetes $K8S_VERSION"
"$work/bin/kubelet" --version | tee -a "$log" | grep -q "Kubernetes $K8S_VERSION"

step "install into the cache"
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
cp "$work"/bin/* "$out.tmp/"
printf '%s\n' "source=$SRC_PACKAGE $SRC_VERSION" "version=$K8S_VERSION" "commit=$K8S_COMMIT" \
  "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$out.tmp/COMPLETE"
rm -rf "$out"
mv "$out.tmp" "$out"
rm -rf "$work"
trap - ERR
step "done: $out"
