// `down` removes everything a lab made (also after `up` was killed half-way), is idempotent, and
// parallel labs get different slots.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alive,
  cliJs,
  ensureBuilt,
  lab,
  labAsync,
  labDir,
  labSkipReason,
  leftovers,
  readLabJson,
  slotPids,
  ssh,
  topologies,
  destroyLab,
} from './infra-helpers.js';

if (labSkipReason) console.warn(`SKIPPED lab teardown tests: ${labSkipReason}`);

const single = path.join(topologies, 'single.yaml');

describe.skipIf(labSkipReason !== null)('lab teardown', () => {
  const dirs: string[] = [];
  const dir = (name: string): string => {
    const d = labDir(name);
    dirs.push(d);
    return d;
  };

  beforeAll(() => ensureBuilt());
  afterAll(() => {
    for (const d of dirs) destroyLab(d);
  });

  it('removes every process, namespace, interface and slot; a second down is a no-op', () => {
    const d = dir('down');
    expect(lab(['up', '--topology', single, '--dir', d, '--quiet']).code).toBe(0);
    const info = readLabJson(d);
    const pids = slotPids(info.slot);
    expect(pids).toContain(info.nodes[0]?.anchorPid);
    expect(pids).toContain(info.nodes[0]?.sshdPid);
    expect(alive(info.mirrorPid)).toBe(true);
    expect(leftovers(info.slot).length).toBeGreaterThan(0);

    const r = lab(['down', '--dir', d]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`lab down (slot ${info.slot})\n`);
    expect(leftovers(info.slot)).toEqual([]);
    expect(pids.filter(alive)).toEqual([]);
    expect(alive(info.mirrorPid)).toBe(false);

    const again = lab(['down', '--dir', d]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('no lab to take down\n');
  });

  it('cleans up after `up` is killed half-way (lab.json partial)', async () => {
    const d = dir('killed');
    const child = spawn(process.execPath, [
      cliJs,
      'up',
      '--topology',
      path.join(topologies, 'light100.yaml'),
      '--dir',
      d,
    ]);
    // Kill it once the network exists and anchors/sshd are being started.
    await new Promise<void>((resolve) => {
      let err = '';
      child.stderr.on('data', (b: Buffer) => {
        err += b.toString();
        if (err.includes('network up')) setTimeout(() => (child.kill('SIGKILL'), resolve()), 300);
      });
      child.on('close', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 200));
    const slot = readLabJson(d).slot;
    const pids = slotPids(slot);
    expect(pids.length).toBeGreaterThan(0);
    expect(leftovers(slot).length).toBeGreaterThan(0);
    // lab.json may be missing: down finds the slot through /run/kcrlab.
    fs.rmSync(path.join(d, 'lab.json'));
    expect(lab(['down', '--dir', d]).code).toBe(0);
    expect(leftovers(slot)).toEqual([]);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('gives two labs brought up at once different slots, both reachable', async () => {
    const a = dir('para');
    const b = dir('parb');
    const [ra, rb] = await Promise.all([
      labAsync(['up', '--topology', single, '--dir', a, '--quiet']),
      labAsync(['up', '--topology', single, '--dir', b, '--quiet']),
    ]);
    expect([ra.code, rb.code]).toEqual([0, 0]);
    const [ia, ib] = [readLabJson(a), readLabJson(b)];
    expect(ia.slot).not.toBe(ib.slot);
    expect(ssh(a, 'root', ia.nodes[0]!.address, 'hostname').stdout).toBe('solo-m1\n');
    expect(ssh(b, 'root', ib.nodes[0]!.address, 'hostname').stdout).toBe('solo-m1\n');
    // Taking one down leaves the other intact.
    expect(lab(['down', '--dir', a]).code).toBe(0);
    expect(leftovers(ia.slot)).toEqual([]);
    expect(ssh(b, 'root', ib.nodes[0]!.address, 'hostname').stdout).toBe('solo-m1\n');
    expect(lab(['down', '--dir', b]).code).toBe(0);
    expect(leftovers(ib.slot)).toEqual([]);
  });
});
