import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quoteArg, shellCommand } from '../../../src/transport/quote.js';

describe('quoteArg', () => {
  it.each([
    ['', "''"],
    ['plain', 'plain'],
    ['/etc/kubernetes/pki/ca.crt', '/etc/kubernetes/pki/ca.crt'],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ['$HOME', "'$HOME'"],
    ['a=b', "'a=b'"],
    ['~', "'~'"],
  ])('quotes %j as %s', (arg, quoted) => {
    expect(quoteArg(arg)).toBe(quoted);
  });

  it('survives a real POSIX shell unchanged, for hostile values', () => {
    const args = [
      '',
      "'",
      "''",
      'a\'b"c',
      '$(id)',
      '`id`',
      '${x}',
      '\\',
      '\n',
      'a\nb',
      '*',
      '?',
      '[a]',
      ';',
      '&&',
      '|',
      '>',
      '<',
      '#',
      '!',
      '~root',
      'é ü',
      '\t',
      ' ',
      '-e',
      '--',
    ];
    for (const shell of ['sh', 'bash']) {
      const out = execFileSync(shell, ['-c', shellCommand(['printf', '%s\\0', ...args])]);
      expect(out.toString().split('\0').slice(0, -1)).toEqual(args);
    }
  });
});

describe('shellCommand', () => {
  it('joins quoted arguments with spaces', () => {
    expect(shellCommand(['kubeadm', 'certs', 'renew', 'all', '--config', '/a b/c.yaml'])).toBe(
      "kubeadm certs renew all --config '/a b/c.yaml'",
    );
  });

  it('refuses an empty argv', () => {
    expect(() => shellCommand([])).toThrow(/empty argv/);
  });
});
