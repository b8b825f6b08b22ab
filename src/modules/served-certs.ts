// served_certs: whether each control-plane component was restarted since its credential files last
// changed (by time: its start against the files' mtime, kube/restart-proof.ts), the certificates
// clients see on :6443 and :2379 compared with the files (what is served, not a restart proof: the
// API server reloads its serving certificate every minute from 1.17, etcd on every handshake), and
// the API server's uptime (kubernetes#86552: its in-memory loopback certificate expires one year
// after it started). Read-only.
import { z } from 'zod';
import type { ReadOnlyModule } from '../playbook/types.js';
import { parseSections, SERVED_FACTS_SCRIPT } from '../kube/node-scripts.js';
import { KUBERNETES_DIR } from '../kube/paths.js';
import { RUNTIMES } from '../kube/runtime.js';
import { servedCertOf, type ServedCert } from '../kube/served.js';
import { getFacts } from './support/state.js';
import { mastersComponents, notRestartedProblems, readRestarts } from './support/restarts.js';

/** Warn when the API server has run this long: its loopback certificate lives one year. */
export const LOOPBACK_WARN_DAYS = 300;

export const servedCertsModule: ReadOnlyModule<Record<string, never>> = {
  name: 'served_certs',
  description:
    'Checks each control-plane component started after its credential files last changed, reads the certificates served on :6443 and :2379 against the files, and the API server uptime (read-only).',
  args: z.object({}).strict(),
  mutates: false,
  async run(ctx) {
    const facts = getFacts(ctx);
    if (!facts.isControlPlane) return { status: 'skipped', message: 'no control-plane manifests: nothing served here' };
    const cli = facts.runtime ? RUNTIMES[facts.runtime].cli : 'none';
    const res = await ctx.remote.sh(SERVED_FACTS_SCRIPT, [KUBERNETES_DIR, cli], { timeoutMs: 30_000 });
    const s = parseSections(res.stdout);
    const now = new Date(Date.now() + facts.clockSkewMs);
    const served: ServedCert[] = [
      servedCertOf(
        'kube-apiserver',
        6443,
        'apiserver',
        'ca',
        s.get('served-apiserver'),
        facts.certs.apiserver?.fingerprint256,
        now,
      ),
    ];
    if (facts.manifests.includes('etcd.yaml'))
      served.push(
        servedCertOf(
          'etcd',
          2379,
          'etcd-server',
          'etcd-ca',
          s.get('served-etcd'),
          facts.certs['etcd-server']?.fingerprint256,
          now,
        ),
      );
    const problems: string[] = [];
    for (const c of served) {
      if (!c.present) problems.push(`nothing served on :${c.port}`);
      else if (c.matchesDisk === false)
        problems.push(
          `${c.name} on :${c.port} serves a certificate other than ${c.diskName} on disk (what clients see)`,
        );
    }
    const restarts = await readRestarts(ctx.remote, facts.runtime, mastersComponents(ctx.cluster.etcd === 'stacked'));
    const notRestarted = notRestartedProblems(restarts);
    problems.push(...notRestarted);
    const startedAt = facts.runtime
      ? RUNTIMES[facts.runtime].parseStartedAt(s.get('apiserver-inspect') ?? '')
      : undefined;
    const uptimeDays = startedAt ? (now.getTime() - startedAt.getTime()) / 86400_000 : undefined;
    if (uptimeDays !== undefined && uptimeDays >= LOOPBACK_WARN_DAYS) {
      problems.push(
        `kube-apiserver has run ${Math.floor(uptimeDays)} days: its loopback certificate expires one year after start (kubernetes#86552); restart it`,
      );
    }
    ctx.publish('served', served);
    ctx.publish('apiserverStartedAt', startedAt?.toISOString());
    ctx.publish('servedProblems', problems);
    ctx.publish('restarts', restarts);
    return {
      status: 'ok',
      message: problems.length
        ? problems.join('; ')
        : `every component started after its credentials changed; serving the certificates on disk${uptimeDays !== undefined ? `; kube-apiserver up ${uptimeDays.toFixed(1)} days` : ''}`,
      data: { served, restarts, apiserverStartedAt: startedAt?.toISOString(), problems },
    };
  },
};
