// Constant shell scripts run on the nodes as `sh -c <script> sh <args...>`. They are literals in
// our code; every value (paths, names) reaches them as a positional parameter, never spliced in.
// Each script gathers many facts in ONE round trip and prints sections `@@KCR <name> [<arg>]`.
// A header starts with a newline: a section that ends without one (a file `cat` without its final
// newline) must not swallow the next header. parseSections drops the blank lines this leaves.
import { RENEWAL_MARKER_NAME } from './paths.js';

/** Splits the output of a sectioned script into { "name arg": body }. */
export function parseSections(output: string): Map<string, string> {
  const sections = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  const flush = (): void => {
    if (current !== undefined) sections.set(current, lines.join('\n').replace(/\n+$/, ''));
  };
  for (const line of output.split('\n')) {
    const m = /^@@KCR (.+)$/.exec(line);
    if (m) {
      flush();
      current = m[1]!.trim();
      lines = [];
    } else if (current !== undefined) lines.push(line);
  }
  flush();
  return sections;
}

/**
 * The files part of NODE_FACTS_SCRIPT: ONE awk process reads every certificate, kubeconfig and
 * manifest (relative to the kubernetes dir), where a `cat`, `grep` or `sed` per file cost ~40
 * processes on a master. Args (ARGV): the `crt:`/`conf:`/`confpub:` items. For kubeconfigs only the
 * public lines are printed (client-key-data never is); for kubelet.conf's client certificate file
 * (which also holds its key) only the CERTIFICATE blocks. getline on a missing file returns -1
 * (mawk, gawk and busybox alike): that is "MISSING".
 */
const FACTS_AWK = `
function section(name) { printf "\\n@@KCR %s\\n", name }
function firstvalue(file, key,   line, v) {
  v = ""
  while ((getline line < file) > 0) if (match(line, "^ *" key ": *")) { v = substr(line, RLENGTH + 1); break }
  close(file); return v
}
function dump(file, re,   line, r, n) {
  n = 0
  while ((r = (getline line < file)) > 0) {
    n++
    if (re == "") print line
    else if (line ~ re) { sub(/^ */, "", line); print line }
  }
  close(file)
  if (r < 0 && n == 0) print "MISSING"
}
BEGIN {
  section("apiserver-image"); print firstvalue("manifests/kube-apiserver.yaml", "image")
  section("etcd-image"); print firstvalue("manifests/etcd.yaml", "image")
  section("kubelet-client-cert")
  p = firstvalue("kubelet.conf", "client-certificate")
  if (p != "") {
    inb = 0
    while ((getline line < p) > 0) {
      if (line ~ /-----BEGIN CERTIFICATE-----/) inb = 1
      if (inb) print line
      if (line ~ /-----END CERTIFICATE-----/) inb = 0
    }
    close(p)
  }
  for (i = 1; i < ARGC; i++) {
    kind = ARGV[i]; sub(/:.*/, "", kind); rel = substr(ARGV[i], length(kind) + 2)
    if (kind == "crt") { section("crt " rel); dump(rel, "") }
    else if (kind == "conf" || kind == "confpub") { section("conf " rel); dump(rel, "^ *(server|certificate-authority-data|client-certificate-data|client-certificate|client-key): ") }
  }
  exit
}
`;

/**
 * Node facts. Args: <kubernetesDir> <kubeadm install dir> <backup root> then items `crt:<rel path>`,
 * `key:<rel path>`, `conf:<rel path>` (a kubeconfig and its key), `confpub:<rel path>` (a kubeconfig,
 * no key) and `hash:<rel path>`. For keys only the public half is printed (`openssl pkey -pubout`),
 * compared with the certificate's here. No private key leaves the node.
 * It runs on every node of a fleet check, so it starts as few processes as it can (~30 on a master,
 * ~10 on a worker): one awk for all the files, one openssl per private key, the runtime CLIs only
 * where a kube-apiserver manifest says one runs, `sha256sum`/`du`/`df` output parsed as printed.
 */
export const NODE_FACTS_SCRIPT = `
k="$1"; bindir="$2"; backups="$3"; shift 3
s() { printf '\\n@@KCR %s\\n' "$*"; }
s arch; uname -m
s now; date -u +%s
s uid; id -u
s hostname; hostname
s manifests; for f in "$k"/manifests/*; do [ -e "$f" ] && printf '%s\\n' "\${f##*/}"; done
s kubeadm-path; command -v kubeadm 2>/dev/null
s kubeadm-version; kubeadm version -o short 2>/dev/null
s kubeadm-provisioned
for f in "$bindir"/kubeadm-v*; do [ -x "$f" ] && printf '%s %s\\n' "$f" "$("$f" version -o short 2>/dev/null)"; done
cp=; [ -f "$k/manifests/kube-apiserver.yaml" ] && cp=1
s runtime-docker; if [ -n "$cp" ] && command -v docker >/dev/null 2>&1; then docker ps -q --no-trunc -f label=io.kubernetes.container.name=kube-apiserver 2>/dev/null; echo "rc=$?"; fi
s runtime-crictl; if [ -n "$cp" ] && command -v crictl >/dev/null 2>&1; then crictl ps -q --label io.kubernetes.container.name=kube-apiserver 2>/dev/null; echo "rc=$?"; fi
s kubelet; systemctl is-active kubelet 2>/dev/null
# only when an earlier run left its in-progress marker (see RENEWAL_MARKER_NAME)
if [ -f "$backups/${RENEWAL_MARKER_NAME}" ]; then s renewal-marker; cat -- "$backups/${RENEWAL_MARKER_NAME}" 2>/dev/null; fi
s df; d="$backups"; while [ ! -d "$d" ]; do d=$(dirname "$d"); done; df -Pk "$d" 2>/dev/null
s du; du -sk "$k" 2>/dev/null
s du-etcd; [ -d /var/lib/etcd ] && du -sk /var/lib/etcd 2>/dev/null
cd "$k" 2>/dev/null || exit 0
awk '${FACTS_AWK}' "$@"
for item in "$@"; do
  kind=\${item%%:*}; rel=\${item#*:}
  case "$kind" in
    key) s key "$rel"; if [ -f "$rel" ]; then openssl pkey -in "$rel" -pubout 2>/dev/null; else echo MISSING; fi ;;
    conf) [ -f "$rel" ] || continue
      s confkey "$rel"
      v=$(sed -n -e '/^ *client-key-data: */{s//D /p;q;}' -e '/^ *client-key: */{s//P /p;q;}' "$rel")
      case "$v" in
        D\\ ?*) printf '%s' "\${v#D }" | base64 -d 2>/dev/null | openssl pkey -pubout 2>/dev/null ;;
        P\\ ?*) [ -f "\${v#P }" ] && openssl pkey -in "\${v#P }" -pubout 2>/dev/null ;;
      esac ;;
    hash) s hash "$rel"; if [ -f "$rel" ]; then sha256sum "$rel"; else echo MISSING; fi ;;
  esac
done
`;

/** Certificate served on 127.0.0.1:<port>, with an optional client cert (etcd requires one).
 *  Args: <port> <servername> [<client crt> <client key>]. Prints the PEM chain. */
export const SERVED_CERT_SCRIPT = `
port="$1"; name="$2"
if [ -n "\${3:-}" ]; then
  openssl s_client -connect "127.0.0.1:$port" -servername "$name" -showcerts -cert "$3" -key "$4" </dev/null 2>/dev/null
else
  openssl s_client -connect "127.0.0.1:$port" -servername "$name" -showcerts </dev/null 2>/dev/null
fi | sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p'
`;

/**
 * Control-plane health as seen from one master, in one round trip. Args: <kubernetesDir>
 * then the etcd client URLs to probe (from the member list; none on the first call).
 */
export const HEALTH_SCRIPT = `
k="$1"; shift
s() { printf '\\n@@KCR %s\\n' "$*"; }
hc="--cacert $k/pki/etcd/ca.crt --cert $k/pki/etcd/healthcheck-client.crt --key $k/pki/etcd/healthcheck-client.key"
s apiserver-readyz; curl -sS -m 5 -w '\\n%{http_code}' --resolve kubernetes:6443:127.0.0.1 --cacert "$k/pki/ca.crt" https://kubernetes:6443/readyz 2>&1
s controller-manager-healthz; curl -sSk -m 5 -w '\\n%{http_code}' https://127.0.0.1:10257/healthz 2>&1
s scheduler-healthz; curl -sSk -m 5 -w '\\n%{http_code}' https://127.0.0.1:10259/healthz 2>&1
s etcd-members; curl -sS -m 5 $hc -X POST -d '{}' https://127.0.0.1:2379/v3/cluster/member/list 2>&1
for u in "$@"; do s etcd-health "$u"; curl -sS -m 5 $hc "$u/health" 2>&1; done
s served-apiserver; openssl s_client -connect 127.0.0.1:6443 -servername kubernetes -showcerts </dev/null 2>/dev/null | sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p'
s served-etcd; openssl s_client -connect 127.0.0.1:2379 -cert "$k/pki/etcd/healthcheck-client.crt" -key "$k/pki/etcd/healthcheck-client.key" -showcerts </dev/null 2>/dev/null | sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p'
s disk-apiserver; cat "$k/pki/apiserver.crt" 2>/dev/null
s disk-etcd; cat "$k/pki/etcd/server.crt" 2>/dev/null
`;

/**
 * What a master serves, for `check`. Args: <kubernetesDir> <docker|crictl|none>. Prints the
 * certificates served on :6443 and :2379 and the kube-apiserver container's inspect output.
 */
export const SERVED_FACTS_SCRIPT = `
k="$1"; cli="$2"
s() { printf '\\n@@KCR %s\\n' "$*"; }
s served-apiserver; openssl s_client -connect 127.0.0.1:6443 -servername kubernetes -showcerts </dev/null 2>/dev/null | sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p'
s served-etcd; [ -f "$k/manifests/etcd.yaml" ] && openssl s_client -connect 127.0.0.1:2379 -cert "$k/pki/etcd/healthcheck-client.crt" -key "$k/pki/etcd/healthcheck-client.key" -showcerts </dev/null 2>/dev/null | sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p'
s apiserver-inspect
case "$cli" in
  docker) id=$(docker ps -q --no-trunc -f label=io.kubernetes.container.name=kube-apiserver 2>/dev/null | head -n 1); [ -n "$id" ] && docker inspect -f '{{.State.StartedAt}}' "$id" 2>/dev/null ;;
  crictl) id=$(crictl ps -q --label io.kubernetes.container.name=kube-apiserver 2>/dev/null | head -n 1); [ -n "$id" ] && crictl inspect "$id" 2>/dev/null ;;
esac
`;

/**
 * Hands etcd leadership away from this member before it restarts, so the cluster does not sit
 * through a leader election while the member is down (API servers go unready without a leader).
 * Args: <kubernetesDir>. Prints `moved <from> <to>`, `not-leader`, or `error <detail>`.
 */
export const ETCD_MOVE_LEADER_SCRIPT = `
k="$1"
hc="--cacert $k/pki/etcd/ca.crt --cert $k/pki/etcd/healthcheck-client.crt --key $k/pki/etcd/healthcheck-client.key"
st=$(curl -sS -m 5 $hc -X POST -d '{}' https://127.0.0.1:2379/v3/maintenance/status 2>&1) || { echo "error $st"; exit 0; }
me=$(printf '%s' "$st" | sed -n 's/.*"member_id":"\\([0-9]*\\)".*/\\1/p')
leader=$(printf '%s' "$st" | sed -n 's/.*"leader":"\\([0-9]*\\)".*/\\1/p')
[ -n "$me" ] && [ -n "$leader" ] || { echo "error unreadable status"; exit 0; }
[ "$me" = "$leader" ] || { echo not-leader; exit 0; }
ml=$(curl -sS -m 5 $hc -X POST -d '{}' https://127.0.0.1:2379/v3/cluster/member/list 2>&1) || { echo "error $ml"; exit 0; }
to=$(printf '%s' "$ml" | grep -o '"ID":"[0-9]*"' | sed 's/[^0-9]//g' | grep -v "^$me$" | head -n 1)
[ -n "$to" ] || { echo "error no other member"; exit 0; }
code=$(curl -sS -m 10 $hc -o /dev/null -w '%{http_code}' -X POST -d "{\\"targetID\\":\\"$to\\"}" https://127.0.0.1:2379/v3/maintenance/transfer-leadership 2>&1)
if [ "$code" = 200 ]; then echo "moved $me $to"; else echo "error HTTP $code"; fi
`;
