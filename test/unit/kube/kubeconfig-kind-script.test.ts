// kubeconfig-kind.sh on real files: which credential a kubeconfig holds, never printing a token.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECONFIG_KIND_SCRIPT } from '../../../src/kube/scripts/backup.js';

const kind = async (file: string): Promise<string> =>
  (await promisify(execFile)('sh', ['-c', KUBECONFIG_KIND_SCRIPT, 'sh', file])).stdout;

const config = (user: string): string =>
  `apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: Q0EK\n    server: https://127.0.0.1:6443\n  name: global\nusers:\n- name: admin\n  user:\n${user}`;

describe('KUBECONFIG_KIND_SCRIPT', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kcr-kubeconfig-kind-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("says token for TKEStack's token kubeconfig, without printing the token", async () => {
    await writeFile(join(dir, 'token'), config('    token: s3cr3t-t0ken\n'));
    expect(await kind(join(dir, 'token'))).toBe('token\n');
  });

  it('prints the client certificate (public), not the key', async () => {
    await writeFile(
      join(dir, 'cert'),
      config('    client-certificate-data: Q0VSVA==\n    client-key-data: S0VZLVNFQ1JFVA==\n'),
    );
    expect(await kind(join(dir, 'cert'))).toBe('cert Q0VSVA==\n');
  });

  it('says missing and other', async () => {
    expect(await kind(join(dir, 'none'))).toBe('missing\n');
    await writeFile(join(dir, 'exec'), config('    exec:\n      command: aws\n'));
    expect(await kind(join(dir, 'exec'))).toBe('other\n');
  });
});
