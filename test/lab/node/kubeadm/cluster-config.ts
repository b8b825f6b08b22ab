// kubeadm's getInternalCfg for `certs renew` / `check-expiration` (cmd/certs.go): with no --config,
// 1.17+ reads the ClusterConfiguration from the kubeadm-config ConfigMap through admin.conf; if that
// fails, or this kubeadm cannot decode the stored apiVersion, it falls back to defaults.
import https from 'node:https';
import YAML from 'yaml';
import { atLeast, type KubeVersion } from '../../pki/version.js';
import { parseGoDurationMs } from './duration.js';
import { DEFAULT_CERT_DIR, klogWarning, KubeadmError, readIfExists, type Io } from './env.js';
import { firstPem, loadKubeconfig } from './kubeconfig-file.js';

export interface EffectiveConfig {
  certificatesDir: string;
  externalEtcd: boolean;
  /** Leaf validity (1.31+ honours certificateValidityPeriod). */
  validityMs: number;
}

export const DEFAULT_VALIDITY_MS = 365 * 24 * 3600 * 1000;
const FETCH_TIMEOUT_MS = 5000;

/** kubeadm.k8s.io versions each kubeadm can decode (kubeadm-facts.md §4). */
export function readableApiVersions(v: KubeVersion): string[] {
  if (!atLeast(v, 22)) return ['v1beta1', 'v1beta2'];
  if (!atLeast(v, 27)) return ['v1beta2', 'v1beta3'];
  if (!atLeast(v, 31)) return ['v1beta3'];
  return ['v1beta3', 'v1beta4'];
}

interface ClusterConfigurationDoc {
  apiVersion?: string;
  kind?: string;
  certificatesDir?: string;
  etcd?: { external?: unknown };
  certificateValidityPeriod?: string;
}

function fromDoc(v: KubeVersion, doc: ClusterConfigurationDoc, fallbackCertDir: string): EffectiveConfig {
  const validity =
    atLeast(v, 31) && doc.certificateValidityPeriod ? parseGoDurationMs(doc.certificateValidityPeriod) : null;
  return {
    certificatesDir: doc.certificatesDir ?? fallbackCertDir,
    externalEtcd: Boolean(doc.etcd?.external),
    validityMs: validity ?? DEFAULT_VALIDITY_MS,
  };
}

class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

function httpsGetJson(
  server: string,
  pathName: string,
  tls: { ca: string; cert: string; key: string },
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      new URL(pathName, server),
      { ...tls, timeout: FETCH_TIMEOUT_MS, headers: { Accept: 'application/json' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new HttpStatusError(res.statusCode ?? 0));
          else {
            try {
              resolve(JSON.parse(body));
            } catch (e) {
              reject(e as Error);
            }
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/**
 * componentconfigs.FetchFromCluster after the ClusterConfiguration: the kube-proxy and kubelet
 * ConfigMaps. A missing one is only a klog warning (TKE clusters have no kube-proxy ConfigMap); any
 * other error fails the read. Simulated for 1.20 (the warning's wording and source line are
 * 1.20.2's); other versions read the kubeadm-config ConfigMap only.
 */
async function fetchComponentConfigs(
  v: KubeVersion,
  server: string,
  tls: { ca: string; cert: string; key: string },
  io: Io,
): Promise<void> {
  if (v.major !== 1 || v.minor !== 20) return;
  const configMaps = [
    { group: 'kubeproxy.config.k8s.io/v1alpha1', name: 'kube-proxy' },
    { group: 'kubelet.config.k8s.io/v1beta1', name: `kubelet-config-1.${v.minor}` },
  ];
  for (const cm of configMaps) {
    try {
      await httpsGetJson(server, `/api/v1/namespaces/kube-system/configmaps/${cm.name}`, tls);
    } catch (err) {
      if (!(err instanceof HttpStatusError) || err.status !== 404) throw err;
      io.err(
        klogWarning(
          'configset.go:77',
          `Warning: No ${cm.group} config is loaded. Continuing without it: configmaps "${cm.name}" not found`,
        ),
      );
    }
  }
}

async function fetchClusterConfiguration(
  v: KubeVersion,
  kubeconfigPath: string,
  io: Io,
): Promise<ClusterConfigurationDoc> {
  const kc = loadKubeconfig(kubeconfigPath);
  const ca = kc?.caPem;
  const cert = firstPem(kc?.clientCertPem ?? null, 'CERTIFICATE');
  const key = firstPem(kc?.clientKeyPem ?? null, 'PRIVATE KEY');
  if (!kc || !ca || !cert || !key) throw new Error('admin kubeconfig unusable');
  const cm = (await httpsGetJson(kc.server, '/api/v1/namespaces/kube-system/configmaps/kubeadm-config', {
    ca,
    cert,
    key,
  })) as { data?: Record<string, string> };
  const text = cm.data?.ClusterConfiguration;
  if (!text)
    throw new Error(
      'unexpected error when reading kubeadm-config ConfigMap: ClusterConfiguration key value pair missing',
    );
  const doc = YAML.parse(text) as ClusterConfigurationDoc;
  const apiVersion = String(doc.apiVersion ?? '').replace(/^kubeadm\.k8s\.io\//, '');
  if (!readableApiVersions(v).includes(apiVersion))
    throw new Error(`no kind "ClusterConfiguration" is registered for version "kubeadm.k8s.io/${apiVersion}"`);
  await fetchComponentConfigs(v, kc.server, { ca, cert, key }, io);
  return doc;
}

export interface ConfigOptions {
  /** --config */
  configPath: string | null;
  /** --kubeconfig (1.17+; default /etc/kubernetes/admin.conf) */
  kubeconfigPath: string;
  /** --cert-dir */
  certDir: string | null;
  /** "renew" or "check-expiration" */
  logPrefix: string;
}

function headerLines(v: KubeVersion, prefix: string): string {
  if (atLeast(v, 31)) {
    return (
      `[${prefix}] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...\n` +
      `[${prefix}] Use 'kubeadm init phase upload-config --config your-config.yaml' to re-upload it.\n`
    );
  }
  const output = atLeast(v, 20) ? '-o yaml' : '-oyaml';
  return (
    `[${prefix}] Reading configuration from the cluster...\n` +
    `[${prefix}] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config ${output}'\n`
  );
}

function loadConfigFile(v: KubeVersion, configPath: string, fallbackCertDir: string): EffectiveConfig {
  const text = readIfExists(configPath);
  if (text === null)
    throw new KubeadmError(
      `unable to read config from "${configPath}" : open ${configPath}: no such file or directory`,
    );
  const docs = YAML.parseAllDocuments(text).map((d) => (d.toJS() ?? {}) as ClusterConfigurationDoc);
  const cluster = docs.find((d) => d.kind === 'ClusterConfiguration');
  if (!cluster && !docs.some((d) => d.kind === 'InitConfiguration')) {
    throw new KubeadmError('no InitConfiguration or ClusterConfiguration kind was found in the YAML file');
  }
  return fromDoc(v, cluster ?? {}, fallbackCertDir);
}

export async function loadEffectiveConfig(v: KubeVersion, opts: ConfigOptions, io: Io): Promise<EffectiveConfig> {
  const cfg = await loadConfigOrDefaults(v, opts, io);
  warnComponentConfigs(v, io);
  return cfg;
}

/**
 * kubeadm 1.18 and 1.19 validate the loaded configuration with componentconfigs.Validate, which
 * only logs that it cannot validate them (gone in 1.20, where Validate is a no-op).
 */
function warnComponentConfigs(v: KubeVersion, io: Io): void {
  if (v.major !== 1 || (v.minor !== 18 && v.minor !== 19)) return;
  const source = v.minor === 18 ? 'configset.go:202' : 'configset.go:348';
  io.err(
    klogWarning(
      source,
      'WARNING: kubeadm cannot validate component configs for API groups [kubelet.config.k8s.io kubeproxy.config.k8s.io]',
    ),
  );
}

async function loadConfigOrDefaults(v: KubeVersion, opts: ConfigOptions, io: Io): Promise<EffectiveConfig> {
  const fallbackCertDir = opts.certDir ?? DEFAULT_CERT_DIR;
  // kubeadm 1.16 only knows --config or defaults; the cluster read came in 1.17 (k8s#85091).
  if (opts.configPath === null && atLeast(v, 17) && loadKubeconfigQuietly(opts.kubeconfigPath)) {
    io.out(headerLines(v, opts.logPrefix));
    try {
      const doc = await fetchClusterConfiguration(v, opts.kubeconfigPath, io);
      io.out('\n');
      return fromDoc(v, doc, DEFAULT_CERT_DIR);
    } catch {
      io.out(
        `[${opts.logPrefix}] Error reading configuration from the Cluster. Falling back to default configuration\n\n`,
      );
    }
  }
  if (opts.configPath !== null) return loadConfigFile(v, opts.configPath, fallbackCertDir);
  return { certificatesDir: fallbackCertDir, externalEtcd: false, validityMs: DEFAULT_VALIDITY_MS };
}

/** kubeconfigutil.ClientSetFromFile: a missing or unreadable admin.conf makes the fallback silent. */
function loadKubeconfigQuietly(path: string): boolean {
  try {
    return loadKubeconfig(path) !== null;
  } catch {
    return false;
  }
}
