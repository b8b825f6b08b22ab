// kubeadm_provision: where the node's kubeadm is missing or of another minor version, installs the
// cluster's version BESIDE it (never over it): uploaded from the operator's machine, or downloaded
// by the node from a mirror, checked against its SHA-256 either way.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { tail } from '../playbook/remote.js';
import type { ModuleContext, MutatingModule } from '../playbook/types.js';
import { DOWNLOAD_KUBEADM_SCRIPT, INSPECT_BINARY_SCRIPT } from '../kube/scripts/provision.js';
import { parseVersion, sameMinor, upstreamRelease } from '../kube/version.js';
import { chooseKubeadm } from './support/kubeadm-choice.js';
import { getFacts } from './support/state.js';

const ARCH: Record<string, string> = {
  x86_64: 'amd64',
  amd64: 'amd64',
  aarch64: 'arm64',
  arm64: 'arm64',
  armv7l: 'arm',
  ppc64le: 'ppc64le',
  s390x: 's390x',
};

/** Where the cluster's kubeadm goes, and where it comes from. */
interface Target {
  dest: string;
  version: string;
  source: string;
}

export const kubeadmProvisionModule: MutatingModule<Record<string, never>, Target> = {
  name: 'kubeadm_provision',
  description:
    "Installs the cluster's kubeadm version beside the node's own when it is missing or mismatched (upload or mirror download, SHA-256 checked).",
  args: z.object({}).strict(),
  mutates: true,
  async decide(ctx) {
    const choice = chooseKubeadm(getFacts(ctx));
    if (choice.kind === 'use')
      return { kind: 'ok', message: `kubeadm ${choice.version} at ${choice.path} matches the cluster` };
    const t = target(ctx);
    if (ctx.cluster.kubeadm.provision === 'none')
      throw ctx.fail(`${choice.reason}; provisioning is off (kubeadm.provision: none)`);
    return {
      kind: 'change',
      message: `${choice.reason}: would ${ctx.cluster.kubeadm.provision} kubeadm to ${t.dest}`,
      plan: t,
    };
  },
  async apply(ctx, _args, { dest, version, source }) {
    if (ctx.cluster.kubeadm.provision === 'upload') await upload(ctx, source, dest);
    else {
      const res = await ctx.remote.sh(DOWNLOAD_KUBEADM_SCRIPT, [source, dest], { timeoutMs: 600_000 });
      if (res.exitCode !== 0)
        throw ctx.fail(tail(res.stderr || res.stdout), 'check kubeadm.mirrorUrl in the inventory');
    }
    const inspected = await ctx.remote.sh(INSPECT_BINARY_SCRIPT, [dest]);
    const got = parseVersion(/^version=(.*)$/m.exec(inspected.stdout)?.[1] ?? '');
    const want = parseVersion(version);
    if (!got || !want || !sameMinor(got, want))
      throw ctx.fail(`installed ${dest} reports version ${got?.raw ?? 'unreadable'}, expected ${version}`);
    const facts = getFacts(ctx);
    ctx.facts.node = { ...facts, provisionedKubeadm: [...facts.provisionedKubeadm, { path: dest, version: got.raw }] };
    return {
      status: 'changed',
      message: `installed kubeadm ${got.raw} at ${dest} (${ctx.cluster.kubeadm.provision})`,
      data: { path: dest, version: got.raw },
    };
  },
};

function target(ctx: ModuleContext): Target {
  const facts = getFacts(ctx);
  const v = parseVersion(facts.kubernetesVersion ?? '');
  if (!v) throw ctx.fail('unknown cluster version');
  const version = upstreamRelease(v);
  const arch = ARCH[facts.arch] ?? facts.arch;
  const fill = (pattern: string): string => pattern.replaceAll('{version}', version).replaceAll('{arch}', arch);
  const source =
    ctx.cluster.kubeadm.provision === 'upload'
      ? fill(ctx.cluster.kubeadm.localBinary ?? '')
      : fill(ctx.cluster.kubeadm.mirrorUrl);
  return { dest: `${ctx.cluster.kubeadm.installDir}/kubeadm-v${version}`, version, source };
}

async function upload(ctx: ModuleContext, local: string, dest: string): Promise<void> {
  if (!local) throw ctx.fail('kubeadm.provision is upload but kubeadm.localBinary is not set');
  try {
    await access(local);
  } catch {
    throw ctx.fail(`local kubeadm binary ${local} is not readable`);
  }
  const want = await sha256File(local);
  // The install folder does not exist before the first provisioning (the download script makes it too).
  const mkdir = await ctx.remote.exec(['mkdir', '-p', '--', path.posix.dirname(dest)]);
  if (mkdir.exitCode !== 0)
    throw ctx.fail(`cannot create ${path.posix.dirname(dest)}: ${tail(mkdir.stderr || mkdir.stdout)}`);
  await ctx.remote.upload(local, dest, 0o755);
  const res = await ctx.remote.sh(INSPECT_BINARY_SCRIPT, [dest]);
  const got = /^sha256=([0-9a-f]{64})$/m.exec(res.stdout)?.[1];
  if (got !== want) throw ctx.fail(`uploaded ${dest} has SHA-256 ${got ?? '?'}, expected ${want}`);
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
