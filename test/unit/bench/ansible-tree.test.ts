// The bench reads Ansible's results from the builtin tree callback's folder (one JSON file per host).
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ansibleEndDates, clearTree } from '../../bench/support/ansible.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('ansibleEndDates (tree callback folder)', () => {
  it('counts the notAfter lines per host, -1 for a failed task', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kcr-ansible-tree-'));
    const tree = path.join(dir, 'tree');
    await mkdir(tree);
    await writeFile(path.join(tree, 'm1'), JSON.stringify({ rc: 0, stdout: 'a notAfter=x\nb notAfter=y\nother' }));
    await writeFile(path.join(tree, 'w1'), JSON.stringify({ rc: 2, stdout: 'a notAfter=x' }));
    expect(await ansibleEndDates(tree)).toEqual(
      new Map([
        ['m1', 2],
        ['w1', -1],
      ]),
    );
  });

  it('clearTree empties the folder, so a run that wrote nothing counts no host', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kcr-ansible-tree-'));
    const tree = path.join(dir, 'tree');
    await mkdir(tree);
    await writeFile(path.join(tree, 'm1'), JSON.stringify({ rc: 0, stdout: 'notAfter=x' }));
    await clearTree(tree);
    expect((await ansibleEndDates(tree)).size).toBe(0);
  });
});
