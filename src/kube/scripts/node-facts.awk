# The files part of node-facts.sh: ONE awk process reads every certificate, kubeconfig and
# manifest (relative to the kubernetes dir), where a `cat`, `grep` or `sed` per file cost ~40
# processes on a master. Args (ARGV): the `crt:`/`conf:`/`confpub:` items. For kubeconfigs only the
# public lines are printed (client-key-data never is); for the client certificate file kubelet.conf
# names (which also holds its key) only the CERTIFICATE blocks. getline on a missing file returns -1
# (mawk, gawk and busybox alike): that is "MISSING". Runs under all three. It travels inside single
# quotes: no single quote in it.
function section(name) { printf "\n@@KCR %s\n", name }
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
  # What a ClusterConfiguration derived from the manifests needs (kubeadm-config.ts).
  section("apiserver-flags")
  dump("manifests/kube-apiserver.yaml", "^ *- --(advertise-address|secure-port|client-ca-file|etcd-servers|etcd-cafile|etcd-certfile|etcd-keyfile)=")
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
