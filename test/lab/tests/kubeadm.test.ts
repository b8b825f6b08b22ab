// The kubeadm simulator run as a real process against a rootfs built by buildClusterFiles: output
// byte for byte as procedure.md and kubeadm-facts.md give it, renewal checked with the real openssl.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clusterConfigurationYaml } from '../pki/seed.js';
import { parseKubeVersion } from '../pki/version.js';
import { tabwrite } from '../node/kubeadm/tabwriter.js';
import { HEADER_118_LINES, RENEWED_LINES } from './procedure-output.js';
import {
  clusterSpec,
  openssl,
  pointKubeconfigsAt,
  REPO,
  runKubeadm,
  simulatorMain,
  startApiServer,
  tempDir,
  writeCluster,
  type FakeApiServer,
} from './kubeadm-harness.js';

const PKI = 'etc/kubernetes/pki';
const STACK_HINT = 'To see the stack trace of this error execute with --v=5 or higher\n';
const TEN_LINES = `${RENEWED_LINES.join('\n')}\n`;
const HEADER_118 = `${HEADER_118_LINES.join('\n')}\n`;

/** The code blocks of procedure.md step 3, when the shared reference is there (it is the spec). */
function procedureBlocks(): string[] | null {
  const file = path.join(REPO, '../shared/reference/procedure.md');
  if (!fs.existsSync(file)) return null;
  const step = fs.readFileSync(file, 'utf8').split('3. **Renew**')[1]?.split('4. **Kubeconfigs**')[0] ?? '';
  return [...step.matchAll(/```\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').replace(/^ {3}/gm, ''));
}

const clusters: string[] = [];
/** A fresh single-master node rootfs; returns its root. */
function freshNode(overrides: Parameters<typeof clusterSpec>[0] = {}): string {
  const spec = clusterSpec(overrides);
  const dir = writeCluster(spec);
  clusters.push(dir);
  return path.join(dir, (spec.masters[0] as { name: string }).name);
}

const x509 = (file: string, ...fields: string[]): string => openssl(['x509', '-noout', ...fields, '-in', file]);
const modulus = (file: string): string => x509(file, '-modulus');
const kubeconfigClientCert = (file: string): string => {
  const doc = YAML.parse(fs.readFileSync(file, 'utf8')) as { users: { user: Record<string, string> }[] };
  return Buffer.from(doc.users[0]?.user['client-certificate-data'] ?? '', 'base64').toString();
};

let server: FakeApiServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});
afterAll(() => {
  for (const dir of clusters) fs.rmSync(dir, { recursive: true, force: true });
});
beforeAll(() => {
  simulatorMain();
}, 180_000);

/** The ClusterConfiguration a cluster of this version stores (what seed.json holds). */
const storedConfig = (version: string): string =>
  clusterConfigurationYaml(clusterSpec({ kubernetesVersion: version }), parseKubeVersion(version));

describe('renew output, byte for byte', () => {
  it('1.16: `alpha certs renew all` prints the ten lines of procedure.md', async () => {
    const root = freshNode({ kubernetesVersion: '1.16.9', light: true });
    const r = await runKubeadm('1.16.9', root, ['alpha', 'certs', 'renew', 'all']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(TEN_LINES);
    const blocks = procedureBlocks();
    if (blocks) expect(r.stdout).toBe(blocks[0]);
  });

  it('1.18: the cluster read header, an empty line, then the ten lines (procedure.md)', async () => {
    const root = freshNode({ light: true });
    server = await startApiServer(root, storedConfig('1.18.3'));
    pointKubeconfigsAt(root, server.port);
    const r = await runKubeadm('1.18.3', root, ['alpha', 'certs', 'renew', 'all']);
    // kubeadm-fidelity.test.ts: the one klog warning of componentconfigs.Validate on 1.18/1.19.
    expect(r.stderr).toMatch(
      /^W\d{4} [\d:.]+ +\d+ configset\.go:202\] WARNING: kubeadm cannot validate component configs for API groups \[kubelet\.config\.k8s\.io kubeproxy\.config\.k8s\.io\]\n$/,
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(HEADER_118 + TEN_LINES);
    expect(server.requests).toEqual(['GET /api/v1/namespaces/kube-system/configmaps/kubeadm-config']);
    const blocks = procedureBlocks();
    if (blocks) expect(r.stdout).toBe((blocks[1] as string) + (blocks[0] as string));
  });

  it('1.21: `certs renew all` ends with the Done line; `alpha certs` is gone (cobra prints alpha help, renews nothing)', async () => {
    const root = freshNode({ kubernetesVersion: '1.21.4', light: true });
    server = await startApiServer(root, storedConfig('1.21.4'));
    pointKubeconfigsAt(root, server.port);
    const before = fs.readFileSync(path.join(root, PKI, 'apiserver.crt'), 'utf8');
    const alpha = await runKubeadm('1.21.4', root, ['alpha', 'certs', 'renew', 'all']);
    expect(alpha.stdout).toMatch(/^Kubeadm experimental sub-commands\n\nUsage:\n {2}kubeadm alpha \[command\]\n/);
    expect(alpha.stdout).not.toContain('certs');
    expect(fs.readFileSync(path.join(root, PKI, 'apiserver.crt'), 'utf8')).toBe(before);
    const r = await runKubeadm('1.21.4', root, ['certs', 'renew', 'all']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      "[renew] Reading configuration from the cluster...\n[renew] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'\n\n" +
        TEN_LINES +
        '\nDone renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.\n',
    );
  });

  it('1.18: `kubeadm certs renew all` is an unknown command', async () => {
    const root = freshNode({ light: true });
    const r = await runKubeadm('1.18.3', root, ['certs', 'renew', 'all']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`unknown command "certs" for "kubeadm"\n${STACK_HINT}`);
  });

  it('1.20: `alpha certs renew all` works after the cobra deprecation line on stderr', async () => {
    const root = freshNode({ kubernetesVersion: '1.20.6', light: true });
    fs.rmSync(path.join(root, 'etc/kubernetes/admin.conf'));
    const r = await runKubeadm('1.20.6', root, ['alpha', 'certs', 'renew', 'all']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('Command "all" is deprecated, please use the same command under "kubeadm certs"\n');
    // admin.conf missing: no header (silent fallback), and its MISSING! line.
    expect(r.stdout.split('\n')[0]).toBe(
      'MISSING! certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself',
    );
  });

  it('unknown flags fail like kubeadm (cobra + CheckErr)', async () => {
    const root = freshNode({ light: true });
    const r = await runKubeadm('1.19.7', root, ['alpha', 'certs', 'renew', 'all', '--use-api']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`unknown flag: --use-api\n${STACK_HINT}`);
    expect((await runKubeadm('1.18.3', root, ['alpha', 'certs', 'renew', 'bogus'])).stderr).toBe(
      `invalid subcommand: "bogus"\n${STACK_HINT}`,
    );
  });
});

describe('renewal semantics (openssl)', () => {
  it('new key, same subject and SANs, 365 days from now, signed by the right CA; kubeconfigs too', async () => {
    const root = freshNode({ kubernetesVersion: '1.16.9', certAgeDays: 400, light: true });
    const crt = path.join(root, PKI, 'apiserver.crt');
    const etcdCrt = path.join(root, PKI, 'etcd/peer.crt');
    const old = {
      serial: x509(crt, '-serial'),
      modulus: modulus(crt),
      subject: x509(crt, '-subject'),
      sans: x509(crt, '-ext', 'subjectAltName'),
      etcdSans: x509(etcdCrt, '-ext', 'subjectAltName'),
    };
    const admin = path.join(root, 'etc/kubernetes/admin.conf');
    const oldAdmin = YAML.parse(fs.readFileSync(admin, 'utf8')) as {
      clusters: { cluster: { server: string } }[];
      'current-context': string;
    };
    const oldAdminCert = kubeconfigClientCert(admin);
    const caKey = fs.readFileSync(path.join(root, PKI, 'ca.key'), 'utf8');
    expect((await runKubeadm('1.16.9', root, ['alpha', 'certs', 'renew', 'all'])).status).toBe(0);

    expect(x509(crt, '-serial')).not.toBe(old.serial);
    expect(modulus(crt)).not.toBe(old.modulus);
    expect(x509(crt, '-subject')).toBe(old.subject);
    // The same names; kubeadm deduplicates them and sorts the DNS names on the way (RemoveDuplicateAltNames).
    const sanSet = (text: string): string[] =>
      [
        ...new Set(
          text
            .replace(/^.*Alternative Name:\s*/s, '')
            .trim()
            .split(/,\s*/),
        ),
      ].sort();
    expect(sanSet(x509(crt, '-ext', 'subjectAltName'))).toEqual(sanSet(old.sans));
    expect(sanSet(x509(etcdCrt, '-ext', 'subjectAltName'))).toEqual(sanSet(old.etcdSans));
    const notAfter = Date.parse(x509(crt, '-enddate').replace('notAfter=', '').trim());
    expect(Math.abs(notAfter - (Date.now() + 365 * 24 * 3600 * 1000))).toBeLessThan(120_000);
    expect(openssl(['verify', '-CAfile', path.join(root, PKI, 'ca.crt'), crt]).trim()).toBe(`${crt}: OK`);
    expect(openssl(['verify', '-CAfile', path.join(root, PKI, 'etcd/ca.crt'), etcdCrt]).trim()).toBe(`${etcdCrt}: OK`);
    const key = crypto.createPrivateKey(fs.readFileSync(path.join(root, PKI, 'apiserver.key')));
    expect(new crypto.X509Certificate(fs.readFileSync(crt)).checkPrivateKey(key)).toBe(true);

    const newAdmin = YAML.parse(fs.readFileSync(admin, 'utf8')) as typeof oldAdmin;
    expect(newAdmin.clusters[0]?.cluster.server).toBe(oldAdmin.clusters[0]?.cluster.server);
    expect(newAdmin['current-context']).toBe(oldAdmin['current-context']);
    const adminCert = kubeconfigClientCert(admin);
    expect(adminCert).not.toBe(oldAdminCert);
    expect(openssl(['x509', '-noout', '-subject'], adminCert)).toBe(
      openssl(['x509', '-noout', '-subject'], oldAdminCert),
    );
    expect(openssl(['verify', '-CAfile', path.join(root, PKI, 'ca.crt')], adminCert).trim()).toBe('stdin: OK');
    // Never touched: CAs, sa.*, kubelet.conf.
    expect(fs.readFileSync(path.join(root, PKI, 'ca.key'), 'utf8')).toBe(caKey);
  });

  it('MISSING! for an absent file; processing continues', async () => {
    const root = freshNode({ kubernetesVersion: '1.16.9', light: true });
    fs.rmSync(path.join(root, PKI, 'apiserver-kubelet-client.crt'));
    const r = await runKubeadm('1.16.9', root, ['alpha', 'certs', 'renew', 'all']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      TEN_LINES.replace(
        'certificate for the API server to connect to kubelet renewed',
        'MISSING! certificate for the API server to connect to kubelet',
      ),
    );
  });

  it('external CA (ca.key absent): Detected external ca, exit 0; check-expiration says yes', async () => {
    const root = freshNode({ kubernetesVersion: '1.16.9', light: true });
    fs.rmSync(path.join(root, PKI, 'ca.key'));
    const r = await runKubeadm('1.16.9', root, ['alpha', 'certs', 'renew', 'all']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      "Detected external ca, certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself can't be renewed",
    );
    expect(lines[1]).toBe("Detected external ca, certificate for serving the Kubernetes API can't be renewed");
    expect(lines[2]).toBe('certificate the apiserver uses to access etcd renewed');
    const table = (await runKubeadm('1.16.9', root, ['alpha', 'certs', 'check-expiration'])).stdout;
    expect(table).toMatch(/^apiserver {18}[A-Z][a-z]{2} \d\d, \d{4} \d\d:\d\d UTC {3}\d{3}d {12}yes {5}$/m);
    expect(table).toMatch(/^apiserver-etcd-client {6}.{22} {3}\d{3}d {12}no {6}$/m);
  });

  it('kubeadmRenewFail fault: the first certificate is renewed, then it fails with exit 1', async () => {
    const root = freshNode({ kubernetesVersion: '1.16.9', light: true });
    fs.mkdirSync(path.join(root, 'var/lib/kcrlab'), { recursive: true });
    fs.writeFileSync(path.join(root, 'var/lib/kcrlab/faults.json'), JSON.stringify({ kubeadmRenewFail: true }));
    const apiserver = fs.readFileSync(path.join(root, PKI, 'apiserver.crt'), 'utf8');
    const r = await runKubeadm('1.16.9', root, ['alpha', 'certs', 'renew', 'all']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(`${TEN_LINES.split('\n')[0]}\n`);
    expect(r.stderr).toBe(
      `unable to write certificate to file /etc/kubernetes/pki/apiserver.crt: write /etc/kubernetes/pki/apiserver.crt: input/output error\n${STACK_HINT}`,
    );
    expect(fs.readFileSync(path.join(root, PKI, 'apiserver.crt'), 'utf8')).toBe(apiserver);
  });
});

describe('check-expiration', () => {
  const FACTS_EXAMPLE = [
    'CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED',
    'admin.conf                 Dec 30, 2020 23:36 UTC   364d                                    no      ',
    'apiserver                  Dec 30, 2020 23:36 UTC   364d            ca                      no      ',
  ];

  it('tabwriter reproduces the layout of the kubeadm-facts.md example', async () => {
    const rows = [
      'CERTIFICATE\tEXPIRES\tRESIDUAL TIME\tCERTIFICATE AUTHORITY\tEXTERNALLY MANAGED',
      'admin.conf\tDec 30, 2020 23:36 UTC\t364d\t\tno      ',
      'apiserver\tDec 30, 2020 23:36 UTC\t364d\tca\tno      ',
      'apiserver-kubelet-client\tDec 30, 2020 23:36 UTC\t364d\tca\tno      ',
      '',
      'CERTIFICATE AUTHORITY\tEXPIRES\tRESIDUAL TIME\tEXTERNALLY MANAGED',
      'ca\tDec 28, 2029 23:36 UTC\t9y\tno      ',
    ];
    const out = tabwrite(rows.join('\n') + '\n').split('\n');
    expect(out.slice(0, 3)).toEqual(FACTS_EXAMPLE);
    expect(out[5]).toBe('CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED');
    expect(out[6]).toBe('ca                      Dec 28, 2029 23:36 UTC   9y              no      ');
  });

  it('1.18 table: columns aligned as the facts example, CA block, MISSING row, <invalid> when expired', async () => {
    const root = freshNode({ certAgeDays: 1, light: true });
    server = await startApiServer(root, storedConfig('1.18.3'));
    pointKubeconfigsAt(root, server.port);
    fs.rmSync(path.join(root, PKI, 'front-proxy-client.crt'));
    const r = await runKubeadm('1.18.3', root, ['alpha', 'certs', 'check-expiration']);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      '[check-expiration] Reading configuration from the cluster...',
      "[check-expiration] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -oyaml'",
      '',
    ]);
    // The MISSING row is the longest first cell (28 + 3), so it widens the column, as in kubeadm.
    expect(lines[3]).toBe('CERTIFICATE'.padEnd(31) + (FACTS_EXAMPLE[0] as string).slice(27));
    expect(lines[4]).toMatch(/^admin\.conf {21}[A-Z][a-z]{2} \d\d, \d{4} \d\d:\d\d UTC {3}363d {36}no {6}$/);
    expect(lines[5]).toMatch(/^apiserver {22}[A-Z][a-z]{2} \d\d, \d{4} \d\d:\d\d UTC {3}363d {12}ca {22}no {6}$/);
    expect(lines[12]).toBe('!MISSING! front-proxy-client'.padEnd(31) + ' '.repeat(25 + 16 + 24));
    expect(lines[15]).toBe('CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED');
    expect(lines[16]).toMatch(/^ca {22}[A-Z][a-z]{2} \d\d, \d{4} \d\d:\d\d UTC {3}9y {14}no {6}$/);

    const expired = freshNode({ kubernetesVersion: '1.16.9', certAgeDays: 400, light: true });
    const old = (await runKubeadm('1.16.9', expired, ['alpha', 'certs', 'check-expiration'])).stdout.split('\n');
    expect(old[0]).toBe('CERTIFICATE                EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED');
    expect(old[1]).toMatch(/^admin\.conf {17}.{22} {3}<invalid> {7}no {6}$/);
  });
});

describe('cluster configuration read and version skew', () => {
  it('kubeadm 1.27 cannot read a v1beta2 ClusterConfiguration: falls back to defaults', async () => {
    const root = freshNode({ light: true });
    server = await startApiServer(root, storedConfig('1.18.3'));
    pointKubeconfigsAt(root, server.port);
    const r = await runKubeadm('1.27.6', root, ['certs', 'renew', 'apiserver']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      "[renew] Reading configuration from the cluster...\n[renew] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'\n" +
        '[renew] Error reading configuration from the Cluster. Falling back to default configuration\n\n' +
        'certificate for serving the Kubernetes API renewed\n',
    );
    expect(server.requests).toHaveLength(1);
  });

  it('kubeadm 1.22 reads v1beta2; kubeadm 1.18 cannot read v1beta3', async () => {
    const root = freshNode({ light: true });
    server = await startApiServer(root, storedConfig('1.18.3'));
    pointKubeconfigsAt(root, server.port);
    expect((await runKubeadm('1.22.17', root, ['certs', 'renew', 'apiserver'])).stdout).not.toContain('Falling back');
    await server.close();
    server = await startApiServer(root, 'apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n');
    pointKubeconfigsAt(root, server.port);
    expect((await runKubeadm('1.18.3', root, ['alpha', 'certs', 'renew', 'apiserver'])).stdout).toContain(
      '[renew] Error reading configuration from the Cluster. Falling back to default configuration\n\n',
    );
  });

  it('an unreachable API server also falls back', async () => {
    const root = freshNode({ light: true });
    pointKubeconfigsAt(root, 1);
    expect((await runKubeadm('1.19.7', root, ['alpha', 'certs', 'renew', 'apiserver'])).stdout).toContain(
      'Falling back to default configuration',
    );
  });
});

describe('init phase kubeconfig all and version', () => {
  const args = ['init', 'phase', 'kubeconfig', 'all', '--apiserver-advertise-address', '10.231.1.10'];

  it('1.18: TKE endpoint in admin.conf -> wrong API Server URL error, nothing rewritten', async () => {
    const root = freshNode({ light: true });
    const before = fs.readFileSync(path.join(root, 'etc/kubernetes/admin.conf'), 'utf8');
    const r = await runKubeadm('1.18.3', root, args);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('[kubeconfig] Using kubeconfig folder "/etc/kubernetes"\n');
    expect(r.stderr).toContain(
      `error execution phase kubeconfig/admin: a kubeconfig file "/etc/kubernetes/admin.conf" exists already but has got the wrong API Server URL\n${STACK_HINT}`,
    );
    expect(fs.readFileSync(path.join(root, 'etc/kubernetes/admin.conf'), 'utf8')).toBe(before);
  });

  it('1.20: only warnings, existing files kept, missing ones written', async () => {
    const root = freshNode({ kubernetesVersion: '1.20.6', light: true });
    fs.rmSync(path.join(root, 'etc/kubernetes/scheduler.conf'));
    const r = await runKubeadm('1.20.6', root, args);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        '[kubeconfig] Using kubeconfig folder "/etc/kubernetes"',
        '[kubeconfig] Using existing kubeconfig file: "/etc/kubernetes/admin.conf"',
        '[kubeconfig] Using existing kubeconfig file: "/etc/kubernetes/kubelet.conf"',
        '[kubeconfig] Using existing kubeconfig file: "/etc/kubernetes/controller-manager.conf"',
        '[kubeconfig] Writing "scheduler.conf" kubeconfig file',
        '',
      ].join('\n'),
    );
    expect(r.stderr).toMatch(
      /W\d{4} [\d:.]+ +\d+ kubeconfig\.go:240\] a kubeconfig file "\/etc\/kubernetes\/admin\.conf" exists already but has an unexpected API Server URL: expected: https:\/\/10\.231\.1\.10:6443, got: https:\/\/api\.tke\.com:6443\n/,
    );
    const scheduler = path.join(root, 'etc/kubernetes/scheduler.conf');
    expect(openssl(['verify', '-CAfile', path.join(root, PKI, 'ca.crt')], kubeconfigClientCert(scheduler)).trim()).toBe(
      'stdin: OK',
    );
  });

  it('wrong CA fails on every version', async () => {
    const root = freshNode({ kubernetesVersion: '1.20.6', light: true });
    const other = freshNode({ kubernetesVersion: '1.20.6', light: true });
    fs.copyFileSync(path.join(other, 'etc/kubernetes/admin.conf'), path.join(root, 'etc/kubernetes/admin.conf'));
    const r = await runKubeadm('1.20.6', root, args);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'a kubeconfig file "/etc/kubernetes/admin.conf" exists already but has got the wrong CA cert',
    );
  });

  it('version -o short and the Go struct line', async () => {
    const root = tempDir('version');
    clusters.push(root);
    expect((await runKubeadm('1.18.3', root, ['version', '-o', 'short'])).stdout).toBe('v1.18.3\n');
    expect((await runKubeadm('1.21.4', root, ['version'])).stdout).toMatch(
      /^kubeadm version: &version\.Info\{Major:"1", Minor:"21", GitVersion:"v1\.21\.4", GitCommit:"[0-9a-f]{40}", GitTreeState:"clean", BuildDate:"[^"]+", GoVersion:"go[\d.]+", Compiler:"gc", Platform:"linux\/amd64"\}\n$/,
    );
  });
});
