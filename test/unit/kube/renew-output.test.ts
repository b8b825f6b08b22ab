import { describe, expect, it } from 'vitest';
import { parseRenewOutput } from '../../../src/kube/renew-output.js';
import { renewableCerts } from '../../../src/kube/cert-catalog.js';
import { parseVersion } from '../../../src/kube/version.js';

// The exact 1.16 and 1.18 outputs from the TKEStack guide (procedure.md).
const TEN = `certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself renewed
certificate for serving the Kubernetes API renewed
certificate the apiserver uses to access etcd renewed
certificate for the API server to connect to kubelet renewed
certificate embedded in the kubeconfig file for the controller manager to use renewed
certificate for liveness probes to healthcheck etcd renewed
certificate for etcd nodes to communicate with each other renewed
certificate for serving etcd renewed
certificate for the front proxy client renewed
certificate embedded in the kubeconfig file for the scheduler manager to use renewed
`;
const HEADER_118 = `[renew] Reading configuration from the cluster...
[renew] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -oyaml'

`;

describe('parseRenewOutput', () => {
  it('reads the 1.16 output: ten certificates renewed, nothing unexpected', () => {
    const out = parseRenewOutput(TEN);
    expect([...out.certs.values()].every((o) => o === 'renewed')).toBe(true);
    expect([...out.certs.keys()]).toEqual(renewableCerts(parseVersion('1.16.9')!, 'stacked').map((c) => c.name));
    expect(out.unexpected).toEqual([]);
    expect(out.fellBackToDefaults).toBe(false);
  });

  it('reads the 1.18 output with its header', () => {
    const out = parseRenewOutput(HEADER_118 + TEN);
    expect(out.certs.size).toBe(10);
    expect(out.unexpected).toEqual([]);
  });

  it('reports MISSING!, external CA, the fallback line and the 1.20 deprecation notice', () => {
    const out = parseRenewOutput(
      '[renew] Error reading configuration from the Cluster. Falling back to default configuration\n\n' +
        'MISSING! certificate embedded in the kubeconfig file for the super-admin\n' +
        "Detected external ca, certificate for serving the Kubernetes API can't be renewed\n" +
        '\nDone renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.\n',
      'Command "all" is deprecated, please use the same command under "kubeadm certs"\n',
    );
    expect(out.fellBackToDefaults).toBe(true);
    expect(out.certs.get('super-admin.conf')).toBe('missing');
    expect(out.certs.get('apiserver')).toBe('external');
    expect(out.warnings).toHaveLength(1);
    expect(out.unexpected).toEqual([]);
  });

  it('treats truncated or foreign output as unexpected, never as renewed', () => {
    const out = parseRenewOutput('certificate for serving the Kubernetes API renew\nsegmentation fault\n');
    expect(out.certs.size).toBe(0);
    expect(out.unexpected).toEqual(['certificate for serving the Kubernetes API renew', 'segmentation fault']);
  });
});

describe('renewableCerts', () => {
  it('adds super-admin.conf from 1.29 and drops etcd certificates for external etcd', () => {
    expect(renewableCerts(parseVersion('1.29.0')!, 'stacked').map((c) => c.name)).toContain('super-admin.conf');
    expect(renewableCerts(parseVersion('1.28.9')!, 'stacked').map((c) => c.name)).not.toContain('super-admin.conf');
    expect(renewableCerts(parseVersion('1.21.4')!, 'external').map((c) => c.name)).toEqual([
      'admin.conf',
      'apiserver',
      'apiserver-kubelet-client',
      'controller-manager.conf',
      'front-proxy-client',
      'scheduler.conf',
    ]);
  });
});
