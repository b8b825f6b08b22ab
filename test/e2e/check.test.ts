// `renew check` on a fleet with certificates of mixed ages (5 days, 20 days, 335 days left, and
// expired 35 days ago), judged against the nodes themselves: every certificate's end date and
// serial as the real openssl reads it inside the node, and what `kubeadm certs check-expiration`
// prints there; the JUnit report per certificate and the Prometheus textfile, also with a master
// unreachable. Then a master renewed without restarting its components (exit 12, named by start
// time), and 100 light nodes.
import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason, type RunResult } from './support/lab.js';
import { loadedSerials, normSerial } from './support/node-files.js';
import { parseExposition, type Sample } from '../unit/report/exposition.js';

const skip = labUnavailableReason();
const DAY = 86400;

// soon: 5 days left (critical); month: 20 days (warning); fine: 335 days; gone: expired 35 days ago.
// An expired cluster cannot become healthy, and the lab waits for health: gone is light (files and
// sshd only), so nothing is served there.
const MIXED = `
clusters:
  - { name: soon, kubernetesVersion: "1.21.4", runtime: containerd, masters: 1, workers: 1, certAgeDays: 360 }
  - { name: month, kubernetesVersion: "1.18.3", runtime: docker, masters: 1, certAgeDays: 345 }
  - { name: fine, kubernetesVersion: "1.20.6", runtime: containerd, masters: 1, certAgeDays: 30 }
  - { name: gone, kubernetesVersion: "1.19.7", runtime: docker, masters: 1, certAgeDays: 400, light: true }
`;
const MASTERS = ['soon-m1', 'month-m1', 'fine-m1', 'gone-m1'];
const NODES = [...MASTERS, 'soon-w1'];
const clusterOf = (node: string): string => node.replace(/-[mw]\d+$/, '');

interface Entry {
  cluster: string;
  node: string;
  name: string;
  source: 'file' | 'kubeconfig' | 'served';
  path?: string;
  notAfter: string;
  residualSeconds: number;
  caName?: string;
  serial?: string;
  severity: 'ok' | 'warning' | 'critical';
  problems: string[];
}
interface KubeadmCert {
  name: string;
  expirationDate: string;
  residualTime: number;
  externallyManaged: boolean;
  caName?: string;
  missing: boolean;
}
interface CheckJson {
  apiVersion: string;
  kind: string;
  hosts: {
    host: string;
    certificateExpirationInfo: {
      apiVersion: string;
      kind: string;
      certificates: KubeadmCert[];
      certificateAuthorities: KubeadmCert[];
    } | null;
  }[];
  generatedAt: string;
  severity: string;
  exitCode: number;
  soonest?: Entry;
  entries: Entry[];
  notRestarted: string[];
  nodes: { cluster: string; node: string; role: string; status: string; notRestarted: string[]; problems: string[] }[];
}

/** What a certificate is, as the node's own openssl reads it. */
interface NodeCert {
  source: Entry['source'];
  /** The path (file, kubeconfig) or `component:port` (served). */
  id: string;
  notAfter: Date;
  serial: string;
}

// Every certificate of the node with the real openssl: *.crt under pki/, the client certificate of
// every kubeconfig that embeds one, the kubelet's rotating client certificate, and (masters with
// processes) what :6443 and :2379 serve. Tab-separated: source, id, notAfter, serial.
const NODE_CERTS_SCRIPT = `
row() { printf '%s\\t%s\\t%s\\t%s\\n' "$1" "$2" "$(printf '%s' "$3" | openssl x509 -noout -enddate | cut -d= -f2)" "$(printf '%s' "$3" | openssl x509 -noout -serial | cut -d= -f2)"; }
for f in $(find /etc/kubernetes/pki -name '*.crt' | LC_ALL=C sort); do row file "$f" "$(cat "$f")"; done
for f in /etc/kubernetes/*.conf; do
  d=$(sed -n 's/^ *client-certificate-data: *//p' "$f")
  [ -n "$d" ] && row kubeconfig "$f" "$(printf '%s' "$d" | base64 -d)"
done
p=/var/lib/kubelet/pki/kubelet-client-current.pem
[ -f "$p" ] && row file "$p" "$(openssl x509 -in "$p")"
if [ -f /etc/kubernetes/manifests/kube-apiserver.yaml ]; then
  row served kube-apiserver:6443 "$(openssl s_client -connect 127.0.0.1:6443 </dev/null 2>/dev/null | openssl x509)"
  row served etcd:2379 "$(openssl s_client -connect 127.0.0.1:2379 -cert /etc/kubernetes/pki/etcd/healthcheck-client.crt -key /etc/kubernetes/pki/etcd/healthcheck-client.key </dev/null 2>/dev/null | openssl x509)"
fi
true
`;

async function nodeCerts(lab: Lab, node: string): Promise<NodeCert[]> {
  const res = await lab.exec(node, ['sh', '-c', NODE_CERTS_SCRIPT]);
  expect(res.code, res.stderr).toBe(0);
  return res.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [source, id, notAfter, serial] = line.split('\t') as [Entry['source'], string, string, string];
      expect(notAfter, line).toMatch(/GMT$/);
      return { source, id, notAfter: new Date(notAfter), serial: normSerial(serial) };
    });
}

const entryId = (e: Entry): string => (e.source === 'served' ? e.name : e.path!);

/** The CA kubeadm signs each certificate with (kubeadm-facts.md §3); a CA names itself. */
const CA_OF: Record<string, string> = {
  apiserver: 'ca',
  'apiserver-kubelet-client': 'ca',
  'admin.conf': 'ca',
  'controller-manager.conf': 'ca',
  'scheduler.conf': 'ca',
  'kubelet-client-current.pem': 'ca',
  'kube-apiserver:6443': 'ca',
  ca: 'ca',
  'apiserver-etcd-client': 'etcd-ca',
  'etcd-server': 'etcd-ca',
  'etcd-peer': 'etcd-ca',
  'etcd-healthcheck-client': 'etcd-ca',
  'etcd:2379': 'etcd-ca',
  'etcd-ca': 'etcd-ca',
  'front-proxy-client': 'front-proxy-ca',
  'front-proxy-ca': 'front-proxy-ca',
};
const CAS = new Set(['ca', 'etcd-ca', 'front-proxy-ca']);

/** kubeadm's `check-expiration` table (both blocks): name -> EXPIRES as "YYYY-MM-DD HH:MM" (UTC). */
function parseCheckExpiration(out: string): Map<string, string> {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const rows = new Map<string, string>();
  for (const line of out.split('\n')) {
    const m = /^(\S+)\s+([A-Z][a-z]{2}) (\d{2}), (\d{4}) (\d{2}:\d{2}) UTC\s/.exec(line);
    if (!m) continue;
    const [, name, mon, day, year, hm] = m as unknown as [string, string, string, string, string, string];
    rows.set(name, `${year}-${String(months.indexOf(mon) + 1).padStart(2, '0')}-${day} ${hm}`);
  }
  return rows;
}

/** Rows of one node's block in the terminal table. */
function nodeBlock(lines: string[], node: string): string[] {
  const start = lines.findIndex((l) => l.startsWith(`-- ${node} (`));
  expect(start, `no block for ${node}`).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => !l.startsWith('   '));
  return end < 0 ? rest : rest.slice(0, end);
}

describe.skipIf(skip)(`renew check on certificates of mixed ages${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  let promFile: string;
  let junitFile: string;
  let run: RunResult;
  let doc: CheckJson;
  const onNode = new Map<string, NodeCert[]>();
  // Deep: this file proves every verification (key match, served certificates, restarts); the
  // quick default is compared with it below.
  const check = (args: string[]): Promise<RunResult> =>
    lab.tool(['check', '--inventory', lab.inventory, '--deep', ...args]);
  const quickCheck = (args: string[]): Promise<RunResult> => lab.tool(['check', '--inventory', lab.inventory, ...args]);

  beforeAll(async () => {
    lab = await Lab.up(MIXED, { name: 'check' });
    promFile = path.join(lab.dir, 'kube-certs.prom');
    junitFile = path.join(lab.dir, 'check.xml');
    await lab.exec('soon-m1', ['true']); // the lab answers
    run = await check(['--json', '--prometheus', promFile, '--junit', junitFile]);
    doc = JSON.parse(run.stdout) as CheckJson;
    for (const node of NODES) onNode.set(node, await nodeCerts(lab, node));
  }, 600_000);
  afterAll(async () => {
    await lab?.down();
  });

  it('exits 11 (critical and expired certificates) and says so on stderr', () => {
    expect(run.code, run.stderr.slice(-3000)).toBe(11);
    expect(doc.exitCode).toBe(11);
    expect(doc.severity).toBe('critical');
    expect(run.stderr).toMatch(
      /^check: \d+ certificate\(s\) on 5 node\(s\): \d+ critical, \d+ warning; soonest gone\/gone-m1 \S+ expired 3[45]d ago \(exit code 11\)$/m,
    );
    expect(run.stderr).not.toMatch(/\(exit code 0\)/);
  });

  it('--json: one entry per certificate of every node, equal to what openssl reads on the node', () => {
    expect(doc.nodes.map((n) => n.node).sort()).toEqual([...NODES].sort());
    for (const node of NODES) {
      const mine = doc.entries.filter((e) => e.node === node);
      const theirs = onNode.get(node)!;
      // the same set of certificates, each once
      expect(mine.map((e) => `${e.source} ${entryId(e)}`).sort(), node).toEqual(
        theirs.map((c) => `${c.source} ${c.id}`).sort(),
      );
      for (const c of theirs) {
        const e = mine.find((x) => x.source === c.source && entryId(x) === c.id)!;
        expect(e.cluster).toBe(clusterOf(node));
        expect(Date.parse(e.notAfter), `${node} ${c.id}`).toBe(c.notAfter.getTime());
        expect(normSerial(e.serial ?? ''), `${node} ${c.id}`).toBe(c.serial);
        expect(e.caName, `${node} ${e.name}`).toBe(CA_OF[e.name]);
        // residual time from the report's own clock, give or take the run's duration
        expect(Math.abs(e.residualSeconds - (c.notAfter.getTime() - Date.parse(doc.generatedAt)) / 1000)).toBeLessThan(
          300,
        );
      }
    }
    // Workers show their CA and the kubelet's client certificate; served ones only where served.
    expect(
      doc.entries
        .filter((e) => e.node === 'soon-w1')
        .map((e) => e.name)
        .sort(),
    ).toEqual(['ca', 'kubelet-client-current.pem']);
    expect(
      doc.entries
        .filter((e) => e.source === 'served')
        .map((e) => e.node)
        .sort(),
    ).toEqual(['fine-m1', 'fine-m1', 'month-m1', 'month-m1', 'soon-m1', 'soon-m1']);
  });

  it('without --deep (quick, the default): the same file and kubeconfig entries and exit code, nothing served', async () => {
    const quick = await quickCheck(['--json']);
    expect(quick.code, quick.stderr.slice(-2000)).toBe(run.code);
    const q = JSON.parse(quick.stdout) as CheckJson;
    const onDisk = (d: CheckJson): string[] =>
      d.entries
        .filter((e) => e.source !== 'served')
        .map((e) => `${e.node} ${e.source} ${entryId(e)} ${e.notAfter} ${e.serial ?? ''} ${e.severity}`)
        .sort();
    expect(onDisk(q)).toEqual(onDisk(doc));
    expect(q.entries.filter((e) => e.source === 'served')).toEqual([]);
  });

  it('--json: severities and problems by age; the expired cluster is the soonest of the fleet', () => {
    // kubeadm's leaves (the kubelet's client certificate is the kubelet's own, rotated: not aged by the lab)
    const leaves = (cluster: string): Entry[] =>
      doc.entries.filter((e) => e.cluster === cluster && !CAS.has(e.name) && e.name !== 'kubelet-client-current.pem');
    for (const e of doc.entries.filter((x) => x.name === 'kubelet-client-current.pem')) {
      expect([e.node, e.severity]).toEqual([
        e.node,
        e.residualSeconds < 7 * DAY ? 'critical' : e.residualSeconds < 30 * DAY ? 'warning' : 'ok',
      ]);
    }
    for (const e of leaves('soon'))
      expect([e.name, e.severity, e.residualSeconds > 4 * DAY && e.residualSeconds < 5 * DAY]).toEqual([
        e.name,
        'critical',
        true,
      ]);
    for (const e of leaves('month'))
      expect([e.name, e.severity, e.residualSeconds > 19 * DAY && e.residualSeconds < 20 * DAY]).toEqual([
        e.name,
        'warning',
        true,
      ]);
    for (const e of leaves('fine')) expect([e.name, e.severity, e.problems]).toEqual([e.name, 'ok', []]);
    for (const e of leaves('gone')) expect([e.name, e.severity, e.problems]).toEqual([e.name, 'critical', ['expired']]);
    for (const e of doc.entries.filter((x) => CAS.has(x.name)))
      expect([e.node, e.name, e.severity]).toEqual([e.node, e.name, 'ok']);
    for (const e of doc.entries.filter((x) => x.cluster !== 'gone'))
      expect(e.problems, `${e.node} ${e.name}`).toEqual([]);
    expect(doc.soonest).toMatchObject({ cluster: 'gone', node: 'gone-m1' });
    expect(doc.soonest!.residualSeconds).toBeLessThan(-34 * DAY);
    // sorted soonest first
    const times = doc.entries.map((e) => Date.parse(e.notAfter));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (const n of doc.nodes.filter((x) => x.cluster !== 'gone'))
      expect([n.node, n.status, n.problems]).toEqual([n.node, 'ok', []]);
  });

  it('the default view: the soonest at the top, one line per cluster, then only what needs a look', async () => {
    const res = await check([]);
    expect(res.code, res.stderr.slice(-2000)).toBe(11);
    const lines = res.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^Soonest expiry in the fleet: gone\/gone-m1 \S+ \((file|kubeconfig)\) on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, expired 3[45]d ago$/,
    );
    const start = lines.findIndex((l) => l.startsWith('CLUSTER '));
    const rows = lines.slice(start + 1, lines.indexOf('', start)).map((r) => r.split(/\s{2,}/));
    // The worker's verdict is its worst certificate (the kubelet rotates its own: not aged by the lab).
    const w1 = doc.entries.filter((e) => e.node === 'soon-w1').map((e) => e.severity);
    const worker = w1.includes('critical') ? '1 (1 critical)' : w1.includes('warning') ? '1 (1 warning)' : '1';
    expect(rows.map((r) => r.slice(0, 7))).toEqual([
      ['gone', '1', '0', '0', '1', '0', '0'],
      ['soon', '1', '0', '0', '1', '0', worker],
      ['month', '1', '0', '1', '0', '0', '0'],
      ['fine', '1', '1', '0', '0', '0', '0'],
    ]);
    for (const r of rows) {
      const soonest = doc.entries.find((e) => e.cluster === r[0])!;
      expect(r.slice(7), r[0]).toEqual([
        `${soonest.node} ${soonest.name}`,
        soonest.notAfter.slice(0, 16).replace('T', ' '),
        expect.stringMatching(/^(expired )?\d+[dh]( ago)?$/),
      ]);
    }
    // Then the certificates that need a look, and only those: fine-m1 has none.
    const look = lines.slice(lines.findIndex((l) => l.startsWith('Needs a look')));
    expect(look.filter((l) => l.startsWith('== cluster '))).toEqual(
      ['gone', 'soon', 'month'].map((c) => `== cluster ${c}`),
    );
    expect(look.some((l) => l.startsWith('-- fine-m1'))).toBe(false);
    for (const node of ['gone-m1', 'soon-m1', 'month-m1']) {
      const [, ...certRows] = nodeBlock(look, node);
      const needs = doc.entries.filter((e) => e.node === node && (e.severity !== 'ok' || e.problems.length > 0));
      expect(certRows.filter((r) => !r.startsWith('   !')).length, node).toBe(needs.length);
    }
    // 5 nodes of about 16 certificates each would be ~90 lines; this view is a screenful.
    expect(lines.length).toBeLessThan(70);
  });

  it('-o wide: every certificate, clusters by their soonest expiry, rows soonest first with severities', async () => {
    const res = await check(['-o', 'wide']);
    expect(res.code, res.stderr.slice(-2000)).toBe(11);
    const lines = res.stdout.split('\n');
    expect(lines.filter((l) => l.startsWith('== cluster '))).toEqual([
      '== cluster gone',
      '== cluster soon',
      '== cluster month',
      '== cluster fine',
    ]);
    // inside soon: the master (5 days) before the worker (its kubelet certificate is as old)
    expect(lines.filter((l) => l.startsWith('-- soon-')).map((l) => l.split(' ')[1])).toEqual(['soon-m1', 'soon-w1']);
    // a worker's header: no Kubernetes version to show (no API server there), its kubeadm as read
    expect(lines.find((l) => l.startsWith('-- soon-w1 '))).toMatch(/^-- soon-w1 \(worker, kubeadm \S+, ok\)$/);
    expect(lines.find((l) => l.startsWith('-- soon-m1 '))).toMatch(
      /^-- soon-m1 \(master, Kubernetes 1\.21\.4, kubeadm \S+, ok\)$/,
    );
    for (const node of NODES) {
      const [header, ...rows] = nodeBlock(lines, node);
      expect(header!.trim().split(/\s{2,}/)).toEqual([
        'CERTIFICATE',
        'SOURCE',
        'EXPIRES (UTC)',
        'LEFT',
        'CA',
        'PROBLEMS',
      ]);
      const col = (r: string, name: string): string => r.slice(header!.indexOf(name)).split(/\s{2,}/)[0]!;
      const certRows = rows.filter((r) => !r.startsWith('   !'));
      expect(certRows.length, node).toBe(doc.entries.filter((e) => e.node === node).length);
      const expires = certRows.map((r) => col(r, 'EXPIRES (UTC)'));
      expect(expires, node).toEqual([...expires].sort());
      for (const r of certRows) {
        const name = col(r, 'CERTIFICATE');
        const e = doc.entries.find((x) => x.node === node && x.name === name)!;
        expect(r.slice(3, header!.indexOf('CERTIFICATE')).trim(), `${node} ${name}`).toBe(
          e.severity === 'ok' ? '' : e.severity.toUpperCase(),
        );
        expect(col(r, 'EXPIRES (UTC)')).toBe(e.notAfter.slice(0, 16).replace('T', ' '));
      }
    }
    expect(nodeBlock(lines, 'gone-m1').filter((r) => r.includes('expired 3'))).not.toHaveLength(0);
    // not a terminal: no colour
    expect(res.stdout).not.toContain('\u001b[');
  });

  it("--json: per host, kubeadm's CertificateExpirationInfo, in a versioned document", () => {
    expect([doc.apiVersion, doc.kind]).toEqual(['kube-cert-renew/v1', 'CheckReport']);
    for (const node of MASTERS) {
      const info = doc.hosts.find((h) => h.host === node)!.certificateExpirationInfo!;
      expect([info.apiVersion, info.kind]).toEqual(['output.kubeadm.k8s.io/v1alpha3', 'CertificateExpirationInfo']);
      // kubeadm's 10 leaves and kubeconfigs, and its 3 CAs apart, each as openssl reads it on the node
      expect(info.certificates).toHaveLength(10);
      expect(info.certificateAuthorities.map((c) => c.name).sort()).toEqual(['ca', 'etcd-ca', 'front-proxy-ca']);
      for (const c of [...info.certificates, ...info.certificateAuthorities]) {
        const e = doc.entries.find((x) => x.node === node && x.name === c.name && x.source !== 'served')!;
        expect(Date.parse(c.expirationDate), `${node} ${c.name}`).toBe(Date.parse(e.notAfter));
        expect(c.residualTime).toBe(Math.trunc(e.residualSeconds));
        expect([c.missing, c.externallyManaged]).toEqual([false, false]);
        expect(c.caName, `${node} ${c.name}`).toBe(CAS.has(c.name) ? undefined : CA_OF[c.name]);
      }
    }
  });

  it('--junit: one case per certificate per host; a failure for each critical one, as the exit code 11 says', () => {
    const xml = readFileSync(junitFile, 'utf8');
    expect(statSync(junitFile).mode & 0o777).toBe(0o600);
    const cases = [
      ...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"[^>]*>\n\s*<(failure|error|system-out)/g),
    ].map((m) => ({ classname: m[1]!, name: m[2]!, kind: m[3]! }));
    expect(cases).toHaveLength(doc.entries.length);
    const critical = doc.entries.filter((e) => e.severity === 'critical');
    expect(critical.length).toBeGreaterThan(0);
    expect(
      cases
        .filter((c) => c.kind === 'failure')
        .map((c) => `${c.classname} ${c.name.split(' ')[0]}`)
        .sort(),
    ).toEqual(critical.map((e) => `${e.cluster}.${e.node} ${e.name}`).sort());
    expect(cases.filter((c) => c.kind === 'error')).toEqual([]);
    expect(/<testsuites [^>]*failures="(\d+)"/.exec(xml)![1]).toBe(String(critical.length));
  });

  it('--prometheus: x509-certificate-exporter metrics, mode 0600, values equal to the end dates on the nodes', () => {
    expect(statSync(promFile).mode & 0o777).toBe(0o600);
    const text = readFileSync(promFile, 'utf8');
    // a strict reader of the exposition format: any line it does not accept fails the test
    const { samples, type } = parseExposition(text);
    expect([...type.keys()]).toEqual([
      'x509_cert_not_before',
      'x509_cert_not_after',
      'x509_cert_expired',
      'x509_read_errors',
      'kcr_check_node_up',
      'kcr_check_timestamp_seconds',
    ]);
    const total = [...onNode.values()].reduce((n, l) => n + l.length, 0);
    for (const family of ['x509_cert_not_before', 'x509_cert_not_after', 'x509_cert_expired'])
      expect(
        samples.filter((s) => s.name === family),
        family,
      ).toHaveLength(total);
    for (const [node, certs] of onNode) {
      for (const c of certs) {
        const mine = samples.filter(
          (s) =>
            s.labels.kcr_node === node &&
            s.labels.kcr_source === c.source &&
            (c.source === 'served' ? s.labels.kcr_name === c.id : s.labels.filepath === c.id),
        );
        expect(
          mine.map((s) => s.name),
          `${node} ${c.id}`,
        ).toEqual(['x509_cert_not_before', 'x509_cert_not_after', 'x509_cert_expired']);
        const [notBefore, notAfter, expired] = mine as [Sample, Sample, Sample];
        expect(notAfter.labels.kcr_cluster).toBe(clusterOf(node));
        expect(notAfter.labels.cluster).toBeUndefined();
        expect(notAfter.value, `${node} ${c.id}`).toBe(c.notAfter.getTime() / 1000);
        expect(notBefore.value).toBeLessThan(notAfter.value);
        expect(notAfter.labels.serial_number).toBe(BigInt(`0x${c.serial}`).toString(10));
        if (c.source === 'served') expect(notAfter.labels.filepath).toBe(`https://${node}:${c.id.split(':')[1]}`);
        expect(expired.value, `${node} ${c.id}`).toBe(c.notAfter.getTime() <= Date.parse(doc.generatedAt) ? 1 : 0);
        // gone's kubeadm certificates are expired; CAs and the kubelet's rotated certificate are not
        expect(expired.value, `${node} ${c.id}`).toBe(
          clusterOf(node) === 'gone' && !c.id.endsWith('ca.crt') && !c.id.endsWith('kubelet-client-current.pem')
            ? 1
            : 0,
        );
      }
    }
    const health = (name: string): string[] =>
      samples
        .filter((s) => s.name === name)
        .map((s) => `${s.labels.kcr_node}=${s.value}`)
        .sort();
    expect(health('x509_read_errors')).toEqual(NODES.map((n) => `${n}=0`).sort());
    expect(health('kcr_check_node_up')).toEqual(NODES.map((n) => `${n}=1`).sort());
  });

  it(
    'a master unreachable: exit 3, said on stderr, an error in JUnit, read errors in the textfile and its last series kept',
    { timeout: 300_000 },
    async () => {
      const prom = path.join(lab.dir, 'down.prom');
      const junit = path.join(lab.dir, 'down.xml');
      copyFileSync(promFile, prom);
      await lab.fault('month-m1', 'sshd-down');
      let res: RunResult;
      try {
        res = await check(['--json', '--prometheus', prom, '--junit', junit]);
      } finally {
        await lab.fault('month-m1', '--clear');
      }
      expect(res.code, res.stderr.slice(-2000)).toBe(3);
      expect(res.stderr).toMatch(/^check: \d+ certificate\(s\) on 4 of 5 node\(s\) \(not read: month\/month-m1\): /m);
      const down = JSON.parse(res.stdout) as CheckJson & {
        complete: boolean;
        hosts: { host: string; read: boolean }[];
      };
      expect(down.complete).toBe(false);
      expect(down.hosts.find((h) => h.host === 'month-m1')).toMatchObject({
        read: false,
        certificateExpirationInfo: null,
      });
      // JUnit: an error for the host, not a silent pass
      const xml = readFileSync(junit, 'utf8');
      expect(xml).toMatch(
        /<testcase classname="month\.month-m1" name="read certificates"[^>]*>\n\s*<error [^>]*type="unreachable"/,
      );
      expect(/<testsuites [^>]*errors="(\d+)"/.exec(xml)![1]).toBe('1');
      // Prometheus: the node says it was not read, and its series from the last file stay
      const before = parseExposition(readFileSync(promFile, 'utf8')).samples;
      const after = parseExposition(readFileSync(prom, 'utf8')).samples;
      const of = (list: Sample[], name: string): string[] =>
        list
          .filter((s) => s.name === name && s.labels.kcr_node === 'month-m1')
          .map((s) => `${JSON.stringify(s.labels)} ${s.value}`)
          .sort();
      expect(of(after, 'x509_read_errors')).toEqual(['{"kcr_cluster":"month","kcr_node":"month-m1"} 1']);
      expect(of(after, 'kcr_check_node_up')).toEqual(['{"kcr_cluster":"month","kcr_node":"month-m1"} 0']);
      expect(of(after, 'x509_cert_not_after')).toHaveLength(onNode.get('month-m1')!.length);
      expect(of(after, 'x509_cert_not_after')).toEqual(of(before, 'x509_cert_not_after'));
      expect(of(after, 'x509_cert_not_before')).toEqual(of(before, 'x509_cert_not_before'));
      // and it answers again once sshd is back
      const back = await check(['--cluster', 'month']);
      expect(back.code, back.stderr.slice(-1500)).toBe(10);
    },
  );

  it('exit codes on subsets: --cluster soon 11, month 10, fine 0', { timeout: 300_000 }, async () => {
    const [soon, month, fine] = await Promise.all(['soon', 'month', 'fine'].map((c) => check(['--cluster', c])));
    expect(soon!.code, soon!.stderr.slice(-1500)).toBe(11);
    expect(month!.code, month!.stderr.slice(-1500)).toBe(10);
    expect(fine!.code, fine!.stderr.slice(-1500)).toBe(0);
    expect(month!.stdout).toMatch(/^ {3}WARNING +apiserver +file /m);
    // the summary header names the columns; no row is flagged
    expect(fine!.stdout).not.toMatch(/^ {3}(WARNING|CRITICAL) /m);
    expect(fine!.stdout).toMatch(/^fine +1 +1 +0 +0 +0 +0 +fine-m1 /m);
    expect(fine!.stdout).not.toContain('Needs a look');
    const quiet = await check(['--cluster', 'fine', '--only-problems']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout.split('\n')[1]).toMatch(
      /^No problems: \d+ certificate\(s\) on 1 node\(s\) in 1 cluster\(s\), none under --warn 30d\.$/,
    );
    // Thresholds the wrong way round are refused before anything connects.
    const swapped = await check(['--warn', '7d', '--critical', '30d']);
    expect(swapped.code).toBe(5);
    expect(swapped.stderr.trim()).toMatch(/^error: --warn 7d is below --critical 30d: /);
    // A report file that cannot be written fails before anything runs, in one line.
    const bad = await check(['--prometheus', path.join(lab.dir, 'no-such-folder', 'x.prom')]);
    expect(bad.code).toBe(5);
    expect(bad.stderr.trim()).toMatch(/^error: --prometheus \S+: folder \S+no-such-folder does not exist/);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it(
    'equals kubeadm check-expiration on every master, for the certificates both show',
    { timeout: 300_000 },
    async () => {
      const sub: Record<string, string[]> = {
        'soon-m1': ['certs'],
        'month-m1': ['alpha', 'certs'],
        'fine-m1': ['certs'],
        'gone-m1': ['alpha', 'certs'],
      };
      for (const node of MASTERS) {
        const res = await lab.exec(node, ['kubeadm', ...sub[node]!, 'check-expiration']);
        expect(res.code, `${node}: ${res.stderr}`).toBe(0);
        const kubeadm = parseCheckExpiration(res.stdout);
        const mine = doc.entries.filter(
          (e) => e.node === node && e.source !== 'served' && e.name !== 'kubelet-client-current.pem',
        );
        // The same certificates (kubeadm's 10 leaves and 3 CAs)...
        expect([...kubeadm.keys()].sort(), node).toEqual(mine.map((e) => e.name).sort());
        expect(kubeadm.size).toBe(13);
        // ...ending at the same minute.
        for (const e of mine)
          expect(`${node} ${e.name} ${kubeadm.get(e.name)}`).toBe(
            `${node} ${e.name} ${e.notAfter.slice(0, 16).replace('T', ' ')}`,
          );
      }
    },
  );

  it(
    'flags a master renewed without restarting its components: by start time, whatever is served (exit 12)',
    { timeout: 300_000 },
    async () => {
      const before = loadedSerials(await lab.status(), 'fine-m1');
      const servedBefore = onNode.get('fine-m1')!.filter((c) => c.source === 'served');
      const renew = await lab.exec('fine-m1', ['kubeadm', 'certs', 'renew', 'all']);
      expect(renew.code, renew.stderr).toBe(0);
      const onDisk = await nodeCerts(lab, 'fine-m1');
      const res = await check(['--cluster', 'fine', '--json']);
      expect(res.code, res.stderr.slice(-2000)).toBe(12);
      const after = JSON.parse(res.stdout) as CheckJson;
      // Nothing restarted (the lab's view), while the files are new: every component is named.
      expect(loadedSerials(await lab.status(), 'fine-m1')).toEqual(before);
      const stale = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
      expect(after.notRestarted).toEqual(stale.map((c) => `fine/fine-m1 ${c}`));
      const node = after.nodes.find((n) => n.node === 'fine-m1')!;
      expect(node.notRestarted).toEqual(stale);
      for (const c of stale)
        expect(node.problems.find((p) => p.startsWith(`${c} not restarted since its credentials changed: `))).toMatch(
          /its (container started|in-memory certificate names its start) \S+, before \/etc\/kubernetes\/\S+ changed/,
        );
      // What is served is what clients see, not a restart proof: real etcd (3.2+) reads its files on
      // every new TLS connection, so it serves the new server.crt at once from the same process.
      const etcd = after.entries.find((x) => x.node === 'fine-m1' && x.name === 'etcd:2379')!;
      expect(normSerial(etcd.serial!)).toBe(onDisk.find((c) => c.id === '/etc/kubernetes/pki/etcd/server.crt')!.serial);
      expect(normSerial(etcd.serial!)).not.toBe(servedBefore.find((c) => c.id === 'etcd:2379')!.serial);
      expect(etcd.problems).toEqual([]);
      // The quick default does not look at restarts: no exit 12, no component named.
      const quick = await quickCheck(['--cluster', 'fine', '--json']);
      expect(quick.code, quick.stderr.slice(-2000)).not.toBe(12);
      expect((JSON.parse(quick.stdout) as CheckJson).notRestarted).toEqual([]);
      const table = await check(['--cluster', 'fine']);
      expect(table.code).toBe(12);
      expect(table.stdout).toContain('   ! kube-controller-manager not restarted since its credentials changed: ');
      expect(table.stderr).toMatch(
        /, 4 component\(s\) not restarted since their credentials changed \(fine\/fine-m1 etcd, /,
      );
    },
  );
});

describe.skipIf(skip)(`renew check over 100 light nodes${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.up('light100.yaml', { name: 'check100' });
  }, 600_000);
  afterAll(async () => {
    await lab?.down();
  });

  it('completes with 0/10/11 and one entry per certificate per node', { timeout: 600_000 }, async () => {
    const t0 = Date.now();
    const res = await lab.tool(['check', '--inventory', lab.inventory, '--json']);
    const seconds = (Date.now() - t0) / 1000;
    expect([0, 10, 11], res.stderr.slice(-3000)).toContain(res.code);
    const doc = JSON.parse(res.stdout) as CheckJson;
    expect(doc.exitCode).toBe(res.code);
    const nodesDir = path.join(lab.dir, 'nodes');
    const names = readdirSync(nodesDir).sort();
    expect(names).toHaveLength(100);
    expect(doc.nodes.map((n) => n.node).sort()).toEqual(names);
    for (const n of doc.nodes) expect([n.node, n.status]).toEqual([n.node, 'ok']);
    // Every certificate of each node, read here from the node's files (its rootfs on this host).
    for (const node of names) {
      const root = path.join(nodesDir, node, 'rootfs');
      const expected = new Map<string, number>();
      const crts = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
          d.isDirectory() ? crts(path.join(dir, d.name)) : d.name.endsWith('.crt') ? [path.join(dir, d.name)] : [],
        );
      for (const f of crts(path.join(root, 'etc/kubernetes/pki')))
        expected.set(`file ${f.slice(root.length)}`, Date.parse(new X509Certificate(readFileSync(f)).validTo));
      for (const f of readdirSync(path.join(root, 'etc/kubernetes')).filter((x) => x.endsWith('.conf'))) {
        const data = /client-certificate-data: *(\S+)/.exec(
          readFileSync(path.join(root, 'etc/kubernetes', f), 'utf8'),
        )?.[1];
        if (data)
          expected.set(
            `kubeconfig /etc/kubernetes/${f}`,
            Date.parse(new X509Certificate(Buffer.from(data, 'base64')).validTo),
          );
      }
      const pem = path.join(root, 'var/lib/kubelet/pki/kubelet-client-current.pem');
      if (existsSync(pem))
        expected.set(
          'file /var/lib/kubelet/pki/kubelet-client-current.pem',
          Date.parse(new X509Certificate(readFileSync(pem)).validTo),
        );
      const mine = doc.entries.filter((e) => e.node === node);
      expect(new Map(mine.map((e) => [`${e.source} ${entryId(e)}`, Date.parse(e.notAfter)])), node).toEqual(expected);
      expect(mine).toHaveLength(expected.size);
    }
    console.log(
      `check over 100 light nodes: exit ${res.code}, ${doc.entries.length} certificates, ${seconds.toFixed(1)} s`,
    );
  });
});
