// Test helpers for the pki and kubeadm tests: a node rootfs built by buildClusterFiles, the kubeadm
// simulator compiled and run as a real process, and a tiny HTTPS API server serving kubeadm-config.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildClusterFiles, type LabClusterSpec, type NodeFile } from '../pki/index.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `kcrlab-${prefix}-`));
}

export function clusterSpec(overrides: Partial<LabClusterSpec> = {}): LabClusterSpec {
  return {
    name: 'global',
    type: 'global',
    kubernetesVersion: '1.18.3',
    runtime: 'docker',
    controlPlaneEndpoint: 'api.tke.com:6443',
    masters: [{ name: 'global-m1', address: '127.0.0.1' }],
    workers: [],
    certAgeDays: 100,
    kubeletConfEmbedded: false,
    kubeadmVersion: '1.18.3',
    tkeCertsShape: '1.3',
    light: false,
    ...overrides,
  };
}

export function writeNodeFiles(root: string, files: NodeFile[]): void {
  for (const f of files) {
    const target = path.join(root, f.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, f.data, { mode: f.mode });
  }
}

/** Every node of the cluster written under DIR/<node>; returns DIR. */
export function writeCluster(spec: LabClusterSpec): string {
  const dir = tempDir(spec.name);
  for (const [node, files] of buildClusterFiles(spec)) writeNodeFiles(path.join(dir, node), files);
  return dir;
}

let compiled: string | null = null;

/** Compiles the simulator (and what it imports) once per test process; returns main.js. */
export function simulatorMain(): string {
  if (compiled) return compiled;
  const out = tempDir('kubeadm-build');
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(out, 'node_modules'));
  const tsc = path.join(REPO, 'node_modules/typescript/bin/tsc');
  const options = [
    '--target',
    'ES2022',
    '--module',
    'NodeNext',
    '--moduleResolution',
    'NodeNext',
    '--strict',
    '--skipLibCheck',
    '--esModuleInterop',
    '--types',
    'node',
  ];
  execFileSync(
    process.execPath,
    [tsc, ...options, '--rootDir', REPO, '--outDir', out, path.join(REPO, 'test/lab/node/kubeadm/main.ts')],
    { stdio: 'pipe' },
  );
  compiled = path.join(out, 'test/lab/node/kubeadm/main.js');
  return compiled;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  status: number | null;
}

/** Runs the simulator as a process (asynchronously, so an in-process API server can answer it). */
export function runKubeadm(version: string, root: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [simulatorMain(), ...args], {
      env: { ...process.env, KCRLAB_ROOT: root, KCRLAB_KUBEADM_VERSION: version },
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ stdout, stderr, status }));
  });
}

export function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export interface FakeApiServer {
  port: number;
  requests: string[];
  close(): Promise<void>;
}

/**
 * HTTPS with the node's apiserver.crt, client certificates verified against ca.crt: serves the
 * kubeadm-config ConfigMap with this ClusterConfiguration (by default the one seed.json holds).
 */
export async function startApiServer(root: string, clusterConfiguration: string): Promise<FakeApiServer> {
  const pki = path.join(root, 'etc/kubernetes/pki');
  const cm = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kubeadm-config', namespace: 'kube-system' },
    data: { ClusterConfiguration: clusterConfiguration },
  };
  const requests: string[] = [];
  const server = https.createServer(
    {
      cert: fs.readFileSync(path.join(pki, 'apiserver.crt')),
      key: fs.readFileSync(path.join(pki, 'apiserver.key')),
      ca: fs.readFileSync(path.join(pki, 'ca.crt')),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      requests.push(`${req.method} ${req.url}`);
      if (req.url === '/api/v1/namespaces/kube-system/configmaps/kubeadm-config') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(cm));
      } else {
        res.writeHead(404).end();
      }
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Points every kubeconfig of the node at https://127.0.0.1:<port>. */
export function pointKubeconfigsAt(root: string, port: number): void {
  for (const name of ['admin.conf', 'super-admin.conf', 'controller-manager.conf', 'scheduler.conf', 'kubelet.conf']) {
    const file = path.join(root, 'etc/kubernetes', name);
    if (!fs.existsSync(file)) continue;
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace(/server: https:\/\/\S+/, `server: https://127.0.0.1:${port}`),
    );
  }
}
