// The resource verbs: get, list (label and field selectors), create, update (PUT), patch,
// delete and deletecollection, over the etcd-backed store.
import { isDeepStrictEqual } from 'node:util';
import { prepareNew, prepareReplacement } from './objects.js';
import type { ReplicaController } from './replicas.js';
import { apiVersionOf, byName, type ResourceType } from './resources.js';
import { fieldMatcher, labelMatcher } from './selectors.js';
import { applyPatch } from './patch.js';
import { ApiError, conflict, methodNotAllowed, notFound } from './status.js';
import type { ObjectStore } from './store.js';
import { toTable } from './tables.js';
import type { KubeObject } from './types.js';

export interface ResourceRequest {
  method: string;
  res: ResourceType;
  namespace?: string;
  name?: string;
  query: URLSearchParams;
  accept: string;
  contentType: string;
  body: unknown;
  path: string;
}

export interface RestContext {
  store: ObjectStore;
  replicas: ReplicaController;
}

/** meta.k8s.io Table version the client accepts ("v1" or "v1beta1"), or undefined. */
function tableVersion(accept: string): string | undefined {
  const tableTypes = accept.split(',').filter((t) => /;\s*as=Table/.test(t));
  if (tableTypes.length === 0) return undefined;
  return tableTypes.some((t) => /;\s*v=v1(;|$)/.test(t)) ? 'v1' : 'v1beta1';
}

const typed = (res: ResourceType, obj: KubeObject): KubeObject => ({
  ...obj,
  apiVersion: apiVersionOf(res),
  kind: res.kind,
});

function present(req: ResourceRequest, objects: KubeObject[], resourceVersion: string, single: boolean): unknown {
  const table = tableVersion(req.accept);
  if (table) return toTable(req.res, objects, table, resourceVersion, req.query.get('includeObject'));
  if (single) return typed(req.res, objects[0] as KubeObject);
  return {
    kind: `${req.res.kind}List`,
    apiVersion: apiVersionOf(req.res),
    metadata: { resourceVersion },
    items: objects.map((o) => typed(req.res, o)),
  };
}

async function list(ctx: RestContext, req: ResourceRequest): Promise<{ items: KubeObject[]; revision: number }> {
  const { items, revision } = await ctx.store.list(req.res, req.namespace);
  const byLabel = labelMatcher(req.query.get('labelSelector'));
  const byField = fieldMatcher(req.query.get('fieldSelector'));
  return { items: items.filter((o) => byLabel(o) && byField(o)), revision };
}

/** Like a real apiserver, an update that changes nothing writes nothing (same resourceVersion). */
function unchanged(res: ResourceType, next: KubeObject, current: KubeObject): boolean {
  const comparable = (o: KubeObject): KubeObject => ({
    ...typed(res, o),
    metadata: { ...o.metadata, resourceVersion: undefined },
  });
  return isDeepStrictEqual(comparable(next), comparable(current));
}

/** Stores `next` over `current` unless nothing changed. */
async function store(
  ctx: RestContext,
  res: ResourceType,
  next: KubeObject,
  current: KubeObject,
  expectedVersion: string | undefined,
  dryRun: boolean,
): Promise<KubeObject> {
  if (expectedVersion !== undefined && expectedVersion !== current.metadata.resourceVersion)
    throw conflict(res, current.metadata.name ?? '');
  if (unchanged(res, next, current)) return current;
  return ctx.store.update(res, next, expectedVersion ?? current.metadata.resourceVersion, dryRun);
}

async function ensureNamespace(ctx: RestContext, namespace: string): Promise<void> {
  const namespaces = byName('namespaces');
  if (!(await ctx.store.get(namespaces, undefined, namespace))) throw notFound(namespaces, namespace);
}

async function patch(ctx: RestContext, req: ResourceRequest, name: string, dryRun: boolean): Promise<KubeObject> {
  for (let attempt = 0; ; attempt++) {
    const current = await ctx.store.mustGet(req.res, req.namespace, name);
    const patched = applyPatch(req.contentType, typed(req.res, current), req.body);
    const next = prepareReplacement(req.res, patched, current);
    // A patch that sets metadata.resourceVersion is a precondition, as on a real apiserver.
    const precondition = next.metadata.resourceVersion;
    if (precondition !== undefined && precondition !== current.metadata.resourceVersion) throw conflict(req.res, name);
    try {
      return await store(ctx, req.res, next, current, undefined, dryRun);
    } catch (err) {
      const racing =
        err instanceof ApiError &&
        err.reason === 'Conflict' &&
        precondition === current.metadata.resourceVersion &&
        attempt < 5;
      if (!racing) throw err;
    }
  }
}

function deleted(req: ResourceRequest, obj: KubeObject): unknown {
  // Pods answer with the object (graceful deletion); other resources with a Success Status.
  if (req.res.resource === 'pods') return typed(req.res, obj);
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: {
      name: obj.metadata.name,
      ...(req.res.group ? { group: req.res.group } : {}),
      kind: req.res.resource,
      uid: obj.metadata.uid,
    },
  };
}

async function remove(ctx: RestContext, req: ResourceRequest, name: string, dryRun: boolean): Promise<KubeObject> {
  const obj = await ctx.store.delete(req.res, req.namespace, name, dryRun);
  if (!dryRun && obj.metadata.ownerReferences?.some((o) => o.kind === 'ReplicaSet')) ctx.replicas.scheduleReconcile();
  return obj;
}

/** Serves one resource request: [status, body]. Throws ApiError for API failures. */
export async function serveResource(ctx: RestContext, req: ResourceRequest): Promise<[number, unknown]> {
  const dryRun = req.query.getAll('dryRun').includes('All');
  const { res, name } = req;
  switch (req.method) {
    case 'GET': {
      if (name) {
        const obj = await ctx.store.mustGet(res, req.namespace, name);
        return [200, present(req, [obj], obj.metadata.resourceVersion ?? '', true)];
      }
      if (req.query.get('watch') === 'true' || req.query.get('watch') === '1')
        throw methodNotAllowed('WATCH', req.path);
      const { items, revision } = await list(ctx, req);
      return [200, present(req, items, String(revision), false)];
    }
    case 'POST': {
      if (name || (res.namespaced && req.namespace === undefined)) throw methodNotAllowed(req.method, req.path);
      const obj = prepareNew(res, req.body, req.namespace);
      if (res.namespaced) await ensureNamespace(ctx, obj.metadata.namespace ?? '');
      return [201, typed(res, await ctx.store.create(res, obj, dryRun))];
    }
    case 'PUT': {
      if (!name) throw methodNotAllowed(req.method, req.path);
      const current = await ctx.store.mustGet(res, req.namespace, name);
      const next = prepareReplacement(res, req.body, current);
      return [
        200,
        typed(res, await store(ctx, res, next, current, next.metadata.resourceVersion || undefined, dryRun)),
      ];
    }
    case 'PATCH':
      if (!name) throw methodNotAllowed(req.method, req.path);
      return [200, typed(res, await patch(ctx, req, name, dryRun))];
    case 'DELETE': {
      if (name) return [200, deleted(req, await remove(ctx, req, name, dryRun))];
      const { items, revision } = await list(ctx, req);
      const removed: KubeObject[] = [];
      for (const obj of items)
        removed.push(await remove(ctx, { ...req, namespace: obj.metadata.namespace }, obj.metadata.name ?? '', dryRun));
      return [200, present({ ...req, accept: 'application/json' }, removed, String(revision), false)];
    }
    default:
      throw methodNotAllowed(req.method, req.path);
  }
}
