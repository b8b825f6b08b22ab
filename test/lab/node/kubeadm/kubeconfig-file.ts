// Reading and rewriting kubeconfig files the way clientcmd does (current context -> cluster, user).
import YAML from 'yaml';
import { stringifyYaml } from '../../pki/kubeconfig.js';
import { nodePath, readIfExists } from './env.js';
import fs from 'node:fs';

interface Named<T> {
  name: string;
  [key: string]: unknown;
  value?: T;
}

export interface KubeconfigDoc {
  clusters?: Named<unknown>[];
  contexts?: Named<unknown>[];
  users?: Named<unknown>[];
  'current-context'?: string;
  [key: string]: unknown;
}

export interface LoadedKubeconfig {
  doc: KubeconfigDoc;
  cluster: Record<string, string>;
  user: Record<string, string>;
  server: string;
  caPem: string | null;
  clientCertPem: string | null;
  clientKeyPem: string | null;
}

const decode = (b64: string | undefined): string | null => (b64 ? Buffer.from(b64, 'base64').toString('utf8') : null);
const readNodeFile = (p: string | undefined): string | null => {
  if (!p) return null;
  try {
    return fs.readFileSync(nodePath(p), 'utf8');
  } catch {
    return null;
  }
};

/** null when the file is absent; throws when it cannot be used. */
export function loadKubeconfig(absolute: string): LoadedKubeconfig | null {
  const text = readIfExists(absolute);
  if (text === null) return null;
  const doc = (YAML.parse(text) ?? {}) as KubeconfigDoc;
  const contextName = doc['current-context'];
  const context = (doc.contexts ?? []).find((c) => c.name === contextName)?.context as
    Record<string, string> | undefined;
  if (!context)
    throw new Error(
      `invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable`,
    );
  const cluster = ((doc.clusters ?? []).find((c) => c.name === context.cluster)?.cluster ?? {}) as Record<
    string,
    string
  >;
  const user = ((doc.users ?? []).find((u) => u.name === context.user)?.user ?? {}) as Record<string, string>;
  return {
    doc,
    cluster,
    user,
    server: cluster.server ?? '',
    caPem: decode(cluster['certificate-authority-data']) ?? readNodeFile(cluster['certificate-authority']),
    clientCertPem: decode(user['client-certificate-data']) ?? readNodeFile(user['client-certificate']),
    clientKeyPem: decode(user['client-key-data']) ?? readNodeFile(user['client-key']),
  };
}

/** Object keys sorted at every level, as sigs.k8s.io/yaml (JSON -> YAML via a map) writes them. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortedKeys(v)]));
}

/** clientcmd.WriteToFile's rendering of a kubeconfig. */
export function renderKubeconfigDoc(doc: KubeconfigDoc): string {
  return stringifyYaml(sortedKeys(doc));
}

/** The first PEM block of a kind ("CERTIFICATE", "RSA PRIVATE KEY", ...) in a text, or null. */
export function firstPem(text: string | null, kind: 'CERTIFICATE' | 'PRIVATE KEY'): string | null {
  if (!text) return null;
  const re =
    kind === 'CERTIFICATE'
      ? /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/
      : /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----\n?/;
  return re.exec(text)?.[0] ?? null;
}
