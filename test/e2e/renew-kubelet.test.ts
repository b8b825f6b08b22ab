// Nodes whose kubelet.conf embeds the kubelet's client certificate (kubeadm init before 1.17): after
// `renew`, kubelet.conf points at the rotating kubelet-client-current.pem, the old file is kept
// beside it, and the kubelet was restarted and runs. Also when the embedded certificate has already
// expired: the kubelets were started before expiry (KCRLAB_KUBELET_STARTED_BEFORE_EXPIRY, lab
// README), as on a real node, and must run after the restart the tool does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailableReason, type LabStatus, type NodeStatus } from './support/lab.js';
import { sha256 } from './support/node-files.js';

const skip = labUnavailableReason();

// emb: due (15 days left); old: every certificate expired 35 days ago, kubelet.conf's too.
const TOPOLOGY = `
clusters:
  - { name: emb, kubernetesVersion: "1.18.3", runtime: docker, certAgeDays: 350, kubeletConfEmbedded: true, workers: 1 }
  - { name: old, kubernetesVersion: "1.16.9", runtime: docker, certAgeDays: 400, kubeletConfEmbedded: true, workers: 1 }
`;
const KUBELET_CONF = '/etc/kubernetes/kubelet.conf';
const PEM = '/var/lib/kubelet/pki/kubelet-client-current.pem';

function nodeStatus(s: LabStatus, name: string): NodeStatus {
  const n = s.clusters.flatMap((c) => c.nodes).find((x) => x.name === name);
  if (!n) throw new Error(`${name} not in lab status`);
  return n;
}

/** 0 when the certificate embedded in kubelet.conf is still valid, 1 when expired (openssl -checkend). */
async function embeddedCertValid(lab: Lab, node: string): Promise<boolean> {
  const res = await lab.exec(node, [
    'sh',
    '-c',
    'sed -n "s/^ *client-certificate-data: *//p" "$1" | base64 -d | openssl x509 -noout -checkend 0',
    'sh',
    KUBELET_CONF,
  ]);
  return res.code === 0;
}

describe.skipIf(skip)(
  `renew on nodes whose kubelet.conf embeds its client certificate${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let lab: Lab;
    let labUp: Promise<Lab> | undefined;
    let before: LabStatus;
    const confHash = new Map<string, string>();

    beforeAll(async () => {
      labUp = Lab.up(TOPOLOGY, { name: 'renew-kubelet', env: { KCRLAB_KUBELET_STARTED_BEFORE_EXPIRY: '1' } });
      lab = await labUp;
      before = await lab.status();
      for (const n of ['emb-m1', 'emb-w1', 'old-m1', 'old-w1']) confHash.set(n, await sha256(lab, n, KUBELET_CONF));
    }, 600_000);
    afterAll(async () => {
      // Also when beforeAll timed out while the lab was still coming up.
      await (await labUp?.catch(() => undefined))?.down();
    }, 300_000);

    const expectRepointed = async (node: string, s: LabStatus): Promise<void> => {
      const conf = (await lab.exec(node, ['cat', KUBELET_CONF])).stdout;
      expect(conf, node).not.toMatch(/client-(certificate|key)-data:/);
      expect(conf, node).toMatch(new RegExp(`^ *client-certificate: ${PEM}$`, 'm'));
      expect(conf, node).toMatch(new RegExp(`^ *client-key: ${PEM}$`, 'm'));
      // The old file is kept beside it, unchanged.
      const kept = await lab.exec(node, ['sh', '-c', 'ls -1 "$1".kcr-*', 'sh', KUBELET_CONF]);
      const files = kept.stdout.trim().split('\n').filter(Boolean);
      expect(files, `${node}: ${kept.stderr}`).toHaveLength(1);
      expect(await sha256(lab, node, files[0]!)).toBe(confHash.get(node));
      // Restarted (another process) and running.
      const k0 = nodeStatus(before, node).kubelet;
      const k1 = nodeStatus(s, node).kubelet;
      expect(k1.running, `${node} kubelet ${k1.state}`).toBe(true);
      expect(k1.state).toBe('active');
      expect(k1.pid).not.toBe(k0.pid);
    };

    it(
      'embedded, still valid: kubelet.conf points at kubelet-client-current.pem, kubelet restarted and running',
      { timeout: 300_000 },
      async () => {
        for (const n of ['emb-m1', 'emb-w1']) expect(await embeddedCertValid(lab, n), n).toBe(true);
        const res = await lab.tool(['--inventory', lab.inventory, '--cluster', 'emb', '--yes']);
        expect(res.code, res.stderr.slice(-3000)).toBe(0);
        const s = await lab.status();
        for (const n of ['emb-m1', 'emb-w1']) {
          await expectRepointed(n, s);
          expect(res.stderr).toMatch(
            new RegExp(`\\[emb/${n}\\] Check the kubelet client certificate changed .*kubelet restarted and running`),
          );
        }
        // The other cluster was not touched.
        for (const n of ['old-m1', 'old-w1']) expect(await sha256(lab, n, KUBELET_CONF)).toBe(confHash.get(n));
      },
    );

    it(
      'embedded and EXPIRED (kubelet started before expiry): kubelet running after renew',
      { timeout: 400_000 },
      async () => {
        for (const n of ['old-m1', 'old-w1']) {
          expect(await embeddedCertValid(lab, n), `${n}: embedded certificate expired`).toBe(false);
          expect(
            nodeStatus(before, n).kubelet.running,
            `${n}: kubelet runs on its expired certificate before renew`,
          ).toBe(true);
        }
        const res = await lab.tool(['--inventory', lab.inventory, '--cluster', 'old', '--yes']);
        expect(res.code, res.stderr.slice(-3000)).toBe(0);
        const s = await lab.status();
        for (const n of ['old-m1', 'old-w1']) await expectRepointed(n, s);
        // And the kubelet's restart really checked its credentials: the pem it now uses is valid.
        for (const n of ['old-m1', 'old-w1']) {
          const res2 = await lab.exec(n, ['openssl', 'x509', '-noout', '-checkend', '0', '-in', PEM]);
          expect(res2.code, n).toBe(0);
        }
        const old = s.clusters.find((c) => c.name === 'old')!;
        expect(old.etcd.quorum).toBe(true);
        for (const [name, c] of Object.entries(nodeStatus(s, 'old-m1').components))
          expect([name, c.running, c.healthy]).toEqual([name, true, true]);
      },
    );

    it('a re-run leaves kubelet.conf and the kubelet alone', { timeout: 300_000 }, async () => {
      const s0 = await lab.status();
      const hashes = await Promise.all(['emb-m1', 'emb-w1'].map((n) => sha256(lab, n, KUBELET_CONF)));
      const res = await lab.tool(['--inventory', lab.inventory, '--cluster', 'emb', '--yes']);
      expect(res.code, res.stderr.slice(-2000)).toBe(0);
      const s1 = await lab.status();
      expect(await Promise.all(['emb-m1', 'emb-w1'].map((n) => sha256(lab, n, KUBELET_CONF)))).toEqual(hashes);
      for (const n of ['emb-m1', 'emb-w1']) expect(nodeStatus(s1, n).kubelet.pid).toBe(nodeStatus(s0, n).kubelet.pid);
    });
  },
);
