// What a container runs and how: the program for an image (CONTRACT.md), started in its own
// session with stdout/stderr appended to runtime/logs/<id>.log. Used by the kubelet for new
// containers and by `docker restart` for an existing one.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readFaults } from '../common/node-config.js';
import { loadedCertificate } from './certs.js';
import { containerLogFile, type ContainerRecord } from './store.js';
import { procStartTicks } from './proc.js';

export const componentPrograms = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;

/** The image's last path element without tag or digest: `k8s.gcr.io/etcd:3.4.3-0` -> `etcd`. */
export function imageProgram(image: string): string {
  const last = image.split('@')[0]?.split('/').pop() ?? '';
  return last.split(':')[0] ?? '';
}

export interface LaunchContext {
  nodeBin: string;
  labDist: string;
  /** Set on `components: real` nodes: the control plane runs these real binaries. */
  realBinDir?: string;
  /** `v3beta`: etcd runs behind the etcd 3.3-style front (etcd-v3beta.ts). */
  etcdGateway?: 'v3' | 'v3beta';
}

/** The command line for a manifest's command+args, or null when the lab has no program for the image. */
export function containerCommand(image: string, argv: string[], ctx: LaunchContext): string[] | null {
  const program = imageProgram(image);
  const args = argv.length > 0 && path.posix.basename(argv[0] ?? '') === program ? argv.slice(1) : argv;
  if (program === 'etcd') {
    const etcd = process.env.KCRLAB_ETCD_BIN ?? '/usr/bin/etcd';
    if (ctx.etcdGateway === 'v3beta')
      return [ctx.nodeBin, path.join(ctx.labDist, 'node', 'runtime', 'etcd-v3beta.js'), etcd, ...args];
    return [etcd, ...args];
  }
  if ((componentPrograms as readonly string[]).includes(program)) {
    if (ctx.realBinDir) return [path.join(ctx.realBinDir, program), ...args];
    const dir = process.env.KCRLAB_COMPONENT_DIR ?? path.join(ctx.labDist, 'node', 'components');
    return [ctx.nodeBin, path.join(dir, `${program}.js`), ...args];
  }
  return null;
}

/** A container's environment: a service's clean one, plus the lab's own KCRLAB_* settings. */
export function serviceEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    LANG: 'C.UTF-8',
  };
  for (const [key, value] of Object.entries(process.env)) if (key.startsWith('KCRLAB_')) env[key] = value;
  return env;
}

export interface Launched {
  child: ChildProcess;
  pid: number;
  pidStartTicks: number | null;
  startedAt: string;
  loadedCertSerial: string | null;
  loadedCertFile: string | null;
}

/** Starts rec.command; the certificate is read at the same moment the component reads it. */
export function launchContainer(rec: Pick<ContainerRecord, 'id' | 'image' | 'command'>): Launched {
  const [program, ...args] = rec.command;
  if (!program) throw new Error('empty command');
  const cert = loadedCertificate(imageProgram(rec.image), args);
  // Fault etcdSlowStartSeconds: the etcd process runs but serves nothing for N s, as a real etcd
  // replaying a large data directory (the same pid: sh execs etcd after the wait).
  const slowSeconds = imageProgram(rec.image) === 'etcd' ? Number(readFaults().etcdSlowStartSeconds ?? 0) : 0;
  const argv: [string, string[]] =
    slowSeconds > 0
      ? ['/bin/sh', ['-c', 'sleep "$1"; shift; exec "$@"', 'sh', String(slowSeconds), program, ...args]]
      : [program, args];
  const logFd = fs.openSync(containerLogFile(rec.id), 'a');
  let child: ChildProcess;
  try {
    child = spawn(argv[0], argv[1], { detached: true, stdio: ['ignore', logFd, logFd], env: serviceEnv(), cwd: '/' });
  } finally {
    fs.closeSync(logFd);
  }
  child.on('error', () => undefined);
  if (child.pid === undefined) throw new Error(`exec: "${program}": executable file not found in $PATH`);
  child.unref();
  return {
    child,
    pid: child.pid,
    pidStartTicks: procStartTicks(child.pid),
    startedAt: new Date().toISOString(),
    loadedCertSerial: cert.serial,
    loadedCertFile: cert.file,
  };
}
