// kubeadm_provision: where the node's kubeadm is missing or of another minor version, installs the
// cluster's version BESIDE it (never over it): uploaded from the operator's machine, or downloaded
// by the node from a mirror, checked against its SHA-256 either way.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ModuleContext, ModuleDefinition } from '../playbook/types.js';
import { DOWNLOAD_KUBEADM_SCRIPT, INSPECT_BINARY_SCRIPT } from '../kube/scripts/provision.js';
import { parseVersion, sameMinor, upstreamRelease } from '../kube/version.js';
import { chooseKubeadm } from './support/kubeadm-choice.js';
import { runScript, tail } from './support/remote.js';
import { getFacts, setFacts, stepError } from './support/state.js';

const ARCH: Record<string, string> = { x86_64: 'amd64', amd64: 'amd64', aarch64: 'arm64', arm64: 'arm64', armv7l: 'arm', ppc64le: 'ppc64le', s390x: 's390x' };

export const kubeadmProvisionModule: ModuleDefinition<Record<string, never>> = {
  name: 'kubeadm_provision',
  description: "Installs the cluster's kubeadm version beside the node's own when it is missing or mismatched (upload or mirror download, SHA-256 checked).",
  args: z.object({}).strict(),
  mutates: true,
  async plan(ctx) {
    const facts = getFacts(ctx);
    const choice = chooseKubeadm(facts);
    if (choice.kind === 'use') return { status: 'ok', message: `kubeadm ${choice.version} at ${choice.path} matches` };
    return { status: 'skipped', message: `${choice.reason}: would ${ctx.cluster.kubeadm.provision} kubeadm to ${target(ctx).dest}` };
  },
  async run(ctx) {
    const facts = getFacts(ctx);
    const choice = chooseKubeadm(facts);
    if (choice.kind === 'use') return { status: 'ok', message: `kubeadm ${choice.version} at ${choice.path} matches the cluster` };
    const { dest, version, source } = target(ctx);
    if (ctx.cluster.kubeadm.provision === 'upload') await upload(ctx, source, dest);
    else if (ctx.cluster.kubeadm.provision === 'download') {
      const res = await runScript(ctx.conn, DOWNLOAD_KUBEADM_SCRIPT, [source, dest], { step: 'kubeadm_provision', timeoutMs: 600_000 });
      if (res.exitCode !== 0) throw stepError(ctx, 'kubeadm_provision', tail(res.stderr || res.stdout), 'check kubeadm.mirrorUrl in the inventory');
    } else throw stepError(ctx, 'kubeadm_provision', `${choice.reason}; provisioning is off (kubeadm.provision: none)`);
    const inspected = await runScript(ctx.conn, INSPECT_BINARY_SCRIPT, [dest], { step: 'kubeadm_provision' });
    const got = parseVersion(/^version=(.*)$/m.exec(inspected.stdout)?.[1] ?? '');
    const want = parseVersion(version);
    if (!got || !want || !sameMinor(got, want)) throw stepError(ctx, 'kubeadm_provision', `installed ${dest} reports version ${got?.raw ?? 'unreadable'}, expected ${version}`);
    setFacts(ctx, { ...facts, provisionedKubeadm: [...facts.provisionedKubeadm, { path: dest, version: got.raw }] });
    return { status: 'changed', message: `installed kubeadm ${got.raw} at ${dest} (${ctx.cluster.kubeadm.provision})`, data: { path: dest, version: got.raw } };
  },
};

function target(ctx: ModuleContext): { dest: string; version: string; source: string } {
  const facts = getFacts(ctx);
  const v = parseVersion(facts.kubernetesVersion ?? '');
  if (!v) throw stepError(ctx, 'kubeadm_provision', 'unknown cluster version');
  const version = upstreamRelease(v);
  const arch = ARCH[facts.arch] ?? facts.arch;
  const fill = (pattern: string): string => pattern.replaceAll('{version}', version).replaceAll('{arch}', arch);
  const source = ctx.cluster.kubeadm.provision === 'upload' ? fill(ctx.cluster.kubeadm.localBinary ?? '') : fill(ctx.cluster.kubeadm.mirrorUrl);
  return { dest: `${ctx.cluster.kubeadm.installDir}/kubeadm-v${version}`, version, source };
}

async function upload(ctx: ModuleContext, local: string, dest: string): Promise<void> {
  if (!local) throw stepError(ctx, 'kubeadm_provision', 'kubeadm.provision is upload but kubeadm.localBinary is not set');
  try {
    await access(local);
  } catch {
    throw stepError(ctx, 'kubeadm_provision', `local kubeadm binary ${local} is not readable`);
  }
  const want = await sha256File(local);
  // The install folder does not exist before the first provisioning (the download script makes it too).
  const mkdir = await ctx.conn.exec(['mkdir', '-p', '--', path.posix.dirname(dest)], { become: true, step: 'kubeadm_provision' });
  if (mkdir.exitCode !== 0) throw stepError(ctx, 'kubeadm_provision', `cannot create ${path.posix.dirname(dest)}: ${tail(mkdir.stderr || mkdir.stdout)}`);
  await ctx.conn.upload(local, dest, { mode: 0o755, become: true, step: 'kubeadm_provision' });
  const res = await runScript(ctx.conn, INSPECT_BINARY_SCRIPT, [dest], { step: 'kubeadm_provision' });
  const got = /^sha256=([0-9a-f]{64})$/m.exec(res.stdout)?.[1];
  if (got !== want) throw stepError(ctx, 'kubeadm_provision', `uploaded ${dest} has SHA-256 ${got ?? '?'}, expected ${want}`);
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
}
