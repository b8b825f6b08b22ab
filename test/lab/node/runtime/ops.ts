// Container and sandbox operations shared by the kubelet and the docker / crictl shims.
import { launchContainer } from './launch.js';
import { exitCodeForSignal, killNow, terminate } from './proc.js';
import { containers, isRunning, sandboxes, type ContainerRecord, type SandboxRecord } from './store.js';

/** Marks a container exited unless something else already did (or removed it). */
export function markExited(id: string, exitCode: number): ContainerRecord | undefined {
  return containers.update(id, (rec) =>
    rec.state === 'running' ? { ...rec, state: 'exited', exitCode, finishedAt: new Date().toISOString() } : undefined,
  );
}

/** SIGTERM, SIGKILL after graceMs; the record ends exited with the signal's exit code. */
export async function stopContainer(rec: ContainerRecord, graceMs: number): Promise<void> {
  if (isRunning(rec)) {
    const signal = await terminate(rec.pid, rec.pidStartTicks, graceMs);
    markExited(rec.id, exitCodeForSignal(signal));
  } else {
    markExited(rec.id, rec.exitCode ?? 0);
  }
}

export async function killContainer(rec: ContainerRecord): Promise<void> {
  await killNow(rec.pid, rec.pidStartTicks);
  markExited(rec.id, exitCodeForSignal('SIGKILL'));
}

/** `rm -f`: SIGKILL, then the record goes. */
export async function removeContainer(rec: ContainerRecord): Promise<void> {
  if (isRunning(rec)) await killNow(rec.pid, rec.pidStartTicks);
  containers.remove(rec.id);
}

/** `docker restart`: the same container (same id) stopped and started again. */
export async function restartContainer(rec: ContainerRecord, graceMs: number): Promise<void> {
  // Without this the kubelet could see the stopped container and start a replacement meanwhile.
  containers.update(rec.id, (cur) => ({
    ...cur,
    restartingUntil: new Date(Date.now() + graceMs + 10_000).toISOString(),
  }));
  await stopContainer(rec, graceMs);
  const launched = launchContainer(rec);
  containers.update(rec.id, (cur) => ({
    ...cur,
    state: 'running',
    pid: launched.pid,
    pidStartTicks: launched.pidStartTicks,
    startedAt: launched.startedAt,
    finishedAt: undefined,
    exitCode: undefined,
    loadedCertSerial: launched.loadedCertSerial,
    loadedCertFile: launched.loadedCertFile,
    restartingUntil: undefined,
  }));
}

export function containersOf(sandboxId: string): ContainerRecord[] {
  return containers.list().filter((c) => c.sandboxId === sandboxId);
}

/** Stops a pod sandbox: its containers first, then the sandbox is no longer ready. */
export async function stopSandbox(sb: SandboxRecord, graceMs: number): Promise<void> {
  await Promise.all(containersOf(sb.id).map((c) => stopContainer(c, graceMs)));
  sandboxes.update(sb.id, (cur) => ({ ...cur, state: 'notready' }));
}

/** Removes a pod sandbox and every container in it. */
export async function removeSandbox(sb: SandboxRecord): Promise<void> {
  await Promise.all(containersOf(sb.id).map((c) => removeContainer(c)));
  sandboxes.remove(sb.id);
}
