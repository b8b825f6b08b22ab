// `renew` on one 1-master cluster per supported version line (1.16 .. 1.31), both container
// runtimes, all due (certificates issued 350 days ago: 15 days left < the default 30 d threshold).
// One run over the whole fleet (clusters in parallel); each cluster judged by the lab and openssl.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason, type LabStatus, type RunResult } from './support/lab.js';
import {
  diskSerials,
  kubeconfigSerial,
  loadedSerials,
  normSerial,
  PKI_LEAF_CERTS,
  sha256,
} from './support/node-files.js';

const skip = labUnavailableReason();

interface VersionCase {
  cluster: string;
  version: string;
  runtime: 'docker' | 'containerd';
  renewArgs: string[];
  superAdmin: boolean;
}
const CASES: VersionCase[] = [
  {
    cluster: 'v116',
    version: '1.16.9',
    runtime: 'docker',
    renewArgs: ['alpha', 'certs', 'renew', 'all'],
    superAdmin: false,
  },
  {
    cluster: 'v118',
    version: '1.18.3',
    runtime: 'containerd',
    renewArgs: ['alpha', 'certs', 'renew', 'all'],
    superAdmin: false,
  },
  {
    cluster: 'v119',
    version: '1.19.7',
    runtime: 'docker',
    renewArgs: ['alpha', 'certs', 'renew', 'all'],
    superAdmin: false,
  },
  { cluster: 'v120', version: '1.20.6', runtime: 'docker', renewArgs: ['certs', 'renew', 'all'], superAdmin: false },
  {
    cluster: 'v121',
    version: '1.21.4',
    runtime: 'containerd',
    renewArgs: ['certs', 'renew', 'all'],
    superAdmin: false,
  },
  { cluster: 'v131', version: '1.31.4', runtime: 'containerd', renewArgs: ['certs', 'renew', 'all'], superAdmin: true },
];
const node = (c: VersionCase): string => `${c.cluster}-m1`;

const TOPOLOGY = `# healthy 1-master clusters, certificates 15 days from expiry
defaults:
  certAgeDays: 350
clusters:
${CASES.map((c) => `  - { name: ${c.cluster}, kubernetesVersion: "${c.version}", runtime: ${c.runtime} }`).join('\n')}
`;

const CERT_FILES = PKI_LEAF_CERTS.map((n) => `/etc/kubernetes/pki/${n}.crt`);
const KUBECONFIGS = ['admin.conf', 'controller-manager.conf', 'scheduler.conf'].map((n) => `/etc/kubernetes/${n}`);
const SUPER_ADMIN = '/etc/kubernetes/super-admin.conf';

interface CertOnDisk {
  serial: string;
  notAfter: Date;
}

/**
 * Serial and end date of every certificate file and kubeconfig client certificate kubeadm renews,
 * read with openssl on the node (one exec: the lab is shared and slow under load).
 */
async function certsOnDisk(lab: Lab, n: string, superAdmin: boolean): Promise<Record<string, CertOnDisk>> {
  const kubeconfigs = [...KUBECONFIGS, ...(superAdmin ? [SUPER_ADMIN] : [])];
  const script = String.raw`
for f in "$@"; do
  case "$f" in
    *.conf) out=$(sed -n 's/^ *client-certificate-data: *//p' "$f" | base64 -d | openssl x509 -noout -serial -enddate) || exit 1 ;;
    *) out=$(openssl x509 -noout -serial -enddate -in "$f") || exit 1 ;;
  esac
  printf '%s %s\n' "$f" "$(printf '%s' "$out" | tr '\n' ' ')"
done`;
  const res = await lab.exec(n, ['sh', '-c', script, 'sh', ...CERT_FILES, ...kubeconfigs]);
  if (res.code !== 0) throw new Error(`${n}: reading certificates: ${res.stderr}`);
  const out: Record<string, CertOnDisk> = {};
  for (const line of res.stdout.trim().split('\n')) {
    const m = /^(\S+) serial=([0-9A-Fa-f]+) notAfter=(.+?)\s*$/.exec(line);
    if (!m) throw new Error(`${n}: unexpected openssl output ${line}`);
    out[m[1]!] = { serial: normSerial(m[2]!), notAfter: new Date(m[3]!) };
  }
  expect(Object.keys(out).sort(), n).toEqual([...CERT_FILES, ...kubeconfigs].sort());
  return out;
}

function clusterHealthy(s: LabStatus, cluster: string): boolean {
  const c = s.clusters.find((x) => x.name === cluster);
  return Boolean(
    c?.etcd.quorum && c.nodes.every((n) => Object.values(n.components).every((x) => x.running && x.healthy)),
  );
}

interface HostReport {
  cluster: string;
  host: string;
  status: string;
  data: { kubeadmCommand?: string[] };
  certificates: { name: string }[];
}

describe.skipIf(skip)(
  `renew on every supported version line and both runtimes${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let lab: Lab;
    let labUp: Promise<Lab> | undefined;
    let before: LabStatus;
    const certsBefore = new Map<string, Record<string, CertOnDisk>>();
    let result: RunResult;
    let hosts: HostReport[];
    let renewedAtSec: number;

    beforeAll(async () => {
      labUp = Lab.up(TOPOLOGY, { name: 'renew-versions' });
      lab = await labUp;
      before = await lab.status();
      for (const c of CASES) certsBefore.set(c.cluster, await certsOnDisk(lab, node(c), c.superAdmin));
      result = await lab.tool(['--inventory', lab.inventory, '--yes', '--json', '--output-dir', `${lab.dir}/out`]);
      renewedAtSec = Date.now() / 1000;
      hosts =
        result.code === 0
          ? (JSON.parse(result.stdout) as { clusters: { hosts: HostReport[] }[] }).clusters.flatMap((c) => c.hosts)
          : [];
    }, 900_000);
    afterAll(async () => {
      // Also when beforeAll timed out while the lab was still coming up.
      await (await labUp?.catch(() => undefined))?.down();
    }, 300_000);

    it('the lab runs each version with the runtime asked for, and the run over all of them succeeds', () => {
      for (const c of CASES) {
        const s = before.clusters.find((x) => x.name === c.cluster)!;
        expect([s.version, s.runtime], c.cluster).toEqual([c.version, c.runtime]);
      }
      expect(new Set(CASES.map((c) => c.runtime))).toEqual(new Set(['docker', 'containerd']));
      expect(result.code, result.stderr.slice(-3000)).toBe(0);
      expect(hosts.map((h) => [h.host, h.status]).sort()).toEqual(CASES.map((c) => [node(c), 'changed']).sort());
    });

    for (const c of CASES) {
      describe(`${c.version} (${c.runtime})`, () => {
        it(`renewed with \`kubeadm ${c.renewArgs.join(' ')}\`: every certificate on disk changed`, async () => {
          const h = hosts.find((x) => x.host === node(c));
          // The configuration goes in a temporary file (kubeadm never guesses it): the report names no path.
          expect(h?.data.kubeadmCommand?.slice(1), 'the command in the JSON report').toEqual([
            ...c.renewArgs,
            '--config',
            '<file>',
          ]);
          expect(result.stderr).toContain(`[${c.cluster}/${node(c)}] Renew certificates with kubeadm changed`);
          expect(result.stderr).toMatch(
            new RegExp(
              `\\[${c.cluster}/${node(c)}\\] Renew certificates with kubeadm changed .*\`\\S*kubeadm ${c.renewArgs.join(' ')} --config <file>\` \\(kubeadm \\S+, configuration from the kubeadm-config ConfigMap\\)`,
            ),
          );
          const now = await certsOnDisk(lab, node(c), c.superAdmin);
          const old = certsBefore.get(c.cluster)!;
          expect(Object.keys(now).sort()).toEqual(Object.keys(old).sort());
          for (const [file, cert] of Object.entries(now))
            expect(cert.serial, `${node(c)} ${file}`).not.toBe(old[file]!.serial);
        });

        it('every component runs on the new certificate on disk', { timeout: 180_000 }, async () => {
          // Probes time out on a loaded machine: wait (bounded) for one status where all are healthy.
          let after = await lab.status();
          for (let i = 0; i < 30 && !clusterHealthy(after, c.cluster); i++) {
            await new Promise((r) => setTimeout(r, 2000));
            after = await lab.status();
          }
          const loaded = loadedSerials(after, node(c));
          expect(Object.keys(loaded).sort()).toEqual([
            'etcd',
            'kube-apiserver',
            'kube-controller-manager',
            'kube-scheduler',
          ]);
          for (const [component, serial] of Object.entries(loadedSerials(before, node(c))))
            expect(loaded[component], component).not.toBe(serial);
          expect(loaded).toEqual(await diskSerials(lab, node(c)));
          const n = after.clusters.find((x) => x.name === c.cluster)!.nodes[0]!;
          for (const [component, s] of Object.entries(n.components))
            expect([component, s.running, s.healthy], component).toEqual([component, true, true]);
          expect(after.clusters.find((x) => x.name === c.cluster)!.etcd.quorum).toBe(true);
        });

        it('the new certificates end about a year from now (openssl on the node)', async () => {
          for (const [file, { notAfter }] of Object.entries(await certsOnDisk(lab, node(c), c.superAdmin))) {
            const daysLeft = (notAfter.getTime() / 1000 - renewedAtSec) / 86400;
            expect(daysLeft, `${node(c)} ${file} ends ${notAfter.toISOString()}`).toBeGreaterThan(364);
            expect(daysLeft, `${node(c)} ${file} ends ${notAfter.toISOString()}`).toBeLessThan(366);
          }
        });

        it(`/root/.kube/config is the new admin.conf${c.superAdmin ? ', never super-admin.conf, which was renewed too' : ''}`, async () => {
          const rootConfig = await sha256(lab, node(c), '/root/.kube/config');
          expect(rootConfig).toBe(await sha256(lab, node(c), '/etc/kubernetes/admin.conf'));
          expect(await kubeconfigSerial(lab, node(c), '/root/.kube/config')).not.toBe(
            certsBefore.get(c.cluster)!['/etc/kubernetes/admin.conf']!.serial,
          );
          const superAdmin = await lab.exec(node(c), ['test', '-f', SUPER_ADMIN]);
          expect(superAdmin.code === 0, 'super-admin.conf present exactly from 1.29').toBe(c.superAdmin);
          if (c.superAdmin) {
            expect(rootConfig).not.toBe(await sha256(lab, node(c), SUPER_ADMIN));
            const h = hosts.find((x) => x.host === node(c))!;
            expect(h.certificates.map((x) => x.name)).toContain('super-admin.conf');
          }
        });
      });
    }
  },
);
