// restart_control_plane: restarts etcd, kube-apiserver, kube-controller-manager and kube-scheduler
// through the runtime actually in use (the kubelet recreates the static pods), and proves each
// came back as a new container started after the removal (the restart proof by time: controller-
// manager and scheduler read their kubeconfigs only at start, the API server's loopback certificate
// lives as long as its process). Before removing anything it requires the kubelet really up (healthz
// ok, no restart for longer than its restart delay), not merely `active`: a crash-looping kubelet
// is `active` part of the time and would not recreate what is removed.
import { z } from 'zod';
import { tail } from '../playbook/remote.js';
import type { ModuleContext, MutatingModule } from '../playbook/types.js';
import {
  CONTROL_PLANE_COMPONENTS,
  RUNTIMES,
  parseIds,
  type ControlPlaneComponent,
  type RuntimeCommands,
} from '../kube/runtime.js';
import { ETCD_MOVE_LEADER_SCRIPT } from '../kube/node-scripts.js';
import { KUBERNETES_DIR } from '../kube/paths.js';
import { CLOCK_THEN_EXEC_SCRIPT } from '../kube/scripts/components.js';
import { judgeHealth, probeHealth, sleep } from './support/health-probe.js';
import { getFacts } from './support/state.js';
import { requireKubeletUp } from './support/kubelet-watch.js';

const Args = z
  .object({
    components: z
      .array(z.enum(CONTROL_PLANE_COMPONENTS))
      .min(1)
      .default([...CONTROL_PLANE_COMPONENTS]),
    /** Refuse to restart etcd unless every other member is healthy (quorum kept). */
    checkQuorum: z.boolean().default(true),
    /** Only restart when this run already restarted something on this host (used in rescue). */
    onlyIfRestarted: z.boolean().default(false),
    /** How long each container may take to come back; default --restart-timeout. */
    comebackTimeoutSeconds: z.number().int().positive().optional(),
    /** How long a restarted local etcd may take to serve again; default --etcd-start-timeout. */
    etcdStartTimeoutSeconds: z.number().int().positive().optional(),
    /** How long the kubelet may take to be healthy and stable before containers are removed. */
    kubeletTimeoutSeconds: z.number().positive().default(60),
  })
  .strict();
type Args = z.infer<typeof Args>;

export const restartControlPlaneModule: MutatingModule<Args, ControlPlaneComponent[]> = {
  name: 'restart_control_plane',
  description: 'Restarts the control-plane static pods through docker or crictl and verifies each restarted.',
  args: Args,
  mutates: true,
  onlyWhenDue: () => true,
  async decide(ctx, args) {
    if (args.onlyIfRestarted && !ctx.facts.restartedAny)
      return {
        kind: 'skip',
        message: 'no component was restarted in this run: the running ones still use the certificates on disk',
      };
    const facts = getFacts(ctx);
    const components = ordered(ctx, args);
    return {
      kind: 'change',
      message: `would restart ${components.join(', ')} with ${facts.runtime ? RUNTIMES[facts.runtime].cli : 'the detected runtime'}`,
      plan: components,
    };
  },
  async apply(ctx, args, components) {
    const facts = getFacts(ctx);
    if (!facts.runtime) throw ctx.fail('container runtime unknown');
    const rt = RUNTIMES[facts.runtime];
    const kubelet = await requireKubeletUp(
      ctx,
      args.kubeletTimeoutSeconds * 1000,
      'refusing to remove containers it would not recreate',
    );
    ctx.log.info({ kubelet }, 'kubelet up: it will recreate the removed containers');
    const restarted: Record<string, string> = {};
    // Time spent waiting for the node (containers coming back, local etcd serving again), as
    // opposed to our own work: reported so a run's duration can be split (docs/benchmarks.md).
    const waited = { ms: 0 };
    for (const component of components) {
      if (component === 'etcd' && args.checkQuorum) {
        await requireOtherMembersHealthy(ctx);
        await moveLeaderAway(ctx);
      }
      const comebackMs = (args.comebackTimeoutSeconds ?? ctx.options.restartTimeoutMs / 1000) * 1000;
      restarted[component] = await restartOne(ctx, rt, component, comebackMs, waited);
      ctx.facts.restartedAny = true;
      if (component === 'etcd') {
        const since = Date.now();
        await waitLocalEtcd(ctx, (args.etcdStartTimeoutSeconds ?? ctx.options.etcdStartTimeoutMs / 1000) * 1000);
        waited.ms += Date.now() - since;
      }
    }
    ctx.publish('restartedAt', restarted);
    return {
      status: 'changed',
      message: `restarted ${Object.keys(restarted).join(', ')} (${rt.cli})`,
      data: { restartedAt: restarted, waitedMs: waited.ms },
    };
  },
};

function ordered(ctx: ModuleContext, args: Args): ControlPlaneComponent[] {
  // etcd first: the API server is then restarted against an etcd that already serves its new certificate.
  const order: ControlPlaneComponent[] = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
  return order.filter((c) => args.components.includes(c) && (c !== 'etcd' || ctx.cluster.etcd === 'stacked'));
}

/** Removes the containers; returns the node's clock just before the removal. */
async function removeStamped(
  ctx: ModuleContext,
  rt: RuntimeCommands,
  component: string,
  ids: string[],
): Promise<number> {
  const res = await ctx.remote.sh(CLOCK_THEN_EXEC_SCRIPT, rt.remove(ids));
  const [first = '', ...rest] = res.stdout.split('\n');
  const removedAtSec = Number(first.trim());
  // Not a number: the script stopped before the removal.
  if (!/^\d+$/.test(first.trim()) || removedAtSec <= 0)
    throw ctx.fail(
      `cannot read the node's clock: ${tail(res.stdout.replace(/^not a clock: ?/, '')) || '(nothing)'}; nothing was removed`,
    );
  if (res.exitCode !== 0)
    throw ctx.fail(`${rt.cli} could not remove ${component}: ${tail(res.stderr || rest.join('\n'))}`);
  return removedAtSec;
}

async function listIds(ctx: ModuleContext, rt: RuntimeCommands, component: string): Promise<string[]> {
  const res = await ctx.remote.exec(rt.listIds(component));
  const ids = res.exitCode === 0 ? parseIds(res.stdout) : undefined;
  if (!ids) throw ctx.fail(`${rt.cli} could not list ${component}: ${tail(res.stderr || res.stdout)}`);
  return ids;
}

/** Removes the component's container and returns the new container's start time (ISO); adds the
 *  time from the removal until the new container was seen to `waited`. */
async function restartOne(
  ctx: ModuleContext,
  rt: RuntimeCommands,
  component: string,
  timeoutMs: number,
  waited: { ms: number },
): Promise<string> {
  const old = await listIds(ctx, rt, component);
  if (old.length === 0) throw ctx.fail(`no running ${component} container`);
  const removedAtSec = await removeStamped(ctx, rt, component, old);
  const removedAt = Date.now();
  const deadline = removedAt + timeoutMs;
  while (Date.now() < deadline) {
    const fresh = (await listIds(ctx, rt, component)).filter(
      (id) => !old.some((o) => o.startsWith(id) || id.startsWith(o)),
    );
    for (const id of fresh) {
      const res = await ctx.remote.exec(rt.inspect(id));
      const startedAt = res.exitCode === 0 ? rt.parseStartedAt(res.stdout) : undefined;
      // Whole seconds on the node's clock: a start in the same second as the removal counts.
      if (startedAt && Math.floor(startedAt.getTime() / 1000) >= removedAtSec) {
        waited.ms += Date.now() - removedAt;
        return startedAt.toISOString();
      }
    }
    await sleep(500, ctx.signal);
  }
  throw ctx.fail(
    `${component} did not come back within ${Math.round(timeoutMs / 1000)}s after its container was removed`,
  );
}

async function requireOtherMembersHealthy(ctx: ModuleContext): Promise<void> {
  const h = await probeHealth(ctx.remote, ctx.clusterFacts.etcdUrls ?? []);
  const verdict = judgeHealth(h, { etcd: true, allMembers: true, servedMatchesDisk: false, components: false });
  const etcdProblems = verdict.problems.filter(
    (p) => p.startsWith('etcd') || p.startsWith('local etcd') || p.startsWith('not every'),
  );
  if (etcdProblems.length)
    throw ctx.fail(`refusing to restart etcd: ${etcdProblems.join('; ')}`, 'restarting now could lose quorum');
}

async function waitLocalEtcd(ctx: ModuleContext, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const h = await probeHealth(ctx.remote, []);
    // restartOne already proved a new process by its start time; this waits until it answers TLS
    // (etcd serves the file on every handshake, so serving it is no restart proof, only an answer).
    // Quorum is the health gate's job (in the recovery path it cannot exist until a majority has restarted).
    if (h.etcdServesDisk) return;
    last = h.served.etcd ? 'etcd serves an old certificate' : 'local etcd not answering';
    await sleep(500, ctx.signal);
  }
  throw ctx.fail(
    `etcd not back ${Math.round(timeoutMs / 1000)}s after its restart: ${last}`,
    'a large database can take minutes: raise --etcd-start-timeout',
  );
}

/** A restarting leader leaves the cluster without one until an election ends; hand it over first. */
async function moveLeaderAway(ctx: ModuleContext): Promise<void> {
  const res = await ctx.remote.sh(ETCD_MOVE_LEADER_SCRIPT, [KUBERNETES_DIR]);
  const out = res.stdout.trim();
  if (out.startsWith('moved'))
    ctx.log.info({ etcd: out }, 'etcd leadership handed to another member before the restart');
  else if (out !== 'not-leader')
    ctx.log.warn(
      { etcd: out.slice(0, 200) },
      'could not hand etcd leadership over; the restart will cause an election',
    );
}
