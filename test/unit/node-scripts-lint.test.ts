// Every node script is a real file (src/**/*.sh, *.awk), embedded at build time. Each .sh must pass
// `sh -n` under dash (Debian's sh; the nodes' sh may be as strict) and shellcheck with no finding
// (a check disabled inline says why); so must each script as the tool sends it (constants put in
// front by withConstants). An awk program travels inside single quotes: no `'` in it.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nodeScripts from '../../src/kube/node-scripts.js';
import * as backupScripts from '../../src/kube/scripts/backup.js';
import * as componentScripts from '../../src/kube/scripts/components.js';
import * as kubeletScripts from '../../src/kube/scripts/kubelet.js';
import * as provisionScripts from '../../src/kube/scripts/provision.js';
import * as tkeScripts from '../../src/kube/scripts/tke.js';
import { withConstants } from '../../src/kube/scripts/with-constants.js';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

function scriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return scriptFiles(full);
    return /\.(sh|awk)$/.test(e.name) ? [full] : [];
  });
}

const files = scriptFiles(src);
const shFiles = files.filter((f) => f.endsWith('.sh'));
const awkFiles = files.filter((f) => f.endsWith('.awk'));
const rel = (f: string): string => path.relative(src, f);

/** The exported `*_SCRIPT` constants, as they go to the nodes. */
const sentScripts = Object.entries({
  ...nodeScripts,
  ...backupScripts,
  ...componentScripts,
  ...kubeletScripts,
  ...provisionScripts,
  ...tkeScripts,
}).filter((entry): entry is [string, string] => entry[0].endsWith('_SCRIPT') && typeof entry[1] === 'string');

function run(cmd: string, args: string[], input?: string): { code: number | null; out: string } {
  const res = spawnSync(cmd, args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  if (res.error) throw new Error(`${cmd} cannot run (.ci/setup installs it): ${res.error.message}`);
  return { code: res.status, out: `${res.stdout}${res.stderr}` };
}

describe('node script files', () => {
  it('are found where the tool keeps them: kube/scripts and transport', () => {
    expect(shFiles.map(rel)).toEqual(
      expect.arrayContaining(['kube/scripts/node-facts.sh', 'kube/scripts/backup.sh', 'transport/install-file.sh']),
    );
    expect(awkFiles.map(rel)).toEqual(['kube/scripts/node-facts.awk']);
    expect(new Set(files.map((f) => rel(path.dirname(f))))).toEqual(new Set(['kube/scripts', 'transport']));
  });

  it.each(shFiles.map((f) => [rel(f), f]))(
    '%s is a POSIX sh script: dash -n and shellcheck find nothing',
    (_name, file) => {
      expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('#!/bin/sh');
      expect(run('dash', ['-n', file])).toEqual({ code: 0, out: '' });
      expect(run('shellcheck', ['--shell=sh', '--format=gcc', file])).toEqual({ code: 0, out: '' });
    },
  );

  it.each(awkFiles.map((f) => [rel(f), f]))('%s holds no single quote', (_name, file) => {
    expect(readFileSync(file, 'utf8')).not.toContain("'");
  });
});

describe('node scripts as sent', () => {
  it('include those with constants put in front', () => {
    expect(sentScripts.map(([name]) => name)).toEqual(
      expect.arrayContaining(['NODE_FACTS_SCRIPT', 'BACKUP_SCRIPT', 'RENEWAL_FINISHED_SCRIPT']),
    );
  });

  it.each(sentScripts)('%s: dash -n and shellcheck find nothing', (_name, script) => {
    expect(run('dash', ['-n', '-c', script])).toEqual({ code: 0, out: '' });
    expect(run('shellcheck', ['--shell=sh', '--format=gcc', '-'], script)).toEqual({ code: 0, out: '' });
  });
});

describe('withConstants', () => {
  it("puts name='value' lines in front, and refuses a value that would end its quotes", () => {
    expect(withConstants({ a: 'x y', b_2: 'line1\nline2' }, 'echo "$a"\n')).toBe(
      "a='x y'\nb_2='line1\nline2'\necho \"$a\"\n",
    );
    expect(() => withConstants({ a: "it's" }, 'true')).toThrow(/cannot set a in single quotes/);
    expect(() => withConstants({ 'a;b': 'x' }, 'true')).toThrow(/cannot set a;b/);
  });
});
