// Module unit tests: one module's task run through the real runner (`runTask`: the due gate,
// decide/apply, dry run, errors to results) against scripted fake nodes. A fake node answers the
// commands a test scripts (a constant script, or an argv prefix) and fails loudly on any other.
import forge from 'node-forge';
import { CA_CATALOG, CERT_CATALOG, SERVICE_ACCOUNT_KEYS } from '../../../src/kube/cert-catalog.js';
import type { CertFact, NodeFacts } from '../../../src/kube/node-facts.js';
import { createRegistry } from '../../../src/playbook/registry.js';
import type { TaskRecord } from '../../../src/playbook/results.js';
import type { ClusterFacts, ClusterReport, HostFacts } from '../../../src/playbook/state.js';
import { runTask, type HostState, type TaskEnv } from '../../../src/playbook/task.js';
import type { ModuleDefinition, RunOptions } from '../../../src/playbook/types.js';
import type { Cluster, Host, Inventory } from '../../../src/inventory/types.js';
import type { Connection, ExecResult } from '../../../src/transport/types.js';
import { inventory, options, silentLogger } from '../playbook/helpers.js';

export interface Reply {
  stdout?: string;
  stderr?: string;
  exitCode?: number | null;
}
type Matcher = (argv: readonly string[]) => boolean;
type Answer = Reply | ((argv: readonly string[], nth: number) => Reply);

/** `sh -c <script> sh ...` with this constant script. */
export const script =
  (constant: string): Matcher =>
  (argv) =>
    argv[0] === 'sh' && argv[1] === '-c' && argv[2] === constant;
/** argv starting with these words. */
export const command =
  (...prefix: string[]): Matcher =>
  (argv) =>
    prefix.every((p, i) => argv[i] === p);

/** Sections as the node scripts print them (`@@KCR name` headers). */
export function sections(parts: Record<string, string>): string {
  return (
    Object.entries(parts)
      .map(([name, body]) => `\n@@KCR ${name}\n${body}`)
      .join('') + '\n'
  );
}

export class FakeNode {
  /** Every command run, in order (argv). */
  readonly calls: string[][] = [];
  /** What each of those commands got on stdin (same order; undefined: nothing). */
  readonly stdins: (string | undefined)[] = [];
  readonly uploads: { local: string; remote: string; mode?: number }[] = [];
  private readonly answers: { when: Matcher; answer: Answer; count: number }[] = [];

  /** Answers matching commands with `answer` (a function sees how many times it matched before). */
  on(when: Matcher, answer: Answer): this {
    this.answers.push({ when, answer, count: 0 });
    return this;
  }

  /** How many commands matched. */
  count(when: Matcher): number {
    return this.calls.filter((argv) => when(argv)).length;
  }

  connection(host: Host): Connection {
    const exec = async (argv: readonly string[], opts?: { stdin?: string | Buffer }): Promise<ExecResult> => {
      this.calls.push([...argv]);
      this.stdins.push(opts?.stdin?.toString());
      const a = this.answers.find((x) => x.when(argv));
      if (!a) throw new Error(`fake node ${host.name}: no reply scripted for ${JSON.stringify(argv.slice(0, 3))}`);
      const reply = typeof a.answer === 'function' ? a.answer(argv, a.count) : a.answer;
      a.count++;
      return {
        stdout: reply.stdout ?? '',
        stderr: reply.stderr ?? '',
        exitCode: reply.exitCode === undefined ? 0 : reply.exitCode,
        durationMs: 1,
      };
    };
    return {
      host,
      exec,
      run: exec,
      readFile: async (path) => Buffer.from((await exec(['cat', '--', path])).stdout),
      writeFile: async () => undefined,
      upload: async (local, remote, opts) => {
        this.uploads.push({ local, remote, mode: opts?.mode });
      },
      close: async () => undefined,
    };
  }
}

const DAY = 86_400;

/** A healthy Kubernetes 1.20.2 master (stacked etcd, docker) whose certificates have `daysLeft` left. */
export function nodeFacts(daysLeft = 200, over: Partial<NodeFacts> = {}): NodeFacts {
  const nowSec = Math.floor(Date.now() / 1000);
  const cert = (name: string, kind: CertFact['kind'], serial: string): CertFact => ({
    name,
    kind,
    present: true,
    notBefore: new Date((nowSec - 165 * DAY) * 1000).toISOString(),
    notAfter: new Date((nowSec + daysLeft * DAY) * 1000).toISOString(),
    residualSeconds: daysLeft * DAY,
    serial,
    subject: `CN=${name}`,
    issuer: 'CN=kubernetes',
    fingerprint256: `fp-${name}`,
  });
  const certs: Record<string, CertFact> = {};
  for (const c of CERT_CATALOG) {
    if (c.initNodeOnly) certs[c.name] = { name: c.name, kind: c.kind, present: false, ca: c.ca };
    else certs[c.name] = { ...cert(c.name, c.kind, `${c.name}-1`), ca: c.ca, chainsToCa: true, keyMatches: true };
  }
  const cas: Record<string, CertFact> = {};
  for (const ca of CA_CATALOG) cas[ca.name] = { ...cert(ca.name, 'ca', `${ca.name}-ca`), residualSeconds: 3000 * DAY };
  return {
    arch: 'x86_64',
    nodeNowSec: nowSec,
    clockSkewMs: 0,
    uid: 0,
    hostname: 'master',
    manifests: ['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml'],
    isControlPlane: true,
    apiserverImage: 'k8s.gcr.io/kube-apiserver:v1.20.2',
    kubernetesVersion: '1.20.2',
    apiserverFlags: {
      'advertise-address': '10.0.0.1',
      'secure-port': '6443',
      'client-ca-file': '/etc/kubernetes/pki/ca.crt',
      'etcd-servers': 'https://127.0.0.1:2379',
    },
    kubeadm: { path: '/usr/bin/kubeadm', version: '1.20.2' },
    provisionedKubeadm: [],
    runtime: 'docker',
    kubeletState: 'active',
    diskFreeKb: 10_000_000,
    kubernetesDirKb: 200,
    etcdDirKb: 20_000,
    certs,
    cas,
    saHashes: Object.fromEntries(SERVICE_ACCOUNT_KEYS.map((k) => [k, `hash-${k}`])),
    kubeletConf: { present: true, embedded: false, clientCertPath: '/var/lib/kubelet/pki/kubelet-client-current.pem' },
    ...over,
  };
}

export interface ModuleRun {
  record: TaskRecord;
  /** This host's facts after the task. */
  facts: HostFacts;
  clusterFacts: ClusterFacts;
  report: HostState['data'];
  clusterReport: ClusterReport;
}

export interface RunSetup {
  /** The host the task runs on (default m1 of masters m1..m3). */
  host?: string;
  masters?: string[];
  /** A fake node per host; a host without one refuses every command. */
  nodes?: Record<string, FakeNode>;
  /** Facts per host before the task. */
  facts?: Record<string, HostFacts>;
  clusterFacts?: ClusterFacts;
  options?: Partial<RunOptions>;
  cluster?: Partial<Cluster>;
}

/** Runs `module` with `args` (validated by its schema, as the loader does) as one task on one host. */
export async function runModule<A>(
  module: ModuleDefinition<A>,
  args: unknown,
  setup: RunSetup = {},
): Promise<ModuleRun> {
  const masters = setup.masters ?? ['m1', 'm2', 'm3'];
  const base = inventory({ c: masters }).clusters[0]!;
  const cluster: Cluster = { ...base, ...setup.cluster };
  const inv: Inventory = { file: '/tmp/inventory.yaml', clusters: [cluster] };
  const states = new Map<string, HostState>(
    cluster.masters.map((h) => [
      h.name,
      { host: h, facts: { ...setup.facts?.[h.name] }, registered: {}, data: {}, records: [] },
    ]),
  );
  const clusterFacts: ClusterFacts = { ...setup.clusterFacts };
  const clusterReport: ClusterReport = {};
  const env: TaskEnv = {
    inventory: inv,
    cluster,
    clusterFacts,
    clusterData: clusterReport,
    factsOf: (name) => states.get(name)?.facts ?? {},
    transport: {
      connect: async (host) => (setup.nodes?.[host.name] ?? new FakeNode()).connection(host),
      closeAll: async () => undefined,
    },
    modules: createRegistry([module as ModuleDefinition]),
    options: options(setup.options),
    logger: silentLogger,
    emit: () => undefined,
    play: 'p',
  };
  const state = states.get(setup.host ?? masters[0]!)!;
  const task = {
    name: module.name,
    module: module.name,
    args: module.args.parse(args),
    retries: 0,
    delayMs: 0,
    ignoreErrors: false,
    source: { file: 'test.yaml', line: 1, col: 1 },
  };
  const record = await runTask(env, state, task, 'main');
  return { record, facts: state.facts, clusterFacts, report: state.data, clusterReport };
}

let keys: forge.pki.rsa.KeyPair | undefined;

/** A self-signed certificate (PEM); another serial gives another fingerprint. Small key: only parsed, never trusted. */
export function testPem(serial: string, commonName = 'kube-apiserver'): string {
  keys ??= forge.pki.rsa.generateKeyPair({ bits: 512, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial;
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 300 * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  cert.setIssuer([{ name: 'commonName', value: 'kubernetes' }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

export interface HealthSpec {
  /** etcd members (name -> client URL); default m1..m3 at https://10.0.0.N:2379. */
  members?: Record<string, string> | 'unreadable';
  /** Member URLs whose health is not true. */
  unhealthy?: string[];
  apiserverReady?: boolean;
  componentsHealthy?: boolean;
  /** What :6443 and :2379 serve, and what is on disk (PEM); the same by default. */
  served?: string;
  disk?: string;
}

/** HEALTH_SCRIPT's output for one probe (the member list and the health of the URLs asked for). */
export function healthOutput(spec: HealthSpec, urls: readonly string[]): string {
  const members = spec.members ?? {
    m1: 'https://10.0.0.1:2379',
    m2: 'https://10.0.0.2:2379',
    m3: 'https://10.0.0.3:2379',
  };
  const disk = spec.disk ?? testPem('01');
  const served = spec.served ?? disk;
  const parts: Record<string, string> = {
    'apiserver-readyz': spec.apiserverReady === false ? 'readyz check failed\n500' : 'ok\n200',
    'controller-manager-healthz': spec.componentsHealthy === false ? 'curl: (7) Failed to connect\n\n000' : 'ok\n200',
    'scheduler-healthz': 'ok\n200',
    'etcd-members':
      members === 'unreadable'
        ? 'curl: (7) Failed to connect'
        : JSON.stringify({ members: Object.entries(members).map(([name, url]) => ({ name, clientURLs: [url] })) }),
  };
  for (const url of urls)
    parts[`etcd-health ${url}`] = spec.unhealthy?.includes(url) ? '{"health":"false"}' : '{"health":"true"}';
  Object.assign(parts, {
    'served-apiserver': served,
    'served-etcd': served,
    'disk-apiserver': disk,
    'disk-etcd': disk,
  });
  return sections(parts);
}

/** HEALTH_SCRIPT's args after the kubernetes dir are the member URLs to probe. */
export const healthReply =
  (spec: HealthSpec) =>
  (argv: readonly string[]): Reply => ({ stdout: healthOutput(spec, argv.slice(5)) });

/** kube-system/kubeadm-config's ClusterConfiguration as a TKEStack 1.20 global cluster holds it. */
export const CLUSTER_CONFIGURATION = `apiServer:
  certSANs:
  - 127.0.0.1
  - api.tke.com
  extraArgs:
    token-auth-file: /etc/kubernetes/known_tokens.csv
  timeoutForControlPlane: 4m0s
apiVersion: kubeadm.k8s.io/v1beta2
certificatesDir: /etc/kubernetes/pki
clusterName: kubernetes
controlPlaneEndpoint: api.tke.com:6443
controllerManager: {}
dns:
  type: CoreDNS
etcd:
  local:
    dataDir: /var/lib/etcd
imageRepository: registry.tke.com/library
kind: ClusterConfiguration
kubernetesVersion: v1.20.2
networking:
  dnsDomain: cluster.local
  podSubnet: 10.244.0.0/16
  serviceSubnet: 10.96.0.0/12
scheduler: {}
`;

/** `kubectl ... get configmap kubeadm-config -o json` answering with this ClusterConfiguration. */
export const kubeadmConfigMapReply = (clusterConfiguration: string = CLUSTER_CONFIGURATION): Reply => ({
  stdout: JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kubeadm-config', namespace: 'kube-system' },
    data: { ClusterConfiguration: clusterConfiguration, ClusterStatus: 'apiEndpoints: {}\n' },
  }),
});

/** kubectl reading kube-system/kubeadm-config. */
export const readsKubeadmConfig = (argv: readonly string[]): boolean =>
  argv[0] === 'kubectl' && argv.join(' ').includes('-n kube-system get configmap kubeadm-config');

/** COMPONENT_STARTS_SCRIPT's output: every component's credential files last changed at `changedSec`
 *  (seconds); each container started at `started[component]` (docker's format), none when absent. */
export function componentStartsOutput(
  changedSec: number,
  started: Record<string, string> = {},
  authErrors: Record<string, string> = {},
): string {
  const parts: Record<string, string> = { now: String(Math.floor(Date.now() / 1000)) };
  for (const c of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'])
    Object.assign(parts, {
      [`changed ${c}`]: String(changedSec),
      [`files ${c}`]: `${changedSec} /etc/kubernetes/${c}.credentials`,
      [`started ${c}`]: started[c] ?? '',
      [`auth-errors ${c}`]: authErrors[c] ?? '',
    });
  return sections(parts);
}

/** Components that started a day after their files last changed (restarted since). */
export const restartedReply = (): Reply => {
  const changed = Math.floor(Date.now() / 1000) - 2 * 86_400;
  const started = new Date(Date.now() - 86_400_000).toISOString();
  return {
    stdout: componentStartsOutput(changed, {
      etcd: started,
      'kube-apiserver': started,
      'kube-controller-manager': started,
      'kube-scheduler': started,
    }),
  };
};

/** Credential files changed a minute ago; `stale` components started an hour before that, the
 *  others 5 s after it; `authErrors`: log lines per component. */
export function startsAroundChange(stale: readonly string[] = [], authErrors: Record<string, string> = {}): Reply {
  const changed = Math.floor(Date.now() / 1000) - 60;
  const at = (sec: number): string => new Date(sec * 1000).toISOString();
  const started: Record<string, string> = {};
  for (const c of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'])
    started[c] = stale.includes(c) ? at(changed - 3600) : at(changed + 5);
  return { stdout: componentStartsOutput(changed, started, authErrors) };
}

/** `kubectl get lease kube-controller-manager kube-scheduler -o json`: both renewed at `renewTime`. */
export const leasesReply = (renewTime = new Date().toISOString()): Reply => ({
  stdout: JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: ['kube-controller-manager', 'kube-scheduler'].map((name) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: 'kube-system' },
      spec: { holderIdentity: `m2_${name}`, leaseDurationSeconds: 15, renewTime },
    })),
  }),
});
