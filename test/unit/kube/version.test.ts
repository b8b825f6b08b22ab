import { describe, expect, it } from 'vitest';
import { atLeast, minorOf, parseVersion, sameMinor, upstreamRelease } from '../../../src/kube/version.js';
import { checkExpirationArgs, renewAllArgs } from '../../../src/kube/kubeadm-commands.js';

describe('versions', () => {
  it('parses TKE-suffixed versions and compares by major.minor', () => {
    const v = parseVersion('v1.20.4-tke.1')!;
    expect(v).toMatchObject({ major: 1, minor: 20, patch: 4, raw: '1.20.4-tke.1' });
    expect(upstreamRelease(v)).toBe('1.20.4');
    expect(sameMinor(v, parseVersion('1.20.6')!)).toBe(true);
    expect(sameMinor(v, parseVersion('1.21.4')!)).toBe(false);
    expect(atLeast(v, 1, 20)).toBe(true);
    expect(parseVersion('1.x')).toBeUndefined();
  });
  it('keys a version text by its minor, keeping text that is no version as it is', () => {
    expect(minorOf('v1.20.4-tke.1')).toBe('1.20');
    expect(minorOf('1.20.6\n')).toBe('1.20');
    expect(minorOf(' unknown ')).toBe('unknown');
  });
  it('uses alpha certs up to 1.19 and certs from 1.20', () => {
    expect(renewAllArgs(parseVersion('1.16.9')!)).toEqual(['alpha', 'certs', 'renew', 'all']);
    expect(renewAllArgs(parseVersion('1.19.7')!)).toEqual(['alpha', 'certs', 'renew', 'all']);
    expect(renewAllArgs(parseVersion('1.20.6')!)).toEqual(['certs', 'renew', 'all']);
    expect(checkExpirationArgs(parseVersion('1.31.4')!)).toEqual(['certs', 'check-expiration']);
  });
});
