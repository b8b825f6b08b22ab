// `kubeadm [alpha] certs renew <name>|all` (cmd/certs.go renewCert; kubeadm-facts.md §2-§3).
import { atLeast, type KubeVersion } from '../../pki/version.js';
import { readFaults } from '../common/node-config.js';
import { dropSessionIfFaulted } from '../common/session-drop.js';
import { renewHandlers, type RenewHandler } from './catalog.js';
import { certPath, handlerPath, loadCa, readHandlerCert, renewedFrom } from './cert-store.js';
import { loadEffectiveConfig, type ConfigOptions, type EffectiveConfig } from './cluster-config.js';
import { hasFix106891, KubeadmError, writeInPlace, type Io } from './env.js';
import { loadKubeconfig, renderKubeconfigDoc } from './kubeconfig-file.js';

const CERT_MODE = 0o644;
const SECRET_MODE = 0o600;

type Outcome = 'renewed' | 'missing' | 'external';

function renewOne(v: KubeVersion, handler: RenewHandler, cfg: EffectiveConfig, failWrite: boolean): Outcome {
  const old = readHandlerCert(handler, cfg.certificatesDir);
  if (!old) return 'missing';
  const ca = loadCa(handler.ca, cfg.certificatesDir);
  if (!ca) {
    throw new KubeadmError(
      `failure loading ${handler.ca.baseName} certificate authority: couldn't load the certificate file ${certPath(cfg.certificatesDir, handler.ca.baseName, 'crt')}: open ${certPath(cfg.certificatesDir, handler.ca.baseName, 'crt')}: no such file or directory`,
    );
  }
  if (!ca.signer) {
    // Before k8s#106891 the etcd CA could not be external: its missing key is an error.
    if (handler.ca.baseName === 'etcd/ca' && !hasFix106891(v)) {
      const keyPath = certPath(cfg.certificatesDir, 'etcd/ca', 'key');
      throw new KubeadmError(
        `failure loading etcd/ca certificate authority: couldn't load the private key file ${keyPath}: open ${keyPath}: no such file or directory`,
      );
    }
    return 'external';
  }
  const target = handlerPath(handler, cfg.certificatesDir);
  if (failWrite)
    throw new KubeadmError(`unable to write certificate to file ${target}: write ${target}: input/output error`);
  const renewed = renewedFrom(old, ca.signer, cfg.validityMs);
  if (handler.kind === 'cert') {
    // pkiutil.WriteCertAndKey: the key first, then the certificate.
    writeInPlace(certPath(cfg.certificatesDir, handler.file, 'key'), renewed.key.privatePem, SECRET_MODE);
    writeInPlace(certPath(cfg.certificatesDir, handler.file, 'crt'), renewed.certPem, CERT_MODE);
    return 'renewed';
  }
  const kc = loadKubeconfig(target);
  if (!kc) return 'missing';
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  kc.user['client-certificate-data'] = b64(renewed.certPem);
  kc.user['client-key-data'] = b64(renewed.key.privatePem);
  // Since 1.18 the CA data is reset to the current ca.crt (k8s#88052).
  if (atLeast(v, 18)) kc.cluster['certificate-authority-data'] = b64(ca.certPem);
  // 1.20.2's Read (LoadFromFile) and Write round trip leaves every user with `as-user-extra: null`
  // (seen against the real binary; other versions not checked, so left without it).
  if (v.major === 1 && v.minor === 20)
    for (const u of kc.doc.users ?? [])
      if (u.user && typeof u.user === 'object') (u.user as Record<string, unknown>)['as-user-extra'] = null;
  writeInPlace(target, renderKubeconfigDoc(kc.doc), SECRET_MODE);
  return 'renewed';
}

export async function runRenew(v: KubeVersion, target: string, cfgOpts: ConfigOptions, io: Io): Promise<void> {
  const cfg = await loadEffectiveConfig(v, { ...cfgOpts, logPrefix: 'renew' }, io);
  const all = renewHandlers(v, cfg.externalEtcd);
  const handlers = target === 'all' ? all : all.filter((h) => h.name === target);
  // The lab's kubeadmRenewFail fault: the first certificate is renewed, the next write fails (a
  // half-done renewal); a single-certificate renew fails without writing.
  const faulty = readFaults().kubeadmRenewFail === true;
  let renewedCount = 0;
  for (const handler of handlers) {
    const outcome = renewOne(v, handler, cfg, faulty && (handlers.length === 1 || renewedCount >= 1));
    if (outcome === 'missing') io.out(`MISSING! ${handler.longName}\n`);
    else if (outcome === 'external')
      io.out(`Detected external ${handler.ca.baseName}, ${handler.longName} can't be renewed\n`);
    else {
      renewedCount += 1;
      io.out(`${handler.longName} renewed\n`);
      // ssh-drop-during renew: the session is cut after the first certificate; a Go program then
      // dies of SIGPIPE at its next write to the closed channel (exit 141 as a shell reports it).
      if (renewedCount === 1 && dropSessionIfFaulted('renew')) process.exit(141);
    }
  }
  if (target === 'all' && atLeast(v, 20)) {
    io.out(
      '\nDone renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.\n',
    );
  }
}
