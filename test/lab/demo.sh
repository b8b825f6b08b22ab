#!/usr/bin/env bash
# The demo: brings up the default lab fleet (a 3-master TKEStack global cluster on 1.18 with docker,
# and a 1-master standalone cluster on 1.21 with containerd), shows what expires, shows the plan,
# renews every master one at a time, and shows the result. The lab is taken down at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${DEMO_DIR:-.lab/demo}
renew() { node dist/src/cli/main.js "$@"; }
lab() { node dist/test/lab/cli.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

[ -f dist/src/cli/main.js ] || npm run build --silent
trap 'step "Taking the lab down"; lab down --dir "$dir" || true' EXIT

step "Bringing up the lab fleet (network namespaces, real sshd and etcd)"
lab up --topology test/lab/topologies/default.yaml --dir "$dir"
lab status --dir "$dir"

step "What expires when (renew check, read-only)"
renew check --inventory "$dir/inventory.yaml" || true

step "The plan (renew --dry-run; the lab's certificates are 30 days old, so renew those with under 400 days left)"
renew --inventory "$dir/inventory.yaml" --dry-run --renew-within 400d

step "Renewing: clusters in parallel, masters one at a time, health-gated"
renew --inventory "$dir/inventory.yaml" --yes --renew-within 400d --json > "$dir/report.json"
echo "JSON report: $dir/report.json"

step "After: what the components serve now"
renew check --inventory "$dir/inventory.yaml" || true
lab status --dir "$dir"
