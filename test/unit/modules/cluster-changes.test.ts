// The TKEStack steps run once per global cluster: tke_certs_configmap (which ConfigMap shape it
// updates, and which it must leave) and restart_tke_apis.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKUP_TKE_CERTS_SCRIPT, UPDATE_TKE_CERTS_SCRIPT } from '../../../src/kube/scripts/tke.js';
import { restartTkeApisModule } from '../../../src/modules/restart-tke-apis.js';
import { tkeCertsConfigMapModule } from '../../../src/modules/tke-certs-configmap.js';
import { command, FakeNode, runModule, script, testPem } from './harness.js';

const KUBECTL = command('kubectl', '--kubeconfig', '/etc/kubernetes/admin.conf');
const isGet =
  (what: string) =>
  (argv: readonly string[]): boolean =>
    KUBECTL(argv) && argv.includes('get') && argv.includes(what);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A scratch output folder, removed after the tests. */
async function outputFolder(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'kcr-tke-'));
  dirs.push(d);
  return d;
}

const cm = (pem: string) => ({
  stdout: JSON.stringify({ metadata: { name: 'certs' }, data: { 'etcd.crt': pem, 'etcd.key': 'redacted' } }),
});

describe('tke_certs_configmap', () => {
  const copyOld = testPem('10', 'kube-apiserver-etcd-client');
  const renewed = testPem('11', 'kube-apiserver-etcd-client');

  function tkeNode(shapeBefore: string, shapeAfter = renewed, onDisk = renewed): FakeNode {
    return new FakeNode()
      .on(isGet('cm'), (_argv, nth) => cm(nth === 0 ? shapeBefore : shapeAfter))
      .on(command('cat', '--', '/etc/kubernetes/pki/apiserver-etcd-client.crt'), { stdout: onDisk })
      .on(script(BACKUP_TKE_CERTS_SCRIPT), { stdout: '' })
      .on(script(UPDATE_TKE_CERTS_SCRIPT), { stdout: '' });
  }

  it('TKEStack 1.2 (a copy of apiserver-etcd-client): backs it up locally (0600) and on the node, then updates and checks it', async () => {
    const outputDir = await outputFolder();
    const node = tkeNode(copyOld);
    const run = await runModule(tkeCertsConfigMapModule, {}, { nodes: { m1: node }, options: { outputDir } });
    expect(run.record.status).toBe('changed');
    expect(run.record.message).toMatch(/^tke\/certs etcd\.crt\/etcd\.key updated \(TKEStack 1\.2\.x shape\)/);
    expect(node.count(script(UPDATE_TKE_CERTS_SCRIPT))).toBe(1);
    const [file] = await readdir(outputDir);
    expect(file).toMatch(/^c-tke-certs-\d{8}T\d{6}Z\.json$/);
    expect((await stat(path.join(outputDir, file!))).mode & 0o777).toBe(0o600);
    expect(run.clusterReport.tkeCertsBackup).toBe(path.join(outputDir, file!));
  });

  it('fails when the ConfigMap does not hold the renewed certificate after the update', async () => {
    const outputDir = await outputFolder();
    const run = await runModule(
      tkeCertsConfigMapModule,
      {},
      { nodes: { m1: tkeNode(copyOld, copyOld) }, options: { outputDir } },
    );
    expect(run.record).toMatchObject({
      status: 'failed',
      message: 'tke/certs etcd.crt does not equal the renewed apiserver-etcd-client.crt after the update',
    });
  });

  it('TKEStack 1.3 (its own long-lived certificate): backs up and leaves it; a dry run says so', async () => {
    const outputDir = await outputFolder();
    const own = testPem('20', 'tke');
    const dry = await runModule(
      tkeCertsConfigMapModule,
      {},
      { nodes: { m1: tkeNode(own) }, options: { outputDir, dryRun: true } },
    );
    expect(dry.record.status).toBe('would-change');
    expect(dry.record.message).toMatch(/^would back up tke\/certs and leave it: it holds its own certificate \(CN=tke/);
    expect(await readdir(outputDir)).toEqual([]);
    const node = tkeNode(own);
    const run = await runModule(tkeCertsConfigMapModule, {}, { nodes: { m1: node }, options: { outputDir } });
    expect(run.record.status).toBe('ok');
    expect(run.record.message).toMatch(/^left tke\/certs as is: it holds its own certificate/);
    expect(node.count(script(UPDATE_TKE_CERTS_SCRIPT))).toBe(0);
  });

  it('fails when kubectl cannot read the ConfigMap', async () => {
    const node = new FakeNode().on(isGet('cm'), {
      exitCode: 1,
      stderr: 'Error from server (NotFound): configmaps "certs" not found\n',
    });
    const run = await runModule(tkeCertsConfigMapModule, {}, { nodes: { m1: node } });
    expect(run.record).toMatchObject({
      status: 'failed',
      message: 'kubectl -n tke get cm certs -o json failed: Error from server (NotFound): configmaps "certs" not found',
    });
  });
});

describe('restart_tke_apis', () => {
  it('nothing to do without TKE API deployments', async () => {
    const node = new FakeNode().on(isGet('deployments'), {
      stdout: JSON.stringify({ items: [{ metadata: { name: 'tke-gateway' } }] }),
    });
    const run = await runModule(restartTkeApisModule, {}, { nodes: { m1: node } });
    expect(run.record).toMatchObject({ status: 'ok', message: 'no TKE API deployments found in namespace tke' });
  });

  it('a dry run names the deployments it would recreate; a failing delete fails the step', async () => {
    const deployments = {
      stdout: JSON.stringify({
        items: ['tke-platform-api', 'tke-auth-api', 'tke-gateway'].map((name) => ({ metadata: { name } })),
      }),
    };
    const dry = await runModule(
      restartTkeApisModule,
      {},
      { nodes: { m1: new FakeNode().on(isGet('deployments'), deployments) }, options: { dryRun: true } },
    );
    expect(dry.record).toMatchObject({
      status: 'would-change',
      message: 'would recreate the pods of tke-auth-api, tke-platform-api',
    });
    const node = new FakeNode()
      .on(isGet('deployments'), deployments)
      .on(isGet('pods'), {
        stdout: JSON.stringify({ items: [{ metadata: { name: 'tke-auth-api-1' }, status: { phase: 'Running' } }] }),
      })
      .on(
        command(
          'kubectl',
          '--kubeconfig',
          '/etc/kubernetes/admin.conf',
          '--cache-dir',
          '/tmp/kube-cert-renew-kubectl-cache',
          '-n',
          'tke',
          'delete',
        ),
        { exitCode: 1, stderr: 'error: forbidden\n' },
      );
    const run = await runModule(restartTkeApisModule, {}, { nodes: { m1: node } });
    expect(run.record).toMatchObject({
      status: 'failed',
      message: 'kubectl -n tke delete pod -l app=tke-auth-api --wait=false failed: error: forbidden',
    });
  });
});
