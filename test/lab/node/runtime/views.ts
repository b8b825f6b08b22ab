// How the runtime's records look through the CLIs: the command line a container shows, its docker
// name, and a unified list of containers and pod sandboxes.
import crypto from 'node:crypto';
import { imageProgram } from './launch.js';
import { containers, isRunning, newestFirst, sandboxes, type ContainerRecord, type SandboxRecord } from './store.js';

export const pauseImage = 'k8s.gcr.io/pause:3.2';

/** The manifest-style command line (image program and its flags), not the lab's node/etcd path. */
export function displayArgv(rec: ContainerRecord): string[] {
  const program = imageProgram(rec.image);
  const skip = rec.command[1]?.endsWith(`/${program}.js`) ? 2 : 1;
  return [program, ...rec.command.slice(skip)];
}

export function dockerName(rec: ContainerRecord): string {
  return `k8s_${rec.name}_${rec.podName}_${rec.namespace}_${rec.podUid}_${rec.attempt}`;
}

export function sandboxDockerName(sb: SandboxRecord): string {
  return `k8s_POD_${sb.podName}_${sb.namespace}_${sb.podUid}_${sb.attempt}`;
}

/** A stable image id for an image reference (the lab pulls nothing). */
export function imageId(image: string): string {
  return `sha256:${crypto.createHash('sha256').update(image).digest('hex')}`;
}

/** A container or a sandbox (docker's pause container), as `docker ps` and `inspect` see them. */
export interface Entry {
  kind: 'container' | 'sandbox';
  id: string;
  name: string;
  image: string;
  argv: string[];
  createdAt: string;
  startedAt: string;
  finishedAt?: string;
  running: boolean;
  exitCode: number;
  pid: number;
  labels: Record<string, string>;
  container?: ContainerRecord;
  sandbox?: SandboxRecord;
}

export function containerEntry(c: ContainerRecord): Entry {
  const running = isRunning(c);
  return {
    kind: 'container',
    id: c.id,
    name: dockerName(c),
    image: c.image,
    argv: displayArgv(c),
    createdAt: c.createdAt,
    startedAt: c.startedAt,
    finishedAt: running ? undefined : (c.finishedAt ?? c.startedAt),
    running,
    exitCode: running ? 0 : (c.exitCode ?? 137),
    pid: running ? c.pid : 0,
    labels: { ...c.labels, 'io.kubernetes.docker.type': 'container', 'io.kubernetes.sandbox.id': c.sandboxId },
    container: c,
  };
}

export function sandboxEntry(s: SandboxRecord): Entry {
  const running = s.state === 'ready';
  return {
    kind: 'sandbox',
    id: s.id,
    name: sandboxDockerName(s),
    image: pauseImage,
    argv: ['/pause'],
    createdAt: s.createdAt,
    startedAt: s.createdAt,
    finishedAt: running ? undefined : s.createdAt,
    running,
    exitCode: 0,
    pid: 0,
    labels: { ...s.labels, 'io.kubernetes.docker.type': 'podsandbox', 'io.kubernetes.container.name': 'POD' },
    sandbox: s,
  };
}

export function allEntries(withSandboxes: boolean): Entry[] {
  const list = containers.list().map(containerEntry);
  if (withSandboxes) list.push(...sandboxes.list().map(sandboxEntry));
  return newestFirst(list);
}
