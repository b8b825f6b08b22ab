// The kubeadm simulator against the real kubeadm 1.20.2 (issue 11, point 4), run on identical copies
// of one real-component master's /etc/kubernetes. Every scenario runs once with each binary, and the
// two runs must agree on stdout, stderr and exit code (normalised: dates, serials, key material,
// klog headers, copy paths), on the files written (modes, owners, inode), on which keys changed and
// on what the renewed certificates and kubeconfigs hold. A difference fails the test unless it is
// in KNOWN_DIFFERENCES below (each also in test/lab/README.md, "Fidelity to real Kubernetes").
//
// How the two runs are made equal: both run inside the same lab node (`lab exec`), each in its own
// mount namespace (`unshare --mount`) with its copy bind-mounted on /etc/kubernetes, so both see the
// paths kubeadm hard-codes (/etc/kubernetes/pki, /etc/kubernetes/kubelet.conf, admin.conf). The
// cluster configuration both read is the same: the copy's admin.conf points both at the node's real
// kube-apiserver 1.20.2, which holds what `kubeadm init` leaves (kubeadm-config, the Node, mirror
// pods). The real kubeadm reads more of it than the simulator (README Fidelity #5); both succeed here.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  destroyLab,
  ensureBuilt,
  lab,
  labAsync,
  labDir,
  labSkipReason,
  readLabJson,
  type CliResult,
} from './infra-helpers.js';

const realNode = 'diff-m1';
const simNode = 'sim-m1';
const topology = `# kubeadm-differential.test.ts: a real-component 1.20.2 master, and a simulated 1.20.2 master
clusters:
  - name: diff
    type: global
    kubernetesVersion: "1.20.2"
    components: real
    runtime: docker
    tkeCertsShape: "1.3"
  - name: sim
    kubernetesVersion: "1.20.2"
    runtime: docker
`;

// Runs one kubeadm in a private mount namespace with the copy ($2) on /etc/kubernetes.
// $1: real | sim; $3, $4: node and the simulator's main.js; the rest: kubeadm's arguments.
const RUN_SCRIPT = `set -u
which=$1 copy=$2 nodebin=$3 simmain=$4
shift 4
mount --bind "$copy" /etc/kubernetes || exit 125
if [ "$which" = real ]; then exec /usr/local/bin/kubeadm "$@"; fi
KCRLAB_KUBEADM_VERSION=1.20.2 exec "$nodebin" "$simmain" "$@"
`;

type Which = 'real' | 'sim';

interface Scenario {
  name: string;
  args: string[];
  /** Applied identically to both copies before the runs. */
  prepare?: (copy: string) => void;
}

/** Moves a kubeconfig's embedded client certificate and key (or its CA) into files it references. */
function unembed(copy: string, conf: string, field: 'client' | 'ca'): void {
  const file = path.join(copy, conf);
  let text = fs.readFileSync(file, 'utf8');
  const swap = (dataKey: string, fileKey: string, target: string): void => {
    const m = new RegExp(`${dataKey}: (\\S+)`).exec(text);
    if (!m) throw new Error(`${conf} has no ${dataKey}`);
    fs.writeFileSync(path.join(copy, target), Buffer.from(m[1] as string, 'base64'), { mode: 0o600 });
    text = text.replace(m[0], `${fileKey}: /etc/kubernetes/${target}`);
  };
  if (field === 'client') {
    swap('client-certificate-data', 'client-certificate', 'pki/scheduler-client.crt');
    swap('client-key-data', 'client-key', 'pki/scheduler-client.key');
  } else {
    swap('certificate-authority-data', 'certificate-authority', 'pki/cm-ca.crt');
  }
  fs.writeFileSync(file, text);
}

const SCENARIOS: Scenario[] = [
  { name: 'certs renew all', args: ['certs', 'renew', 'all'] },
  { name: 'alpha certs renew all', args: ['alpha', 'certs', 'renew', 'all'] },
  { name: 'certs check-expiration', args: ['certs', 'check-expiration'] },
  { name: 'alpha certs renew apiserver', args: ['alpha', 'certs', 'renew', 'apiserver'] },
  { name: 'unknown root command', args: ['frobnicate'] },
  { name: 'unknown certs subcommand', args: ['certs', 'frobnicate'] },
  { name: 'unknown renew subcommand', args: ['certs', 'renew', 'frobnicate'] },
  { name: 'unknown alpha certs subcommand', args: ['alpha', 'certs', 'frobnicate'] },
  {
    name: 'missing certificate: renew all',
    args: ['certs', 'renew', 'all'],
    prepare: (copy) => {
      fs.rmSync(path.join(copy, 'pki/front-proxy-client.crt'));
      fs.rmSync(path.join(copy, 'pki/front-proxy-client.key'));
    },
  },
  {
    name: 'missing certificate: check-expiration',
    args: ['certs', 'check-expiration'],
    prepare: (copy) => fs.rmSync(path.join(copy, 'pki/front-proxy-client.crt')),
  },
  {
    name: 'kubeconfig without embedded client certificate: renew all',
    args: ['certs', 'renew', 'all'],
    prepare: (copy) => unembed(copy, 'scheduler.conf', 'client'),
  },
  {
    name: 'kubeconfig without embedded client certificate: check-expiration',
    args: ['certs', 'check-expiration'],
    prepare: (copy) => unembed(copy, 'scheduler.conf', 'client'),
  },
  {
    name: 'kubeconfig without embedded CA: renew controller-manager.conf',
    args: ['certs', 'renew', 'controller-manager.conf'],
    prepare: (copy) => unembed(copy, 'controller-manager.conf', 'ca'),
  },
];

/**
 * The allow-list: differences that stay, each with its reason, also listed in test/lab/README.md
 * ("Fidelity to real Kubernetes"). Keyed `<scenario> | <aspect>` (aspect: code, stdout, stderr,
 * written, keysChanged); `strip` removes exactly the allowed difference from both normalised texts
 * (anything else still fails), and an entry whose difference no longer shows fails too, so the list
 * cannot go stale. Empty today: every difference these scenarios found was fixed in the simulator
 * (README, Fidelity #15).
 */
interface KnownDifference {
  reason: string;
  strip: (text: string, which: Which) => string;
}
const KNOWN_DIFFERENCES: Record<string, KnownDifference> = {};

/** One normaliser for every text: what legitimately differs between two runs of any kubeadm. */
function normalise(text: string): string {
  return (
    text
      // klog header: date, time, pid ("W1203 13:54:20.541358    9394 configset.go:77] ").
      .replace(/^([IWEF])\d{4} \d{2}:\d{2}:\d{2}\.\d{6}\s+\d+ /gm, '$1<mmdd hh:mm:ss.us> <pid> ')
      // check-expiration dates ("Dec 03, 2027 13:55 UTC"); residual times ("364d") stay: both runs
      // read the same files seconds apart.
      .replace(/[A-Z][a-z]{2} \d{2}, \d{4} \d{2}:\d{2} [A-Z]+/g, '<date>')
      // the copies' paths, should a binary print them
      .replace(/\/tmp\/kdiff\/[^/\s]+\/(real|sim)/g, '<copy>')
      // serials and key material (hex, base64), should a binary print them
      .replace(/\b[0-9a-fA-F]{32,}\b/g, '<hex>')
      .replace(/[A-Za-z0-9+/]{60,}={0,2}/g, '<base64>')
  );
}

interface FileState {
  mode: string;
  owner: string;
  ino: number;
  mtimeNs: bigint;
  sha256: string;
}

function snapshot(dir: string): Map<string, FileState> {
  const out = new Map<string, FileState>();
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else {
        const st = fs.statSync(path.join(dir, r), { bigint: true });
        out.set(r, {
          mode: (Number(st.mode) & 0o7777).toString(8).padStart(4, '0'),
          owner: `${st.uid}:${st.gid}`,
          ino: Number(st.ino),
          mtimeNs: st.mtimeNs,
          sha256: crypto
            .createHash('sha256')
            .update(fs.readFileSync(path.join(dir, r)))
            .digest('hex'),
        });
      }
    }
  };
  walk('');
  return out;
}

const dayMs = 86_400_000;

/** What a certificate holds, without serial, key and exact expiry (days left instead). */
function certSummary(pem: string): Record<string, unknown> {
  const c = new crypto.X509Certificate(pem);
  return {
    subject: c.subject,
    issuer: c.issuer,
    san: c.subjectAltName ?? null,
    extKeyUsage: c.keyUsage ?? null,
    ca: c.ca,
    notBefore: c.validFrom,
    daysLeft: Math.round((Date.parse(c.validTo) - Date.now()) / dayMs),
    keyBits: c.publicKey.asymmetricKeyDetails?.modulusLength ?? null,
  };
}

const pemLabel = (pem: string): string => /-----BEGIN ([A-Z ]+)-----/.exec(pem)?.[1] ?? '<no PEM>';

/** A written file's content, comparable across the two runs. */
function contentSummary(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  if (file.endsWith('.crt')) return certSummary(text);
  if (file.endsWith('.key'))
    return { pem: pemLabel(text), bits: crypto.createPrivateKey(text).asymmetricKeyDetails?.modulusLength ?? null };
  if (file.endsWith('.conf')) {
    const cert = /client-certificate-data: (\S+)/.exec(text)?.[1];
    const key = /client-key-data: (\S+)/.exec(text)?.[1];
    return {
      text: text
        .replace(/client-certificate-data: \S+/, 'client-certificate-data: <cert>')
        .replace(/client-key-data: \S+/, 'client-key-data: <key>'),
      cert: cert ? certSummary(Buffer.from(cert, 'base64').toString()) : null,
      key: key ? pemLabel(Buffer.from(key, 'base64').toString()) : null,
    };
  }
  return normalise(text);
}

/** Private key material of a file (a .key, or a kubeconfig's client-key-data), to see which changed. */
function keyMaterial(file: string): string | null {
  if (!fs.existsSync(file)) return null;
  const text = fs.readFileSync(file, 'utf8');
  if (file.endsWith('.key')) return text;
  return /client-key-data: (\S+)/.exec(text)?.[1] ?? null;
}

interface RunOutcome {
  code: number;
  stdout: string;
  stderr: string;
  /** Files created, removed or rewritten, with their mode, owner, whether the inode was kept, and content. */
  written: Record<string, unknown>;
  /** Files whose private key changed. */
  keysChanged: string[];
}

describe.skipIf(labSkipReason !== null)(
  `kubeadm simulator vs real kubeadm 1.20.2${labSkipReason ? ` (skipped: ${labSkipReason})` : ''}`,
  () => {
    let dir = '';
    let rootfs = '';
    let simArgs: [string, string] = ['', ''];

    const inNode = (node: string, argv: string[]): CliResult => lab(['exec', '--dir', dir, node, '--', ...argv]);

    beforeAll(() => {
      ensureBuilt();
      dir = labDir('kubeadm-differential');
      const topologyFile = path.join(dir, 'topology.yaml');
      fs.writeFileSync(topologyFile, topology);
      const up = lab(['up', '--topology', topologyFile, '--dir', dir, '--quiet']);
      expect(
        up.stderr,
        'lab up (the real binaries are built by bash test/lab/real/build-kubernetes.sh, which .ci/setup runs)',
      ).toBe('');
      expect(up.code).toBe(0);
      rootfs = path.join(dir, 'nodes', realNode, 'rootfs');
      const nodeJson = JSON.parse(fs.readFileSync(path.join(rootfs, 'var/lib/kcrlab/node.json'), 'utf8')) as {
        nodeBin: string;
        labDist: string;
      };
      simArgs = [nodeJson.nodeBin, path.join(nodeJson.labDist, 'node/kubeadm/main.js')];
      fs.mkdirSync(path.join(rootfs, 'tmp/kdiff'), { recursive: true });
      fs.writeFileSync(path.join(rootfs, 'tmp/kdiff/run.sh'), RUN_SCRIPT);
    }, 120_000);
    afterAll(async () => {
      served.stopped = true; // a sampler still running (a filtered run) must not outlive the lab
      await served.sampler;
      if (dir) destroyLab(dir);
    }, 60_000);

    /** A fresh copy of the node's /etc/kubernetes for one run, with the scenario applied. */
    function prepareCopy(s: Scenario, index: number, which: Which): { rel: string; copy: string } {
      const rel = `tmp/kdiff/${index}/${which}`;
      const copy = path.join(rootfs, rel);
      fs.mkdirSync(path.dirname(copy), { recursive: true });
      execFileSync('cp', ['-a', path.join(rootfs, 'etc/kubernetes'), copy]);
      // Operator changes kubeadm must keep (it rewrites files in place): a mode and an owner.
      fs.chmodSync(path.join(copy, 'pki/apiserver.key'), 0o640);
      fs.chownSync(path.join(copy, 'pki/apiserver.key'), 0, 1000);
      fs.chownSync(path.join(copy, 'scheduler.conf'), 1000, 1000);
      s.prepare?.(copy);
      return { rel, copy };
    }

    function filesWritten(copy: string, before: Map<string, FileState>): Record<string, unknown> {
      const after = snapshot(copy);
      const written: Record<string, unknown> = {};
      for (const f of new Set([...before.keys(), ...after.keys()])) {
        const b = before.get(f);
        const a = after.get(f);
        if (!a) written[f] = 'removed';
        else if (!b || a.sha256 !== b.sha256 || a.mtimeNs !== b.mtimeNs)
          written[f] = {
            created: !b,
            mode: a.mode,
            owner: a.owner,
            inodeKept: b ? a.ino === b.ino : null,
            content: contentSummary(path.join(copy, f)),
          };
      }
      return written;
    }

    /** Both kubeadms at once (each on its own copy), then what each printed and wrote. */
    async function runBoth(s: Scenario, index: number): Promise<Record<Which, RunOutcome>> {
      const runs = (['real', 'sim'] as const).map(async (which) => {
        const { rel, copy } = prepareCopy(s, index, which);
        const before = snapshot(copy);
        const keysBefore = new Map([...before.keys()].map((f) => [f, keyMaterial(path.join(copy, f))]));
        const argv = ['unshare', '--mount', 'sh', '/tmp/kdiff/run.sh', which, `/${rel}`, ...simArgs, ...s.args];
        const r = await labAsync(['exec', '--dir', dir, realNode, '--', ...argv]);
        const keysChanged = [...keysBefore.keys(), ...snapshot(copy).keys()].filter((f, i, all) => {
          const now = keyMaterial(path.join(copy, f));
          return all.indexOf(f) === i && now !== null && now !== keysBefore.get(f);
        });
        const outcome: RunOutcome = {
          code: r.code,
          stdout: normalise(r.stdout),
          stderr: normalise(r.stderr),
          written: filesWritten(copy, before),
          keysChanged: keysChanged.sort(),
        };
        return [which, outcome] as const;
      });
      return Object.fromEntries(await Promise.all(runs)) as Record<Which, RunOutcome>;
    }

    // The served certificate over time: both masters renew apiserver.crt first, with their own kubeadm
    // (the real one on diff-m1, the simulator on sim-m1); a background sampler then reads the served
    // serial every 2 s while the scenarios run, so the one-minute wait overlaps them. A switch is dated
    // by the start of the sample that first saw it, so a slow sample (a loaded machine) does not count
    // against the API server.
    const servedNodes = [realNode, simNode];
    const served = {
      renewedAt: {} as Record<string, number>,
      want: {} as Record<string, string>,
      pids: {} as Record<string, number | undefined>,
      switchedAfterMs: {} as Record<string, number>,
      sampler: Promise.resolve() as Promise<void>,
      samplerError: null as unknown,
      stopped: false,
    };
    const sampleWindowMs = 150_000;
    const apiserverPids = (): Record<string, number | undefined> => {
      const s = JSON.parse(lab(['status', '--dir', dir, '--json']).stdout) as {
        clusters: { nodes: { name: string; components: Record<string, { pid: number }> }[] }[];
      };
      const pids: Record<string, number | undefined> = {};
      for (const c of s.clusters) for (const n of c.nodes) pids[n.name] = n.components['kube-apiserver']?.pid;
      return pids;
    };
    const servedSerial = async (node: string): Promise<string> => {
      const address = readLabJson(dir).nodes.find((n) => n.name === node)?.address ?? '';
      const script = 'echo | openssl s_client -connect "$1:6443" 2>/dev/null | openssl x509 -noout -serial';
      const r = await labAsync(['exec', '--dir', dir, node, '--', 'sh', '-c', script, 'sh', address]);
      return r.stdout.trim();
    };
    const sampleServed = async (): Promise<void> => {
      while (
        !served.stopped &&
        Object.keys(served.switchedAfterMs).length < servedNodes.length &&
        Date.now() - Math.min(...Object.values(served.renewedAt)) < sampleWindowMs
      ) {
        for (const n of servedNodes.filter((node) => !(node in served.switchedAfterMs))) {
          const startedAt = Date.now();
          if ((await servedSerial(n)) === served.want[n])
            served.switchedAfterMs[n] = startedAt - (served.renewedAt[n] ?? NaN);
        }
        await new Promise((r) => setTimeout(r, 2000));
      }
    };

    it('renews the live apiserver.crt on both masters, each with its own kubeadm', () => {
      served.pids = apiserverPids();
      for (const node of servedNodes) {
        expect(inNode(node, ['kubeadm', 'certs', 'renew', 'apiserver']).code, node).toBe(0);
        // Dated by the file itself: on a loaded machine kubeadm returns well after it wrote it.
        const crt = path.join(dir, 'nodes', node, 'rootfs', 'etc/kubernetes/pki/apiserver.crt');
        served.renewedAt[node] = fs.statSync(crt).mtimeMs;
        served.want[node] = inNode(node, [
          'openssl',
          'x509',
          '-noout',
          '-serial',
          '-in',
          '/etc/kubernetes/pki/apiserver.crt',
        ]).stdout.trim();
      }
      served.sampler = sampleServed().catch((e: unknown) => {
        served.samplerError = e;
      });
    }, 300_000);

    for (const [index, s] of SCENARIOS.entries()) {
      it(`${s.name}: same output, exit code, files, modes, owners and keys`, async () => {
        const both = await runBoth(s, index);
        const view = (which: Which): Record<string, unknown> => {
          const out: Record<string, unknown> = {};
          for (const aspect of ['code', 'stdout', 'stderr', 'written', 'keysChanged'] as const) {
            const value = both[which][aspect];
            const text = typeof value === 'string' ? value : JSON.stringify(value, null, 1);
            const known = KNOWN_DIFFERENCES[`${s.name} | ${aspect}`];
            if (known) {
              const other = both[which === 'real' ? 'sim' : 'real'][aspect];
              expect(JSON.stringify(other), `${s.name} | ${aspect} still differs (${known.reason})`).not.toBe(
                JSON.stringify(value),
              );
            }
            out[aspect] = known ? known.strip(text, which) : text;
          }
          return out;
        };
        expect(view('sim')).toEqual(view('real'));
        // A budget against a hang, not a speed claim: on a loaded CI machine (load 25+ on 2 cores) a
        // scenario's two kubeadm runs took up to 100 s (load 30 here).
      }, 300_000);
    }

    it(
      'served certificate after a renewal: the stand-in API server, as the real one, serves it within a minute without a restart',
      async () => {
        expect(Object.keys(served.renewedAt), 'the renewal test ran').toEqual(servedNodes);
        // FileRefreshDuration is one minute in both (dynamic_serving_content.go; the stand-in's
        // default); the sampler dates each switch to within its 2 s period (plus one sample's time).
        await served.sampler;
        expect(served.samplerError).toBeNull();
        for (const n of servedNodes)
          expect(served.switchedAfterMs[n], `${n} serves its renewed apiserver.crt`).toBeLessThan(75_000);
        expect(apiserverPids()).toEqual(served.pids);
      },
      sampleWindowMs + 30_000,
    );
  },
);
