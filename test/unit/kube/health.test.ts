// parseHealth and judgeHealth. First on section texts as the real tools print them (curl's error
// lines, etcd 3.4's gRPC gateway JSON), then HEALTH_SCRIPT itself, run for real in a private network
// namespace where Node stand-ins serve :6443, :10257, :10259 and :2379 with the fixture's certificates.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberUrls, parseHealth, type HealthReport } from '../../../src/kube/health.js';
import { HEALTH_SCRIPT } from '../../../src/kube/node-scripts.js';
import { judgeHealth, type HealthRequirements } from '../../../src/modules/support/health-probe.js';
import {
  buildKubeadmTree,
  issue,
  LEAF_KEY,
  run,
  SYSTEM_PATH,
  useKeyPoolAndScratch,
  validFor,
  type KubeadmTree,
} from './fixtures/pki.js';

const ALL: HealthRequirements = { etcd: true, allMembers: true, servedMatchesDisk: true, components: true };

// What `curl -sS -m 5 -w '\n%{http_code}' ... 2>&1` prints (checked against curl 8 on this machine).
const REFUSED = (port: number): string =>
  `curl: (7) Failed to connect to 127.0.0.1 port ${port} after 0 ms: Couldn't connect to server\n\n000`;
const TIMEOUT = 'curl: (28) Operation timed out after 5001 milliseconds with 0 bytes received\n\n000';
const READYZ_500 =
  '[+]ping ok\n[+]log ok\n[-]etcd failed: reason withheld\n[+]poststarthook/start-kube-apiserver-admission-initializer ok\nreadyz check failed\n500';
const MEMBERS_34 = JSON.stringify({
  header: { cluster_id: '14841639068965178418', member_id: '10276657743932975437', raft_term: '2' },
  members: [
    {
      ID: '10276657743932975437',
      name: 'm1',
      peerURLs: ['https://10.0.0.1:2380'],
      clientURLs: ['https://10.0.0.1:2379'],
    },
    {
      ID: '9372538179322589801',
      name: 'm2',
      peerURLs: ['https://10.0.0.2:2380'],
      clientURLs: ['https://10.0.0.2:2379', 'https://127.0.0.1:2379'],
    },
  ],
});

function sections(parts: Record<string, string>): string {
  return (
    Object.entries(parts)
      .map(([name, body]) => `\n@@KCR ${name}\n${body}`)
      .join('') + '\n'
  );
}

const fx = useKeyPoolAndScratch('kcr-health');
let tree: KubeadmTree;
let diskApiserver: string;
let diskEtcd: string;
let oldApiserver: string;

beforeAll(async () => {
  tree = await buildKubeadmTree(fx.pool);
  diskApiserver = await readFile(tree.path('pki/apiserver.crt'), 'utf8');
  diskEtcd = await readFile(tree.path('pki/etcd/server.crt'), 'utf8');
  // The certificate the apiserver served before a renewal: same subject and key, another serial.
  oldApiserver = await issue({
    workDir: fx.scratch,
    keyFile: fx.pool.file(LEAF_KEY),
    subject: '/CN=kube-apiserver',
    validity: validFor(20, 345),
    usages: ['serverAuth'],
    san: 'DNS:kubernetes,IP:127.0.0.1',
    signer: { crt: tree.path('pki/ca.crt'), key: tree.path('pki/ca.key') },
  });
  await writeFile(join(fx.scratch, 'old-apiserver.crt'), oldApiserver);
});
afterAll(() => tree?.remove());

describe('parseHealth on what curl, etcd and openssl print', () => {
  const healthy = (): string =>
    sections({
      'apiserver-readyz': 'ok\n200',
      'controller-manager-healthz': 'ok\n200',
      'scheduler-healthz': 'ok\n200',
      'etcd-members': MEMBERS_34,
      'etcd-health https://10.0.0.1:2379': '{"health":"true"}',
      'etcd-health https://10.0.0.2:2379': '{"health":"true","reason":""}',
      'served-apiserver': diskApiserver,
      'served-etcd': diskEtcd,
      'disk-apiserver': diskApiserver,
      'disk-etcd': diskEtcd,
    });

  it('a healthy master', () => {
    const h = parseHealth(healthy());
    expect(h.apiserverReady).toEqual({ ok: true, code: 200, detail: 'ok' });
    expect(h.controllerManager).toEqual({ ok: true, code: 200, detail: 'ok' });
    expect(h.etcdMembers).toEqual([
      { name: 'm1', clientUrls: ['https://10.0.0.1:2379'] },
      { name: 'm2', clientUrls: ['https://10.0.0.2:2379', 'https://127.0.0.1:2379'] },
    ]);
    expect(memberUrls(h.etcdMembers!)).toEqual(['https://10.0.0.1:2379', 'https://10.0.0.2:2379']);
    expect(h.etcdMemberHealth).toEqual([
      { url: 'https://10.0.0.1:2379', healthy: true, detail: 'healthy' },
      { url: 'https://10.0.0.2:2379', healthy: true, detail: 'healthy' },
    ]);
    expect(h.apiserverServesDisk).toBe(true);
    expect(h.etcdServesDisk).toBe(true);
    expect(judgeHealth(h, ALL)).toEqual({ healthy: true, problems: [] });
  });

  it("readyz 500 keeps the failing checks; refused and timed-out probes keep curl's words", () => {
    const h = parseHealth(
      sections({
        'apiserver-readyz': READYZ_500,
        'controller-manager-healthz': REFUSED(10257),
        'scheduler-healthz': TIMEOUT,
      }),
    );
    expect(h.apiserverReady.ok).toBe(false);
    expect(h.apiserverReady.code).toBe(500);
    expect(h.apiserverReady.detail).toMatch(/^HTTP 500 \[\+\]ping ok .*\[-\]etcd failed: reason withheld/);
    expect(h.controllerManager).toEqual({
      ok: false,
      detail: "curl: (7) Failed to connect to 127.0.0.1 port 10257 after 0 ms: Couldn't connect to server",
    });
    expect(h.scheduler).toEqual({
      ok: false,
      detail: 'curl: (28) Operation timed out after 5001 milliseconds with 0 bytes received',
    });
  });

  it('an empty section is "no answer", not ok', () => {
    expect(parseHealth(sections({ 'apiserver-readyz': '' })).apiserverReady).toEqual({
      ok: false,
      detail: 'no answer',
    });
    expect(parseHealth('').apiserverReady.ok).toBe(false);
  });

  it('etcd: an unhealthy member, an unreadable member list, a member not started yet', () => {
    const h = parseHealth(
      sections({
        'etcd-members': MEMBERS_34,
        'etcd-health https://10.0.0.1:2379': '{"health":"false"}',
        'etcd-health https://10.0.0.2:2379': REFUSED(2379).replace('127.0.0.1', '10.0.0.2'),
      }),
    );
    expect(h.etcdMemberHealth).toEqual([
      { url: 'https://10.0.0.1:2379', healthy: false, detail: '{"health":"false"}' },
      {
        url: 'https://10.0.0.2:2379',
        healthy: false,
        detail: expect.stringMatching(/^curl: \(7\) Failed to connect to 10\.0\.0\.2 port 2379/),
      },
    ]);
    expect(
      parseHealth(
        sections({
          'etcd-members': 'curl: (35) OpenSSL SSL_connect: Connection reset by peer in connection to 127.0.0.1:2379',
        }),
      ).etcdMembers,
    ).toBeUndefined();
    expect(
      parseHealth(sections({ 'etcd-members': '{"error":"context deadline exceeded","code":2}' })).etcdMembers,
    ).toBeUndefined();
    // A member added but not started has neither name nor client URLs: it cannot be probed.
    const unstarted = parseHealth(
      sections({
        'etcd-members':
          '{"header":{},"members":[{"ID":"1","name":"m1","clientURLs":["https://10.0.0.1:2379"]},{"ID":"2","peerURLs":["https://10.0.0.3:2380"]}]}',
      }),
    );
    expect(unstarted.etcdMembers).toEqual([
      { name: 'm1', clientUrls: ['https://10.0.0.1:2379'] },
      { name: '', clientUrls: [] },
    ]);
    expect(memberUrls(unstarted.etcdMembers!)).toEqual(['https://10.0.0.1:2379']);
  });

  it('served vs disk: same certificate, another certificate, nothing served', () => {
    const served = parseHealth(
      sections({
        'served-apiserver': `${oldApiserver}${diskApiserver}`,
        'disk-apiserver': diskApiserver,
        'served-etcd': diskEtcd,
        'disk-etcd': diskEtcd,
      }),
    );
    expect(served.apiserverServesDisk).toBe(false);
    expect(served.etcdServesDisk).toBe(true);
    expect(served.served.apiserver).not.toBe(served.disk.apiserver);
    const nothing = parseHealth(
      sections({ 'served-apiserver': '', 'disk-apiserver': diskApiserver, 'served-etcd': '', 'disk-etcd': '' }),
    );
    expect(nothing.apiserverServesDisk).toBe(false);
    expect(nothing.etcdServesDisk).toBe(false);
  });
});

describe('judgeHealth', () => {
  const base = (): HealthReport => ({
    apiserverReady: { ok: true, code: 200, detail: 'ok' },
    controllerManager: { ok: true, code: 200, detail: 'ok' },
    scheduler: { ok: true, code: 200, detail: 'ok' },
    etcdMembers: [
      { name: 'm1', clientUrls: ['https://10.0.0.1:2379'] },
      { name: 'm2', clientUrls: ['https://10.0.0.2:2379'] },
    ],
    etcdMemberHealth: [
      { url: 'https://10.0.0.1:2379', healthy: true, detail: 'healthy' },
      { url: 'https://10.0.0.2:2379', healthy: true, detail: 'healthy' },
    ],
    served: {},
    disk: {},
    apiserverServesDisk: true,
    etcdServesDisk: true,
  });

  it('lists every problem the requirements ask about', () => {
    const h: HealthReport = {
      ...base(),
      apiserverReady: { ok: false, code: 500, detail: 'HTTP 500 readyz check failed' },
      scheduler: { ok: false, detail: 'no answer' },
      etcdMemberHealth: [{ url: 'https://10.0.0.1:2379', healthy: false, detail: '{"health":"false"}' }],
      apiserverServesDisk: false,
      etcdServesDisk: false,
    };
    expect(judgeHealth(h, ALL)).toEqual({
      healthy: false,
      problems: [
        'kube-apiserver not ready (HTTP 500 readyz check failed)',
        'kube-apiserver serves a certificate other than pki/apiserver.crt',
        'kube-scheduler unhealthy (no answer)',
        'etcd member m1 (https://10.0.0.1:2379) unhealthy ({"health":"false"})',
        'not every etcd member was probed',
        'etcd serves a certificate other than pki/etcd/server.crt',
      ],
    });
  });

  it('ignores what is not required', () => {
    const h: HealthReport = {
      ...base(),
      scheduler: { ok: false, detail: 'no answer' },
      etcdMemberHealth: [],
      apiserverServesDisk: false,
      etcdServesDisk: false,
      etcdMembers: undefined,
    };
    expect(judgeHealth(h, { etcd: false, allMembers: false, servedMatchesDisk: false, components: false })).toEqual({
      healthy: true,
      problems: [],
    });
    expect(
      judgeHealth(h, { etcd: true, allMembers: false, servedMatchesDisk: false, components: false }).problems,
    ).toEqual(['local etcd does not answer (member list unreadable)']);
    expect(
      judgeHealth(
        { ...base(), etcdMemberHealth: [] },
        { etcd: true, allMembers: false, servedMatchesDisk: false, components: false },
      ).healthy,
    ).toBe(true);
  });

  it('an apiserver that is not ready is a problem whatever the requirements', () => {
    const h: HealthReport = { ...base(), apiserverReady: { ok: false, detail: 'no answer' } };
    expect(
      judgeHealth(h, { etcd: false, allMembers: false, servedMatchesDisk: false, components: false }).problems,
    ).toEqual(['kube-apiserver not ready (no answer)']);
  });
});

// Stand-ins for the control plane: HTTPS servers on the real ports, inside a network namespace of
// their own (so the ports are free and nothing else answers). Routes: "METHOD /path" -> [code, body].
const STAND_INS = `
import https from 'node:https';
import fs from 'node:fs';
const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
for (const e of cfg) {
  const tls = { cert: fs.readFileSync(e.cert), key: fs.readFileSync(e.key) };
  if (e.clientCa) Object.assign(tls, { ca: fs.readFileSync(e.clientCa), requestCert: true, rejectUnauthorized: true });
  const server = https.createServer(tls, (req, res) => {
    const [code, body] = e.routes[req.method + ' ' + req.url] ?? [404, '404 page not found'];
    res.writeHead(code, { 'content-type': 'text/plain' });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(e.port, '127.0.0.1', resolve));
}
fs.writeFileSync(process.argv[3], 'ready');
`;

const RUN_IN_NETNS = `
ip link set lo up || exit 90
node="$1"; standins="$2"; cfg="$3"; ready="$4"; script="$5"; shift 5
"$node" "$standins" "$cfg" "$ready" & pid=$!
i=0; while [ ! -f "$ready" ]; do i=$((i+1)); if [ $i -gt 100 ]; then kill $pid; exit 91; fi; sleep 0.1; done
sh -c "$script" sh "$@"; rc=$?
kill $pid; wait $pid 2>/dev/null
exit $rc
`;

interface StandIn {
  port: number;
  cert: string;
  key: string;
  clientCa?: string;
  routes: Record<string, [number, string]>;
}

let runs = 0;
async function healthScriptAgainst(standIns: StandIn[], etcdUrls: string[]): Promise<string> {
  const id = runs++;
  const files = {
    standins: join(fx.scratch, 'standins.mjs'),
    cfg: join(fx.scratch, `cfg-${id}.json`),
    ready: join(fx.scratch, `ready-${id}`),
  };
  await writeFile(files.standins, STAND_INS);
  await writeFile(files.cfg, JSON.stringify(standIns));
  return run(
    'unshare',
    [
      '-n',
      'sh',
      '-c',
      RUN_IN_NETNS,
      'sh',
      process.execPath,
      files.standins,
      files.cfg,
      files.ready,
      HEALTH_SCRIPT,
      tree.k,
      ...etcdUrls,
    ],
    {
      ...process.env,
      PATH: SYSTEM_PATH,
    },
  );
}

/** Two calls, as probeHealth makes them: the member list first, then each member's /health. */
async function probe(standIns: StandIn[]): Promise<HealthReport> {
  const first = parseHealth(await healthScriptAgainst(standIns, []));
  if (!first.etcdMembers) return first;
  return parseHealth(await healthScriptAgainst(standIns, memberUrls(first.etcdMembers)));
}

describe('HEALTH_SCRIPT run for real against stand-in servers', () => {
  const members = (urls: string[]): string =>
    JSON.stringify({
      header: { cluster_id: '14841639068965178418', member_id: '10276657743932975437', raft_term: '2' },
      members: urls.map((u, i) => ({
        ID: `${10276657743932975437n + BigInt(i)}`,
        name: `master${i + 1}`,
        peerURLs: [u.replace('2379', '2380')],
        clientURLs: [u],
      })),
    });
  const apiserver = (cert: string, readyz: [number, string]): StandIn => ({
    port: 6443,
    cert,
    key: tree.path('pki/apiserver.key'),
    routes: { 'GET /readyz': readyz },
  });
  const component = (port: number, code: number): StandIn => ({
    port,
    cert: tree.path('pki/apiserver.crt'),
    key: tree.path('pki/apiserver.key'),
    routes: { 'GET /healthz': [code, code === 200 ? 'ok' : 'unhealthy'] },
  });
  const etcd = (memberUrlList: string[], health: string): StandIn => ({
    port: 2379,
    cert: tree.path('pki/etcd/server.crt'),
    key: tree.path('pki/etcd/server.key'),
    clientCa: tree.path('pki/etcd/ca.crt'),
    routes: { 'POST /v3/cluster/member/list': [200, members(memberUrlList)], 'GET /health': [200, health] },
  });

  it('a healthy master: ready, healthy, every member probed, serving the files on disk', async () => {
    const h = await probe([
      apiserver(tree.path('pki/apiserver.crt'), [200, 'ok']),
      component(10257, 200),
      component(10259, 200),
      etcd(['https://127.0.0.1:2379'], '{"health":"true"}'),
    ]);
    expect(h.apiserverReady).toEqual({ ok: true, code: 200, detail: 'ok' });
    expect(h.controllerManager.ok).toBe(true);
    expect(h.scheduler.ok).toBe(true);
    expect(h.etcdMembers).toEqual([{ name: 'master1', clientUrls: ['https://127.0.0.1:2379'] }]);
    expect(h.etcdMemberHealth).toEqual([{ url: 'https://127.0.0.1:2379', healthy: true, detail: 'healthy' }]);
    expect(h.apiserverServesDisk).toBe(true);
    expect(h.etcdServesDisk).toBe(true);
    expect(judgeHealth(h, ALL)).toEqual({ healthy: true, problems: [] });
  });

  it('a master after a renewal without restarts, with a sick etcd and a dead controller-manager', async () => {
    const h = await probe([
      apiserver(join(fx.scratch, 'old-apiserver.crt'), [
        500,
        '[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check failed',
      ]),
      component(10259, 200),
      etcd(['https://127.0.0.1:2379', 'https://127.0.0.2:2379'], '{"health":"false"}'),
    ]);
    expect(h.apiserverReady).toEqual({
      ok: false,
      code: 500,
      detail: 'HTTP 500 [+]ping ok [-]etcd failed: reason withheld readyz check failed',
    });
    expect(h.controllerManager.ok).toBe(false);
    expect(h.controllerManager.detail).toMatch(/^curl: \(7\) Failed to connect to 127\.0\.0\.1 port 10257/);
    expect(h.etcdMemberHealth.map((m) => [m.url, m.healthy])).toEqual([
      ['https://127.0.0.1:2379', false],
      ['https://127.0.0.2:2379', false],
    ]);
    expect(h.etcdMemberHealth[0]!.detail).toBe('{"health":"false"}');
    expect(h.etcdMemberHealth[1]!.detail).toMatch(/^curl: \(7\) Failed to connect to 127\.0\.0\.2 port 2379/);
    expect(h.apiserverServesDisk).toBe(false);
    expect(h.etcdServesDisk).toBe(true);
    expect(judgeHealth(h, ALL).problems).toEqual([
      'kube-apiserver not ready (HTTP 500 [+]ping ok [-]etcd failed: reason withheld readyz check failed)',
      'kube-apiserver serves a certificate other than pki/apiserver.crt',
      `kube-controller-manager unhealthy (${h.controllerManager.detail})`,
      'etcd member master1 (https://127.0.0.1:2379) unhealthy ({"health":"false"})',
      `etcd member master2 (https://127.0.0.2:2379) unhealthy (${h.etcdMemberHealth[1]!.detail})`,
    ]);
  });

  it('an etcd that refuses the healthcheck client certificate: member list unreadable', async () => {
    const strict = {
      ...etcd(['https://127.0.0.1:2379'], '{"health":"true"}'),
      clientCa: tree.path('pki/front-proxy-ca.crt'),
    };
    const h = await probe([
      apiserver(tree.path('pki/apiserver.crt'), [200, 'ok']),
      component(10257, 200),
      component(10259, 200),
      strict,
    ]);
    expect(h.etcdMembers).toBeUndefined();
    expect(h.etcdMemberHealth).toEqual([]);
    // The TLS handshake still shows etcd's certificate: only the request is refused.
    expect(h.etcdServesDisk).toBe(true);
    expect(judgeHealth(h, ALL).problems).toEqual(['local etcd does not answer (member list unreadable)']);
  });
});
