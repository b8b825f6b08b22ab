// `docker exec` / `crictl exec`: a command run inside a running container. Lab containers share the
// node's filesystem and network (host network; the manifests' hostPath mounts are at the same paths
// inside a kubeadm static pod), so the command runs on the node, with the image's own programs first
// on PATH: an etcd container has the image's etcdctl (real etcd images ship it; kubeadm up to 1.18
// execs it for etcd's liveness probe) even on a node without one (topology hostEtcdctl: false).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { nodePaths } from '../common/paths.js';
import { imageProgram, serviceEnv } from './launch.js';
import type { ContainerRecord } from './store.js';

/** Where a node keeps the programs of an image (`install.ts` links them): <labDir>/images/<program>. */
export function imageBinDir(program: string): string {
  return path.join(nodePaths.labDir, 'images', program);
}

/** A container's PATH: its image's programs, then the base system (not the lab's /usr/local/bin shims). */
function containerPath(image: string): string {
  return [imageBinDir(imageProgram(image)), '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':');
}

function findProgram(name: string, searchPath: string): string | undefined {
  if (name.includes('/')) return name;
  for (const dir of searchPath.split(':')) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export type ExecResult = { kind: 'exited'; code: number } | { kind: 'not-found'; program: string };

/** Runs argv in the container's view, stdout and stderr passed through; its exit code. */
export function execInContainer(rec: ContainerRecord, argv: string[], extraEnv: Record<string, string>): ExecResult {
  const [name, ...args] = argv;
  const searchPath = containerPath(rec.image);
  const program = name === undefined ? undefined : findProgram(name, searchPath);
  if (!program) return { kind: 'not-found', program: name ?? '' };
  const res = spawnSync(program, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...serviceEnv(), PATH: searchPath, ...extraEnv },
    cwd: '/',
  });
  if (res.error) return { kind: 'not-found', program: name ?? '' };
  return { kind: 'exited', code: res.status ?? 128 + 9 };
}
