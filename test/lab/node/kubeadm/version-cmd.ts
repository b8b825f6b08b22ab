// `kubeadm version [-o short|json|yaml]` (cmd/version.go).
import crypto from 'node:crypto';
import YAML from 'yaml';
import type { KubeVersion } from '../../pki/version.js';
import { KubeadmError, type Io } from './env.js';

const GO_VERSIONS: Record<number, string> = {
  16: 'go1.13.15',
  17: 'go1.13.15',
  18: 'go1.13.9',
  19: 'go1.15.5',
  20: 'go1.15.10',
  21: 'go1.16.7',
  22: 'go1.16.15',
  23: 'go1.17.13',
  24: 'go1.19.4',
  25: 'go1.19.10',
  26: 'go1.20.10',
  27: 'go1.20.13',
  28: 'go1.21.9',
  29: 'go1.21.13',
  30: 'go1.22.12',
  31: 'go1.22.12',
  32: 'go1.23.12',
  33: 'go1.24.6',
};

function info(v: KubeVersion): Record<string, string> {
  return {
    major: String(v.major),
    minor: String(v.minor),
    gitVersion: `v${v.text}`,
    // Not the real commit: the lab's simulator has none; stable per version.
    gitCommit: crypto.createHash('sha1').update(`kcrlab-kubeadm-${v.text}`).digest('hex'),
    gitTreeState: 'clean',
    buildDate: '2020-05-20T12:49:29Z',
    goVersion: GO_VERSIONS[v.minor] ?? 'go1.24.6',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function runVersion(v: KubeVersion, output: string | null, io: Io): void {
  const i = info(v);
  if (output === null || output === '') {
    io.out(
      `kubeadm version: &version.Info{Major:"${i.major}", Minor:"${i.minor}", GitVersion:"${i.gitVersion}", GitCommit:"${i.gitCommit}", GitTreeState:"${i.gitTreeState}", BuildDate:"${i.buildDate}", GoVersion:"${i.goVersion}", Compiler:"${i.compiler}", Platform:"${i.platform}"}\n`,
    );
  } else if (output === 'short') {
    io.out(`${i.gitVersion}\n`);
  } else if (output === 'json') {
    io.out(JSON.stringify({ clientVersion: i }, null, 2) + '\n');
  } else if (output === 'yaml') {
    io.out(YAML.stringify({ clientVersion: i }));
  } else {
    throw new KubeadmError(`invalid output format: ${output}`);
  }
}
