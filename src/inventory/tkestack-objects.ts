// The parts of TKEStack's platform.tkestack.io/v1 Cluster and Machine objects an import reads
// (tkestack/tke api/platform/v1/types.go). Only these fields are copied out of the kubectl JSON:
// password, privateKey and passPhrase (on machines and on their proxies) are never read, so they
// cannot reach a file, a log or a report.

/** spec.machines[].proxy: Go's `omitempty` does not omit a struct, so an unset proxy reads `{type: ""}`. */
export interface TkeProxy {
  type: string;
  ip: string;
  port: number;
  username: string;
}

/** A master (Cluster.spec.machines[]) or a worker (Machine.spec). */
export interface TkeMachine {
  ip: string;
  port: number;
  username: string;
  /** TKEStack logs in with a password / a private key here (the values are not read). */
  hasPassword: boolean;
  hasPrivateKey: boolean;
  proxy?: TkeProxy;
}

export interface TkeCluster {
  name: string;
  displayName: string;
  /** Baremetal, Edge, Imported, ... */
  type: string;
  /** Desired (spec.version) and running (status.version, no `v`; may carry `-tke.N`). */
  specVersion: string;
  statusVersion: string;
  phase: string;
  /** The HealthCheck condition's message when it is not True (an x509 error on expiry). */
  healthProblem: string;
  /** spec.features.containerRuntime as written ("" when unset: TKEStack then means docker). */
  containerRuntime: string;
  etcdExternalEndpoints: string[] | null;
  haVip: string;
  machines: TkeMachine[];
  scalingMachines: number;
}

export interface TkeWorker extends TkeMachine {
  /** Machine.metadata.name (mc-xxxxxxxx). */
  name: string;
  clusterName: string;
  phase: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) ? v : 0);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const present = (v: unknown): boolean => typeof v === 'string' && v.length > 0;

function machineOf(raw: unknown): TkeMachine {
  const m = obj(raw);
  const p = obj(m.proxy);
  const proxy: TkeProxy | undefined =
    str(p.type) || str(p.ip)
      ? { type: str(p.type), ip: str(p.ip), port: num(p.port), username: str(p.username) }
      : undefined;
  return {
    ip: str(m.ip),
    port: num(m.port),
    username: str(m.username),
    hasPassword: present(m.password),
    hasPrivateKey: present(m.privateKey),
    ...(proxy ? { proxy } : {}),
  };
}

function healthProblem(status: Obj): string {
  const health = list(status.conditions)
    .map(obj)
    .find((c) => c.type === 'HealthCheck');
  if (!health || health.status === 'True') return '';
  return str(health.message) || str(health.reason) || `HealthCheck ${str(health.status)}`;
}

export function clusterOf(raw: unknown): TkeCluster {
  const o = obj(raw);
  const spec = obj(o.spec);
  const status = obj(o.status);
  const features = obj(spec.features);
  const ha = obj(features.ha);
  const external = isObj(obj(spec.etcd).external) ? obj(obj(spec.etcd).external) : null;
  return {
    name: str(obj(o.metadata).name),
    displayName: str(spec.displayName),
    type: str(spec.type),
    specVersion: str(spec.version),
    statusVersion: str(status.version),
    phase: str(status.phase),
    healthProblem: healthProblem(status),
    containerRuntime: str(features.containerRuntime),
    etcdExternalEndpoints: external ? list(external.endpoints).map(str) : null,
    haVip: str(obj(ha.tke).vip) || str(obj(ha.thirdParty).vip),
    machines: list(spec.machines).map(machineOf),
    scalingMachines: list(spec.scalingMachines).length,
  };
}

export function workerOf(raw: unknown): TkeWorker {
  const o = obj(raw);
  const spec = obj(o.spec);
  return {
    ...machineOf(spec),
    name: str(obj(o.metadata).name),
    clusterName: str(spec.clusterName),
    phase: str(obj(o.status).phase),
  };
}

/** The items of a kubectl `-o json` List. */
export function listItems(json: unknown, what: string): unknown[] {
  if (!isObj(json) || !Array.isArray(json.items)) throw new Error(`${what}: not a List`);
  return json.items;
}
