// Seeding: at start the apiserver creates each object of /var/lib/kcrlab/seed.json, and the
// namespaces a real apiserver creates itself, if absent (an etcd create-if-absent transaction), so
// the first apiserver of a cluster to come up seeds it and the others find it done.
import fs from 'node:fs';
import type { Klog } from '../klog.js';
import { prepareNew } from './objects.js';
import { resourceForKind } from './resources.js';
import { ApiError } from './status.js';
import type { ObjectStore } from './store.js';
import { isRecord, type KubeObject } from './types.js';

const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** The objects of a seed file: a JSON array or a v1 List; none when the file does not exist. */
export function readSeedFile(path: string): unknown[] {
  if (!fs.existsSync(path)) return [];
  const parsed: unknown = JSON.parse(fs.readFileSync(path, 'utf8'));
  if (Array.isArray(parsed)) return parsed;
  if (isRecord(parsed) && Array.isArray(parsed.items)) return parsed.items;
  throw new Error(`${path}: neither a JSON array nor a List`);
}

/** Creates what is missing; returns how many objects it created. Throws on etcd errors. */
export async function seedObjects(store: ObjectStore, seed: unknown[], log: Klog): Promise<number> {
  const objects: unknown[] = [
    ...systemNamespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    ...seed,
  ];
  let created = 0;
  for (const raw of objects) {
    const given = isRecord(raw) ? (raw as Partial<KubeObject>) : {};
    const res = resourceForKind(String(given.apiVersion ?? ''), String(given.kind ?? ''));
    if (!res) {
      log.warning(`seed: skipping an object of unserved type ${String(given.apiVersion)}/${String(given.kind)}`);
      continue;
    }
    const obj = prepareNew(res, raw, given.metadata?.namespace);
    if (given.metadata?.creationTimestamp) obj.metadata.creationTimestamp = given.metadata.creationTimestamp;
    try {
      await store.create(res, obj);
      created++;
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
    }
  }
  if (created > 0) log.info(`seed: created ${created} objects`);
  return created;
}
