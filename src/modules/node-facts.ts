// node_facts: what this master is (version, runtime, kubeadm, clock, disk) and every certificate's
// expiry, read-only, in one round trip. Everything later decides from these facts.
import { z } from 'zod';
import type { ReadOnlyModule } from '../playbook/types.js';
import { gatherNodeFacts } from './support/gather.js';
import { days } from './support/days.js';
import { certSummary, soonestExpiry } from '../kube/cert-lines.js';

export const nodeFactsModule: ReadOnlyModule<Record<string, never>> = {
  name: 'node_facts',
  description:
    'Reads the master: Kubernetes version, runtime, kubelet, kubeadm, clock, disk and every certificate (read-only).',
  args: z.object({}).strict(),
  mutates: false,
  async run(ctx) {
    const facts = await gatherNodeFacts(ctx);
    ctx.facts.node = facts;
    ctx.publish('certificatesBefore', certSummary(facts));
    ctx.publish('node', {
      kubernetesVersion: facts.kubernetesVersion,
      kubeadmVersion: facts.kubeadm.version,
      runtime: facts.runtime,
      runtimeReason: facts.runtimeReason,
      kubeletState: facts.kubeletState,
      kubeletConf: facts.kubeletConf,
      clockSkewMs: facts.clockSkewMs,
      isControlPlane: facts.isControlPlane,
      unfinishedRenewalBackup: facts.unfinishedRenewalBackup,
    });
    const soonest = soonestExpiry(facts);
    return {
      status: 'ok',
      message: [
        `Kubernetes ${facts.kubernetesVersion ?? '?'}`,
        `runtime ${facts.runtime ?? 'unknown'}`,
        `kubeadm ${facts.kubeadm.version ?? 'absent'}`,
        `kubelet ${facts.kubeletState}`,
        soonest ? `soonest expiry ${soonest.name} in ${days(soonest.residualSeconds ?? 0)}` : 'no certificates found',
      ].join(', '),
      data: {
        kubernetesVersion: facts.kubernetesVersion,
        runtime: facts.runtime,
        runtimeReason: facts.runtimeReason,
        kubeadmVersion: facts.kubeadm.version,
        kubeletState: facts.kubeletState,
        clockSkewMs: facts.clockSkewMs,
      },
    };
  },
};
