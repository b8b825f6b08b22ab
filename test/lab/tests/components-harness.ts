// A throwaway network namespace (kcrlab-co-<random>) holding a real etcd (TLS, client certificate
// auth) and the compiled component stand-ins as real processes, with the real kubectl, curl and
// openssl run inside it. Used by the components tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expiredWindow, issue, kubeconfig, makeCa, type Issued } from './components-pki.js';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const componentsDist = path.join(repo, 'dist/test/lab/node/components');

const has = (cmd: string): boolean => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd]).status === 0;

function skipReason(): string | null {
  if (process.getuid?.() !== 0) return 'not root: network namespaces need root';
  for (const tool of ['ip', 'etcd', 'kubectl', 'openssl', 'curl']) if (!has(tool)) return `${tool} is not installed`;
  const probe = `kcrlab-co-probe${process.pid}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.status !== 0) return `cannot create a network namespace: ${added.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

/** Why the components tests cannot run here, or null. */
export const componentsSkipReason: string | null = skipReason();

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ClusterPki {
  ca: Issued;
  etcdCa: Issued;
  foreignCa: Issued;
  etcdServer: Issued;
  etcdClient: Issued;
  apiserver: Issued;
  admin: Issued;
}

const dayMs = 24 * 3600 * 1000;

export class ComponentsLab {
  readonly netns = `kcrlab-co-${randomBytes(4).toString('hex')}`;
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcrlab-co-'));
  /** KCRLAB_ROOT of the simulated node. */
  readonly root = path.join(this.dir, 'root');
  readonly pki: ClusterPki;
  private readonly procs = new Map<string, ChildProcess>();

  constructor() {
    if (!fs.existsSync(path.join(componentsDist, 'kube-apiserver.js'))) {
      throw new Error(`${componentsDist} is not built: run npx tsc -p tsconfig.build.json first`);
    }
    const run = spawnSync('ip', ['netns', 'add', this.netns], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`ip netns add ${this.netns}: ${run.stderr}`);
    this.ip(['link', 'set', 'lo', 'up']);
    fs.mkdirSync(path.join(this.root, 'var/lib/kcrlab'), { recursive: true });
    fs.mkdirSync(path.join(this.dir, 'home'));
    const ca = makeCa('kubernetes');
    const etcdCa = makeCa('etcd-ca');
    this.pki = {
      ca,
      etcdCa,
      foreignCa: makeCa('kubernetes'),
      etcdServer: issue(etcdCa, {
        cn: 'master1',
        serverAuth: true,
        clientAuth: true,
        sans: ['localhost', '127.0.0.1'],
      }),
      etcdClient: issue(etcdCa, {
        cn: 'kube-apiserver-etcd-client',
        organizations: ['system:masters'],
        clientAuth: true,
      }),
      apiserver: issue(ca, {
        cn: 'kube-apiserver',
        serverAuth: true,
        sans: ['localhost', '127.0.0.1', 'kubernetes', 'api.tke.com'],
      }),
      admin: issue(ca, { cn: 'kubernetes-admin', organizations: ['system:masters'], clientAuth: true }),
    };
    const pem = this.pki;
    this.write('pki/ca.crt', pem.ca.cert);
    this.write('pki/etcd/ca.crt', pem.etcdCa.cert);
    this.write('pki/etcd/server.crt', pem.etcdServer.cert);
    this.write('pki/etcd/server.key', pem.etcdServer.key);
    this.writeIssued('pki/apiserver-etcd-client', pem.etcdClient);
    this.writeIssued('pki/apiserver', pem.apiserver);
    this.write('admin.conf', this.kubeconfigFor(pem.admin, 'kubernetes-admin'));
  }

  file(relative: string): string {
    return path.join(this.dir, relative);
  }

  write(relative: string, data: string): string {
    const target = this.file(relative);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, data);
    return target;
  }

  writeIssued(base: string, issued: Issued): void {
    this.write(`${base}.crt`, issued.cert);
    this.write(`${base}.key`, issued.key);
  }

  kubeconfigFor(client: Issued, user: string, server = 'https://127.0.0.1:6443'): string {
    return kubeconfig(server, this.pki.ca, client, user);
  }

  /** A client certificate of the cluster CA (expired with `expired`) or of a foreign CA. */
  client(cn: string, kind: 'valid' | 'expired' | 'foreign', organizations: string[] = []): Issued {
    const window = kind === 'expired' ? expiredWindow : { notBefore: new Date(Date.now() - dayMs) };
    return issue(kind === 'foreign' ? this.pki.foreignCa : this.pki.ca, {
      cn,
      organizations,
      clientAuth: true,
      ...window,
    });
  }

  etcdClientCert(kind: 'expired' | 'foreign'): Issued {
    const window = kind === 'expired' ? expiredWindow : {};
    return issue(kind === 'foreign' ? this.pki.foreignCa : this.pki.etcdCa, {
      cn: 'kube-apiserver-etcd-client',
      clientAuth: true,
      ...window,
    });
  }

  /** Writes /var/lib/kcrlab/<name> of the simulated node. */
  writeNodeFile(name: 'node.json' | 'faults.json' | 'seed.json', value: unknown): void {
    fs.writeFileSync(path.join(this.root, 'var/lib/kcrlab', name), JSON.stringify(value, null, 2));
  }

  readNodeFile(name: 'faults.json'): unknown {
    return JSON.parse(fs.readFileSync(path.join(this.root, 'var/lib/kcrlab', name), 'utf8'));
  }

  ip(args: string[]): void {
    const r = spawnSync('ip', ['-n', this.netns, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip -n ${this.netns} ${args.join(' ')}: ${r.stderr}`);
  }

  /** Runs a command inside the namespace and waits for it. */
  exec(argv: string[], options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Run {
    const r = spawnSync('ip', ['netns', 'exec', this.netns, ...argv], {
      encoding: 'utf8',
      input: options.input ?? '',
      timeout: options.timeoutMs ?? 30_000,
      env: { ...process.env, ...options.env },
    });
    return { code: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** The real kubectl, with a private HOME (discovery cache) and the given kubeconfig file. */
  kubectl(args: string[], kubeconfigFile = this.file('admin.conf'), input?: string): Run {
    return this.exec(['kubectl', '--kubeconfig', kubeconfigFile, ...args], { input, env: { HOME: this.file('home') } });
  }

  /** HTTP status and body of an anonymous GET (curl -k) inside the namespace. */
  curl(url: string, extra: string[] = []): { status: number; body: string } {
    const r = this.exec(['curl', '-sk', '--max-time', '5', '-w', '\n%{http_code}', ...extra, url]);
    const lines = r.stdout.split('\n');
    return { status: Number(lines.pop() ?? 0), body: lines.join('\n') };
  }

  /** Serial (lower-case hex) of the certificate served on host:port, read with the real openssl. */
  servedSerial(hostPort: string): string {
    const s = this.exec(['openssl', 's_client', '-connect', hostPort, '-servername', 'kubernetes'], { input: '' });
    const x = spawnSync('openssl', ['x509', '-noout', '-serial'], { input: s.stdout, encoding: 'utf8' });
    const m = /serial=([0-9A-Fa-f]+)/.exec(x.stdout);
    if (!m?.[1]) throw new Error(`no certificate served on ${hostPort}: ${s.stderr.slice(0, 500)}`);
    return m[1].toLowerCase().replace(/^0+/, '');
  }

  /** Starts a long-running process in the namespace; its output goes to <dir>/<name>.log. */
  start(name: string, argv: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
    if (this.procs.has(name)) throw new Error(`${name} is already running`);
    const log = fs.openSync(this.file(`${name}.log`), 'a');
    const child = spawn('ip', ['netns', 'exec', this.netns, ...argv], {
      stdio: ['ignore', log, log],
      env: { ...process.env, ...env },
    });
    fs.closeSync(log);
    this.procs.set(name, child);
    child.on('exit', () => {
      if (this.procs.get(name) === child) this.procs.delete(name);
    });
    return child;
  }

  log(name: string): string {
    const file = this.file(`${name}.log`);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  async stop(name: string): Promise<void> {
    const child = this.procs.get(name);
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  async startEtcd(): Promise<void> {
    this.start('etcd', [
      'etcd',
      '--name=master1',
      `--data-dir=${this.file('etcd-data')}`,
      '--listen-client-urls=https://127.0.0.1:2379',
      '--advertise-client-urls=https://127.0.0.1:2379',
      '--listen-peer-urls=http://127.0.0.1:2380',
      '--initial-advertise-peer-urls=http://127.0.0.1:2380',
      '--initial-cluster=master1=http://127.0.0.1:2380',
      `--cert-file=${this.file('pki/etcd/server.crt')}`,
      `--key-file=${this.file('pki/etcd/server.key')}`,
      `--trusted-ca-file=${this.file('pki/etcd/ca.crt')}`,
      '--client-cert-auth=true',
    ]);
    await waitFor(
      'etcd to answer',
      () => {
        const r = this.exec(
          [
            'etcdctl',
            '--endpoints=https://127.0.0.1:2379',
            `--cacert=${this.file('pki/etcd/ca.crt')}`,
            `--cert=${this.file('pki/apiserver-etcd-client.crt')}`,
            `--key=${this.file('pki/apiserver-etcd-client.key')}`,
            'endpoint',
            'health',
          ],
          { env: { ETCDCTL_API: '3' }, timeoutMs: 5000 },
        );
        return r.code === 0;
      },
      20_000,
      () => this.log('etcd'),
    );
  }

  /** kube-apiserver flags as kubeadm writes them, pointing at this lab's files. */
  apiserverFlags(overrides: Record<string, string> = {}): string[] {
    const flags: Record<string, string> = {
      'advertise-address': '127.0.0.1',
      'allow-privileged': 'true',
      'authorization-mode': 'Node,RBAC',
      'client-ca-file': this.file('pki/ca.crt'),
      'enable-admission-plugins': 'NodeRestriction',
      'etcd-cafile': this.file('pki/etcd/ca.crt'),
      'etcd-certfile': this.file('pki/apiserver-etcd-client.crt'),
      'etcd-keyfile': this.file('pki/apiserver-etcd-client.key'),
      'etcd-servers': 'https://127.0.0.1:2379',
      'insecure-port': '0',
      'secure-port': '6443',
      'tls-cert-file': this.file('pki/apiserver.crt'),
      'tls-private-key-file': this.file('pki/apiserver.key'),
      ...overrides,
    };
    return Object.entries(flags).map(([k, v]) => `--${k}=${v}`);
  }

  startComponent(
    name: string,
    program: 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler',
    flags: string[],
    env: NodeJS.ProcessEnv = {},
  ): ChildProcess {
    return this.start(name, [process.execPath, path.join(componentsDist, `${program}.js`), ...flags], {
      KCRLAB_ROOT: this.root,
      ...env,
    });
  }

  /** The certificate served on host:port for an SNI name, as `openssl x509 -noout -subject -issuer -startdate -serial` prints it. */
  servedCertificate(hostPort: string, serverName: string): string {
    const s = this.exec(['openssl', 's_client', '-connect', hostPort, '-servername', serverName], { input: '' });
    const x = spawnSync(
      'openssl',
      ['x509', '-noout', '-subject', '-issuer', '-startdate', '-serial', '-nameopt', 'RFC2253'],
      { input: s.stdout, encoding: 'utf8' },
    );
    if (x.status !== 0) throw new Error(`no certificate served on ${hostPort}: ${s.stderr.slice(0, 500)}`);
    return x.stdout;
  }

  async waitReady(port = 6443, name = 'kube-apiserver'): Promise<void> {
    await waitFor(
      `${name} /readyz on :${port}`,
      () => this.curl(`https://127.0.0.1:${port}/readyz`).status === 200,
      20_000,
      () => this.log(name),
    );
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.procs.keys()].map((name) => this.stop(name)));
    spawnSync('ip', ['netns', 'del', this.netns]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 250 ms until it holds; fails with `what` (and `context()`) after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => boolean,
  timeoutMs: number,
  context: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${context().slice(-3000)}`);
}

/** node.json for a global master in this lab. */
export function nodeJson(kubernetesVersion = '1.18.3'): Record<string, unknown> {
  return {
    name: 'global-m1',
    cluster: 'global',
    clusterType: 'global',
    role: 'master',
    address: '127.0.0.1',
    slot: 0,
    kubernetesVersion,
    runtime: 'docker',
    controlPlaneEndpoint: 'api.tke.com:6443',
    masters: [{ name: 'global-m1', address: '127.0.0.1' }],
    etcdMembers: [{ name: 'global-m1', peerURL: 'https://127.0.0.1:2380' }],
    nodeBin: process.execPath,
    labDist: path.join(repo, 'dist/test/lab'),
    light: false,
    kubeletCheckIntervalMs: 1000,
  };
}
