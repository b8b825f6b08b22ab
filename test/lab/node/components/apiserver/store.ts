// Objects in etcd: JSON values under the real key layout; resourceVersion is the key's
// mod_revision, and every write is an etcd transaction so that several apiservers (HA masters)
// sharing one etcd keep optimistic concurrency as real ones do.
import type { EtcdClient, EtcdKv } from '../etcd-client.js';
import { collectionPrefix, objectKey, type ResourceType } from './resources.js';
import { alreadyExists, conflict, notFound } from './status.js';
import type { KubeObject } from './types.js';

export interface ListResult {
  items: KubeObject[];
  revision: number;
}

function decode(kv: EtcdKv): KubeObject {
  const obj = JSON.parse(kv.value.toString('utf8')) as KubeObject;
  obj.metadata = { ...obj.metadata, resourceVersion: String(kv.modRevision) };
  return obj;
}

function encode(obj: KubeObject): string {
  const { resourceVersion: _ignored, ...metadata } = obj.metadata;
  return JSON.stringify({ ...obj, metadata });
}

const withVersion = (obj: KubeObject, revision: number): KubeObject => ({
  ...obj,
  metadata: { ...obj.metadata, resourceVersion: String(revision) },
});

export class ObjectStore {
  constructor(readonly etcd: EtcdClient) {}

  async get(res: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const { kvs } = await this.etcd.range(objectKey(res, namespace, name));
    return kvs[0] ? decode(kvs[0]) : undefined;
  }

  async mustGet(res: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject> {
    const obj = await this.get(res, namespace, name);
    if (!obj) throw notFound(res, name);
    return obj;
  }

  async list(res: ResourceType, namespace?: string): Promise<ListResult> {
    const { kvs, revision } = await this.etcd.range(collectionPrefix(res, namespace), { prefix: true });
    return { items: kvs.map(decode), revision };
  }

  /** Creates `obj` if no object of that name exists; returns it with its resourceVersion. */
  async create(res: ResourceType, obj: KubeObject, dryRun = false): Promise<KubeObject> {
    const name = obj.metadata.name ?? '';
    const key = objectKey(res, obj.metadata.namespace, name);
    if (dryRun) {
      if (await this.get(res, obj.metadata.namespace, name)) throw alreadyExists(res, name);
      return obj;
    }
    const txn = await this.etcd.txn(
      [{ key, target: 'CREATE', result: 'EQUAL', revision: 0 }],
      [{ put: { key, value: encode(obj) } }],
    );
    if (!txn.succeeded) throw alreadyExists(res, name);
    return withVersion(obj, txn.revision);
  }

  /**
   * Replaces an existing object; with `expectedVersion`, only if it is still at that
   * resourceVersion (409 Conflict otherwise).
   */
  async update(res: ResourceType, obj: KubeObject, expectedVersion?: string, dryRun = false): Promise<KubeObject> {
    const name = obj.metadata.name ?? '';
    const key = objectKey(res, obj.metadata.namespace, name);
    const guard =
      expectedVersion !== undefined
        ? { key, target: 'MOD' as const, result: 'EQUAL' as const, revision: Number(expectedVersion) }
        : { key, target: 'VERSION' as const, result: 'GREATER' as const, revision: 0 };
    if (dryRun) {
      const current = await this.mustGet(res, obj.metadata.namespace, name);
      if (expectedVersion !== undefined && current.metadata.resourceVersion !== expectedVersion)
        throw conflict(res, name);
      return obj;
    }
    const txn = await this.etcd.txn([guard], [{ put: { key, value: encode(obj) } }], [{ get: { key } }]);
    if (!txn.succeeded) throw txn.gets[0]?.length ? conflict(res, name) : notFound(res, name);
    return withVersion(obj, txn.revision);
  }

  /** Deletes one object and returns it as it was. */
  async delete(res: ResourceType, namespace: string | undefined, name: string, dryRun = false): Promise<KubeObject> {
    if (dryRun) return this.mustGet(res, namespace, name);
    const key = objectKey(res, namespace, name);
    const txn = await this.etcd.txn([], [{ delete: { key } }]);
    const previous = txn.deleted[0]?.[0];
    if (!previous) throw notFound(res, name);
    return decode(previous);
  }
}
