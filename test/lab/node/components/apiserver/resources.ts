// The resources the stand-in serves, and where each lives in etcd (the real apiserver's key layout:
// /registry/<resource>/<namespace>/<name>, nodes under "minions").
export interface ResourceType {
  group: string; // "" for the core group
  version: string;
  kind: string;
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  /** The etcd key prefix's resource element. */
  storage: string;
}

const core = (
  kind: string,
  resource: string,
  namespaced: boolean,
  shortNames: string[],
  storage = resource,
): ResourceType => ({
  group: '',
  version: 'v1',
  kind,
  resource,
  singular: kind.toLowerCase(),
  namespaced,
  shortNames,
  storage,
});

const apps = (kind: string, resource: string, shortNames: string[]): ResourceType => ({
  group: 'apps',
  version: 'v1',
  kind,
  resource,
  singular: kind.toLowerCase(),
  namespaced: true,
  shortNames,
  storage: resource,
});

/** TKEStack's platform API (tke-platform-api, aggregated on a real global cluster): cluster-scoped. */
const platform = (kind: string, resource: string, shortNames: string[]): ResourceType => ({
  group: 'platform.tkestack.io',
  version: 'v1',
  kind,
  resource,
  singular: kind.toLowerCase(),
  namespaced: false,
  shortNames,
  storage: `platform.tkestack.io/${resource}`,
});

export const resourceTypes: readonly ResourceType[] = [
  core('Namespace', 'namespaces', false, ['ns']),
  core('Node', 'nodes', false, ['no'], 'minions'),
  core('Pod', 'pods', true, ['po']),
  core('ConfigMap', 'configmaps', true, ['cm']),
  core('Secret', 'secrets', true, []),
  core('Service', 'services', true, ['svc'], 'services/specs'),
  core('ServiceAccount', 'serviceaccounts', true, ['sa']),
  apps('Deployment', 'deployments', ['deploy']),
  apps('DaemonSet', 'daemonsets', ['ds']),
  apps('ReplicaSet', 'replicasets', ['rs']),
  // Leader election of controller-manager and scheduler (resourceLock "leases").
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    resource: 'leases',
    singular: 'lease',
    namespaced: true,
    shortNames: [],
    storage: 'leases',
  },
  platform('Cluster', 'clusters', ['cls']),
  platform('Machine', 'machines', ['mc']),
  platform('ClusterCredential', 'clustercredentials', ['cc']),
];

/** The verbs every resource supports here (no watch: nothing in the lab needs one). */
export const resourceVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update'];

export const groupVersions: readonly { group: string; version: string }[] = [
  { group: '', version: 'v1' },
  { group: 'apps', version: 'v1' },
  { group: 'coordination.k8s.io', version: 'v1' },
  { group: 'platform.tkestack.io', version: 'v1' },
];

export const apiVersionOf = (res: ResourceType): string => (res.group ? `${res.group}/${res.version}` : res.version);

export function findResource(group: string, version: string, resource: string): ResourceType | undefined {
  return resourceTypes.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function resourceForKind(apiVersion: string, kind: string): ResourceType | undefined {
  return resourceTypes.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}

export function byName(resource: string): ResourceType {
  const found = resourceTypes.find((r) => r.resource === resource);
  if (!found) throw new Error(`unknown resource ${resource}`);
  return found;
}

/** The etcd key of one object. */
export function objectKey(res: ResourceType, namespace: string | undefined, name: string): string {
  return res.namespaced ? `/registry/${res.storage}/${namespace ?? ''}/${name}` : `/registry/${res.storage}/${name}`;
}

/** The etcd key prefix of a collection (all namespaces when `namespace` is undefined). */
export function collectionPrefix(res: ResourceType, namespace?: string): string {
  return res.namespaced && namespace !== undefined
    ? `/registry/${res.storage}/${namespace}/`
    : `/registry/${res.storage}/`;
}
