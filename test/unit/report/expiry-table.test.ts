// check's terminal output: one line per cluster, then only what needs a look; -o wide for every
// certificate; --only-problems; colour only when asked; headers that say what is known.
import { describe, expect, it } from 'vitest';
import { buildExpiryReport } from '../../../src/report/expiry.js';
import { formatExpiryTable } from '../../../src/report/expiry-format.js';
import { wantsColor } from '../../../src/cli/check-report.js';
import { DAY, THRESHOLDS, cert, fleet, host, m1Certs, summary } from './expiry-fixture.js';

const report = buildExpiryReport(fleet(), THRESHOLDS);
const ESC = '\u001b[';
const strip = (s: string): string =>
  s
    .split(ESC)
    .map((part, i) => (i === 0 ? part : part.replace(/^[0-9;]*m/, '')))
    .join('');

/** The rows of the first table that starts with `head` (up to the first blank line). */
function tableAfter(lines: string[], head: RegExp): string[] {
  const start = lines.findIndex((l) => head.test(l));
  expect(start, `no line ${head}`).toBeGreaterThanOrEqual(0);
  const end = lines.indexOf('', start);
  return lines.slice(start, end < 0 ? undefined : end);
}

describe('formatExpiryTable (default: summary, then what needs a look)', () => {
  const text = formatExpiryTable(report);
  const lines = text.split('\n');

  it('leads with the soonest expiry of the fleet, with its time and the same day count as everywhere', () => {
    expect(lines[0]).toBe(
      `Soonest expiry in the fleet: prod/m1 admin.conf (kubeconfig) on ${m1Certs[2]!.notAfter!.slice(0, 16).replace('T', ' ')} UTC, expired 3d ago`,
    );
  });

  it('one line per cluster: masters ok / warning / critical / unreachable, and the soonest certificate', () => {
    const [header, ...rows] = tableAfter(lines, /^CLUSTER /);
    expect(header!.split(/\s{2,}/)).toEqual([
      'CLUSTER',
      'MASTERS',
      'OK',
      'WARNING',
      'CRITICAL',
      'UNREACHABLE',
      'WORKERS',
      'SOONEST',
      'EXPIRES (UTC)',
      'LEFT',
    ]);
    expect(rows.map((r) => r.split(/\s{2,}/))).toEqual([
      [
        'prod',
        '2',
        '0',
        '0',
        '1',
        '1',
        '0',
        'm1 admin.conf',
        m1Certs[2]!.notAfter!.slice(0, 16).replace('T', ' '),
        'expired 3d ago',
      ],
      [
        'lab',
        '1',
        '1',
        '0',
        '0',
        '0',
        '0',
        'n1 apiserver',
        expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/),
        '200d',
      ],
    ]);
  });

  it('rows only for certificates that need a look; nodes with nothing to say are left out', () => {
    const blocks = lines.slice(lines.findIndex((l) => l.startsWith('Needs a look')));
    expect(blocks[0]).toBe(
      'Needs a look (under --warn 30d, expired, a problem, or not read); -o wide lists every certificate:',
    );
    expect(blocks.filter((l) => l.startsWith('==') || l.startsWith('--'))).toEqual([
      '== cluster prod',
      '-- m1 (master, Kubernetes 1.18.3, kubeadm 1.20.4, ok)',
      '-- m2 (master, unreachable: nothing read, versions unknown)',
    ]);
    const names = blocks
      .filter((l) => /^ {3}\S*\s+\S/.test(l) && !l.startsWith('   !'))
      .map((l) => l.trim().split(/\s{2,}/));
    // the header, then severity + name (or name alone for a problem without a severity)
    expect(names.slice(1).map((r) => (r[0] === 'CRITICAL' || r[0] === 'WARNING' ? `${r[0]} ${r[1]}` : r[0]))).toEqual([
      'CRITICAL admin.conf',
      'CRITICAL kubelet.conf',
      'WARNING etcd-peer',
      'WARNING front-proxy-client',
      'etcd-healthcheck-client',
      'kube-apiserver:6443',
    ]);
    expect(text).not.toMatch(/^ +apiserver +file/m);
    expect(lines).toContain('   ! node_facts: connection refused');
    expect(lines).toContain(
      '   ! kubelet.conf embeds its client certificate (kubeadm#1753): the kubelet will not start once it expires',
    );
  });

  it('no colour unless asked', () => {
    expect(text).not.toContain(ESC);
  });
});

describe('formatExpiryTable -o wide', () => {
  const lines = formatExpiryTable(report, { view: 'wide' }).split('\n');

  it('every certificate of every node read, soonest first, under the same summary', () => {
    expect(lines).toContain('Every certificate, soonest first:');
    expect(lines.filter((l) => l.startsWith('==') || l.startsWith('--'))).toEqual([
      '== cluster prod',
      '-- m1 (master, Kubernetes 1.18.3, kubeadm 1.20.4, ok)',
      '-- m2 (master, unreachable: nothing read, versions unknown)',
      '== cluster lab',
      '-- n1 (master, Kubernetes 1.20.4-tke.1, kubeadm 1.20.6, ok)',
    ]);
    const m1 = tableAfter(lines, /^-- m1 /).slice(1);
    const header = m1[0]!;
    const rows = m1.slice(1).filter((l) => l.startsWith('   ') && !l.startsWith('   !'));
    expect(rows.map((r) => r.slice(header.indexOf('CERTIFICATE')).split(' ')[0])).toEqual(
      report.entries.filter((e) => e.node === 'm1').map((e) => e.name),
    );
    expect(rows[0]!.slice(header.indexOf('EXPIRES (UTC)'))).toMatch(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} +expired 3d ago +ca +expired$/,
    );
    expect(rows[2]).toMatch(/^ {3}WARNING +etcd-peer +file +.* 7d +etcd-ca +not signed by etcd-ca$/);
    expect(lines.some((l) => /^ +apiserver +file +.* 200d +ca$/.test(l))).toBe(true);
  });
});

describe('formatExpiryTable --only-problems', () => {
  it('leaves out clusters that need nothing', () => {
    const lines = formatExpiryTable(report, { onlyProblems: true }).split('\n');
    expect(
      tableAfter(lines, /^CLUSTER /)
        .slice(1)
        .map((r) => r.split(/\s+/)[0]),
    ).toEqual(['prod']);
    expect(lines.some((l) => l.includes('lab') || l.includes('n1'))).toBe(false);
  });

  it('says so in one line when nothing needs a look', () => {
    const fine = buildExpiryReport(
      summary([host('lab', 'n1', { certificatesBefore: [cert('apiserver', 200 * DAY)] })]),
      THRESHOLDS,
    );
    const text = formatExpiryTable(fine, { onlyProblems: true });
    expect(text.split('\n')[1]).toBe(
      'No problems: 1 certificate(s) on 1 node(s) in 1 cluster(s), none under --warn 30d.',
    );
    expect(text.split('\n')).toHaveLength(3);
    // Without --only-problems the summary line is there, and no "needs a look" section.
    const all = formatExpiryTable(fine);
    expect(all).toMatch(/^lab +1 +1 +0 +0 +0 +0 +n1 apiserver /m);
    expect(all).not.toContain('Needs a look');
  });
});

describe('formatExpiryTable: workers and colour', () => {
  const run = summary([
    host('c', 'm1', {
      certificatesBefore: [cert('apiserver', 100 * DAY)],
      node: { kubernetesVersion: '1.20.6', kubeadmVersion: '1.20.6', kubeletConf: { present: false, embedded: false } },
    }),
    host(
      'c',
      'w1',
      {
        certificatesBefore: [cert('ca', 3000 * DAY, { kind: 'ca' })],
        node: {
          kubeadmVersion: '1.20.6',
          kubeletConf: {
            present: true,
            embedded: false,
            clientCertPath: '/var/lib/kubelet/pki/kubelet-client-current.pem',
            notAfter: new Date(Date.now()).toISOString(),
            residualSeconds: 3 * DAY,
          },
        },
      },
      { role: 'worker' },
    ),
    host('c', 'w2', {}, { role: 'worker', status: 'unreachable' }),
  ]);
  const r = buildExpiryReport(run, THRESHOLDS);

  it("a worker's header has no Kubernetes version to show; the WORKERS column counts what is wrong", () => {
    const lines = formatExpiryTable(r).split('\n');
    expect(lines).toContain('-- w1 (worker, kubeadm 1.20.6, ok)');
    expect(lines).toContain('-- w2 (worker, unreachable: nothing read, versions unknown)');
    expect(
      tableAfter(lines, /^CLUSTER /)[1]!
        .split(/\s{2,}/)
        .slice(0, 7),
    ).toEqual(['c', '1', '1', '0', '0', '0', '2 (1 critical, 1 unreachable)']);
  });

  it('colours WARNING, CRITICAL and unreachable counts, and only those, without moving a column', () => {
    const plain = formatExpiryTable(r, { view: 'wide' });
    const coloured = formatExpiryTable(r, { view: 'wide', color: true });
    expect(coloured).toContain(`${ESC}1m${ESC}31mCRITICAL`);
    expect(strip(coloured)).toBe(plain);
    expect(plain).not.toContain(ESC);
  });
});

describe('wantsColor', () => {
  const tty = { isTTY: true } as unknown as NodeJS.WriteStream;
  const pipe = { isTTY: false } as unknown as NodeJS.WriteStream;
  it('a terminal only, never with NO_COLOR, TERM=dumb or --no-color', () => {
    expect(wantsColor(tty, {})).toBe(true);
    expect(wantsColor(pipe, {})).toBe(false);
    expect(wantsColor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor(tty, { TERM: 'dumb' })).toBe(false);
    expect(wantsColor(tty, {}, false)).toBe(false);
  });
});
