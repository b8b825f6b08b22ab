// The other modules that change a master: kubeconfigs, kubelet_client_cert, kubeadm_provision and
// finish_renewal. What each decides, in both modes, and how each fails.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../../src/kube/x509.js';
import { BACKUP_ROOT } from '../../../src/kube/paths.js';
import {
  COPY_KUBECONFIG_SCRIPT,
  KUBECONFIG_KIND_SCRIPT,
  RENEWAL_FINISHED_SCRIPT,
} from '../../../src/kube/scripts/backup.js';
import { KUBELET_STATE_SCRIPT, REPOINT_KUBELET_CONF_SCRIPT } from '../../../src/kube/scripts/kubelet.js';
import { DOWNLOAD_KUBEADM_SCRIPT, INSPECT_BINARY_SCRIPT } from '../../../src/kube/scripts/provision.js';
import { finishRenewalModule } from '../../../src/modules/finish-renewal.js';
import { kubeadmProvisionModule } from '../../../src/modules/kubeadm-provision.js';
import { kubeconfigsModule } from '../../../src/modules/kubeconfigs.js';
import { kubeletClientCertModule } from '../../../src/modules/kubelet-client-cert.js';
import type { Cluster } from '../../../src/inventory/types.js';
import { command, FakeNode, nodeFacts, runModule, script, sections } from './harness.js';

const SUM = 'a'.repeat(64);

/** A real certificate (its serial is what the module compares), from the openssl CLI. */
async function selfSignedPem(cn = 'kubernetes-admin'): Promise<string> {
  const { stdout } = await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    '/dev/null',
    '-subj',
    `/CN=${cn}`,
    '-days',
    '1',
  ]);
  return stdout;
}

describe('kubeconfigs', () => {
  const renewedFacts = () => {
    const after = nodeFacts(365);
    for (const c of Object.values(after.certs)) c.serial = `${c.serial}-renewed`;
    return { node: after, factsBefore: nodeFacts(10), due: true };
  };

  it("checks the component kubeconfigs were renewed, then copies admin.conf to root's kubeconfig", async () => {
    const node = new FakeNode()
      .on(script(KUBECONFIG_KIND_SCRIPT), { stdout: 'missing\n' })
      .on(script(COPY_KUBECONFIG_SCRIPT), { stdout: `src=${SUM}\ndst=${SUM}\n` });
    const run = await runModule(kubeconfigsModule, {}, { nodes: { m1: node }, facts: { m1: renewedFacts() } });
    expect(run.record).toMatchObject({
      status: 'changed',
      message: 'admin, controller-manager and scheduler kubeconfigs renewed; admin.conf copied to /root/.kube/config',
    });
    const copy = node.calls.find(script(COPY_KUBECONFIG_SCRIPT));
    expect(copy?.slice(4)).toEqual(['/etc/kubernetes/admin.conf', '/root/.kube/config', 'root', 'root']);
    expect(run.report.kubeconfigsCopied).toEqual(['/root/.kube/config']);
  });

  it('fails when a kubeconfig still holds its old certificate, copying nothing', async () => {
    const node = new FakeNode()
      .on(script(KUBECONFIG_KIND_SCRIPT), { stdout: 'missing\n' })
      .on(script(COPY_KUBECONFIG_SCRIPT), { stdout: `src=${SUM}\ndst=${SUM}\n` });
    const facts = renewedFacts();
    facts.node.certs['scheduler.conf']!.serial = facts.factsBefore.certs['scheduler.conf']!.serial;
    const run = await runModule(kubeconfigsModule, {}, { nodes: { m1: node }, facts: { m1: facts } });
    expect(run.record).toMatchObject({ status: 'failed', message: 'not renewed: scheduler.conf' });
    expect(node.count(script(COPY_KUBECONFIG_SCRIPT))).toBe(0);
  });

  it('fails when the copy differs from admin.conf', async () => {
    const node = new FakeNode()
      .on(script(KUBECONFIG_KIND_SCRIPT), { stdout: 'missing\n' })
      .on(script(COPY_KUBECONFIG_SCRIPT), { stdout: `src=${SUM}\ndst=${'b'.repeat(64)}\n` });
    const run = await runModule(kubeconfigsModule, {}, { nodes: { m1: node }, facts: { m1: renewedFacts() } });
    expect(run.record.message).toMatch(/^copying admin\.conf to \/root\/\.kube\/config failed/);
  });

  it('in a dry run says where it would copy; skipped where not due', async () => {
    const node = new FakeNode().on(script(KUBECONFIG_KIND_SCRIPT), { stdout: 'missing\n' });
    const dry = await runModule(
      kubeconfigsModule,
      {},
      { nodes: { m1: node }, facts: { m1: { node: nodeFacts(10) } }, options: { dryRun: true } },
    );
    expect(dry.record).toMatchObject({
      status: 'would-change',
      message: 'would copy /etc/kubernetes/admin.conf to /root/.kube/config',
    });
    expect(
      (await runModule(kubeconfigsModule, {}, { nodes: { m1: node }, facts: { m1: { due: false } } })).record.message,
    ).toBe('not due for renewal');
    expect(node.count(script(COPY_KUBECONFIG_SCRIPT))).toBe(0);
  });

  it("leaves TKEStack's token kubeconfig alone, and says so", async () => {
    const node = new FakeNode()
      .on(script(KUBECONFIG_KIND_SCRIPT), { stdout: 'token\n' })
      .on(script(COPY_KUBECONFIG_SCRIPT), { stdout: `src=${SUM}\ndst=${SUM}\n` });
    const run = await runModule(kubeconfigsModule, {}, { nodes: { m1: node }, facts: { m1: renewedFacts() } });
    expect(run.record).toMatchObject({
      status: 'changed',
      message:
        "admin, controller-manager and scheduler kubeconfigs renewed; /root/.kube/config left alone: a token kubeconfig (TKEStack's: it does not expire)",
    });
    expect(node.count(script(COPY_KUBECONFIG_SCRIPT))).toBe(0);
    expect(run.report.kubeconfigsCopied).toEqual([]);
  });

  it('copies over a copy of the old admin.conf, or an older one (a stopped run), and leaves another user alone', async () => {
    // Self-signed, so each is its own CA: "same CA" below means the same subject as issuer.
    const [copyPem, renewedAdminPem, otherPem] = await Promise.all([
      selfSignedPem(),
      selfSignedPem(),
      selfSignedPem('someone-else'),
    ]);
    const line = (pem: string): string => `cert ${Buffer.from(pem).toString('base64')}\n`;
    const facts = renewedFacts();
    const runWith = async (userPem: string, oldAdminSerial: string) => {
      facts.factsBefore.certs['admin.conf']!.serial = oldAdminSerial;
      const node = new FakeNode()
        .on(script(KUBECONFIG_KIND_SCRIPT), (argv) =>
          argv.at(-1) === '/etc/kubernetes/admin.conf' ? { stdout: line(renewedAdminPem) } : { stdout: line(userPem) },
        )
        .on(script(COPY_KUBECONFIG_SCRIPT), { stdout: `src=${SUM}\ndst=${SUM}\n` });
      const run = await runModule(kubeconfigsModule, {}, { nodes: { m1: node }, facts: { m1: facts } });
      return [run.record.message, node.count(script(COPY_KUBECONFIG_SCRIPT))];
    };
    const copied =
      'admin, controller-manager and scheduler kubeconfigs renewed; admin.conf copied to /root/.kube/config';
    expect(await runWith(copyPem, parseCertificate(copyPem).serial)).toEqual([copied, 1]);
    // A run stopped between kubeadm and this copy: the re-run's "old" admin.conf is already renewed.
    expect(await runWith(copyPem, parseCertificate(renewedAdminPem).serial)).toEqual([copied, 1]);
    expect(await runWith(otherPem, parseCertificate(renewedAdminPem).serial)).toEqual([
      'admin, controller-manager and scheduler kubeconfigs renewed; /root/.kube/config left alone: not a copy of admin.conf (another client certificate)',
      0,
    ]);
  });
});

describe('kubelet_client_cert', () => {
  const state = (s: { embedded: boolean; pemValid?: boolean; bootstrap?: boolean; kubelet?: string }) =>
    sections({
      embedded: s.embedded ? 'yes' : 'no',
      'embedded-cert': '',
      'pem-valid': s.pemValid ? 'yes' : 'no',
      bootstrap: s.bootstrap ? 'yes' : 'no',
      kubelet: s.kubelet ?? 'active',
    });
  const kubeletNode = (s: Parameters<typeof state>[0], afterRestart = 'active') =>
    new FakeNode()
      .on(script(KUBELET_STATE_SCRIPT), { stdout: state(s) })
      .on(script(REPOINT_KUBELET_CONF_SCRIPT), { stdout: '' })
      .on(command('cp', '-p'), { stdout: '' })
      .on(command('systemctl', 'restart', 'kubelet'), { stdout: '' })
      .on(command('systemctl', 'is-active', 'kubelet'), { stdout: `${afterRestart}\n` });

  it('nothing to do when kubelet.conf already uses the rotating pem and the kubelet runs', async () => {
    const run = await runModule(kubeletClientCertModule, {}, { nodes: { m1: kubeletNode({ embedded: false }) } });
    expect(run.record).toMatchObject({
      status: 'ok',
      message: 'kubelet.conf uses kubelet-client-current.pem; kubelet active',
    });
  });

  it('fails, in both modes, when the kubelet is not running', async () => {
    for (const dryRun of [false, true]) {
      const run = await runModule(
        kubeletClientCertModule,
        {},
        { nodes: { m1: kubeletNode({ embedded: false, kubelet: 'failed' }) }, options: { dryRun } },
      );
      expect(run.record).toMatchObject({ status: 'failed', message: 'kubelet is failed' });
    }
  });

  it('embedded certificate, valid pem: repoints kubelet.conf and restarts the kubelet', async () => {
    const node = kubeletNode({ embedded: true, pemValid: true });
    const run = await runModule(kubeletClientCertModule, {}, { nodes: { m1: node } });
    expect(run.record.status).toBe('changed');
    expect(run.record.message).toMatch(
      /^kubelet\.conf now points at \/var\/lib\/kubelet\/pki\/kubelet-client-current\.pem \(old file kept as kubelet\.conf\.kcr-\d+T\d+Z\); kubelet restarted and running$/,
    );
    expect(node.count(command('systemctl', 'restart', 'kubelet'))).toBe(1);
  });

  it('embedded certificate, invalid pem, bootstrap present: nothing to change, in a dry run too (the plan and the run agree)', async () => {
    for (const dryRun of [false, true]) {
      const node = kubeletNode({ embedded: true, pemValid: false, bootstrap: true });
      const run = await runModule(kubeletClientCertModule, {}, { nodes: { m1: node }, options: { dryRun } });
      expect(run.record).toMatchObject({
        status: 'ok',
        message: 'kubelet.conf embeds a certificate; bootstrap-kubelet.conf already present',
      });
      expect(node.calls.length).toBe(1);
    }
  });

  it('embedded certificate, invalid pem, no bootstrap: a dry run says it would create it and restart the kubelet', async () => {
    const node = kubeletNode({ embedded: true, pemValid: false, bootstrap: false });
    const dry = await runModule(kubeletClientCertModule, {}, { nodes: { m1: node }, options: { dryRun: true } });
    expect(dry.record).toMatchObject({
      status: 'would-change',
      message: 'would create bootstrap-kubelet.conf from kubelet.conf and restart the kubelet',
    });
    const run = await runModule(kubeletClientCertModule, {}, { nodes: { m1: node } });
    expect(run.record.message).toMatch(
      /^kubelet-client-current\.pem is not valid: created bootstrap-kubelet\.conf from kubelet\.conf \(TKEStack guide\); kubelet restarted/,
    );
    expect(node.calls.find((c) => c[0] === 'cp')).toEqual([
      'cp',
      '-p',
      '--',
      '/etc/kubernetes/kubelet.conf',
      '/etc/kubernetes/bootstrap-kubelet.conf',
    ]);
  });

  it('fails when the kubelet does not run after its restart', async () => {
    const run = await runModule(
      kubeletClientCertModule,
      {},
      { nodes: { m1: kubeletNode({ embedded: true, pemValid: true }, 'failed') } },
    );
    expect(run.record.message).toMatch(
      /; but the kubelet is not running after its restart \(see journalctl -u kubelet on the node\)$/,
    );
  });
});

describe('kubeadm_provision', () => {
  const download: Partial<Cluster> = {
    kubeadm: { provision: 'download', mirrorUrl: 'https://mirror/{version}/{arch}/kubeadm', installDir: '/opt/kcr' },
  };
  const missing = () => ({ m1: { node: nodeFacts(10, { kubeadm: {} }) } });

  it("nothing to do when the node's kubeadm matches the cluster", async () => {
    const run = await runModule(kubeadmProvisionModule, {}, { facts: { m1: { node: nodeFacts() } } });
    expect(run.record).toMatchObject({
      status: 'ok',
      message: 'kubeadm 1.20.2 at /usr/bin/kubeadm matches the cluster',
    });
  });

  it("downloads the cluster's version beside the node's own, checks it, and records it in the facts", async () => {
    const node = new FakeNode()
      .on(script(DOWNLOAD_KUBEADM_SCRIPT), { stdout: '' })
      .on(script(INSPECT_BINARY_SCRIPT), { stdout: `sha256=${SUM}\nversion=v1.20.2\n` });
    const run = await runModule(
      kubeadmProvisionModule,
      {},
      { nodes: { m1: node }, facts: missing(), cluster: download },
    );
    expect(run.record).toMatchObject({
      status: 'changed',
      message: 'installed kubeadm 1.20.2 at /opt/kcr/kubeadm-v1.20.2 (download)',
    });
    expect(node.calls[0]!.slice(4)).toEqual(['https://mirror/1.20.2/amd64/kubeadm', '/opt/kcr/kubeadm-v1.20.2']);
    expect(run.facts.node?.provisionedKubeadm).toEqual([{ path: '/opt/kcr/kubeadm-v1.20.2', version: '1.20.2' }]);
  });

  it('fails when the download fails, or the binary is of another version', async () => {
    const failing = new FakeNode().on(script(DOWNLOAD_KUBEADM_SCRIPT), { exitCode: 1, stderr: 'curl: (22) 404\n' });
    expect(
      (await runModule(kubeadmProvisionModule, {}, { nodes: { m1: failing }, facts: missing(), cluster: download }))
        .record,
    ).toMatchObject({ status: 'failed', message: 'curl: (22) 404 (check kubeadm.mirrorUrl in the inventory)' });
    const wrong = new FakeNode()
      .on(script(DOWNLOAD_KUBEADM_SCRIPT), { stdout: '' })
      .on(script(INSPECT_BINARY_SCRIPT), { stdout: `sha256=${SUM}\nversion=v1.21.0\n` });
    const run = await runModule(
      kubeadmProvisionModule,
      {},
      { nodes: { m1: wrong }, facts: missing(), cluster: download },
    );
    expect(run.record.message).toBe('installed /opt/kcr/kubeadm-v1.20.2 reports version 1.21.0, expected 1.20.2');
    expect(run.facts.node?.provisionedKubeadm).toEqual([]);
  });

  it('refuses with provisioning off; a dry run says what it would install', async () => {
    expect((await runModule(kubeadmProvisionModule, {}, { facts: missing() })).record.message).toBe(
      'kubeadm is not installed (cluster is 1.20.2); provisioning is off (kubeadm.provision: none)',
    );
    const node = new FakeNode();
    const dry = await runModule(
      kubeadmProvisionModule,
      {},
      { nodes: { m1: node }, facts: missing(), cluster: download, options: { dryRun: true } },
    );
    expect(dry.record).toMatchObject({
      status: 'would-change',
      message: 'kubeadm is not installed (cluster is 1.20.2): would download kubeadm to /opt/kcr/kubeadm-v1.20.2',
    });
    expect(node.calls).toEqual([]);
  });

  it('upload: refuses a local binary that is not there', async () => {
    const upload: Partial<Cluster> = {
      kubeadm: {
        provision: 'upload',
        localBinary: '/nonexistent/kubeadm-{version}',
        mirrorUrl: '',
        installDir: '/opt/kcr',
      },
    };
    const run = await runModule(kubeadmProvisionModule, {}, { facts: missing(), cluster: upload });
    expect(run.record.message).toBe('local kubeadm binary /nonexistent/kubeadm-1.20.2 is not readable');
  });
});

describe('finish_renewal', () => {
  it('removes the in-progress marker; a failure says so; skipped where not due', async () => {
    const node = new FakeNode().on(script(RENEWAL_FINISHED_SCRIPT), { stdout: '' });
    const run = await runModule(finishRenewalModule, {}, { nodes: { m1: node } });
    expect(run.record).toMatchObject({ status: 'changed', message: 'renewal recorded as finished' });
    expect(node.calls[0]!.slice(4)).toEqual([BACKUP_ROOT]);
    const failing = new FakeNode().on(script(RENEWAL_FINISHED_SCRIPT), {
      exitCode: 1,
      stderr: 'rm: cannot remove: Read-only file system\n',
    });
    expect((await runModule(finishRenewalModule, {}, { nodes: { m1: failing } })).record).toMatchObject({
      status: 'failed',
      message: 'exited 1: rm: cannot remove: Read-only file system',
    });
    expect((await runModule(finishRenewalModule, {}, { facts: { m1: { due: false } } })).record.message).toBe(
      'not due for renewal',
    );
  });
});
