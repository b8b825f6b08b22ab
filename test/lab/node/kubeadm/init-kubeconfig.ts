// `kubeadm init phase kubeconfig all` (phases/kubeconfig/kubeconfig.go; kubeadm-facts.md §4): writes
// missing kubeconfigs, keeps existing ones untouched, and checks their CA and API server URL against
// the configuration (defaults without --config: the default-route address, port 6443).
import fs from 'node:fs';
import os from 'node:os';
import YAML from 'yaml';
import { issueCert } from '../../pki/certs.js';
import { generateKey } from '../../pki/keys.js';
import { renderKubeconfig } from '../../pki/kubeconfig.js';
import { atLeast, type KubeVersion } from '../../pki/version.js';
import { CAS } from './catalog.js';
import { loadCa } from './cert-store.js';
import { DEFAULT_VALIDITY_MS } from './cluster-config.js';
import { DEFAULT_CERT_DIR, klogWarning, KubeadmError, nodePath, readIfExists, writeInPlace, type Io } from './env.js';
import { firstPem, loadKubeconfig } from './kubeconfig-file.js';

export interface InitKubeconfigOptions {
  configPath: string | null;
  certDir: string | null;
  kubeconfigDir: string;
  advertiseAddress: string | null;
  controlPlaneEndpoint: string | null;
  bindPort: number | null;
}

interface Endpoints {
  /** admin, super-admin, kubelet */
  controlPlane: string;
  /** controller-manager, scheduler (local endpoint since 1.26, as the lab's PKI does) */
  local: string;
  certDir: string;
}

/** The IPv4 address of the default-route interface (kubeadm's ChooseHostInterface). */
function defaultRouteAddress(): string | null {
  try {
    const routes = fs.readFileSync('/proc/net/route', 'utf8').split('\n').slice(1);
    const iface = routes.map((l) => l.trim().split(/\s+/)).find((f) => f[1] === '00000000')?.[0];
    const address = iface ? os.networkInterfaces()[iface]?.find((a) => a.family === 'IPv4')?.address : undefined;
    if (address) return address;
  } catch {
    // no /proc: fall through
  }
  try {
    const node = JSON.parse(readIfExists('/var/lib/kcrlab/node.json') ?? '') as { address?: string };
    return node.address ?? null;
  } catch {
    return null;
  }
}

function endpoints(v: KubeVersion, opts: InitKubeconfigOptions): Endpoints {
  let advertise = opts.advertiseAddress;
  let port = opts.bindPort ?? 6443;
  let cpe = opts.controlPlaneEndpoint;
  let certDir = opts.certDir ?? DEFAULT_CERT_DIR;
  if (opts.configPath !== null) {
    const text = readIfExists(opts.configPath);
    if (text === null)
      throw new KubeadmError(
        `unable to read config from "${opts.configPath}" : open ${opts.configPath}: no such file or directory`,
      );
    const docs = YAML.parseAllDocuments(text).map((d) => (d.toJS() ?? {}) as Record<string, unknown>);
    const init = docs.find((d) => d.kind === 'InitConfiguration') as
      { localAPIEndpoint?: { advertiseAddress?: string; bindPort?: number } } | undefined;
    const cluster = docs.find((d) => d.kind === 'ClusterConfiguration') as
      { controlPlaneEndpoint?: string; certificatesDir?: string } | undefined;
    if (!init && !cluster)
      throw new KubeadmError('no InitConfiguration or ClusterConfiguration kind was found in the YAML file');
    advertise = init?.localAPIEndpoint?.advertiseAddress ?? advertise;
    port = init?.localAPIEndpoint?.bindPort ?? port;
    cpe = cluster?.controlPlaneEndpoint ?? cpe;
    certDir = cluster?.certificatesDir ?? certDir;
  }
  advertise = advertise ?? defaultRouteAddress();
  if (!advertise) throw new KubeadmError('unable to select an IP from default routes.');
  const local = `https://${advertise}:${port}`;
  const controlPlane = cpe ? `https://${/:\d+$/.test(cpe) ? cpe : `${cpe}:${port}`}` : local;
  return { controlPlane, local: atLeast(v, 26) ? local : controlPlane, certDir };
}

interface KubeconfigTarget {
  file: string;
  phase: string;
  server: string;
  userName: string;
  organizations: string[];
}

function targets(v: KubeVersion, e: Endpoints, nodeName: string): KubeconfigTarget[] {
  const list: KubeconfigTarget[] = [
    {
      file: 'admin.conf',
      phase: 'admin',
      server: e.controlPlane,
      userName: 'kubernetes-admin',
      organizations: [atLeast(v, 29) ? 'kubeadm:cluster-admins' : 'system:masters'],
    },
  ];
  if (atLeast(v, 29))
    list.push({
      file: 'super-admin.conf',
      phase: 'super-admin',
      server: e.controlPlane,
      userName: 'kubernetes-super-admin',
      organizations: ['system:masters'],
    });
  list.push(
    {
      file: 'kubelet.conf',
      phase: 'kubelet',
      server: e.controlPlane,
      userName: `system:node:${nodeName}`,
      organizations: ['system:nodes'],
    },
    {
      file: 'controller-manager.conf',
      phase: 'controller-manager',
      server: e.local,
      userName: 'system:kube-controller-manager',
      organizations: [],
    },
    {
      file: 'scheduler.conf',
      phase: 'scheduler',
      server: e.local,
      userName: 'system:kube-scheduler',
      organizations: [],
    },
  );
  return list;
}

function nodeName(): string {
  try {
    return fs.readFileSync(nodePath('/etc/hostname'), 'utf8').trim() || os.hostname();
  } catch {
    return os.hostname();
  }
}

export function runInitKubeconfigAll(v: KubeVersion, opts: InitKubeconfigOptions, io: Io): void {
  if (opts.configPath === null) {
    io.err(
      klogWarning(
        'version.go:102',
        'could not fetch a Kubernetes version from the internet: unable to get URL "https://dl.k8s.io/release/stable-1.txt": Get "https://dl.k8s.io/release/stable-1.txt": dial tcp: lookup dl.k8s.io: no such host',
      ),
    );
    io.err(klogWarning('version.go:103', `falling back to the local client version: v${v.text}`));
  }
  const e = endpoints(v, opts);
  const dir = opts.kubeconfigDir;
  io.out(`[kubeconfig] Using kubeconfig folder "${dir}"\n`);
  const ca = loadCa(CAS[0] as (typeof CAS)[number], e.certDir);
  if (!ca)
    throw new KubeadmError(
      `error execution phase kubeconfig/admin: couldn't create a kubeconfig; the CA files couldn't be loaded: couldn't load the certificate file ${e.certDir}/ca.crt: open ${e.certDir}/ca.crt: no such file or directory`,
    );
  for (const t of targets(v, e, nodeName())) {
    const file = `${dir}/${t.file}`;
    const existing = loadKubeconfig(file);
    if (!existing) {
      if (!ca.signer)
        throw new KubeadmError(
          `error execution phase kubeconfig/${t.phase}: couldn't create a kubeconfig; the CA files couldn't be loaded: couldn't load the private key file ${e.certDir}/ca.key: open ${e.certDir}/ca.key: no such file or directory`,
        );
      io.out(`[kubeconfig] Writing "${t.file}" kubeconfig file\n`);
      const now = new Date();
      const issued = issueCert(
        {
          commonName: t.userName,
          organizations: t.organizations,
          usages: ['clientAuth'],
          notBefore: now,
          notAfter: new Date(now.getTime() + DEFAULT_VALIDITY_MS),
        },
        generateKey(),
        ca.signer,
      );
      writeInPlace(
        file,
        renderKubeconfig({
          server: t.server,
          caPem: ca.certPem,
          userName: t.userName,
          client: { certPem: issued.certPem, keyPem: issued.key.privatePem },
        }),
        0o600,
      );
      continue;
    }
    if (firstPem(existing.caPem, 'CERTIFICATE')?.trim() !== firstPem(ca.certPem, 'CERTIFICATE')?.trim()) {
      throw new KubeadmError(
        `error execution phase kubeconfig/${t.phase}: a kubeconfig file "${file}" exists already but has got the wrong CA cert`,
      );
    }
    if (existing.server !== t.server) {
      // An error up to 1.19, a warning from 1.20 (k8s#94816).
      if (!atLeast(v, 20))
        throw new KubeadmError(
          `error execution phase kubeconfig/${t.phase}: a kubeconfig file "${file}" exists already but has got the wrong API Server URL`,
        );
      io.err(
        klogWarning(
          'kubeconfig.go:240',
          `a kubeconfig file "${file}" exists already but has an unexpected API Server URL: expected: ${t.server}, got: ${existing.server}`,
        ),
      );
    }
    io.out(`[kubeconfig] Using existing kubeconfig file: "${file}"\n`);
  }
}
