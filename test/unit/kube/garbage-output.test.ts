// Recorded outputs of the node tools that are truncated, garbage, or from an unexpected version:
// every parser must say "I do not know" (unexpected lines, undefined, not ok), never a wrong "ok".
// (The end-to-end side, with the node's kubeadm / docker / date replaced, is test/e2e/remote-garbage.)
import { describe, expect, it } from 'vitest';
import { parseHealth } from '../../../src/kube/health.js';
import { parseNodeFacts } from '../../../src/kube/node-facts.js';
import { parseRenewOutput } from '../../../src/kube/renew-output.js';
import { parseIds, RUNTIMES } from '../../../src/kube/runtime.js';

const RENEWED_118 = `[renew] Reading configuration from the cluster...
[renew] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -oyaml'

certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself renewed
certificate for serving the Kubernetes API renewed
certificate the apiserver uses to access etcd renewed
certificate for the API server to connect to kubelet renewed
`;

describe('parseRenewOutput on output that is not what kubeadm 1.15-1.31 prints', () => {
  it.each([
    ['binary junk', '\u0000\u0001ELF\u00ff\n', ['\u0000\u0001ELF\u00ff']],
    [
      'a line cut in the middle',
      'certificate for serving the Kubernetes API rene',
      ['certificate for serving the Kubernetes API rene'],
    ],
    [
      'a future wording',
      'certificate for serving the Kubernetes API renewed successfully\n',
      ['certificate for serving the Kubernetes API renewed successfully'],
    ],
    [
      'an unknown certificate renewed',
      'certificate for the flux capacitor renewed\n',
      ['certificate for the flux capacitor renewed'],
    ],
    [
      'a Go panic',
      'panic: runtime error: invalid memory address\ngoroutine 1 [running]:\n',
      ['panic: runtime error: invalid memory address', 'goroutine 1 [running]:'],
    ],
    [
      'MISSING! of an unknown file',
      'MISSING! certificate for something new\n',
      ['MISSING! certificate for something new'],
    ],
  ])('%s: unexpected, nothing renewed', (_name, stdout, unexpected) => {
    const out = parseRenewOutput(stdout);
    expect(out.unexpected).toEqual(unexpected);
    expect([...out.certs.values()].filter((o) => o === 'renewed')).toEqual([]);
  });

  it('output truncated after four certificates: only those four are reported renewed', () => {
    const out = parseRenewOutput(RENEWED_118);
    expect([...out.certs.keys()]).toEqual([
      'admin.conf',
      'apiserver',
      'apiserver-etcd-client',
      'apiserver-kubelet-client',
    ]);
    expect(out.certs.has('etcd-server')).toBe(false);
    expect(out.unexpected).toEqual([]);
  });

  it('empty output (a kubeadm that printed nothing and exited 0): nothing renewed', () => {
    const out = parseRenewOutput('', '');
    expect(out.certs.size).toBe(0);
  });

  it('CRLF line ends are read like LF ones', () => {
    expect(parseRenewOutput(RENEWED_118.replace(/\n/g, '\r\n')).certs.size).toBe(4);
  });
});

describe('parseIds on what docker ps -q / crictl ps -q can print', () => {
  const ID = 'a'.repeat(64);
  it.each([
    [
      'a daemon error on stdout',
      'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
    ],
    ['a warning before the ids', `WARNING: API is accessible on http://0.0.0.0:2375\n${ID}`],
    ['upper-case hex', 'ABCDEF0123456789'],
    ['an id too short', 'abcdef01234'],
    ['an id too long', 'a'.repeat(65)],
    ['a table instead of ids', `CONTAINER ID   IMAGE\n${ID.slice(0, 12)}   k8s.gcr.io/etcd`],
    ['a name instead of an id', 'k8s_etcd_etcd-m1_kube-system_0'],
    ['an id with a space inside', 'abcdef012345 6789'],
  ])('%s: refused', (_name, output) => {
    expect(parseIds(output)).toBeUndefined();
  });

  it('empty output is an empty list (no container), and real ids are read', () => {
    expect(parseIds('')).toEqual([]);
    expect(parseIds(`${ID}\n${'b'.repeat(13)}\n`)).toEqual([ID, 'b'.repeat(13)]);
  });
});

describe('parseStartedAt on docker inspect / crictl inspect output', () => {
  it.each([
    ['docker', '0001-01-01T00:00:00Z'], // a container that never started
    ['docker', '<no value>'],
    ['docker', ''],
    ['docker', 'Error: No such object: abc'],
    ['containerd', '{"status": {"startedAt": "0001-01-01T00:00:00Z"'], // truncated JSON
    ['containerd', '{"status": {}}'],
    ['containerd', '{"status": {"startedAt": "yesterday"}}'],
    ['containerd', '{"status": {"startedAt": 0}}'],
    ['containerd', 'FATA[0000] getting the status of the container: rpc error'],
  ] as const)('%s %j: no start time', (runtime, output) => {
    expect(RUNTIMES[runtime].parseStartedAt(output)).toBeUndefined();
  });

  it('real output gives the time', () => {
    expect(RUNTIMES.docker.parseStartedAt('2026-11-28T11:41:07.123456789Z\n')?.toISOString()).toBe(
      '2026-11-28T11:41:07.123Z',
    );
    expect(RUNTIMES.containerd.parseStartedAt('{"status":{"startedAt":"2026-11-28T11:41:07.5Z"}}')?.toISOString()).toBe(
      '2026-11-28T11:41:07.500Z',
    );
  });
});

describe('parseHealth on probes that answered garbage', () => {
  const sections = (body: Record<string, string>) =>
    Object.entries(body)
      .map(([k, v]) => `\n@@KCR ${k}\n${v}`)
      .join('');
  it('a readyz body without its HTTP code, a code glued to junk, nothing at all: not ready', () => {
    const h = parseHealth(
      sections({ 'apiserver-readyz': 'ok', 'controller-manager-healthz': 'ok\n200junk', 'scheduler-healthz': '' }),
    );
    expect(h.apiserverReady.ok).toBe(false);
    expect(h.controllerManager.ok).toBe(false);
    expect(h.scheduler.ok).toBe(false);
  });
  it('etcd answers that are not JSON, or JSON without "health": unhealthy; a truncated member list: unknown', () => {
    const h = parseHealth(
      sections({
        'etcd-members': '{"members": [{"name": "m1", "clientURLs": ["https://',
        'etcd-health https://a:2379': 'true',
        'etcd-health https://b:2379': '{"healthy": true}',
      }),
    );
    expect(h.etcdMembers).toBeUndefined();
    expect(h.etcdMemberHealth.map((m) => m.healthy)).toEqual([false, false]);
  });
  it('a served certificate cut short is not "the one on disk"', () => {
    const h = parseHealth(
      sections({
        'served-apiserver': '-----BEGIN CERTIFICATE-----\nMIIDIDCCAgigAwIBAgIQ\n',
        'disk-apiserver': '-----BEGIN CERTIFICATE-----\nMIIDIDCCAgigAwIBAgIQ\n',
      }),
    );
    expect(h.apiserverServesDisk).toBe(false);
    expect(h.etcdServesDisk).toBe(false);
  });
});

describe('parseNodeFacts on a node whose tools printed garbage', () => {
  const out = [
    '@@KCR now',
    'Thu Jan  1 garbage',
    '@@KCR uid',
    'uid=0(root)',
    '@@KCR df',
    'df: cannot read table of mounted file systems',
    '@@KCR apiserver-image',
    'k8s.gcr.io/kube-apiserver:latest',
    '@@KCR kubeadm-version',
    'kubeadm version: &version.Info{garbage',
    '@@KCR runtime-docker',
    'not-an-id',
    'rc=0',
    '@@KCR crt pki/apiserver.crt',
    '-----BEGIN CERTIFICATE-----',
    'MIIDIDCCAgigAwIBAgIQfzopBqGT136HSPkCytIzKjANBgkqhkiG9w0BAQsFADAV',
    '@@KCR crt pki/apiserver-kubelet-client.crt',
    '-----BEGIN CERTIFICATE-----',
    'TUlJQmFkQ2VydA==',
    '-----END CERTIFICATE-----',
    '@@KCR crt pki/ca.crt',
    'MISSING',
  ].join('\n');
  const facts = parseNodeFacts(out, Date.now());

  it('an unreadable clock, uid and free space are unknown, never zero', () => {
    expect(Number.isFinite(facts.clockSkewMs)).toBe(false);
    expect(facts.uid).not.toBe(0);
    expect(facts.diskFreeKb).toBeUndefined();
  });
  it('an image tag that is not a version, and a kubeadm version in the wrong format, are unknown', () => {
    expect(facts.kubernetesVersion).toBeUndefined();
    expect(facts.kubeadm.version === undefined || !/^\d+\.\d+\.\d+$/.test(facts.kubeadm.version)).toBe(true);
  });
  it('a runtime that lists junk is not detected', () => {
    expect(facts.runtime).toBeUndefined();
    expect(facts.runtimeProblem).toMatch(/docker: none/);
  });
  it('a truncated certificate and one with a garbage body are problems, with no dates', () => {
    expect(facts.certs.apiserver).toMatchObject({ present: true, problem: 'not a PEM certificate' });
    expect(facts.certs.apiserver?.notAfter).toBeUndefined();
    expect(facts.certs['apiserver-kubelet-client']?.problem).toMatch(/^unparseable certificate/);
    expect(facts.cas.ca?.present).toBe(false);
  });
});
