// `kubeadm [alpha] certs check-expiration` (cmd/certs.go; kubeadm-facts.md §2): a tabwriter table
// of the renewal handlers' certificates, and (1.17+) one of the CAs.
import { atLeast, type KubeVersion } from '../../pki/version.js';
import { CAS, renewHandlers } from './catalog.js';
import { certPath, loadCa, readHandlerCert } from './cert-store.js';
import { loadEffectiveConfig, type ConfigOptions } from './cluster-config.js';
import { formatExpiry, humanDuration, shortHumanDuration } from './duration.js';
import { hasFix106891, KubeadmError, type Io } from './env.js';
import { tabwrite } from './tabwriter.js';

/**
 * 1.20 before k8s#106891: the kubeconfig read-writer loads the CA with its key
 * (TryLoadCertAndKeyFromDisk), so an external CA fails check-expiration on the first kubeconfig
 * row (admin.conf). Checked against 1.20.2 only; other versions are left printing the rows.
 */
const readsCaKeyForKubeconfigs = (v: KubeVersion): boolean => v.major === 1 && v.minor === 20 && !hasFix106891(v);

const yesNo = (b: boolean): string => (b ? 'yes' : 'no').padEnd(8);

export async function runCheckExpiration(
  v: KubeVersion,
  cfgOpts: ConfigOptions,
  io: Io,
  output: string | null,
): Promise<void> {
  // -o exists from 1.30 (the parser rejects it before); only its default, text, is simulated.
  if (output === 'json' || output === 'yaml')
    throw new KubeadmError(`kcrlab: check-expiration -o ${output} is not simulated`);
  if (output !== null && output !== 'text') {
    throw new KubeadmError(
      `unable to match a printer suitable for the output format "${output}", allowed formats are: json,yaml,text`,
    );
  }
  const cfg = await loadEffectiveConfig(v, { ...cfgOpts, logPrefix: 'check-expiration' }, io);
  const residual = (notAfter: Date): string =>
    (atLeast(v, 31) ? humanDuration : shortHumanDuration)(notAfter.getTime() - Date.now());
  const withCaColumn = atLeast(v, 17);
  const lines: string[] = [];
  lines.push(
    withCaColumn
      ? 'CERTIFICATE\tEXPIRES\tRESIDUAL TIME\tCERTIFICATE AUTHORITY\tEXTERNALLY MANAGED'
      : 'CERTIFICATE\tEXPIRES\tRESIDUAL TIME\tEXTERNALLY MANAGED',
  );
  for (const handler of renewHandlers(v, cfg.externalEtcd)) {
    const cert = readHandlerCert(handler, cfg.certificatesDir);
    if (!cert) {
      lines.push(`!MISSING! ${handler.name}` + (withCaColumn ? '\t\t\t\t' : '\t\t\t'));
      continue;
    }
    const ca = loadCa(handler.ca, cfg.certificatesDir);
    const external = ca !== null && ca.signer === null;
    if (external && handler.kind === 'kubeconfig' && readsCaKeyForKubeconfigs(v)) {
      // The table is written to a tabwriter that is never flushed: nothing of it is printed.
      const keyPath = certPath(cfg.certificatesDir, handler.ca.baseName, 'key');
      throw new KubeadmError(
        `failed to load existing certificate ${handler.ca.baseName}: failed to load key: couldn't load the private key file ${keyPath}: open ${keyPath}: no such file or directory`,
      );
    }
    const notAfter = cert.validity.notAfter;
    const cells = [handler.name, formatExpiry(notAfter), residual(notAfter)];
    // kubeconfig rows had no CA name before k8s#106891.
    if (withCaColumn) cells.push(handler.kind === 'kubeconfig' && !hasFix106891(v) ? '' : handler.ca.name);
    lines.push(`${cells.join('\t')}\t${yesNo(external)}`);
  }
  if (withCaColumn) {
    lines.push('');
    lines.push('CERTIFICATE AUTHORITY\tEXPIRES\tRESIDUAL TIME\tEXTERNALLY MANAGED');
    for (const caDef of CAS) {
      if (cfg.externalEtcd && caDef.name === 'etcd-ca') continue;
      const ca = loadCa(caDef, cfg.certificatesDir);
      if (!ca) {
        lines.push(`!MISSING! ${caDef.name}\t\t\t`);
        continue;
      }
      const notAfter = ca.cert.validity.notAfter;
      lines.push(`${caDef.name}\t${formatExpiry(notAfter)}\t${residual(notAfter)}\t${yesNo(ca.signer === null)}`);
    }
  }
  io.out(tabwrite(lines.join('\n') + '\n'));
}
