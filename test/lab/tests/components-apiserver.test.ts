// The kube-apiserver stand-in as a real process on a real etcd in a throwaway network namespace,
// driven by the real kubectl, curl and openssl.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComponentsLab, componentsSkipReason, nodeJson, sleep, waitFor } from './components-harness.js';
import { seedObjects } from './components-seed.js';

const podName = /^tke-platform-api-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/;

describe.skipIf(componentsSkipReason !== null)(
  `kube-apiserver stand-in${componentsSkipReason ? ` (skipped: ${componentsSkipReason})` : ''}`,
  () => {
    let lab: ComponentsLab;

    const kubectlOk = (args: string[], input?: string): string => {
      const r = lab.kubectl(args, undefined, input);
      expect(r.code, `kubectl ${args.join(' ')}\n${r.stderr}\n${lab.log('kube-apiserver').slice(-2000)}`).toBe(0);
      return r.stdout;
    };
    const platformPods = (): string[] =>
      kubectlOk(['-n', 'tke', 'get', 'pods', '-l', 'app=tke-platform-api', '-o', 'jsonpath={.items[*].metadata.name}'])
        .split(' ')
        .filter(Boolean)
        .sort();
    /** kubectl's arguments to patch ConfigMap tke/certs with `patch` (strategic-merge unless `type` says). */
    const patchCerts = (patch: string, type?: 'merge' | 'json'): string[] => [
      '-n',
      'tke',
      'patch',
      'cm',
      'certs',
      ...(type ? ['--type', type] : []),
      '-p',
      patch,
    ];
    /** Stops the kube-apiserver and starts it again; the moment it was started (ms). */
    const restartApiserver = async (): Promise<number> => {
      await lab.stop('kube-apiserver');
      const startedAt = Date.now();
      lab.startComponent('kube-apiserver', 'kube-apiserver', lab.apiserverFlags());
      return startedAt;
    };
    /** The same, then waits until it listens (livez), ready or not. */
    const restartApiserverListening = async (): Promise<number> => {
      const startedAt = await restartApiserver();
      await waitFor(
        'the apiserver to listen',
        () => lab.curl('https://127.0.0.1:6443/livez').status === 200,
        10_000,
        () => lab.log('kube-apiserver'),
      );
      return startedAt;
    };
    const certsData = (): Record<string, string> =>
      (JSON.parse(kubectlOk(['-n', 'tke', 'get', 'cm', 'certs', '-o', 'json'])) as { data: Record<string, string> })
        .data;

    beforeAll(async () => {
      lab = new ComponentsLab();
      lab.writeNodeFile('node.json', nodeJson('1.18.3'));
      lab.writeNodeFile('seed.json', seedObjects);
      await lab.startEtcd();
      lab.startComponent('kube-apiserver', 'kube-apiserver', lab.apiserverFlags());
      await lab.waitReady();
    });

    afterAll(async () => {
      await lab?.destroy();
    });

    it('serves /version (from node.json) and the health endpoints anonymously', () => {
      const version = lab.curl('https://127.0.0.1:6443/version');
      expect(version.status).toBe(200);
      expect(JSON.parse(version.body)).toMatchObject({ gitVersion: 'v1.18.3', major: '1', minor: '18' });
      for (const endpoint of ['healthz', 'livez', 'readyz'])
        expect(lab.curl(`https://127.0.0.1:6443/${endpoint}`)).toEqual({ status: 200, body: 'ok' });
      expect(lab.kubectl(['version', '-o', 'json']).stdout).toContain('"gitVersion": "v1.18.3"');
    });

    it('refuses API calls without a client certificate (403) and with an invalid one (401)', () => {
      const anonymous = lab.curl('https://127.0.0.1:6443/api/v1/namespaces/tke/configmaps/certs');
      expect(anonymous.status).toBe(403);
      expect(JSON.parse(anonymous.body)).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });

      for (const kind of ['expired', 'foreign'] as const) {
        const config = lab.write(
          `${kind}-admin.conf`,
          lab.kubeconfigFor(lab.client('kubernetes-admin', kind, ['system:masters']), 'kubernetes-admin'),
        );
        const r = lab.kubectl(['-n', 'tke', 'get', 'cm', 'certs', '-o', 'yaml'], config);
        expect(r.code, kind).not.toBe(0);
        // "(Unauthorized)" from a resource call; the credentials phrasing when discovery was not cached yet.
        expect(r.stderr, kind).toMatch(
          /error: You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)/,
        );
        expect(r.stdout).toBe('');
      }
      expect(lab.log('kube-apiserver')).toContain('user="<invalid credentials: CERT_HAS_EXPIRED>"');
    });

    it('kubectl gets the certs ConfigMap as YAML and JSON, and kubeadm-config', () => {
      const yaml = kubectlOk(['-n', 'tke', 'get', 'cm', 'certs', '-o', 'yaml']);
      expect(yaml).toMatch(/^apiVersion: v1\n/);
      expect(yaml).toContain('  etcd.crt: ETCD-CLIENT\n');
      expect(yaml).toMatch(/resourceVersion: "\d+"/);
      expect(certsData()['ca.crt']).toBe('CA');
      expect(kubectlOk(['-n', 'kube-system', 'get', 'cm', 'kubeadm-config', '-o', 'yaml'])).toContain(
        'kind: ClusterConfiguration',
      );
      const missing = lab.kubectl(['-n', 'tke', 'get', 'cm', 'nope']);
      expect(missing.stderr).toContain('Error from server (NotFound): configmaps "nope" not found');
      expect(lab.log('kube-apiserver')).toContain('user="kubernetes-admin"');
    });

    it('kubectl patches data with strategic-merge, merge and JSON patches', () => {
      expect(kubectlOk(patchCerts('{"data":{"etcd.crt":"SMP"}}'))).toContain('configmap/certs patched');
      expect(kubectlOk(patchCerts('{"data":{"etcd.key":"MERGE","admin.key":null}}', 'merge'))).toContain('patched');
      kubectlOk(
        patchCerts(
          '[{"op":"replace","path":"/data/ca.crt","value":"JSON"},{"op":"add","path":"/data/webhook.crt","value":"W"}]',
          'json',
        ),
      );
      expect(certsData()).toEqual({
        'etcd-ca.crt': 'ETCD-CA',
        'etcd.crt': 'SMP',
        'etcd.key': 'MERGE',
        'ca.crt': 'JSON',
        'admin.crt': 'ADMIN',
        'webhook.crt': 'W',
      });
      expect(kubectlOk(patchCerts('{"data":{"etcd.crt":"SMP"}}'))).toContain('configmap/certs patched (no change)');
      const failed = lab.kubectl(patchCerts('[{"op":"remove","path":"/data/absent"}]', 'json'));
      expect(failed.code).not.toBe(0);
    });

    it('kubectl replaces from a file (409 on a stale resourceVersion) and creates from a file', () => {
      const current = kubectlOk(['-n', 'tke', 'get', 'cm', 'certs', '-o', 'yaml']);
      const file = lab.write('certs.yaml', current.replace('etcd.crt: SMP', 'etcd.crt: REPLACED'));
      expect(kubectlOk(['replace', '-f', file])).toContain('configmap/certs replaced');
      expect(certsData()['etcd.crt']).toBe('REPLACED');
      const stale = lab.kubectl(['replace', '-f', file]);
      expect(stale.stderr).toContain('Error from server (Conflict)');
      const viaStdin = kubectlOk(
        ['replace', '-f', '-'],
        kubectlOk(['-n', 'tke', 'get', 'cm', 'certs', '-o', 'json']).replace('"REPLACED"', '"STDIN"'),
      );
      expect(viaStdin).toContain('replaced');
      expect(certsData()['etcd.crt']).toBe('STDIN');

      const fresh = lab.write(
        'extra.yaml',
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: tke\ndata:\n  a: b\n',
      );
      expect(kubectlOk(['create', '-f', fresh])).toContain('configmap/extra created');
      expect(lab.kubectl(['create', '-f', fresh]).stderr).toContain('Error from server (AlreadyExists)');
      expect(kubectlOk(['-n', 'tke', 'get', 'cm'])).toMatch(/^NAME\s+DATA\s+AGE\ncerts\s+6\s+\S+\nextra\s+1\s+\S+\n$/);
      expect(kubectlOk(['-n', 'tke', 'delete', 'cm', 'extra'])).toContain('configmap "extra" deleted');
    });

    it('kubectl lists the TKE pods by label, and deleting them makes replacements appear', async () => {
      const before = platformPods();
      expect(before).toHaveLength(2);
      for (const name of before) expect(name).toMatch(podName);
      const table = kubectlOk(['-n', 'tke', 'get', 'pods', '-l', 'app=tke-platform-api']);
      expect(table).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
      expect(table).toMatch(/tke-platform-api-\S+\s+1\/1\s+Running\s+0\s+/);

      const deleted = kubectlOk(['-n', 'tke', 'delete', 'pod', '-l', 'app=tke-platform-api']);
      for (const name of before) expect(deleted).toContain(`pod "${name}" deleted`);
      await waitFor('two replacement pods', () => platformPods().length === 2, 10_000);
      const after = platformPods();
      for (const name of after) expect(name).toMatch(podName);
      expect(after.filter((n) => before.includes(n))).toEqual([]);
      // Same ReplicaSet (pod-template-hash), new random suffixes.
      expect(new Set([...before, ...after].map((n) => n.split('-').slice(0, -1).join('-'))).size).toBe(1);

      const [one = ''] = after;
      expect(kubectlOk(['-n', 'tke', 'delete', 'pod', one])).toContain(`pod "${one}" deleted`);
      await waitFor(
        'a replacement for the pod deleted by name',
        () => {
          const now = platformPods();
          return now.length === 2 && !now.includes(one);
        },
        10_000,
      );
      await sleep(3500); // one more reconcile period: still exactly the replicas
      expect(platformPods()).toHaveLength(2);
    });

    it('kubectl gets pods in all namespaces, nodes, namespaces and deployments', () => {
      const all = kubectlOk(['get', 'pods', '-A']);
      expect(all).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
      expect(all.match(/^tke\s+tke-/gm)).toHaveLength(3);
      expect(kubectlOk(['get', 'nodes'])).toMatch(
        /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\nglobal-m1\s+Ready\s+master\s+\S+\s+v1\.18\.3\nglobal-w1\s+Ready\s+<none>\s+\S+\s+v1\.18\.3\n$/,
      );
      const namespaces = kubectlOk(['get', 'ns', '-o', 'name']).trim().split('\n');
      expect(namespaces).toEqual([
        'namespace/default',
        'namespace/kube-node-lease',
        'namespace/kube-public',
        'namespace/kube-system',
        'namespace/tke',
      ]);
      expect(kubectlOk(['get', 'deploy', '-n', 'tke'])).toMatch(
        /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\ntke-auth-api\s+1\/1\s+1\s+1\s+\S+\ntke-platform-api\s+2\/2\s+2\s+2\s+\S+\n$/,
      );
      expect(
        kubectlOk(['-n', 'tke', 'get', 'pods', '-l', 'app=tke-auth-api', '-o', 'name']).trim().split('\n'),
      ).toHaveLength(1);
    });

    it('after a restart serves the certificate on disk and keeps what kubectl changed (openssl s_client)', async () => {
      // Reloading without a restart (1.17+, every minute) is in components-serving-certs.test.ts.
      expect(lab.servedSerial('127.0.0.1:6443')).toBe(lab.pki.apiserver.serial.replace(/^0+/, ''));
      const { issue } = await import('./components-pki.js');
      const renewed = issue(lab.pki.ca, { cn: 'kube-apiserver', serverAuth: true, sans: ['localhost', '127.0.0.1'] });
      lab.writeIssued('pki/apiserver', renewed);
      await restartApiserver();
      await lab.waitReady();
      expect(lab.servedSerial('127.0.0.1:6443')).toBe(renewed.serial.replace(/^0+/, ''));
      // Seeding is create-if-absent: the restart kept what kubectl changed.
      expect(certsData()['etcd.crt']).toBe('STDIN');
    });

    it('stays unready with an expired or foreign etcd client certificate', async () => {
      const cases = [
        { kind: 'expired' as const, port: '6444' },
        { kind: 'foreign' as const, port: '6445' },
      ];
      for (const { kind, port } of cases) {
        lab.writeIssued(`pki/etcd-client-${kind}`, lab.etcdClientCert(kind));
        lab.startComponent(
          `apiserver-${kind}`,
          'kube-apiserver',
          lab.apiserverFlags({
            'secure-port': port,
            'etcd-certfile': lab.file(`pki/etcd-client-${kind}.crt`),
            'etcd-keyfile': lab.file(`pki/etcd-client-${kind}.key`),
          }),
        );
      }
      await waitFor(
        'the apiservers to listen',
        () => cases.every(({ port }) => lab.curl(`https://127.0.0.1:${port}/version`).status === 200),
        10_000,
      );
      await sleep(3000);
      for (const { kind, port } of cases) {
        const ready = lab.curl(`https://127.0.0.1:${port}/readyz?verbose`);
        expect(ready.status, kind).toBe(500);
        expect(ready.body, kind).toContain('[-]etcd failed');
        expect(lab.curl(`https://127.0.0.1:${port}/livez`).status, kind).toBe(500);
        expect(lab.curl(`https://127.0.0.1:${port}/healthz`).status, kind).toBe(500);
        expect(lab.log(`apiserver-${kind}`), kind).toContain('etcd health check failed');
        await lab.stop(`apiserver-${kind}`);
      }
      expect(lab.curl('https://127.0.0.1:6443/readyz').status).toBe(200);
    });

    it('fault apiserverNotReadyNextStart: consumed by the next start, which never gets ready', async () => {
      lab.writeNodeFile('faults.json', { apiserverNotReadyNextStart: true, kubeadmRenewFail: true });
      await restartApiserverListening();
      expect(lab.readNodeFile('faults.json')).toEqual({ kubeadmRenewFail: true });
      await sleep(4000);
      expect(lab.curl('https://127.0.0.1:6443/readyz').status).toBe(500);
      // It still serves the API (a real apiserver that is not ready answers what it can).
      expect(certsData()['etcd.crt']).toBe('STDIN');

      await restartApiserver();
      await lab.waitReady();
    });

    it('fault slowStartSeconds: ready only that long after each start', async () => {
      lab.writeNodeFile('faults.json', { slowStartSeconds: 4 });
      const startedAt = await restartApiserverListening();
      expect(lab.curl('https://127.0.0.1:6443/readyz').status).toBe(500);
      await lab.waitReady();
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(4000);
      expect(lab.readNodeFile('faults.json')).toEqual({ slowStartSeconds: 4 });
      lab.writeNodeFile('faults.json', {});
    });

    it('two apiservers on one etcd replace a deleted pod exactly once', async () => {
      lab.startComponent('apiserver-second', 'kube-apiserver', lab.apiserverFlags({ 'secure-port': '6446' }));
      await lab.waitReady(6446, 'apiserver-second');
      for (let round = 0; round < 2; round++) {
        const before = platformPods();
        kubectlOk(['-n', 'tke', 'delete', 'pod', before[0] ?? '']);
        await waitFor('the replacement', () => platformPods().some((n) => !before.includes(n)), 10_000);
        await sleep(3500); // past both apiservers' reconcile periods
        expect(platformPods(), `round ${round}`).toHaveLength(2);
      }
      await lab.stop('apiserver-second');
    });
  },
);
