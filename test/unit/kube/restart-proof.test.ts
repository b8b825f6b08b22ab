// The restart proof by time, on COMPONENT_STARTS_SCRIPT's output captured on a lab master running
// the REAL 1.20.2 control plane (fixtures/component-starts-real-1.20.2.txt: docker's StartedAt, the
// files' mtimes, the real API server's loopback certificate by SNI and the real controller-manager's
// and scheduler's in-memory serving certificates), then the same output with one file changed later.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  componentStartItems,
  judgeRestarts,
  startNamedBySubject,
  type ComponentRestart,
} from '../../../src/kube/restart-proof.js';
import { RUNTIMES, type ControlPlaneComponent } from '../../../src/kube/runtime.js';

const REAL = readFileSync(join(import.meta.dirname, 'fixtures', 'component-starts-real-1.20.2.txt'), 'utf8');
const ALL: ControlPlaneComponent[] = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
const docker = RUNTIMES.docker.parseStartedAt;
const verdicts = (r: ComponentRestart[]): [string, string][] => r.map((x) => [x.component, x.verdict]);
/** The fixture with one file's mtime moved to `sec`. */
const withMtime = (path: string, sec: number): string =>
  REAL.replace(new RegExp(`^\\d+ ${path.replace(/[.]/g, '\\.')}$`, 'm'), `${sec} ${path}`);

describe('judgeRestarts on the real 1.20.2 components', () => {
  it('every component started after its files changed; the start each in-memory certificate names is read', () => {
    const r = judgeRestarts(REAL, ALL, docker);
    expect(verdicts(r)).toEqual(ALL.map((c) => [c, 'restarted']));
    const byName = Object.fromEntries(r.map((x) => [x.component, x]));
    // CN=apiserver-loopback-client@1796306477, CN=localhost@1796306476 / @1796306477 (subjects as served)
    expect(byName['kube-apiserver']!.servedStartedAt).toBe(new Date(1796306477_000).toISOString());
    expect(byName['kube-controller-manager']!.servedStartedAt).toBe(new Date(1796306476_000).toISOString());
    expect(byName['kube-scheduler']!.servedStartedAt).toBe(new Date(1796306477_000).toISOString());
    expect(byName.etcd!.servedStartedAt).toBeUndefined();
    expect(byName['kube-controller-manager']!.containerStartedAt).toBe('2026-12-03T14:01:16.306Z');
    expect(byName['kube-apiserver']!.filesChangedAt).toBe(new Date(1796306474_000).toISOString());
  });

  it('a kubeconfig changed after the controller-manager started: not restarted, the others untouched', () => {
    const r = judgeRestarts(withMtime('/etc/kubernetes/controller-manager.conf', 1796306600), ALL, docker);
    expect(verdicts(r)).toEqual([
      ['etcd', 'restarted'],
      ['kube-apiserver', 'restarted'],
      ['kube-controller-manager', 'not-restarted'],
      ['kube-scheduler', 'restarted'],
    ]);
    expect(r[2]!.detail).toBe(
      'its container started 2026-12-03T14:01:16.306Z, before /etc/kubernetes/controller-manager.conf changed (2026-12-03T14:03:20.000Z): it still runs on the credentials it loaded then',
    );
  });

  it("any of the API server's files counts (the newest), and a change in the second it started does not", () => {
    const late = judgeRestarts(withMtime('/etc/kubernetes/pki/front-proxy-client.key', 1796306500), ALL, docker);
    expect(late[1]).toMatchObject({
      verdict: 'not-restarted',
      newestFile: '/etc/kubernetes/pki/front-proxy-client.key',
    });
    // the container started at 14:01:16.281 = 1796306476.281: a change at 1796306476 is not after it
    const same = judgeRestarts(withMtime('/etc/kubernetes/pki/apiserver.crt', 1796306476), ALL, docker);
    expect(same[1]!.verdict).toBe('restarted');
  });

  it('without the runtime, the served start alone decides; a loopback certificate older than the files says not restarted', () => {
    const r = judgeRestarts(withMtime('/etc/kubernetes/pki/apiserver.crt', 1796306490), ALL, () => undefined);
    expect(r[1]!.verdict).toBe('not-restarted');
    expect(r[1]!.containerStartedAt).toBeUndefined();
    expect(r[1]!.detail).toMatch(/^its in-memory certificate names its start 2026-12-03T14:01:17\.000Z, before /);
    // etcd serves no such certificate: without its container nothing is known
    expect(r[0]).toMatchObject({ verdict: 'unknown', detail: 'no running container and no start time served' });
  });

  it('no credential file: unknown, never "restarted"', () => {
    const r = judgeRestarts(REAL.replace(/^\d+ \/etc\/kubernetes\/scheduler\.conf$/m, ''), ALL, docker);
    expect(r[3]).toMatchObject({ verdict: 'unknown', detail: 'none of its credential files was found' });
  });
});

describe('startNamedBySubject', () => {
  it('reads client-go self-signed subjects, and nothing else', () => {
    expect(startNamedBySubject('CN=localhost@1796306476')?.getTime()).toBe(1796306476_000);
    expect(startNamedBySubject('CN=apiserver-loopback-client@1796306477')?.getTime()).toBe(1796306477_000);
    expect(startNamedBySubject('CN=kube-apiserver')).toBeUndefined();
    expect(startNamedBySubject('O=a@1796306476, CN=kube-apiserver')).toBeUndefined();
    expect(startNamedBySubject(undefined)).toBeUndefined();
  });
});

describe('componentStartItems', () => {
  it('names each component with every credential file it loads', () => {
    expect(componentStartItems(['kube-scheduler', 'kube-controller-manager'])).toEqual([
      'kube-scheduler:scheduler.conf',
      'kube-controller-manager:controller-manager.conf',
    ]);
    expect(componentStartItems(['etcd'])[0]).toBe(
      'etcd:pki/etcd/server.crt:pki/etcd/server.key:pki/etcd/peer.crt:pki/etcd/peer.key',
    );
  });
});
