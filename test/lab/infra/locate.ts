// Where the compiled lab is (node programs, shims), whether we run from dist or from sources (vitest).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The repository root (the folder holding package.json above this file). */
export function repoRoot(): string {
  let d = here;
  while (d !== path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json'))) return d;
    d = path.dirname(d);
  }
  throw new Error(`no package.json above ${here}`);
}

/** `<repo>/dist/test/lab`: the compiled lab. */
export function labDistDir(): string {
  return path.join(repoRoot(), 'dist', 'test', 'lab');
}
