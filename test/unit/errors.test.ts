import { describe, expect, it } from 'vitest';
import { ExitCode, InputError, StepError, UnreachableError } from '../../src/errors.js';

describe('KcrError.oneLine', () => {
  it('names file:line:col for input errors and maps to exit code 4', () => {
    const e = new InputError('unknown key "sssh"', { file: 'prod.yaml', line: 3, col: 5 }, 'did you mean "ssh"?');
    expect(e.oneLine()).toBe('prod.yaml:3:5: unknown key "sssh" (did you mean "ssh"?)');
    expect(e.exitCode).toBe(ExitCode.invalidInput);
  });
  it('names cluster/host and step for remote failures, on one line', () => {
    const e = new StepError('kubeadm exited 1:\nboom', { cluster: 'global', host: 'm1', step: 'kubeadm_renew' });
    expect(e.oneLine()).toBe('[global/m1] kubeadm_renew: kubeadm exited 1: boom');
    expect(e.exitCode).toBe(ExitCode.hostFailed);
    expect(new UnreachableError('refused', { host: 'm2' }).exitCode).toBe(ExitCode.unreachableOnly);
  });
});
