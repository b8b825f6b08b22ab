// tke_certs_configmap: TKEStack's components read etcd through ConfigMap tke/certs. In TKEStack
// 1.2.x its etcd.crt/etcd.key are a copy of apiserver-etcd-client (one year): update them. From
// 1.3.0 they are TKE's own 100-year certificate (CN tke): leave them (overwriting would shorten it).
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { tail } from '../playbook/remote.js';
import type { ModuleContext, MutatingModule } from '../playbook/types.js';
import { BACKUP_ROOT, KUBERNETES_DIR } from '../kube/paths.js';
import { BACKUP_TKE_CERTS_SCRIPT, UPDATE_TKE_CERTS_SCRIPT } from '../kube/scripts/tke.js';
import { parseCertificate, type CertInfo } from '../kube/x509.js';
import { ADMIN_CONF, kubectlJson } from './support/kubectl.js';

interface ConfigMap {
  metadata?: { name?: string; resourceVersion?: string };
  data?: Record<string, string>;
}

type Shape = { kind: 'copy'; cert: CertInfo } | { kind: 'own'; cert: CertInfo } | { kind: 'unknown'; reason: string };

/** Every real run backs tke/certs up; `current` is the renewed certificate on disk when the ConfigMap holds a copy. */
interface ConfigMapPlan {
  cm: ConfigMap;
  shape: Shape;
  current?: CertInfo;
}

export const tkeCertsConfigMapModule: MutatingModule<Record<string, never>, ConfigMapPlan> = {
  name: 'tke_certs_configmap',
  description:
    'Backs up ConfigMap tke/certs and, where it holds a copy of apiserver-etcd-client (TKEStack 1.2.x), updates it with the renewed one.',
  args: z.object({}).strict(),
  mutates: true,
  async decide(ctx) {
    const cm = await kubectlJson<ConfigMap>(ctx, ['-n', 'tke', 'get', 'cm', 'certs']);
    const shape = detectShape(cm);
    const current = shape.kind === 'copy' ? await diskEtcdClient(ctx) : undefined;
    const message =
      shape.kind !== 'copy'
        ? `would back up tke/certs and leave it: ${describe(shape)}`
        : shape.cert.fingerprint256 === current?.fingerprint256
          ? 'would back up tke/certs; it already holds the current apiserver-etcd-client'
          : 'would back up tke/certs and replace etcd.crt/etcd.key with the renewed apiserver-etcd-client';
    return { kind: 'change', message, plan: { cm, shape, current } };
  },
  async apply(ctx, _args, { cm, shape, current }) {
    const localBackup = await backupLocally(ctx, cm);
    ctx.publishCluster('tkeCertsBackup', localBackup);
    if (shape.kind === 'copy' && current && shape.cert.fingerprint256 === current.fingerprint256) {
      return {
        status: 'ok',
        message: `tke/certs already holds the current apiserver-etcd-client (until ${current.notAfter.toISOString().slice(0, 10)}); backup ${localBackup}`,
        data: { shape: 'copy', localBackup },
      };
    }
    // A backup on the node too, whatever the shape: the operator restores from where they work.
    const nodeBackup = `${BACKUP_ROOT}/tke-certs-${stamp()}.yaml`;
    const saved = await ctx.remote.sh(BACKUP_TKE_CERTS_SCRIPT, [ADMIN_CONF, nodeBackup], { timeoutMs: 60_000 });
    if (saved.exitCode !== 0)
      throw ctx.fail(`backing up tke/certs on the node failed: ${tail(saved.stderr || saved.stdout)}`);
    if (shape.kind !== 'copy' || !current) {
      return {
        status: 'ok',
        message: `left tke/certs as is: ${describe(shape)}; backups ${localBackup} and ${ctx.host.name}:${nodeBackup}`,
        data: { shape: shape.kind, localBackup, nodeBackup },
      };
    }
    const res = await ctx.remote.sh(
      UPDATE_TKE_CERTS_SCRIPT,
      [
        ADMIN_CONF,
        `${KUBERNETES_DIR}/pki/apiserver-etcd-client.crt`,
        `${KUBERNETES_DIR}/pki/apiserver-etcd-client.key`,
      ],
      { timeoutMs: 60_000 },
    );
    if (res.exitCode !== 0) throw ctx.fail(`updating tke/certs failed: ${tail(res.stderr || res.stdout)}`);
    const after = detectShape(await kubectlJson<ConfigMap>(ctx, ['-n', 'tke', 'get', 'cm', 'certs']));
    if (after.kind !== 'copy' || after.cert.fingerprint256 !== current.fingerprint256) {
      throw ctx.fail('tke/certs etcd.crt does not equal the renewed apiserver-etcd-client.crt after the update');
    }
    return {
      status: 'changed',
      message: `tke/certs etcd.crt/etcd.key updated (TKEStack 1.2.x shape): ${shape.cert.notAfter.toISOString()} -> ${after.cert.notAfter.toISOString()}; backups ${localBackup} and ${ctx.host.name}:${nodeBackup}`,
      data: {
        shape: 'copy',
        notAfterBefore: shape.cert.notAfter.toISOString(),
        notAfterAfter: after.cert.notAfter.toISOString(),
        nodeBackup,
        localBackup,
      },
    };
  },
};

async function diskEtcdClient(ctx: ModuleContext): Promise<CertInfo> {
  const pem = await ctx.remote.readFile(`${KUBERNETES_DIR}/pki/apiserver-etcd-client.crt`);
  return parseCertificate(pem.toString('utf8'));
}

function detectShape(cm: ConfigMap): Shape {
  const pem = cm.data?.['etcd.crt'];
  if (!pem) return { kind: 'unknown', reason: 'tke/certs has no etcd.crt' };
  let cert: CertInfo;
  try {
    cert = parseCertificate(pem);
  } catch {
    return { kind: 'unknown', reason: 'tke/certs etcd.crt is not a certificate' };
  }
  if (/CN=kube-apiserver-etcd-client\b/.test(cert.subject)) return { kind: 'copy', cert };
  return { kind: 'own', cert };
}

function describe(shape: Shape): string {
  if (shape.kind === 'unknown') return shape.reason;
  return `it holds its own certificate (${shape.cert.subject}, until ${shape.cert.notAfter.toISOString().slice(0, 10)}), not a copy of apiserver-etcd-client (TKEStack 1.3+); overwriting it would shorten it`;
}

function stamp(): string {
  return new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** The ConfigMap holds private keys: the local copy is mode 0600 in a 0700 folder. */
async function backupLocally(ctx: ModuleContext, cm: ConfigMap): Promise<string> {
  const dir = path.resolve(ctx.options.outputDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${ctx.cluster.name}-tke-certs-${stamp()}.json`);
  await writeFile(file, JSON.stringify(cm, null, 2), { mode: 0o600, flag: 'wx' });
  return file;
}
