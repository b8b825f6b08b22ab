// The kubelet simulator and the crictl shim on a containerd node, in a throwaway network namespace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isPidAlive,
  namespaceNode,
  namespaceTestsSkipReason,
  reactMs,
  type RuntimeTestNode,
  waitFor,
} from './fixtures/runtime-node.js';

const skipReason = namespaceTestsSkipReason('runtime-crictl');

const components = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

describe.skipIf(skipReason !== null)('runtime: kubelet + crictl shim', () => {
  let node: RuntimeTestNode;

  beforeAll(async () => {
    node = namespaceNode('containerd');
    for (const name of components)
      node.write(
        `etc/kubernetes/manifests/${name}.yaml`,
        node.manifest(name, `registry.tke.com/library/${name}:v1.21.4`, [name, '--v=2']),
      );
    expect(node.run('systemctl', ['start', 'kubelet']).code).toBe(0);
    await waitFor('components running', 10_000, () => components.every((n) => node.latest(n)?.state === 'running'));
  });

  afterAll(() => node?.destroy());

  it('crictl ps -q --label and crictl rm -f: the kubelet recreates the container', async () => {
    const before = node.latest('kube-apiserver');
    const ids = node
      .run('crictl', ['ps', '-q', '--label', 'io.kubernetes.container.name=kube-apiserver'])
      .stdout.trim()
      .split('\n');
    expect(ids).toEqual([before?.id]);
    const rm = node.run('crictl', ['rm', '-f', ...ids]);
    expect(rm).toMatchObject({ code: 0, stdout: `${before?.id}\n` });
    const after = await waitFor('new kube-apiserver', reactMs, () => {
      const rec = node.latest('kube-apiserver');
      return rec && rec.id !== before?.id && rec.state === 'running' ? rec : null;
    });
    const inspect = node.run('crictl', ['inspect', after.id.slice(0, 13)]);
    expect(inspect.code, inspect.stderr).toBe(0);
    const doc = JSON.parse(inspect.stdout) as {
      status: { state: string; startedAt: string; metadata: { attempt: number } };
      info: { pid: number };
    };
    expect(doc.status.state).toBe('CONTAINER_RUNNING');
    expect(doc.status.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(Date.parse(doc.status.startedAt)).toBeGreaterThan(Date.parse(before?.startedAt ?? ''));
    expect(doc.status.metadata.attempt).toBe((before?.attempt ?? 0) + 1);
    expect(doc.info.pid).toBe(after.pid);
    expect(isPidAlive(after.pid)).toBe(true);
  });

  it('crictl ps prints the crictl table; --name filters by regex; -o json has CRI fields', () => {
    const table = node.run('crictl', ['ps']).stdout.trimEnd().split('\n');
    expect(table[0]).toMatch(/^CONTAINER {11}IMAGE {15}CREATED {2,}STATE {2,}NAME {2,}ATTEMPT {2,}POD ID$/);
    expect(table).toHaveLength(4);
    const sched = node.latest('kube-scheduler');
    expect(table.find((l) => l.startsWith(sched?.id.slice(0, 13) ?? '-'))).toMatch(
      / Running +kube-scheduler +0 +[0-9a-f]{13}$/,
    );
    expect(node.run('crictl', ['ps', '--name', 'kube-sched.*', '-q']).stdout).toBe(`${sched?.id}\n`);
    const json = JSON.parse(
      node.run('crictl', ['ps', '-o', 'json', '--label', 'io.kubernetes.container.name=kube-scheduler']).stdout,
    ) as { containers: { id: string; state: string; metadata: { name: string } }[] };
    expect(json.containers).toEqual([
      expect.objectContaining({
        id: sched?.id,
        state: 'CONTAINER_RUNNING',
        metadata: { name: 'kube-scheduler', attempt: 0 },
      }),
    ]);
  });

  it('crictl pods --name X -q | crictl rmp -f: new sandbox and new container', async () => {
    const before = node.latest('kube-scheduler');
    const pods = node.run('crictl', ['pods', '--name', 'kube-scheduler', '-q']).stdout.trim().split('\n');
    expect(pods).toEqual([before?.sandboxId]);
    // The sandbox carries the manifest's pod labels.
    expect(node.run('crictl', ['pods', '--label', 'component=kube-scheduler', '-q']).stdout).toBe(
      `${before?.sandboxId}\n`,
    );
    expect(node.run('crictl', ['rmp', pods[0] ?? '']).code).toBe(1);
    const rmp = node.run('crictl', ['rmp', '-f', ...pods]);
    expect(rmp).toMatchObject({ code: 0, stdout: `Removed sandbox ${pods[0]}\n` });
    expect(isPidAlive(before?.pid ?? 0)).toBe(false);
    const after = await waitFor('scheduler in a new sandbox', reactMs, () => {
      const rec = node.latest('kube-scheduler');
      return rec && rec.sandboxId !== before?.sandboxId && rec.state === 'running' ? rec : null;
    });
    expect(after.id).not.toBe(before?.id);
    const table = node.run('crictl', ['pods', '--name', 'kube-scheduler']).stdout;
    expect(table).toMatch(/^POD ID +CREATED +STATE +NAME +NAMESPACE +ATTEMPT +RUNTIME\n/);
    expect(table).toMatch(
      new RegExp(
        `^${after.sandboxId.slice(0, 13)} .* Ready +kube-scheduler-rt-m1 +kube-system +0 +\\(default\\)$`,
        'm',
      ),
    );
  });

  it('crictl stopp and crictl stop: the kubelet brings the pod back', async () => {
    const cm = node.latest('kube-controller-manager');
    const stopp = node.run('crictl', ['stopp', cm?.sandboxId ?? '']);
    expect(stopp).toMatchObject({ code: 0, stdout: `Stopped sandbox ${cm?.sandboxId}\n` });
    expect(isPidAlive(cm?.pid ?? 0)).toBe(false);
    const again = await waitFor('controller-manager again', reactMs, () => {
      const rec = node.latest('kube-controller-manager');
      return rec && rec.id !== cm?.id && rec.state === 'running' ? rec : null;
    });
    expect(node.run('crictl', ['stop', again.id]).stdout).toBe(`${again.id}\n`);
    await waitFor('controller-manager restarted after stop', reactMs, () => {
      const rec = node.latest('kube-controller-manager');
      return rec && rec.id !== again.id && rec.state === 'running';
    });
  });

  it('crictl info reports RuntimeReady; version names containerd', () => {
    const info = JSON.parse(node.run('crictl', ['info']).stdout) as {
      status: { conditions: { type: string; status: boolean }[] };
    };
    expect(info.status.conditions).toContainEqual(expect.objectContaining({ type: 'RuntimeReady', status: true }));
    expect(node.run('crictl', ['version']).stdout).toContain('RuntimeName:  containerd\n');
  });

  it('fails like crictl on unknown commands, flags and ids', () => {
    const flag = node.run('crictl', ['ps', '--bogus']);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/level=fatal msg="flag provided but not defined: -bogus"\n$/);
    const cmd = node.run('crictl', ['frob']);
    expect(cmd.code).toBe(1);
    expect(cmd.stderr).toMatch(/level=fatal msg="No help topic for 'frob'"\n$/);
    const missing = node.run('crictl', ['rm', '-f', 'abcdef']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('level=fatal msg="rpc error: code = NotFound');
    expect(node.run('crictl', ['rm', '-f']).stderr).toMatch(/level=fatal msg="ID cannot be empty"/);
    const running = node.latest('kube-apiserver');
    expect(node.run('crictl', ['rm', running?.id ?? '']).stderr).toContain('use stop first');
    expect(node.run('crictl', ['ps', '-a', '-q']).code).toBe(0);
  });
});
