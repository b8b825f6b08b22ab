// The kube-controller-manager and kube-scheduler stand-ins: their /healthz on 10257 and 10259
// reflects their calls to the apiserver with the client certificate of the kubeconfig they loaded
// at start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComponentsLab, componentsSkipReason, nodeJson, sleep, waitFor } from './components-harness.js';

describe.skipIf(componentsSkipReason !== null)(`controller-manager and scheduler stand-ins${componentsSkipReason ? ` (skipped: ${componentsSkipReason})` : ''}`, () => {
  let lab: ComponentsLab;
  const healthz = (port: number): { status: number; body: string } => lab.curl(`https://127.0.0.1:${port}/healthz`);
  const cmFlags = (conf: string): string[] => [
    '--allocate-node-cidrs=true',
    `--authentication-kubeconfig=${conf}`,
    `--authorization-kubeconfig=${conf}`,
    '--bind-address=127.0.0.1',
    `--kubeconfig=${conf}`,
    '--leader-elect=true',
    '--port=0',
  ];
  const schedulerFlags = (conf: string): string[] => ['--bind-address', '127.0.0.1', '--kubeconfig', conf, '--leader-elect=true', '--port=0'];

  beforeAll(async () => {
    lab = new ComponentsLab();
    lab.writeNodeFile('node.json', nodeJson('1.18.3'));
    await lab.startEtcd();
    lab.write('controller-manager.conf', lab.kubeconfigFor(lab.client('system:kube-controller-manager', 'valid'), 'system:kube-controller-manager'));
    lab.write('scheduler.conf', lab.kubeconfigFor(lab.client('system:kube-scheduler', 'valid'), 'system:kube-scheduler'));
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('start before the API server, report unhealthy, then healthy once it answers', async () => {
    lab.startComponent('kube-controller-manager', 'kube-controller-manager', cmFlags(lab.file('controller-manager.conf')));
    lab.startComponent('kube-scheduler', 'kube-scheduler', schedulerFlags(lab.file('scheduler.conf')));
    await waitFor('both health ports', () => healthz(10257).status !== 0 && healthz(10259).status !== 0, 10_000, () => lab.log('kube-controller-manager'));
    for (const port of [10257, 10259]) {
      const h = healthz(port);
      expect(h.status).toBe(500);
      expect(h.body).toContain('healthz check failed');
    }
    lab.startComponent('kube-apiserver', 'kube-apiserver', lab.apiserverFlags());
    await lab.waitReady();
    await waitFor('controller-manager healthy', () => healthz(10257).status === 200, 10_000, () => lab.log('kube-controller-manager'));
    await waitFor('scheduler healthy', () => healthz(10259).status === 200, 10_000, () => lab.log('kube-scheduler'));
    expect(healthz(10257).body).toBe('ok');
    expect(lab.log('kube-apiserver')).toContain('user="system:kube-controller-manager"');
    expect(lab.log('kube-apiserver')).toContain('user="system:kube-scheduler"');
  });

  it('serve /healthz over TLS on 127.0.0.1 only, with a self-signed certificate', () => {
    const s = lab.exec(['openssl', 's_client', '-connect', '127.0.0.1:10257'], { input: '' });
    expect(s.stdout).toMatch(/subject=CN ?= ?localhost@\d+/);
    expect(lab.exec(['curl', '-s', '--max-time', '3', 'https://127.0.0.1:10259/healthz']).code).not.toBe(0); // not trusted: self-signed
    lab.ip(['addr', 'add', '10.231.250.2/32', 'dev', 'lo']);
    expect(lab.curl('https://10.231.250.2:10257/healthz').status).toBe(0);
  });

  it('keep the kubeconfig they loaded at start: an expired certificate only counts after a restart', async () => {
    lab.write('scheduler.conf', lab.kubeconfigFor(lab.client('system:kube-scheduler', 'expired'), 'system:kube-scheduler'));
    await sleep(4500);
    expect(healthz(10259).status).toBe(200);
    await lab.stop('kube-scheduler');
    lab.startComponent('kube-scheduler', 'kube-scheduler', schedulerFlags(lab.file('scheduler.conf')));
    await waitFor('the scheduler to listen', () => healthz(10259).status !== 0, 10_000);
    await sleep(3000);
    const h = healthz(10259);
    expect(h.status).toBe(500);
    expect(h.body).toContain('HTTP 401');
    expect(lab.log('kube-scheduler')).toContain('error talking to the API server');
    expect(healthz(10257).status).toBe(200);
  });

  it('become unhealthy about 10 s after the API server goes away', async () => {
    await lab.stop('kube-apiserver');
    expect(healthz(10257).status).toBe(200);
    await waitFor('controller-manager unhealthy', () => healthz(10257).status === 500, 16_000);
    expect(healthz(10257).body).toMatch(/last success \d+s ago/);
  });
});
