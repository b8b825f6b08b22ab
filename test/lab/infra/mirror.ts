// Fills DIR/mirror with the kubeadm simulator per version (the real kubeadm for the version the lab
// has real components of, when a cluster uses them; official URL layout) and starts the server.
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from './proc.js';

/** Always on the mirror, besides the topology's versions. */
export const mirrorVersions = ['1.16.9', '1.18.3', '1.19.7', '1.20.6', '1.21.4', '1.31.4'];

export const mirrorPath = (version: string, arch = 'amd64'): string =>
  `kubernetes-release/release/v${version}/bin/linux/${arch}/kubeadm`;

export function mirrorUrlPattern(host: string, port: number): string {
  return `http://${host}:${port}/kubernetes-release/release/v{version}/bin/linux/{arch}/kubeadm`;
}

export function writeMirror(root: string, versions: string[], shim: (version: string) => string | Buffer): void {
  fs.rmSync(root, { recursive: true, force: true });
  for (const v of new Set(versions)) {
    const file = path.join(root, mirrorPath(v));
    const data = shim(v);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data, { mode: 0o755 });
    fs.writeFileSync(`${file}.sha256`, crypto.createHash('sha256').update(data).digest('hex'));
  }
}

/** Starts the mirror server detached; resolves with its pid and port. */
export async function startMirror(
  serverJs: string,
  root: string,
  host: string,
  portFile: string,
  logFile: string,
  pidFile: string,
): Promise<{ pid: number; port: number }> {
  fs.rmSync(portFile, { force: true });
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [serverJs, root, host, portFile], {
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  child.unref();
  const pid = child.pid as number;
  // Written at once so `down` finds it even if `up` is killed now.
  fs.writeFileSync(pidFile, String(pid));
  for (let i = 0; i < 200; i++) {
    if (fs.existsSync(portFile)) return { pid, port: Number(fs.readFileSync(portFile, 'utf8')) };
    if (child.exitCode !== null) break;
    await sleep(25);
  }
  throw new Error(`the kubeadm mirror did not start (see ${logFile})`);
}
