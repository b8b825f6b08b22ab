// The kubelet's pod sync: static pods from the manifest directory become sandboxes and containers;
// a container that is gone or dead is replaced (new id, attempt + 1), with a crash-loop back-off
// for containers that keep exiting; a pod whose manifest went away (or etcd while the etcdStopped
// fault is set) is stopped.
import { readFaults } from '../common/node-config.js';
import { klog } from './kubelet-log.js';
import { containerCommand, imageProgram, launchContainer, type LaunchContext } from './launch.js';
import { scanManifests, type StaticPod } from './manifest.js';
import { exitCodeForSignal } from './proc.js';
import { markExited, stopSandbox, stopContainer } from './ops.js';
import {
  containers,
  isRunning,
  newId,
  newestFirst,
  sandboxes,
  type ContainerRecord,
  type SandboxRecord,
} from './store.js';

export interface SyncContext extends LaunchContext {
  nodeName: string;
  intervalMs: number;
}

interface CrashLoop {
  count: number;
  notBefore: number;
}

const keepExitedPerContainer = 2;

const podRef = (p: { podName: string; namespace: string; podUid: string }): string =>
  `"${p.podName}_${p.namespace}(${p.podUid})"`;

export class PodSyncer {
  private readonly crashLoops = new Map<string, CrashLoop>();
  private readonly accountedExits = new Set<string>();
  private readonly lastAttempt = new Map<string, number>();
  private readonly known = new Map<string, string>();
  private readonly reportedErrors = new Set<string>();
  stopping = false;

  constructor(private readonly ctx: SyncContext) {}

  private get graceMs(): number {
    return Math.min(30_000, Math.max(1000, 2 * this.ctx.intervalMs));
  }

  async syncOnce(): Promise<void> {
    const faults = readFaults();
    const scan = scanManifests(this.ctx.nodeName);
    this.reportManifestErrors(scan.errors);
    const wanted = scan.pods.filter((pod) => !(faults.etcdStopped && imageProgram(pod.image) === 'etcd'));
    const wantedUids = new Set(wanted.map((p) => p.uid));
    for (const pod of scan.pods) {
      if (!this.known.has(pod.uid))
        klog('I', 'kubelet.go:1887', `SyncLoop (ADD, "file"): ${podRef({ ...pod, podUid: pod.uid })}`);
    }
    const scannedUids = new Set(scan.pods.map((p) => p.uid));
    for (const [uid, name] of this.known) {
      if (!scannedUids.has(uid)) klog('I', 'kubelet.go:1897', `SyncLoop (REMOVE, "file"): "${name}"`);
    }
    this.known.clear();
    for (const pod of scan.pods) this.known.set(pod.uid, `${pod.podName}_${pod.namespace}(${pod.uid})`);

    await this.stopUnwanted(wantedUids);
    for (const pod of wanted) {
      if (this.stopping) return;
      await this.ensurePod(pod);
    }
    this.collectGarbage();
  }

  private reportManifestErrors(errors: { file: string; message: string }[]): void {
    for (const e of errors) {
      const key = `${e.file}: ${e.message}`;
      if (this.reportedErrors.has(key)) continue;
      this.reportedErrors.add(key);
      klog('E', 'file.go:187', `Could not process manifest file "${e.file}": ${e.message}`);
    }
  }

  /** Pods no manifest asks for (or held by a fault): containers stopped, sandbox not ready. */
  private async stopUnwanted(wantedUids: Set<string>): Promise<void> {
    const stops: Promise<void>[] = [];
    const stopping = new Set<string>();
    for (const sb of sandboxes.list()) {
      if (sb.state === 'ready' && !wantedUids.has(sb.podUid)) {
        klog('I', 'kuberuntime_container.go:635', `Killing unwanted pod ${podRef(sb)}`);
        stopping.add(sb.id);
        stops.push(stopSandbox(sb, this.graceMs));
      }
    }
    for (const c of containers.list()) {
      if (c.state === 'running' && !wantedUids.has(c.podUid) && !stopping.has(c.sandboxId))
        stops.push(stopContainer(c, this.graceMs));
    }
    await Promise.all(stops);
  }

  private readySandbox(pod: StaticPod): SandboxRecord {
    const mine = newestFirst(sandboxes.list().filter((s) => s.podUid === pod.uid));
    const ready = mine.find((s) => s.state === 'ready');
    if (ready) return ready;
    klog(
      'I',
      'kuberuntime_manager.go:422',
      `No sandbox for pod ${podRef({ ...pod, podUid: pod.uid })} can be found. Need to start a new one`,
    );
    const sb: SandboxRecord = {
      id: newId(),
      podName: pod.podName,
      podUid: pod.uid,
      namespace: pod.namespace,
      state: 'ready',
      createdAt: new Date().toISOString(),
      attempt: mine.length > 0 ? Math.max(...mine.map((s) => s.attempt)) + 1 : 0,
      labels: {
        ...pod.labels,
        'io.kubernetes.pod.name': pod.podName,
        'io.kubernetes.pod.namespace': pod.namespace,
        'io.kubernetes.pod.uid': pod.uid,
      },
    };
    sandboxes.put(sb);
    return sb;
  }

  private async ensurePod(pod: StaticPod): Promise<void> {
    const key = `${pod.uid}/${pod.containerName}`;
    const sb = this.readySandbox(pod);
    const mine = newestFirst(containers.list().filter((c) => c.podUid === pod.uid && c.name === pod.containerName));
    // Containers left running in an older sandbox of this pod do not belong to it any more.
    await Promise.all(
      mine.filter((c) => c.sandboxId !== sb.id && isRunning(c)).map((c) => stopContainer(c, this.graceMs)),
    );
    const current = mine.find((c) => c.sandboxId === sb.id);
    if (current && isRunning(current)) return;
    if (current?.restartingUntil && Date.now() < Date.parse(current.restartingUntil)) return;
    if (current?.state === 'running') markExited(current.id, current.exitCode ?? exitCodeForSignal('SIGKILL'));
    if (current) this.accountExit(key, containers.get(current.id) ?? current);
    const loop = this.crashLoops.get(key);
    if (current && loop && Date.now() < loop.notBefore) return;
    this.startContainer(pod, sb, key, mine);
  }

  /** Counts a container that exited on its own; a short run makes the back-off grow. */
  private accountExit(key: string, rec: ContainerRecord): void {
    if (this.accountedExits.has(rec.id)) return;
    this.accountedExits.add(rec.id);
    const finished = Date.parse(rec.finishedAt ?? new Date().toISOString());
    const ranMs = finished - Date.parse(rec.startedAt);
    const previous = this.crashLoops.get(key);
    const count = previous && ranMs < 10 * this.ctx.intervalMs ? previous.count + 1 : 1;
    // Real kubelet: 10 s doubling to 5 min; scaled to the lab's check interval (real: 20 s).
    const delayMs = count <= 1 ? 0 : Math.min(this.ctx.intervalMs * 2 ** (count - 2), 15 * this.ctx.intervalMs);
    this.crashLoops.set(key, { count, notBefore: finished + delayMs });
    if (count > 1)
      klog(
        'E',
        'pod_workers.go:191',
        `Error syncing pod ${rec.podUid}, skipping: failed to "StartContainer" for "${rec.name}" with CrashLoopBackOff: "back-off ${Math.round(delayMs / 1000)}s restarting failed container=${rec.name} pod=${rec.podName}_${rec.namespace}(${rec.podUid})"`,
      );
  }

  private startContainer(pod: StaticPod, sb: SandboxRecord, key: string, previous: ContainerRecord[]): void {
    const attempt = Math.max(this.lastAttempt.get(key) ?? -1, ...previous.map((c) => c.attempt)) + 1;
    const command = containerCommand(pod.image, pod.argv, this.ctx);
    const now = new Date().toISOString();
    if (!command) {
      this.failStart(pod, key, `no lab program for image "${pod.image}"`);
      return;
    }
    const id = newId();
    let launched;
    try {
      launched = launchContainer({ id, image: pod.image, command });
    } catch (err) {
      this.failStart(pod, key, (err as Error).message);
      return;
    }
    this.lastAttempt.set(key, attempt);
    const rec: ContainerRecord = {
      id,
      name: pod.containerName,
      podName: pod.podName,
      podUid: pod.uid,
      namespace: pod.namespace,
      image: pod.image,
      pid: launched.pid,
      state: 'running',
      createdAt: now,
      startedAt: launched.startedAt,
      attempt,
      labels: {
        'io.kubernetes.container.name': pod.containerName,
        'io.kubernetes.pod.name': pod.podName,
        'io.kubernetes.pod.namespace': pod.namespace,
        'io.kubernetes.pod.uid': pod.uid,
      },
      loadedCertSerial: launched.loadedCertSerial,
      loadedCertFile: launched.loadedCertFile,
      sandboxId: sb.id,
      command,
      pidStartTicks: launched.pidStartTicks,
    };
    containers.put(rec);
    launched.child.on('exit', (code, signal) => {
      if (!this.stopping) markExited(id, code ?? exitCodeForSignal(signal ?? 'SIGKILL'));
    });
    klog(
      'I',
      'kuberuntime_manager.go:841',
      `Started container ${pod.containerName} (${id.slice(0, 12)}) attempt ${attempt} in pod ${podRef(rec)}`,
    );
  }

  private failStart(pod: StaticPod, key: string, message: string): void {
    const previous = this.crashLoops.get(key);
    const count = (previous?.count ?? 0) + 1;
    this.crashLoops.set(key, {
      count,
      notBefore: Date.now() + Math.min(this.ctx.intervalMs * 2 ** (count - 1), 15 * this.ctx.intervalMs),
    });
    klog(
      'E',
      'pod_workers.go:191',
      `Error syncing pod ${pod.uid} ("${pod.podName}_${pod.namespace}(${pod.uid})"), skipping: failed to "StartContainer" for "${pod.containerName}" with CreateContainerError: "${message}"`,
    );
  }

  /** Keeps the newest exited containers per pod container and the newest dead sandbox per pod. */
  private collectGarbage(): void {
    const byKey = new Map<string, ContainerRecord[]>();
    for (const c of containers.list()) {
      const list = byKey.get(`${c.podUid}/${c.name}`) ?? [];
      list.push(c);
      byKey.set(`${c.podUid}/${c.name}`, list);
    }
    for (const list of byKey.values()) {
      for (const old of newestFirst(list.filter((c) => c.state === 'exited')).slice(keepExitedPerContainer))
        containers.remove(old.id);
    }
    const live = new Set(containers.list().map((c) => c.sandboxId));
    const byPod = new Map<string, SandboxRecord[]>();
    for (const s of sandboxes.list()) byPod.set(s.podUid, [...(byPod.get(s.podUid) ?? []), s]);
    for (const list of byPod.values()) {
      for (const old of newestFirst(list.filter((s) => s.state === 'notready')).slice(1))
        if (!live.has(old.id)) sandboxes.remove(old.id);
    }
  }
}
