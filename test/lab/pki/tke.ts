// TKEStack objects of a global cluster (kubeadm-facts.md §8): ConfigMap tke/certs in the shape of the
// TKEStack release, and the Deployments of the TKE APIs that release runs.
import { DAY_MS, issueCert, type Issued } from './certs.js';
import { takeKey } from './keys.js';
import type { CaSet, IssueContext } from './cluster-pki.js';
import { leafValidity } from './cluster-pki.js';

export type TkeCertsShape = '1.2' | '1.3';

/** The TKEStack release a ConfigMap shape stands for. */
export function tkeVersionOf(shape: TkeCertsShape): string {
  return shape === '1.2' ? 'v1.2.6' : 'v1.3.0';
}

export function tkeApiNames(shape: TkeCertsShape): string[] {
  const names = [
    'tke-platform-api',
    'tke-business-api',
    'tke-registry-api',
    'tke-auth-api',
    'tke-monitor-api',
    'tke-notify-api',
  ];
  if (shape === '1.3') names.push('tke-logagent-api', 'tke-audit-api');
  return names;
}

const HUNDRED_YEARS_DAYS = 36500;

/**
 * Data of ConfigMap tke/certs. Shape "1.2": etcd.crt/key copy the first master's
 * apiserver-etcd-client; shape "1.3": the installer's own 100-year etcd client cert, CN `tke`.
 */
export function tkeCertsData(
  shape: TkeCertsShape,
  cas: CaSet,
  firstMasterEtcdClient: Issued,
  ctx: IssueContext,
): Record<string, string> {
  const installerValidity =
    shape === '1.3'
      ? { notBefore: ctx.createdAt, notAfter: new Date(ctx.createdAt.getTime() + HUNDRED_YEARS_DAYS * DAY_MS) }
      : leafValidity(ctx.createdAt);
  const issue = (
    commonName: string,
    signer: Issued,
    extra: { organizations?: string[]; dnsNames?: string[]; server?: boolean },
  ): Issued =>
    issueCert(
      {
        commonName,
        organizations: extra.organizations,
        dnsNames: extra.dnsNames,
        usages: extra.server ? ['serverAuth', 'clientAuth'] : ['clientAuth'],
        ...installerValidity,
      },
      takeKey(ctx.reuseKeys),
      signer,
    );
  const etcd = shape === '1.2' ? firstMasterEtcdClient : issue('tke', cas.etcdCa, {});
  const server = issue('tke-server', cas.ca, {
    dnsNames: ['localhost', '*.tke.svc', '*.tke.svc.cluster.local'],
    server: true,
  });
  const admin = issue('admin', cas.ca, { organizations: ['system:masters'] });
  return {
    'etcd-ca.crt': cas.etcdCa.certPem,
    'etcd.crt': etcd.certPem,
    'etcd.key': etcd.key.privatePem,
    'ca.crt': cas.ca.certPem,
    'ca.key': cas.ca.key.privatePem,
    'front-proxy-ca.crt': cas.frontProxyCa.certPem,
    'server.crt': server.certPem,
    'server.key': server.key.privatePem,
    'admin.crt': admin.certPem,
    'admin.key': admin.key.privatePem,
    'password.csv': 'admin,admin,1\n',
    'token.csv': 'kcrlab-token,admin,1,"system:masters"\n',
  };
}

export function tkeDeployment(name: string, shape: TkeCertsShape, replicas: number): Record<string, unknown> {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'tke', labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name,
              image: `tkestack/${name}-amd64:${tkeVersionOf(shape)}`,
              args: ['-C=/app/conf/' + name + '.toml'],
              volumeMounts: [{ name: 'certs-volume', mountPath: '/app/certs' }],
            },
          ],
          volumes: [{ name: 'certs-volume', configMap: { name: 'certs' } }],
        },
      },
    },
  };
}
