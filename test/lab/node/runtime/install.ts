// Writes a node's runtime shims (called by the lab's infra at `up`): systemctl, date, and docker or
// crictl according to the cluster's runtime, into <rootfs>/usr/local/bin.
import fs from 'node:fs';
import path from 'node:path';

export interface RuntimeShimOptions {
  runtime: 'docker' | 'containerd';
  /** Absolute path of the Node binary (process.execPath at `up`). */
  nodeBin: string;
  /** Absolute path of the compiled lab (dist/test/lab). */
  labDist: string;
}

function shim(nodeBin: string, program: string): string {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/sh\nexec ${quote(nodeBin)} ${quote(program)} "$@"\n`;
}

/** Returns the paths written. The other runtime's CLI is removed if present. */
export function installRuntimeShims(rootfs: string, opts: RuntimeShimOptions): string[] {
  const binDir = path.join(rootfs, 'usr', 'local', 'bin');
  fs.mkdirSync(binDir, { recursive: true });
  const cli = opts.runtime === 'docker' ? 'docker' : 'crictl';
  fs.rmSync(path.join(binDir, opts.runtime === 'docker' ? 'crictl' : 'docker'), { force: true });
  const written: string[] = [];
  for (const name of ['systemctl', 'date', cli]) {
    const file = path.join(binDir, name);
    fs.writeFileSync(file, shim(opts.nodeBin, path.join(opts.labDist, 'node', 'runtime', `${name}.js`)), { mode: 0o755 });
    fs.chmodSync(file, 0o755);
    written.push(file);
  }
  return written;
}
