// wait_healthy: the gate between masters. Polls, bounded, until this master's API server is ready
// and serves the certificate on disk, etcd serves its new certificate, every etcd member is
// healthy, controller-manager and scheduler are healthy, and every component started after its
// credential files last changed (the restart proof by time, kube/restart-proof.ts: what is served
// proves no restart, since the API server and etcd reload their serving certificates), and the
// controller-manager and scheduler leader leases renewed since then with no authentication errors
// logged by the restarted ones (kube/leader-leases.ts: their /healthz is ok on non-leaders whatever
// their credentials). Read-only.
import { z } from 'zod';
import type { ModuleContext, ReadOnlyModule } from '../playbook/types.js';
import type { Host } from '../inventory/types.js';
import { memberUrls } from '../kube/health.js';
import { judgeHealth, probeHealth, sleep, type HealthVerdict } from './support/health-probe.js';
import { mastersComponents, notRestartedProblems, readRestarts } from './support/restarts.js';
import { kubectlArgv } from './support/kubectl.js';
import { judgeLeaders, LEADER_LEASES, parseLeases } from '../kube/leader-leases.js';
import type { ComponentRestart } from '../kube/restart-proof.js';
import { tail, type Remote } from '../playbook/remote.js';

const Args = z
  .object({
    /** `master`: this master; `cluster`: every master of the cluster (the final gate of the recovery path). */
    scope: z.enum(['master', 'cluster']).default('master'),
    /** Defaults to --health-timeout. */
    timeoutSeconds: z.number().positive().optional(),
    intervalSeconds: z.number().positive().default(2),
    servedMatchesDisk: z.boolean().default(true),
    /** Every component started after its credential files last changed. */
    restartedSinceChange: z.boolean().default(true),
    /** The controller-manager and scheduler leader leases renewed since this master's ones started,
     *  and neither logging authentication errors (their /healthz is ok on non-leaders regardless). */
    leadersRenewing: z.boolean().default(true),
    /** Skip masters not due for renewal (nothing was restarted there). */
    onlyIfDue: z.boolean().default(true),
  })
  .strict();
type Args = z.infer<typeof Args>;

export const waitHealthyModule: ReadOnlyModule<Args> = {
  name: 'wait_healthy',
  description:
    'Waits, bounded, until the API server is ready and serves the certificate on disk, etcd has every member healthy, controller-manager and scheduler are healthy, and every component started after its credentials changed.',
  args: Args,
  mutates: false,
  onlyWhenDue: (args) => args.onlyIfDue && args.scope === 'master',
  async run(ctx, args) {
    const timeoutMs = (args.timeoutSeconds ?? ctx.options.healthTimeoutMs / 1000) * 1000;
    const started = Date.now();
    const hosts = args.scope === 'cluster' ? ctx.cluster.masters : [ctx.host];
    let verdicts: { host: Host; verdict: HealthVerdict }[] = [];
    while (true) {
      verdicts = await Promise.all(hosts.map(async (host) => ({ host, verdict: await probeOnce(ctx, host, args) })));
      if (verdicts.every((v) => v.verdict.healthy)) break;
      if (Date.now() - started > timeoutMs || ctx.signal.aborted) {
        const problems = verdicts.flatMap((v) =>
          v.verdict.problems.map((p) => (hosts.length > 1 ? `${v.host.name}: ${p}` : p)),
        );
        throw ctx.fail(`not healthy after ${Math.round((Date.now() - started) / 1000)}s: ${problems.join('; ')}`);
      }
      await sleep(args.intervalSeconds * 1000, ctx.signal);
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    ctx.publish('healthyAfterSeconds', Number(seconds));
    return {
      status: 'ok',
      message: `healthy after ${seconds}s${hosts.length > 1 ? ` on all ${hosts.length} masters` : ''}`,
      data: { waitedMs: Date.now() - started },
    };
  },
};

async function probeOnce(ctx: ModuleContext, host: Host, args: Args): Promise<HealthVerdict> {
  const remote = host.name === ctx.host.name ? ctx.remote : await ctx.remoteTo(host);
  const report = await probeHealth(remote, ctx.clusterFacts.etcdUrls ?? []);
  if (report.etcdMembers && !ctx.clusterFacts.etcdUrls) ctx.clusterFacts.etcdUrls = memberUrls(report.etcdMembers);
  const verdict = judgeHealth(report, {
    etcd: ctx.cluster.etcd === 'stacked',
    allMembers: true,
    servedMatchesDisk: args.servedMatchesDisk,
    components: true,
  });
  if (!args.restartedSinceChange && !args.leadersRenewing) return verdict;
  // node_facts ran on every master before; without its facts only the served start times count.
  const runtime = (host.name === ctx.host.name ? ctx.facts.node : ctx.factsOf(host.name).node)?.runtime;
  const restarts = await readRestarts(remote, runtime, mastersComponents(ctx.cluster.etcd === 'stacked'));
  const problems = [...verdict.problems];
  if (args.restartedSinceChange) problems.push(...notRestartedProblems(restarts));
  // Only once the API server answers: before that the leases cannot be read anyway.
  if (args.leadersRenewing && verdict.healthy) problems.push(...(await leaderProblems(remote, restarts)));
  return { healthy: problems.length === 0, problems };
}

async function leaderProblems(remote: Remote, restarts: ComponentRestart[]): Promise<string[]> {
  const res = await remote.exec(
    kubectlArgv(['-n', 'kube-system', 'get', 'lease', ...LEADER_LEASES, '--ignore-not-found', '-o', 'json']),
    { step: 'leader leases', timeoutMs: 30_000 },
  );
  const leases = res.exitCode === 0 ? parseLeases(res.stdout) : undefined;
  if (!leases) return [`leader leases unreadable: ${tail(res.stderr || res.stdout) || `exit ${res.exitCode}`}`];
  return judgeLeaders(leases, restarts);
}
