// What the kube-apiserver stand-in serves and presents, against the real 1.20.2 behaviour
// (fidelity-audit.md §5): the serving pair re-read from disk every FileRefreshDuration from 1.17
// on (only a valid pair), never on 1.16; the in-memory loopback certificate for SNI
// apiserver-loopback-client; the etcd client certificate read for every new connection.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComponentsLab, componentsDist, componentsSkipReason, nodeJson, sleep, waitFor } from './components-harness.js';
import { issue } from './components-pki.js';

const refreshMs = 1000;
const serial = (s: string): string => s.replace(/^0+/, '');

describe.skipIf(componentsSkipReason !== null)(
  `kube-apiserver stand-in certificates${componentsSkipReason ? ` (skipped: ${componentsSkipReason})` : ''}`,
  () => {
    let lab: ComponentsLab;
    let startedAtMs = 0;
    const newServing = () =>
      issue(lab.pki.ca, { cn: 'kube-apiserver', serverAuth: true, sans: ['localhost', '127.0.0.1'] });

    beforeAll(async () => {
      lab = new ComponentsLab();
      lab.writeNodeFile('node.json', nodeJson('1.18.3'));
      await lab.startEtcd();
      startedAtMs = Date.now();
      lab.startComponent('kube-apiserver', 'kube-apiserver', lab.apiserverFlags(), {
        KCRLAB_SERVING_CERT_REFRESH_MS: String(refreshMs),
      });
      await lab.waitReady();
    });

    afterAll(async () => {
      await lab?.destroy();
    });

    it('1.18: serves a renewed --tls-cert-file within a refresh period, without a restart', async () => {
      expect(lab.servedSerial('127.0.0.1:6443')).toBe(serial(lab.pki.apiserver.serial));
      const renewed = newServing();
      lab.writeIssued('pki/apiserver', renewed);
      await waitFor(
        'the renewed certificate to be served',
        () => lab.servedSerial('127.0.0.1:6443') === serial(renewed.serial),
        3 * refreshMs + 2000,
        () => lab.log('kube-apiserver'),
      );
      expect(lab.log('kube-apiserver')).toContain('loaded serving cert');
    });

    it('1.18: a certificate whose key is not on disk yet (half-written pair) is not taken', async () => {
      const before = lab.servedSerial('127.0.0.1:6443');
      const next = newServing();
      // kubeadm writes the key first; here the certificate alone changed: not a valid pair.
      lab.write('pki/apiserver.crt', next.cert);
      await sleep(3 * refreshMs);
      expect(lab.servedSerial('127.0.0.1:6443')).toBe(before);
      expect(lab.log('kube-apiserver')).toContain('private key does not match public key');
      lab.write('pki/apiserver.key', next.key);
      await waitFor(
        'the complete pair to be served',
        () => lab.servedSerial('127.0.0.1:6443') === serial(next.serial),
        3 * refreshMs + 2000,
      );
    });

    it('1.16: keeps the serving certificate it started with', async () => {
      const root116 = path.join(lab.dir, 'root116');
      fs.mkdirSync(path.join(root116, 'var/lib/kcrlab'), { recursive: true });
      fs.writeFileSync(path.join(root116, 'var/lib/kcrlab/node.json'), JSON.stringify(nodeJson('1.16.9')));
      lab.start(
        'apiserver-116',
        [
          process.execPath,
          path.join(componentsDist, 'kube-apiserver.js'),
          ...lab.apiserverFlags({ 'secure-port': '6447' }),
        ],
        {
          KCRLAB_ROOT: root116,
          KCRLAB_SERVING_CERT_REFRESH_MS: String(refreshMs),
        },
      );
      await lab.waitReady(6447, 'apiserver-116');
      const first = lab.servedSerial('127.0.0.1:6447');
      const renewed = newServing();
      lab.writeIssued('pki/apiserver', renewed);
      await sleep(4 * refreshMs);
      expect(lab.servedSerial('127.0.0.1:6447')).toBe(first);
      expect(lab.servedSerial('127.0.0.1:6443')).toBe(serial(renewed.serial));
      await lab.stop('apiserver-116');
    });

    it('serves the in-memory loopback certificate for SNI apiserver-loopback-client', () => {
      const served = lab.servedCertificate('127.0.0.1:6443', 'apiserver-loopback-client');
      const cn = /subject=CN=apiserver-loopback-client@(\d+)/.exec(served);
      expect(cn, served).not.toBeNull();
      const unix = Number(cn?.[1]);
      expect(unix * 1000).toBeGreaterThanOrEqual(Math.floor(startedAtMs / 1000) * 1000);
      expect(unix * 1000).toBeLessThan(startedAtMs + 30_000);
      expect(served).toMatch(new RegExp(`issuer=CN=apiserver-loopback-client-ca@${unix}\\n`));
      const notBefore = Date.parse(/notBefore=(.*)/.exec(served)?.[1] ?? '');
      expect(Math.abs(notBefore - (unix * 1000 - 3600_000))).toBeLessThanOrEqual(1000);
      expect(served).toContain('serial=02');
      // Any other name gets the --tls-cert-file certificate.
      expect(lab.servedCertificate('127.0.0.1:6443', 'kubernetes')).toContain('subject=CN=kube-apiserver');
    });

    it('reads its etcd client certificate for every new connection: renewing the file fixes a start with an expired one', async () => {
      lab.writeIssued('pki/etcd-client-late', lab.etcdClientCert('expired'));
      const flags = lab.apiserverFlags({
        'secure-port': '6448',
        'etcd-certfile': lab.file('pki/etcd-client-late.crt'),
        'etcd-keyfile': lab.file('pki/etcd-client-late.key'),
      });
      lab.startComponent('apiserver-late', 'kube-apiserver', flags);
      await waitFor('it to listen', () => lab.curl('https://127.0.0.1:6448/livez').status !== 0, 10_000);
      await sleep(3000);
      expect(lab.curl('https://127.0.0.1:6448/readyz').status).toBe(500);
      lab.write('pki/etcd-client-late.key', fs.readFileSync(lab.file('pki/apiserver-etcd-client.key'), 'utf8'));
      lab.write('pki/etcd-client-late.crt', fs.readFileSync(lab.file('pki/apiserver-etcd-client.crt'), 'utf8'));
      await lab.waitReady(6448, 'apiserver-late');
      await lab.stop('apiserver-late');
    });
  },
);
