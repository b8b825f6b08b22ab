import { describe, expect, it } from 'vitest';
import { checkCondition, ConditionSyntaxError, parseCondition } from '../../../src/playbook/condition.js';

const ctx = {
  cluster: { name: 'global', type: 'global', masters: ['m1', 'm2'] },
  host: { name: 'm1', role: 'master', vars: { rack: 'r1', weight: 3 } },
  facts: { kubeadmVersion: 'v1.20.6', certs: { apiserver: { residualDays: 12 } }, list: [1, 2], empty: [], zero: 0 },
  results: { backup: { status: 'changed', message: 'ok', data: { dir: '/var/backup' } } },
  vars: { zone: 'a' },
};

describe('condition language: evaluation', () => {
  it.each([
    ['cluster.type == "global"', true],
    ["cluster.type != 'global'", false],
    ['host.vars.weight > 2 and host.vars.weight <= 3', true],
    ['host.vars.weight < 3 or host.vars.weight >= 4', false],
    ['facts.certs.apiserver.residualDays < 30', true],
    ['not (facts.certs.apiserver.residualDays < 30)', false],
    ['host.name in cluster.masters', true],
    ['"m3" not in cluster.masters', true],
    ['"1.20" in facts.kubeadmVersion', true],
    ['"apiserver" in facts.certs', true],
    ['host.role in ["master", "worker"]', true],
    ['results.backup.status == "changed"', true],
    ['results.backup.data.dir == "/var/backup"', true],
    ['facts.list[1] == 2', true],
    ['facts["kubeadmVersion"] == "v1.20.6"', true],
    ['facts.kubeadmVersion is defined', true],
    ['facts.nothing is defined', false],
    ['facts.nothing is not defined', true],
    ['defined(results.backup)', true],
    ['defined(results.restore.status)', false],
    ['length(cluster.masters) == 2', true],
    ['facts.empty', false],
    ['facts.zero', false],
    ['facts.list', true],
    ['true and not false', true],
    ['null == null', true],
    ['-1 < 0', true],
    ['1.5 > 1', true],
    ['"b" > "a"', true],
    // No coercion: a string never equals a number, ordering across types is false.
    ['host.vars.weight == "3"', false],
    ['host.vars.rack > 1', false],
    ['a or b and c', false],
  ])('%s -> %s', (expr, expected) => {
    expect(checkCondition(expr, ctx)).toBe(expected);
  });

  it('unknown paths are undefined, not a crash', () => {
    expect(checkCondition('no.such.path == 1', ctx)).toBe(false);
    expect(checkCondition('facts.kubeadmVersion.deeper.still', ctx)).toBe(false);
    expect(checkCondition('facts.list[9] is defined', ctx)).toBe(false);
  });

  it('and binds tighter than or', () => {
    expect(checkCondition('true or false and false', {})).toBe(true);
    expect(checkCondition('(true or false) and false', {})).toBe(false);
  });
});

describe('condition language: nothing eval-like', () => {
  it.each([
    ['process.exit(1)', /not a function/],
    ['require("fs")', /not a function/],
    ['facts.constructor', /"constructor" cannot be read/],
    ['facts.__proto__.polluted', /"__proto__" cannot be read/],
    ['facts["__proto__"]', /"__proto__" cannot be read/],
    ['host.name.prototype', /"prototype" cannot be read/],
    ['x = 1', /unexpected character "="/],
    ['`ls`', /unexpected character "`"/],
    ['facts.a; facts.b', /unexpected character ";"/],
    ['a => b', /unexpected character "="/],
    ['{ a: 1 }', /unexpected character "\{"/],
    ['new Function("x")', /unexpected "Function"/],
    ['a + b', /unexpected character "\+"/],
  ])('rejects %s', (expr, message) => {
    expect(() => parseCondition(expr)).toThrow(message);
  });

  it('does not reach inherited or function-valued properties at run time', () => {
    expect(checkCondition('facts.toString is defined', { facts: {} })).toBe(false);
    expect(checkCondition('facts.hasOwnProperty is defined', { facts: {} })).toBe(false);
    expect(checkCondition('facts.f is defined', { facts: { f: () => 1 } })).toBe(false);
  });
});

describe('condition language: syntax errors carry the offset', () => {
  it.each([
    ['cluster.type ==', 15, /ended where a value was expected/],
    ['(a == 1', 7, /expected "\)" but the condition ended/],
    ['a == "x', 5, /unterminated string/],
    ['a is empty', 5, /expected "defined"/],
    ['a b', 2, /unexpected "b"/],
    ['a.', 2, /expected a name after "."/],
  ])('%s', (expr, offset, message) => {
    let err: unknown;
    try {
      parseCondition(expr);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConditionSyntaxError);
    expect((err as ConditionSyntaxError).message).toMatch(message);
    expect((err as ConditionSyntaxError).offset).toBe(offset);
  });
});
