// The current context of a kubeconfig: server URL, CA, client certificate and key (embedded
// *-data as kubeadm writes them, or file paths relative to the kubeconfig).
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export interface KubeconfigCredentials {
  server: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

type Named<K extends string> = { name?: string } & { [key in K]?: Record<string, string | undefined> };

function pick<K extends string>(
  list: unknown,
  name: string | undefined,
  key: K,
  file: string,
): Record<string, string | undefined> {
  const entries = (Array.isArray(list) ? list : []) as Named<K>[];
  const found = entries.find((e) => e.name === name)?.[key];
  if (!found) throw new Error(`${file}: no ${key} named "${name ?? ''}"`);
  return found;
}

function material(entry: Record<string, string | undefined>, field: string, dir: string, file: string): Buffer {
  const data = entry[`${field}-data`];
  if (data) return Buffer.from(data, 'base64');
  const ref = entry[field];
  if (ref) return fs.readFileSync(path.resolve(dir, ref));
  throw new Error(`${file}: no ${field} or ${field}-data`);
}

export function loadKubeconfig(file: string): KubeconfigCredentials {
  const doc = parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  const dir = path.dirname(file);
  const contextName = doc['current-context'] as string | undefined;
  const context = pick(doc.contexts, contextName, 'context', file);
  const cluster = pick(doc.clusters, context.cluster, 'cluster', file);
  const user = pick(doc.users, context.user, 'user', file);
  if (!cluster.server) throw new Error(`${file}: cluster ${context.cluster ?? ''} has no server`);
  return {
    server: cluster.server,
    ca: material(cluster, 'certificate-authority', dir, file),
    cert: material(user, 'client-certificate', dir, file),
    key: material(user, 'client-key', dir, file),
  };
}
