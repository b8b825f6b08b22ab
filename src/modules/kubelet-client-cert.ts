// kubelet_client_cert: where kubelet.conf embeds a client certificate (the kubeadm init node before
// 1.17, and TKE's first master), points it at the rotating kubelet-client-current.pem when that file
// is valid, else provides the bootstrap kubeconfig the TKEStack guide describes. The kubelet is
// restarted only when something changed, and must be running afterwards.
import { z } from 'zod';
import type { ModuleDefinition } from '../playbook/types.js';
import { parseSections } from '../kube/node-scripts.js';
import { KUBELET_CLIENT_PEM, KUBERNETES_DIR } from '../kube/paths.js';
import { KUBELET_STATE_SCRIPT, REPOINT_KUBELET_CONF_SCRIPT } from '../kube/scripts/kubelet.js';
import { parseCertificate } from '../kube/x509.js';
import { sleep } from './support/health-probe.js';
import { runScript, tail } from './support/remote.js';
import { stepError } from './support/state.js';

const KUBELET_CONF = `${KUBERNETES_DIR}/kubelet.conf`;
const BOOTSTRAP_CONF = `${KUBERNETES_DIR}/bootstrap-kubelet.conf`;

export const kubeletClientCertModule: ModuleDefinition<Record<string, never>> = {
  name: 'kubelet_client_cert',
  description: 'Makes kubelet.conf use the rotating kubelet-client-current.pem instead of an embedded certificate; restarts the kubelet only if changed.',
  args: z.object({}).strict(),
  mutates: true,
  async plan(ctx) {
    const state = await readState(ctx);
    if (!state.embedded) return { status: 'ok', message: 'kubelet.conf already uses kubelet-client-current.pem' };
    return { status: 'skipped', message: state.pemValid ? 'would point kubelet.conf at kubelet-client-current.pem and restart the kubelet' : 'would create bootstrap-kubelet.conf from kubelet.conf' };
  },
  async run(ctx) {
    const state = await readState(ctx);
    if (!state.embedded) {
      if (state.kubelet !== 'active') throw stepError(ctx, 'kubelet_client_cert', `kubelet is ${state.kubelet}`);
      return { status: 'ok', message: 'kubelet.conf uses kubelet-client-current.pem; kubelet active' };
    }
    let action: string;
    if (state.pemValid) {
      const suffix = `kcr-${new Date().toISOString().replace(/[-:.]/g, '')}`;
      const res = await runScript(ctx.conn, REPOINT_KUBELET_CONF_SCRIPT, [KUBELET_CONF, KUBELET_CLIENT_PEM, suffix], { step: 'kubelet_client_cert' });
      if (res.exitCode !== 0) throw stepError(ctx, 'kubelet_client_cert', `rewriting kubelet.conf failed: ${tail(res.stderr)}`);
      action = `kubelet.conf now points at ${KUBELET_CLIENT_PEM} (old file kept as kubelet.conf.${suffix})`;
    } else if (!state.bootstrap) {
      const res = await ctx.conn.exec(['cp', '-p', '--', KUBELET_CONF, BOOTSTRAP_CONF], { become: true, step: 'kubelet_client_cert' });
      if (res.exitCode !== 0) throw stepError(ctx, 'kubelet_client_cert', `creating bootstrap-kubelet.conf failed: ${tail(res.stderr)}`);
      action = 'kubelet-client-current.pem is not valid: created bootstrap-kubelet.conf from kubelet.conf (TKEStack guide)';
    } else {
      return { status: 'ok', message: 'kubelet.conf embeds a certificate; bootstrap-kubelet.conf already present' };
    }
    const restart = await ctx.conn.exec(['systemctl', 'restart', 'kubelet'], { become: true, step: 'kubelet_client_cert' });
    if (restart.exitCode !== 0) throw stepError(ctx, 'kubelet_client_cert', `kubelet restart failed: ${tail(restart.stderr || restart.stdout)}`);
    for (let i = 0; i < 20; i++) {
      await sleep(500, ctx.signal);
      const active = await ctx.conn.exec(['systemctl', 'is-active', 'kubelet'], { become: true, step: 'kubelet_client_cert' });
      if (active.stdout.trim() === 'active' && i >= 3) return { status: 'changed', message: `${action}; kubelet restarted and running`, data: { embeddedNotAfter: state.embeddedNotAfter } };
      if (active.stdout.trim() === 'failed') break;
    }
    throw stepError(ctx, 'kubelet_client_cert', `${action}; but the kubelet is not running after its restart`, 'see journalctl -u kubelet on the node');
  },
};

async function readState(ctx: Parameters<ModuleDefinition['run']>[0]): Promise<{ embedded: boolean; embeddedNotAfter?: string; pemValid: boolean; bootstrap: boolean; kubelet: string }> {
  const res = await runScript(ctx.conn, KUBELET_STATE_SCRIPT, [KUBELET_CONF, KUBELET_CLIENT_PEM, BOOTSTRAP_CONF], { step: 'kubelet_client_cert' });
  const s = parseSections(res.stdout);
  let embeddedNotAfter: string | undefined;
  try {
    const pem = s.get('embedded-cert');
    if (pem) embeddedNotAfter = parseCertificate(pem).notAfter.toISOString();
  } catch {
    embeddedNotAfter = undefined;
  }
  return { embedded: s.get('embedded') === 'yes', embeddedNotAfter, pemValid: s.get('pem-valid') === 'yes', bootstrap: s.get('bootstrap') === 'yes', kubelet: s.get('kubelet') || 'unknown' };
}
