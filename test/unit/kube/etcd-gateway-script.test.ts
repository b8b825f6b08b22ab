// The etcd gateway calls of HEALTH_SCRIPT and ETCD_MOVE_LEADER_SCRIPT (etcd-gateway.sh), run for real
// with a curl that answers from canned files: as etcd 3.3 (TKEStack up to v1.2.6; its gateway is
// /v3beta and /v3 gets Go's plain "404 page not found"), as etcd 3.4 (/v3), and with the gateway's
// own JSON errors. The JSON is etcd 3.4.23's (its /v3beta answers are the same bytes, and 3.3's
// gateway marshals the same messages).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHealth } from '../../../src/kube/health.js';
import { ETCD_MOVE_LEADER_SCRIPT, HEALTH_SCRIPT, parseSections } from '../../../src/kube/node-scripts.js';
import { fakeBin, runScript, useKeyPoolAndScratch } from './fixtures/pki.js';

const fx = useKeyPoolAndScratch('kcr-etcd-gateway');

const M1 = '3319814642761637952';
const M2 = '9372538179322589801';
const MEMBERS = JSON.stringify({
  header: { cluster_id: '324952591200643719', member_id: M1, raft_term: '2' },
  members: [
    { ID: M1, name: 'm1', peerURLs: ['https://10.0.0.1:2380'], clientURLs: ['https://10.0.0.1:2379'] },
    { ID: M2, name: 'm2', peerURLs: ['https://10.0.0.2:2380'], clientURLs: ['https://10.0.0.2:2379'] },
  ],
});
const STATUS_LEADER = JSON.stringify({
  header: { cluster_id: '324952591200643719', member_id: M1, revision: '1', raft_term: '2' },
  version: '3.4.23',
  dbSize: '20480',
  leader: M1,
  raftIndex: '4',
  raftTerm: '2',
  raftAppliedIndex: '4',
  dbSizeInUse: '16384',
});
const MOVED = JSON.stringify({ header: { cluster_id: '324952591200643719', member_id: M1, raft_term: '3' } });
/** etcd 3.4.23 to POST /v3/maintenance/transfer-leadership with an unknown member: the gateway's own 412. */
const BAD_TRANSFEREE =
  '{"error":"etcdserver: bad leader transferee","message":"etcdserver: bad leader transferee","code":9}';

/**
 * A curl answering POSTs to https://127.0.0.1:2379<path> from `<canned>/<path, / as _>` (code 200,
 * or the `.code` file's), Go's 404 page otherwise; honours -w '\n%{http_code}'. Logs each path.
 */
async function cannedCurl(
  answers: Record<string, string | [number, string]>,
): Promise<{ bin: string; calls: () => Promise<string[]> }> {
  const dir = await mkdtemp(join(fx.scratch, 'canned-'));
  for (const [path, answer] of Object.entries(answers)) {
    const [code, body] = typeof answer === 'string' ? [200, answer] : answer;
    const file = join(dir, path.replace(/\//g, '_'));
    await writeFile(file, body);
    await writeFile(`${file}.code`, String(code));
  }
  await writeFile(join(dir, 'calls'), '');
  const bin = await fakeBin(fx.scratch, {
    curl: [
      'for a in "$@"; do url="$a"; done',
      'case "$url" in https://127.0.0.1:2379/*) ;; *) echo "curl: (7) Failed to connect" >&2; exit 7 ;; esac',
      'p=${url#https://127.0.0.1:2379}',
      `d='${dir}'; printf '%s\\n' "$p" >> "$d/calls"`,
      'f="$d/$(printf %s "$p" | tr / _)"',
      'if [ -f "$f" ]; then cat "$f"; code=$(cat "$f.code"); else printf "404 page not found\\n"; code=404; fi',
      'case "$*" in *%{http_code}*) printf "\\n%s" "$code" ;; esac',
    ].join('\n'),
    // Nothing listens: the served-certificate sections stay empty.
    openssl: 'exit 1',
  });
  return { bin, calls: async () => (await readFile(join(dir, 'calls'), 'utf8')).split('\n').filter(Boolean) };
}

const k = '/etc/kubernetes';

describe('HEALTH_SCRIPT on etcd 3.3 and 3.4', () => {
  it('etcd 3.3: /v3 gets the 404 page, the member list comes from /v3beta', async () => {
    const curl = await cannedCurl({ '/v3beta/cluster/member/list': MEMBERS });
    const res = await runScript(HEALTH_SCRIPT, [k], { pathPrefix: curl.bin });
    expect(await curl.calls()).toEqual(
      expect.arrayContaining(['/v3/cluster/member/list', '/v3beta/cluster/member/list']),
    );
    expect(parseHealth(res.stdout).etcdMembers?.map((m) => m.name)).toEqual(['m1', 'm2']);
    expect(parseSections(res.stdout).get('etcd-gateway')).toBe('v3beta');
  });

  it('etcd 3.4: /v3 answers; /v3beta is never asked', async () => {
    const curl = await cannedCurl({ '/v3/cluster/member/list': MEMBERS, '/v3beta/cluster/member/list': MEMBERS });
    const res = await runScript(HEALTH_SCRIPT, [k], { pathPrefix: curl.bin });
    expect(parseHealth(res.stdout).etcdMembers?.map((m) => m.name)).toEqual(['m1', 'm2']);
    expect((await curl.calls()).filter((c) => c.includes('member/list'))).toEqual(['/v3/cluster/member/list']);
    expect(parseSections(res.stdout).get('etcd-gateway')).toBe('v3');
  });

  it('neither prefix: the member list is unreadable (the 404 page is not JSON)', async () => {
    const curl = await cannedCurl({});
    const res = await runScript(HEALTH_SCRIPT, [k], { pathPrefix: curl.bin });
    expect(parseSections(res.stdout).get('etcd-members')).toBe('404 page not found');
    expect(parseHealth(res.stdout).etcdMembers).toBeUndefined();
  });
});

describe('ETCD_MOVE_LEADER_SCRIPT on etcd 3.3 and 3.4', () => {
  it.each([
    ['3.3', 'v3beta'],
    ['3.4', 'v3'],
  ])('etcd %s: status, member list and transfer all through /%s', async (_version, prefix) => {
    const curl = await cannedCurl({
      [`/${prefix}/maintenance/status`]: STATUS_LEADER,
      [`/${prefix}/cluster/member/list`]: MEMBERS,
      [`/${prefix}/maintenance/transfer-leadership`]: MOVED,
    });
    const res = await runScript(ETCD_MOVE_LEADER_SCRIPT, [k], { pathPrefix: curl.bin });
    expect(res.stdout).toBe(`moved ${M1} ${M2}\n`);
    const wanted = ['/maintenance/status', '/cluster/member/list', '/maintenance/transfer-leadership'];
    expect(await curl.calls()).toEqual(
      prefix === 'v3' ? wanted.map((p) => `/v3${p}`) : wanted.flatMap((p) => [`/v3${p}`, `/v3beta${p}`]),
    );
  });

  it("a JSON error from /v3 is the gateway's own answer: reported, not retried under /v3beta", async () => {
    const curl = await cannedCurl({
      '/v3/maintenance/status': STATUS_LEADER,
      '/v3/cluster/member/list': MEMBERS,
      '/v3/maintenance/transfer-leadership': [412, BAD_TRANSFEREE],
    });
    const res = await runScript(ETCD_MOVE_LEADER_SCRIPT, [k], { pathPrefix: curl.bin });
    expect(res.stdout).toBe(`error ${BAD_TRANSFEREE}\n`);
    expect((await curl.calls()).some((c) => c.startsWith('/v3beta'))).toBe(false);
  });

  it('no gateway under either prefix: an error naming the 404 page', async () => {
    const curl = await cannedCurl({});
    const res = await runScript(ETCD_MOVE_LEADER_SCRIPT, [k], { pathPrefix: curl.bin });
    expect(res.stdout).toBe('error 404 page not found\n');
    expect(await curl.calls()).toEqual(['/v3/maintenance/status', '/v3beta/maintenance/status']);
  });

  it('a follower on etcd 3.3: not-leader', async () => {
    const curl = await cannedCurl({
      '/v3beta/maintenance/status': STATUS_LEADER.replace(`"leader":"${M1}"`, `"leader":"${M2}"`),
    });
    const res = await runScript(ETCD_MOVE_LEADER_SCRIPT, [k], { pathPrefix: curl.bin });
    expect(res.stdout).toBe('not-leader\n');
  });
});
