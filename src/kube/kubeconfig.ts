// The public parts of a kubeconfig. The node-side script (node-scripts.ts) prints only the lines
// `server:`, `certificate-authority-data:`, `client-certificate-data:`, `client-certificate:` and
// `client-key:` (a path); client-key-data never leaves the node.

export interface KubeconfigPublic {
  server?: string;
  caData?: string;
  /** PEM of the embedded client certificate, when embedded. */
  clientCertPem?: string;
  /** Path of the client certificate, when it points at a file (kubelet.conf after 1.17). */
  clientCertPath?: string;
}

export function parseKubeconfigPublic(lines: string): KubeconfigPublic {
  const out: KubeconfigPublic = {};
  for (const line of lines.split('\n')) {
    const m = /^\s*([a-z-]+):\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    const unquoted = value.replace(/^["']|["']$/g, '');
    if (key === 'server' && out.server === undefined) out.server = unquoted;
    else if (key === 'certificate-authority-data' && out.caData === undefined) out.caData = unquoted;
    else if (key === 'client-certificate-data' && out.clientCertPem === undefined)
      out.clientCertPem = Buffer.from(unquoted, 'base64').toString('utf8');
    else if (key === 'client-certificate' && out.clientCertPath === undefined) out.clientCertPath = unquoted;
  }
  return out;
}
