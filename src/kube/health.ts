// Parses HEALTH_SCRIPT's output into a verdict per check. Pure.
import { parseSections } from './node-scripts.js';
import { parseCertificate, splitPemCertificates } from './x509.js';

export interface HttpProbe {
  ok: boolean;
  code?: number;
  detail: string;
}

export interface EtcdMember {
  name: string;
  clientUrls: string[];
}

export interface HealthReport {
  apiserverReady: HttpProbe;
  controllerManager: HttpProbe;
  scheduler: HttpProbe;
  /** Undefined when the member list could not be read (local etcd down). */
  etcdMembers?: EtcdMember[];
  etcdMemberHealth: { url: string; healthy: boolean; detail: string }[];
  served: { apiserver?: string; etcd?: string };
  disk: { apiserver?: string; etcd?: string };
  /** Serving certificate on :6443 / :2379 is the one on disk (by SHA-256 fingerprint). */
  apiserverServesDisk: boolean;
  etcdServesDisk: boolean;
}

function httpProbe(body: string | undefined): HttpProbe {
  const lines = (body ?? '').split('\n');
  const code = Number(lines.pop());
  const text = lines.join(' ').trim();
  if (!Number.isInteger(code) || code === 0) return { ok: false, detail: text || 'no answer' };
  return { ok: code === 200, code, detail: code === 200 ? 'ok' : `HTTP ${code} ${text}`.slice(0, 200) };
}

function fingerprint(text: string | undefined): string | undefined {
  const pem = splitPemCertificates(text ?? '')[0];
  if (!pem) return undefined;
  try {
    return parseCertificate(pem).fingerprint256;
  } catch {
    return undefined;
  }
}

export function parseHealth(output: string): HealthReport {
  const s = parseSections(output);
  let etcdMembers: EtcdMember[] | undefined;
  try {
    const doc = JSON.parse(s.get('etcd-members') ?? '') as { members?: { name?: string; clientURLs?: string[] }[] };
    if (Array.isArray(doc.members))
      etcdMembers = doc.members.map((m) => ({ name: m.name ?? '', clientUrls: m.clientURLs ?? [] }));
  } catch {
    etcdMembers = undefined;
  }
  const etcdMemberHealth = [...s.entries()]
    .filter(([key]) => key.startsWith('etcd-health '))
    .map(([key, body]) => {
      let healthy = false;
      try {
        healthy = (JSON.parse(body) as { health?: string | boolean }).health?.toString() === 'true';
      } catch {
        healthy = false;
      }
      return {
        url: key.slice('etcd-health '.length),
        healthy,
        detail: healthy ? 'healthy' : body.trim().slice(0, 200) || 'no answer',
      };
    });
  const served = { apiserver: fingerprint(s.get('served-apiserver')), etcd: fingerprint(s.get('served-etcd')) };
  const disk = { apiserver: fingerprint(s.get('disk-apiserver')), etcd: fingerprint(s.get('disk-etcd')) };
  return {
    apiserverReady: httpProbe(s.get('apiserver-readyz')),
    controllerManager: httpProbe(s.get('controller-manager-healthz')),
    scheduler: httpProbe(s.get('scheduler-healthz')),
    etcdMembers,
    etcdMemberHealth,
    served,
    disk,
    apiserverServesDisk: Boolean(served.apiserver && served.apiserver === disk.apiserver),
    etcdServesDisk: Boolean(served.etcd && served.etcd === disk.etcd),
  };
}

/** The client URLs to probe: the first of each member's list. */
export function memberUrls(members: EtcdMember[]): string[] {
  return members.map((m) => m.clientUrls[0]).filter((u): u is string => Boolean(u));
}
