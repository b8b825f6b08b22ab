// The kube-controller-manager and kube-scheduler stand-ins: leader election on a Lease in
// kube-system through the apiserver stand-in with the client certificate of the kubeconfig they
// loaded at start; /healthz on 10257 and 10259 that is ok on every non-leader whatever its
// credentials (as the real leaderelection healthz adaptor), while a leader that cannot renew
// exits ("leaderelection lost"); in-memory serving certificates as client-go makes them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComponentsLab, componentsSkipReason, nodeJson, sleep, waitFor } from './components-harness.js';

interface Lease {
  spec: { holderIdentity: string; leaseDurationSeconds: number; renewTime: string; leaseTransitions?: number };
}

describe.skipIf(componentsSkipReason !== null)(
  `controller-manager and scheduler stand-ins${componentsSkipReason ? ` (skipped: ${componentsSkipReason})` : ''}`,
  () => {
    let lab: ComponentsLab;
    const healthz = (port: number): { status: number; body: string } => lab.curl(`https://127.0.0.1:${port}/healthz`);
    const cmFlags = (conf: string, port = 10257): string[] => [
      '--allocate-node-cidrs=true',
      `--authentication-kubeconfig=${conf}`,
      `--authorization-kubeconfig=${conf}`,
      '--bind-address=127.0.0.1',
      `--kubeconfig=${conf}`,
      '--leader-elect=true',
      '--port=0',
      `--secure-port=${port}`,
    ];
    const schedulerFlags = (conf: string): string[] => [
      '--bind-address',
      '127.0.0.1',
      '--kubeconfig',
      conf,
      '--leader-elect=true',
      '--port=0',
    ];
    const lease = (name: string): Lease | undefined => {
      const r = lab.kubectl(['-n', 'kube-system', 'get', 'lease', name, '-o', 'json']);
      return r.code === 0 ? (JSON.parse(r.stdout) as Lease) : undefined;
    };

    beforeAll(async () => {
      lab = new ComponentsLab();
      lab.writeNodeFile('node.json', nodeJson('1.18.3'));
      await lab.startEtcd();
      lab.write(
        'controller-manager.conf',
        lab.kubeconfigFor(lab.client('system:kube-controller-manager', 'valid'), 'system:kube-controller-manager'),
      );
      lab.write(
        'scheduler.conf',
        lab.kubeconfigFor(lab.client('system:kube-scheduler', 'valid'), 'system:kube-scheduler'),
      );
    });

    afterAll(async () => {
      await lab?.destroy();
    });

    it('are healthy before the API server answers (not leaders), then take their Leases once it does', async () => {
      lab.startComponent(
        'kube-controller-manager',
        'kube-controller-manager',
        cmFlags(lab.file('controller-manager.conf')),
      );
      lab.startComponent('kube-scheduler', 'kube-scheduler', schedulerFlags(lab.file('scheduler.conf')));
      // Each makes two RSA keys at start (its in-memory CA and serving certificate): slow on a busy machine.
      await waitFor(
        'both health ports',
        () => healthz(10257).status !== 0 && healthz(10259).status !== 0,
        30_000,
        () => lab.log('kube-controller-manager'),
      );
      for (const port of [10257, 10259]) expect(healthz(port)).toEqual({ status: 200, body: 'ok' });
      lab.startComponent('kube-apiserver', 'kube-apiserver', lab.apiserverFlags());
      await lab.waitReady();
      await waitFor(
        'both leases',
        () => lease('kube-controller-manager') !== undefined && lease('kube-scheduler') !== undefined,
        10_000,
        () => lab.log('kube-controller-manager'),
      );
      const cm = lease('kube-controller-manager');
      expect(cm?.spec.holderIdentity).toMatch(/^[^_]+_[0-9a-f-]{36}$/);
      expect(cm?.spec.leaseDurationSeconds).toBe(15);
      const renewed = cm?.spec.renewTime;
      await sleep(2500);
      expect(lease('kube-controller-manager')?.spec.renewTime).not.toBe(renewed);
      expect(lab.log('kube-controller-manager')).toContain(
        'successfully acquired lease kube-system/kube-controller-manager',
      );
      expect(lab.log('kube-apiserver')).toContain('user="system:kube-controller-manager"');
      expect(lab.log('kube-apiserver')).toContain('user="system:kube-scheduler"');
      expect(healthz(10257).body).toBe('ok');
    });

    it('serve /healthz over TLS on the bind address with an in-memory localhost@<unix> certificate signed by localhost-ca@<unix>', () => {
      const served = lab.servedCertificate('127.0.0.1:10257', 'localhost');
      const cn = /subject=CN=localhost@(\d+)/.exec(served);
      expect(cn, served).not.toBeNull();
      const unix = Number(cn?.[1]);
      expect(served).toMatch(new RegExp(`issuer=CN=localhost-ca@${unix}\\n`));
      const notBefore = Date.parse(/notBefore=(.*)/.exec(served)?.[1] ?? '');
      expect(Math.abs(notBefore - (unix * 1000 - 3600_000))).toBeLessThanOrEqual(1000);
      expect(lab.exec(['curl', '-s', '--max-time', '3', 'https://127.0.0.1:10259/healthz']).code).not.toBe(0); // not trusted: self-signed
      lab.ip(['addr', 'add', '10.231.250.2/32', 'dev', 'lo']);
      expect(lab.curl('https://10.231.250.2:10257/healthz').status).toBe(0);
    });

    it('keep the kubeconfig they loaded at start; restarted with an expired certificate, a non-leader is still healthy', async () => {
      lab.write(
        'scheduler.conf',
        lab.kubeconfigFor(lab.client('system:kube-scheduler', 'expired'), 'system:kube-scheduler'),
      );
      await sleep(4500);
      expect(healthz(10259).status).toBe(200);
      const holder = lease('kube-scheduler')?.spec.holderIdentity;
      await sleep(2500);
      expect(lease('kube-scheduler')?.spec.holderIdentity).toBe(holder); // still renewed by the old instance
      await lab.stop('kube-scheduler');
      lab.startComponent('kube-scheduler', 'kube-scheduler', schedulerFlags(lab.file('scheduler.conf')));
      await waitFor('the scheduler to listen', () => healthz(10259).status !== 0, 30_000);
      await sleep(3000);
      expect(healthz(10259)).toEqual({ status: 200, body: 'ok' });
      expect(lab.log('kube-scheduler')).toContain('error talking to the API server');
      expect(lab.log('kube-scheduler')).toMatch(/HTTP 401/);
      // It never becomes the leader: the Lease keeps the old holder, unrenewed.
      expect(lease('kube-scheduler')?.spec.holderIdentity).toBe(holder);
    });

    it('a leader that cannot renew exits within the renew deadline; a non-leader stays healthy', async () => {
      lab.startComponent('kcm-second', 'kube-controller-manager', cmFlags(lab.file('controller-manager.conf'), 10357));
      await waitFor(
        'the second instance to listen',
        () => healthz(10357).status === 200,
        30_000,
        () => lab.log('kcm-second'),
      );
      const leader = lease('kube-controller-manager')?.spec.holderIdentity;
      await lab.stop('kube-apiserver');
      const stoppedAt = Date.now();
      await waitFor(
        'the leader to exit',
        () => healthz(10257).status === 0,
        20_000,
        () => lab.log('kube-controller-manager'),
      );
      expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(8000);
      expect(lab.log('kube-controller-manager')).toContain('leaderelection lost');
      expect(healthz(10357)).toEqual({ status: 200, body: 'ok' });
      // The second instance takes over once the API is back and the old lease has expired.
      lab.startComponent('kube-apiserver', 'kube-apiserver', lab.apiserverFlags());
      await lab.waitReady();
      await waitFor(
        'a new leader',
        () => (lease('kube-controller-manager')?.spec.holderIdentity ?? leader) !== leader,
        30_000,
        () => lab.log('kcm-second'),
      );
      expect(lease('kube-controller-manager')?.spec.leaseTransitions).toBe(1);
      await lab.stop('kcm-second');
    });
  },
);
