// What the apiserver fills in or checks on an object before it is stored: type, name, namespace,
// uid, creationTimestamp, and the defaults and status the lab's objects need (there are no
// controllers: a Namespace is Active, a Deployment reports its replicas available).
import { randomInt, randomUUID } from 'node:crypto';
import { apiVersionOf, type ResourceType } from './resources.js';
import { badRequest, invalid } from './status.js';
import { field, isRecord, kubeTime, type KubeObject } from './types.js';

/** The alphabet of generated name suffixes and pod-template-hash (apimachinery rand.SafeEncodeString). */
export const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(length = 5): string {
  return Array.from({ length }, () => safeAlphabet[randomInt(safeAlphabet.length)]).join('');
}

const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkType(res: ResourceType, body: unknown): KubeObject {
  if (!isRecord(body)) throw badRequest('the body of the request is not a JSON object');
  const apiVersion = body.apiVersion ?? apiVersionOf(res);
  const kind = body.kind ?? res.kind;
  if (apiVersion !== apiVersionOf(res) || kind !== res.kind) {
    throw badRequest(
      `the API version in the data (${String(apiVersion)}) does not match the expected API version (${apiVersionOf(res)}) or kind ${String(kind)} is not ${res.kind}`,
    );
  }
  return { ...body, apiVersion, kind, metadata: { ...field(body, 'metadata') } } as KubeObject;
}

function checkNamespace(res: ResourceType, obj: KubeObject, namespace: string | undefined): void {
  if (!res.namespaced) {
    delete obj.metadata.namespace;
    return;
  }
  if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  obj.metadata.namespace = obj.metadata.namespace || namespace || 'default';
}

function applyDefaults(res: ResourceType, obj: KubeObject): void {
  if (res.resource === 'namespaces') {
    obj.spec = { finalizers: ['kubernetes'], ...field(obj, 'spec') };
    obj.status = { phase: 'Active', ...field(obj, 'status') };
  }
  if (res.resource === 'deployments' && Object.keys(field(obj, 'status')).length === 0) {
    const replicas = Number(field(obj, 'spec').replicas ?? 1);
    obj.status = {
      observedGeneration: 1,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      conditions: [
        {
          type: 'Available',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
        },
      ],
    };
  }
}

/** A new object for POST (or seeding), with a name, uid and creationTimestamp. */
export function prepareNew(res: ResourceType, body: unknown, namespace: string | undefined): KubeObject {
  const obj = checkType(res, body);
  checkNamespace(res, obj, namespace);
  if (!obj.metadata.name && obj.metadata.generateName)
    obj.metadata.name = `${obj.metadata.generateName}${randomSuffix()}`;
  const name = obj.metadata.name ?? '';
  if (!name) throw invalid(res, '', 'metadata.name: Required value: name or generateName is required');
  if (name.length > 253 || !dnsSubdomain.test(name)) {
    throw invalid(
      res,
      name,
      `metadata.name: Invalid value: "${name}": a DNS-1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    );
  }
  delete obj.metadata.resourceVersion;
  delete obj.metadata.deletionTimestamp;
  obj.metadata.uid = randomUUID();
  obj.metadata.creationTimestamp = kubeTime();
  applyDefaults(res, obj);
  return obj;
}

/** The object a PUT or PATCH stores over `existing`: identity fields are the stored ones. */
export function prepareReplacement(res: ResourceType, body: unknown, existing: KubeObject): KubeObject {
  const obj = checkType(res, body);
  const name = existing.metadata.name ?? '';
  if (obj.metadata.name && obj.metadata.name !== name) {
    throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
  }
  checkNamespace(res, obj, existing.metadata.namespace);
  obj.metadata.name = name;
  obj.metadata.uid = existing.metadata.uid;
  obj.metadata.creationTimestamp = existing.metadata.creationTimestamp;
  applyDefaults(res, obj);
  return obj;
}
