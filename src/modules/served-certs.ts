// served_certs: the certificates the running components actually serve on :6443 and :2379,
// compared with the files on disk (a mismatch means a component was not restarted after a
// renewal), and the API server's uptime (kubernetes#86552: its in-memory loopback certificate
// expires one year after it started). Read-only.
import { z } from 'zod';
import type { ReadOnlyModule } from '../playbook/types.js';
import { parseSections, SERVED_FACTS_SCRIPT } from '../kube/node-scripts.js';
import { KUBERNETES_DIR } from '../kube/paths.js';
import { RUNTIMES } from '../kube/runtime.js';
import { servedCertOf, type ServedCert } from '../kube/served.js';
import { getFacts } from './support/state.js';

/** Warn when the API server has run this long: its loopback certificate lives one year. */
export const LOOPBACK_WARN_DAYS = 300;

export const servedCertsModule: ReadOnlyModule<Record<string, never>> = {
  name: 'served_certs',
  description:
    'Reads the certificates served on :6443 and :2379 and compares them with the files on disk; reports the API server uptime (read-only).',
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
          `${c.name} on :${c.port} serves a certificate other than ${c.diskName} on disk (not restarted since a renewal)`,
        );
    }
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
    return {
      status: 'ok',
      message: problems.length
        ? problems.join('; ')
        : `serving the certificates on disk${uptimeDays !== undefined ? `; kube-apiserver up ${uptimeDays.toFixed(1)} days` : ''}`,
      data: { served, apiserverStartedAt: startedAt?.toISOString(), problems },
    };
  },
};
