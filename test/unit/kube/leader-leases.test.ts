// controller-manager and scheduler health beyond /healthz, on output captured from the REAL 1.20.2
// control plane in a lab master whose scheduler was restarted with a client certificate the API
// server does not trust: its log (COMPONENT_STARTS_SCRIPT's auth-errors section) and the leader
// leases (`kubectl get lease ... -o json`), the scheduler's last renewed before it restarted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeLeaders, parseLeases } from '../../../src/kube/leader-leases.js';
import { judgeRestarts } from '../../../src/kube/restart-proof.js';
import { RUNTIMES } from '../../../src/kube/runtime.js';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const STARTS = fixture('component-starts-real-1.20.2-scheduler-unauthorized.txt');
const LEASES = fixture('leases-real-1.20.2-scheduler-unauthorized.json');
const restarts = judgeRestarts(STARTS, ['kube-controller-manager', 'kube-scheduler'], RUNTIMES.docker.parseStartedAt);

describe('parseLeases', () => {
  it('reads the real List', () => {
    expect(parseLeases(LEASES)).toEqual([
      {
        name: 'kube-controller-manager',
        holder: 'real-m1_c9311e79-e771-46d0-bde7-3c1118ddc06f',
        renewTime: '2026-12-03T14:36:44.481697Z',
      },
      {
        name: 'kube-scheduler',
        holder: 'real-m1_eddc9adc-5278-4aee-ba44-5a8f9abdd241',
        renewTime: '2026-12-03T14:36:20.350238Z',
      },
    ]);
  });
  it('nothing found (--ignore-not-found prints nothing) is no lease; garbage is unreadable', () => {
    expect(parseLeases('')).toEqual([]);
    expect(parseLeases('{"kind":"List","items":[]}')).toEqual([]);
    expect(parseLeases('error: the server does not allow this method')).toBeUndefined();
  });
});

describe('judgeLeaders', () => {
  it("names the scheduler twice (its log's 401s, a lease nobody renewed since it restarted); the controller-manager not", () => {
    expect(restarts[1]!.authErrors?.at(-1)).toBe(
      'E1203 14:36:43.600947   32207 reflector.go:138] k8s.io/client-go/informers/factory.go:134: Failed to watch *v1.ReplicaSet: failed to list *v1.ReplicaSet: Unauthorized',
    );
    expect(restarts[0]!.authErrors).toBeUndefined();
    expect(judgeLeaders(parseLeases(LEASES)!, restarts)).toEqual([
      `kube-scheduler logs authentication errors: ${restarts[1]!.authErrors!.at(-1)}`,
      'lease kube-system/kube-scheduler not renewed since kube-scheduler started here (2026-12-03T14:36:21.374Z; last renewal 2026-12-03T14:36:20.350238Z by real-m1_eddc9adc-5278-4aee-ba44-5a8f9abdd241)',
    ]);
  });

  it('a cluster without the Leases (Endpoints lock) or without a container start is not judged on them', () => {
    expect(judgeLeaders([], [{ ...restarts[0]! }])).toEqual([]);
    const noStart = restarts.map((r) => ({ ...r, containerStartedAt: undefined, authErrors: undefined }));
    expect(judgeLeaders(parseLeases(LEASES)!, noStart)).toEqual([]);
  });
});
