// Proof of restart by time (fidelity-audit.md §5): a component runs on its current credentials when
// it started after its credential files last changed, both on the node's clock. What it serves is
// no proof: kube-apiserver 1.17+ reloads its serving certificate every minute and etcd reads its
// files on every handshake. Two start times are read: the container's (docker/crictl inspect), and,
// without credentials, the one named by a certificate the process made in memory at start
// (`apiserver-loopback-client@<unix>`, `localhost@<unix>`); either one older than the files says
// "not restarted". Pure: parses COMPONENT_STARTS_SCRIPT's output.
import type { ControlPlaneComponent } from './runtime.js';
import { parseSections } from './node-scripts.js';
import { parseCertificate, splitPemCertificates } from './x509.js';

/** The credential files each component loads, relative to /etc/kubernetes (kubeadm's manifests). The
 *  CAs and service-account keys are left out: kubeadm renewal never rewrites them. */
export const CREDENTIAL_FILES: Record<ControlPlaneComponent, readonly string[]> = {
  etcd: ['pki/etcd/server.crt', 'pki/etcd/server.key', 'pki/etcd/peer.crt', 'pki/etcd/peer.key'],
  'kube-apiserver': [
    'pki/apiserver.crt',
    'pki/apiserver.key',
    'pki/apiserver-etcd-client.crt',
    'pki/apiserver-etcd-client.key',
    'pki/apiserver-kubelet-client.crt',
    'pki/apiserver-kubelet-client.key',
    'pki/front-proxy-client.crt',
    'pki/front-proxy-client.key',
  ],
  // Both embed their client certificate in the kubeconfig and read it once, at start.
  'kube-controller-manager': ['controller-manager.conf'],
  'kube-scheduler': ['scheduler.conf'],
};

/** COMPONENT_STARTS_SCRIPT items: `<component>:<file>:<file>...`. */
export function componentStartItems(components: readonly ControlPlaneComponent[]): string[] {
  return components.map((c) => [c, ...CREDENTIAL_FILES[c]].join(':'));
}

export type RestartVerdict = 'restarted' | 'not-restarted' | 'unknown';

export interface ComponentRestart {
  component: ControlPlaneComponent;
  /** The running container's start (ISO, the node's clock). */
  containerStartedAt?: string;
  /** The process start named by its in-memory certificate (`…@<unix>`), when it serves one. */
  servedStartedAt?: string;
  /** The credential file changed last, and when (its mtime). */
  newestFile?: string;
  filesChangedAt?: string;
  verdict: RestartVerdict;
  detail: string;
  /** The last authentication errors in the running container's log (401, x509), when any. */
  authErrors?: string[];
}

/** `@<unix seconds>` at the end of a subject's CN, as client-go's GenerateSelfSignedCertKey writes it. */
export function startNamedBySubject(subject: string | undefined): Date | undefined {
  const m = /CN=[^,]*@(\d{9,11})(?:,|$)/.exec(subject ?? '');
  return m ? new Date(Number(m[1]) * 1000) : undefined;
}

function servedStart(body: string | undefined): Date | undefined {
  const pem = splitPemCertificates(body ?? '')[0];
  if (!pem) return undefined;
  try {
    return startNamedBySubject(parseCertificate(pem).subject);
  } catch {
    return undefined;
  }
}

function newestFile(body: string | undefined): { path: string; mtimeSec: number } | undefined {
  let newest: { path: string; mtimeSec: number } | undefined;
  for (const line of (body ?? '').split('\n')) {
    const m = /^(\d+) (.+)$/.exec(line.trim());
    if (!m) continue;
    const mtimeSec = Number(m[1]);
    if (mtimeSec > 0 && (!newest || mtimeSec > newest.mtimeSec)) newest = { path: m[2]!, mtimeSec };
  }
  return newest;
}

const iso = (d: Date): string => d.toISOString();
const wholeSeconds = (d: Date): number => Math.floor(d.getTime() / 1000);

/** One verdict per component. `parseStartedAt` reads the runtime's inspect output. */
export function judgeRestarts(
  output: string,
  components: readonly ControlPlaneComponent[],
  parseStartedAt: (inspect: string) => Date | undefined,
): ComponentRestart[] {
  const s = parseSections(output);
  return components.map((component): ComponentRestart => {
    const container = parseStartedAt(s.get(`started ${component}`) ?? '');
    const served = servedStart(s.get(`served-start ${component}`));
    const file = newestFile(s.get(`files ${component}`));
    const authErrors = (s.get(`auth-errors ${component}`) ?? '')
      .split('\n')
      .map((l) => l.trim().slice(0, 300))
      .filter(Boolean);
    const base: ComponentRestart = {
      component,
      ...(authErrors.length ? { authErrors } : {}),
      ...(container ? { containerStartedAt: iso(container) } : {}),
      ...(served ? { servedStartedAt: iso(served) } : {}),
      ...(file ? { newestFile: file.path, filesChangedAt: iso(new Date(file.mtimeSec * 1000)) } : {}),
      verdict: 'unknown',
      detail: '',
    };
    if (!file) return { ...base, detail: 'none of its credential files was found' };
    const starts: [string, Date][] = [];
    if (container) starts.push(['its container started', container]);
    if (served) starts.push([`its in-memory certificate names its start`, served]);
    if (starts.length === 0) return { ...base, detail: 'no running container and no start time served' };
    // Whole seconds: a start in the same second as the change counts as after it.
    const early = starts.find(([, at]) => wholeSeconds(at) < file.mtimeSec);
    if (early)
      return {
        ...base,
        verdict: 'not-restarted',
        detail: `${early[0]} ${iso(early[1])}, before ${file.path} changed (${iso(new Date(file.mtimeSec * 1000))}): it still runs on the credentials it loaded then`,
      };
    return {
      ...base,
      verdict: 'restarted',
      detail: `${starts.map(([what, at]) => `${what} ${iso(at)}`).join(' and ')}, after ${file.path} changed`,
    };
  });
}
