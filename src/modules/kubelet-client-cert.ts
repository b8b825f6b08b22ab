// kubelet_client_cert: where kubelet.conf embeds a client certificate (the kubeadm init node before
// 1.17, and TKE's first master), points it at the rotating kubelet-client-current.pem when that file
// is valid, else provides the bootstrap kubeconfig the TKEStack guide describes. The kubelet is
// restarted only when something changed, and must be running afterwards.
import { z } from 'zod';
import { tail } from '../playbook/remote.js';
import type { ModuleContext, MutatingModule } from '../playbook/types.js';
import { parseSections } from '../kube/node-scripts.js';
import { KUBELET_CLIENT_PEM, KUBERNETES_DIR } from '../kube/paths.js';
import { KUBELET_STATE_SCRIPT, REPOINT_KUBELET_CONF_SCRIPT } from '../kube/scripts/kubelet.js';
import { parseCertificate } from '../kube/x509.js';
import { sleep } from './support/health-probe.js';

const KUBELET_CONF = `${KUBERNETES_DIR}/kubelet.conf`;
const BOOTSTRAP_CONF = `${KUBERNETES_DIR}/bootstrap-kubelet.conf`;

interface KubeletState {
  embedded: boolean;
  embeddedNotAfter?: string;
  pemValid: boolean;
  bootstrap: boolean;
  kubelet: string;
}

/** Point kubelet.conf at the rotating pem, or (the pem not valid) provide bootstrap-kubelet.conf; a kubelet restart follows either. */
interface KubeletPlan {
  action: 'repoint' | 'bootstrap';
  embeddedNotAfter?: string;
}

export const kubeletClientCertModule: MutatingModule<Record<string, never>, KubeletPlan> = {
  name: 'kubelet_client_cert',
  description:
    'Makes kubelet.conf use the rotating kubelet-client-current.pem instead of an embedded certificate; restarts the kubelet only if changed.',
  args: z.object({}).strict(),
  mutates: true,
  async decide(ctx) {
    const state = await readState(ctx);
    if (!state.embedded) {
      if (state.kubelet !== 'active') throw ctx.fail(`kubelet is ${state.kubelet}`);
      return { kind: 'ok', message: 'kubelet.conf uses kubelet-client-current.pem; kubelet active' };
    }
    if (state.pemValid)
      return {
        kind: 'change',
        message: 'would point kubelet.conf at kubelet-client-current.pem and restart the kubelet',
        plan: { action: 'repoint', embeddedNotAfter: state.embeddedNotAfter },
      };
    if (!state.bootstrap)
      return {
        kind: 'change',
        message: 'would create bootstrap-kubelet.conf from kubelet.conf and restart the kubelet',
        plan: { action: 'bootstrap', embeddedNotAfter: state.embeddedNotAfter },
      };
    return { kind: 'ok', message: 'kubelet.conf embeds a certificate; bootstrap-kubelet.conf already present' };
  },
  async apply(ctx, _args, plan) {
    let action: string;
    if (plan.action === 'repoint') {
      const suffix = `kcr-${new Date().toISOString().replace(/[-:.]/g, '')}`;
      const res = await ctx.remote.sh(REPOINT_KUBELET_CONF_SCRIPT, [KUBELET_CONF, KUBELET_CLIENT_PEM, suffix]);
      if (res.exitCode !== 0) throw ctx.fail(`rewriting kubelet.conf failed: ${tail(res.stderr)}`);
      action = `kubelet.conf now points at ${KUBELET_CLIENT_PEM} (old file kept as kubelet.conf.${suffix})`;
    } else {
      const res = await ctx.remote.exec(['cp', '-p', '--', KUBELET_CONF, BOOTSTRAP_CONF]);
      if (res.exitCode !== 0) throw ctx.fail(`creating bootstrap-kubelet.conf failed: ${tail(res.stderr)}`);
      action =
        'kubelet-client-current.pem is not valid: created bootstrap-kubelet.conf from kubelet.conf (TKEStack guide)';
    }
    const restart = await ctx.remote.exec(['systemctl', 'restart', 'kubelet']);
    if (restart.exitCode !== 0) throw ctx.fail(`kubelet restart failed: ${tail(restart.stderr || restart.stdout)}`);
    for (let i = 0; i < 20; i++) {
      await sleep(500, ctx.signal);
      const active = await ctx.remote.exec(['systemctl', 'is-active', 'kubelet']);
      if (active.stdout.trim() === 'active' && i >= 3)
        return {
          status: 'changed',
          message: `${action}; kubelet restarted and running`,
          data: { embeddedNotAfter: plan.embeddedNotAfter },
        };
      if (active.stdout.trim() === 'failed') break;
    }
    throw ctx.fail(
      `${action}; but the kubelet is not running after its restart`,
      'see journalctl -u kubelet on the node',
    );
  },
};

async function readState(ctx: ModuleContext): Promise<KubeletState> {
  const res = await ctx.remote.sh(KUBELET_STATE_SCRIPT, [KUBELET_CONF, KUBELET_CLIENT_PEM, BOOTSTRAP_CONF]);
  const s = parseSections(res.stdout);
  let embeddedNotAfter: string | undefined;
  try {
    const pem = s.get('embedded-cert');
    if (pem) embeddedNotAfter = parseCertificate(pem).notAfter.toISOString();
  } catch {
    embeddedNotAfter = undefined;
  }
  return {
    embedded: s.get('embedded') === 'yes',
    embeddedNotAfter,
    pemValid: s.get('pem-valid') === 'yes',
    bootstrap: s.get('bootstrap') === 'yes',
    kubelet: s.get('kubelet') || 'unknown',
  };
}
