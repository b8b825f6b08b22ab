import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { durationOption, parseDurationMs, positiveIntOption } from '../../../src/cli/duration.js';
import { createLogger, logLevel } from '../../../src/log.js';

describe('duration flags', () => {
  it.each([
    ['30d', 30 * 86_400_000],
    ['12h', 43_200_000],
    ['15m', 900_000],
    ['90s', 90_000],
    ['500ms', 500],
    ['1.5s', 1500],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['30', 'd', '-5s', '5 days', '1e3s', ''])('rejects %j', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
    expect(() => durationOption(text)).toThrow(/is not a duration/);
  });

  it('forks must be a whole number of at least 1', () => {
    expect(positiveIntOption('4')).toBe(4);
    for (const bad of ['0', '-1', '2.5', 'x']) expect(() => positiveIntOption(bad)).toThrow(/not a whole number/);
  });
});

describe('logger', () => {
  function capture(): { lines: () => Record<string, unknown>[]; stream: Writable & { write(s: string): boolean } } {
    let text = '';
    const stream = new Writable({
      write(chunk, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    return {
      stream,
      lines: () =>
        text
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>),
    };
  }

  it('redacts secret fields at any of the first levels and in published data', () => {
    const out = capture();
    const log = createLogger({ level: 'info', destination: out.stream });
    log.info(
      {
        password: 'p1',
        ssh: { passphrase: 'p2', privateKey: 'p3' },
        host: { become: { password: 'p4' } },
        data: { ca: { key: 'p5' } },
        token: 'p6',
        stdin: 'p7',
        user: 'root',
      },
      'connecting',
    );
    const [line] = out.lines();
    const text = JSON.stringify(line);
    for (const secret of ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']) expect(text).not.toContain(`"${secret}"`);
    expect(line).toMatchObject({
      password: '[redacted]',
      ssh: { passphrase: '[redacted]', privateKey: '[redacted]' },
      user: 'root',
      msg: 'connecting',
    });
  });

  it('level: --log-level wins; -v, -vv, -vvv raise it; a log file defaults to info', () => {
    expect(logLevel({})).toBe('warn');
    expect(logLevel({ logFile: '/tmp/x.log' })).toBe('info');
    expect(logLevel({ verbosity: 1 })).toBe('info');
    expect(logLevel({ verbosity: 2 })).toBe('debug');
    expect(logLevel({ verbosity: 3 })).toBe('trace');
    expect(logLevel({ verbosity: 3, level: 'error' })).toBe('error');
    expect(() => logLevel({ level: 'loud' })).toThrow(/unknown log level/);
  });
});
