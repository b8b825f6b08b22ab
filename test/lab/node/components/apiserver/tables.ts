// meta.k8s.io Table responses (what `kubectl get` asks for with Accept: ...;as=Table), with the
// columns the real apiserver prints for the resources the lab serves.
import { apiVersionOf, type ResourceType } from './resources.js';
import { field, listField, type KubeObject } from './types.js';

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  format?: string;
  priority?: number;
  cell: (obj: KubeObject, now: number) => string | number;
}

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration. */
export function humanDuration(seconds: number): string {
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  const s = Math.floor(seconds);
  const minutes = Math.floor(s / 60);
  const hours = Math.floor(s / 3600);
  const days = Math.floor(hours / 24);
  const withRest = (major: number, unit: string, rest: number, restUnit: string): string =>
    rest === 0 ? `${major}${unit}` : `${major}${unit}${rest}${restUnit}`;
  if (s < 120) return `${s}s`;
  if (minutes < 10) return withRest(minutes, 'm', s % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  if (hours < 8) return withRest(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  if (hours < 192) return withRest(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  if (hours < 24 * 365 * 8) return withRest(Math.floor(days / 365), 'y', days % 365, 'd');
  return `${Math.floor(days / 365)}y`;
}

const name: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name ?? '' };
const age: Column = {
  name: 'Age',
  type: 'string',
  cell: (o, now) =>
    o.metadata.creationTimestamp ? humanDuration((now - Date.parse(o.metadata.creationTimestamp)) / 1000) : '<unknown>',
};
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const count = (o: KubeObject, key: string): number => Object.keys(field(o, key)).length;

function podStatus(o: KubeObject): string {
  if (o.metadata.deletionTimestamp) return 'Terminating';
  return str(field(o, 'status').phase) || 'Pending';
}

function nodeRoles(o: KubeObject): string {
  const roles = Object.keys(o.metadata.labels ?? {})
    .filter((l) => l.startsWith('node-role.kubernetes.io/'))
    .map((l) => l.slice('node-role.kubernetes.io/'.length));
  return roles.length ? roles.sort().join(',') : '<none>';
}

function nodeReady(o: KubeObject): string {
  const ready = listField(field(o, 'status'), 'conditions').find((c) => c.type === 'Ready');
  return ready?.status === 'True' ? 'Ready' : 'NotReady';
}

const columnsByResource: Record<string, Column[]> = {
  pods: [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: (o) => {
        const statuses = listField(field(o, 'status'), 'containerStatuses');
        const total = listField(field(o, 'spec'), 'containers').length;
        return `${statuses.filter((c) => c.ready === true).length}/${total}`;
      },
    },
    { name: 'Status', type: 'string', cell: podStatus },
    {
      name: 'Restarts',
      type: 'integer',
      cell: (o) =>
        listField(field(o, 'status'), 'containerStatuses').reduce((n, c) => n + Number(c.restartCount ?? 0), 0),
    },
    age,
    { name: 'IP', type: 'string', priority: 1, cell: (o) => str(field(o, 'status').podIP) || '<none>' },
    { name: 'Node', type: 'string', priority: 1, cell: (o) => str(field(o, 'spec').nodeName) || '<none>' },
  ],
  nodes: [
    name,
    { name: 'Status', type: 'string', cell: nodeReady },
    { name: 'Roles', type: 'string', cell: nodeRoles },
    age,
    { name: 'Version', type: 'string', cell: (o) => str(field(field(o, 'status'), 'nodeInfo').kubeletVersion) },
    {
      name: 'Internal-IP',
      type: 'string',
      priority: 1,
      cell: (o) =>
        str(listField(field(o, 'status'), 'addresses').find((a) => a.type === 'InternalIP')?.address) || '<none>',
    },
  ],
  namespaces: [name, { name: 'Status', type: 'string', cell: (o) => str(field(o, 'status').phase) }, age],
  configmaps: [name, { name: 'Data', type: 'integer', cell: (o) => count(o, 'data') + count(o, 'binaryData') }, age],
  secrets: [
    name,
    { name: 'Type', type: 'string', cell: (o) => str(o.type) },
    { name: 'Data', type: 'integer', cell: (o) => count(o, 'data') },
    age,
  ],
  deployments: [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: (o) => `${Number(field(o, 'status').readyReplicas ?? 0)}/${Number(field(o, 'spec').replicas ?? 1)}`,
    },
    { name: 'Up-to-date', type: 'integer', cell: (o) => Number(field(o, 'status').updatedReplicas ?? 0) },
    { name: 'Available', type: 'integer', cell: (o) => Number(field(o, 'status').availableReplicas ?? 0) },
    age,
  ],
};

/** The Table for `objects`, in the meta.k8s.io version the client asked for. */
export function toTable(
  res: ResourceType,
  objects: KubeObject[],
  tableVersion: string,
  resourceVersion: string,
  includeObject: string | null,
): Record<string, unknown> {
  const columns = columnsByResource[res.resource] ?? [name, age];
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${tableVersion}`,
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: '',
      priority: c.priority ?? 0,
    })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o, now)),
      object:
        includeObject === 'None'
          ? null
          : includeObject === 'Object'
            ? { apiVersion: apiVersionOf(res), kind: res.kind, ...o }
            : { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${tableVersion}`, metadata: o.metadata },
    })),
  };
}
