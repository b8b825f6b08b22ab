// kubeadm's command tree for one version (kubeadm-facts.md §1): `alpha certs` up to 1.20 (deprecated
// in 1.20), `certs` from 1.20, `init phase kubeconfig`, `version`.
import { atLeast, type KubeVersion } from '../../pki/version.js';
import { renewHandlers } from './catalog.js';
import { runCheckExpiration } from './check-expiration.js';
import type { ConfigOptions } from './cluster-config.js';
import type { Command, FlagDef, Flags } from './cobra.js';
import { KubeadmError, KUBERNETES_DIR, type Io } from './env.js';
import { runInitKubeconfigAll } from './init-kubeconfig.js';
import { runRenew } from './renew.js';
import { runVersion } from './version-cmd.js';

const value = (name: string, shorthand?: string): FlagDef => ({ name, shorthand, takesValue: true });
const bool = (name: string): FlagDef => ({ name, takesValue: false });

function configOptions(flags: Flags): ConfigOptions {
  return {
    configPath: flags.get('config') ?? null,
    kubeconfigPath: flags.get('kubeconfig') ?? `${KUBERNETES_DIR}/admin.conf`,
    certDir: flags.get('cert-dir') ?? null,
    logPrefix: '',
  };
}

function certsCommand(v: KubeVersion, io: Io, deprecated: string | undefined): Command {
  const common = [value('config'), value('cert-dir'), ...(atLeast(v, 17) ? [value('kubeconfig')] : [])];
  const renewFlags = [...common, bool('csr-only'), value('csr-dir'), ...(atLeast(v, 19) ? [] : [bool('use-api')])];
  const renewLeaf = (name: string, longName: string): Command => ({
    name,
    short: name === 'all' ? 'Renew all available certificates' : `Renew the ${longName}`,
    kind: 'leaf',
    flags: renewFlags,
    deprecated,
    run: async (flags) => {
      if (flags.get('csr-only') === 'true' || flags.get('use-api') === 'true')
        throw new KubeadmError('kcrlab: --csr-only and --use-api are not simulated');
      await runRenew(v, name, configOptions(flags), io);
    },
  });
  const checkFlags = [...common, ...(atLeast(v, 30) ? [value('output', 'o')] : [])];
  const other = (name: string, short: string): Command => ({ ...notSimulated(name, short), deprecated });
  return {
    name: 'certs',
    aliases: ['certificates'],
    short: 'Commands related to handling kubernetes certificates',
    // Up to 1.20 `certs` has no Run: cobra prints its help and exits 0 on any argument (checked
    // against 1.20.2). Later ones run cmdutil.SubCmdRun (kept as the error it was simulated as).
    kind: atLeast(v, 21) ? 'subcmd' : 'help',
    // 1.20's deprecateCertsCommand marks the whole `alpha certs` tree, so it is hidden from alpha's help.
    deprecated,
    children: [
      {
        name: 'renew',
        short: 'Renew certificates for a Kubernetes cluster',
        long: 'This command is not meant to be run on its own. See list of available subcommands.',
        kind: 'subcmd',
        deprecated,
        children: [renewLeaf('all', ''), ...renewHandlers(v).map((h) => renewLeaf(h.name, h.longName))],
      },
      {
        name: 'check-expiration',
        short: 'Check certificates expiration for a Kubernetes cluster',
        kind: 'leaf',
        flags: checkFlags,
        deprecated,
        run: (flags) => runCheckExpiration(v, configOptions(flags), io, flags.get('output') ?? null),
      },
      ...(atLeast(v, 15) ? [other('certificate-key', 'Generate certificate keys')] : []),
      ...(atLeast(v, 19) ? [other('generate-csr', 'Generate keys and certificate signing requests')] : []),
    ],
  };
}

const notSimulated = (name: string, short: string): Command => ({
  name,
  short,
  kind: 'leaf',
  run: () => Promise.reject(new KubeadmError(`kcrlab: "kubeadm ${name}" is not simulated`)),
});

function initCommand(v: KubeVersion, io: Io): Command {
  const flags = [
    value('config'),
    value('cert-dir'),
    value('kubeconfig-dir'),
    value('apiserver-advertise-address'),
    value('apiserver-bind-port'),
    value('control-plane-endpoint'),
    value('kubernetes-version'),
  ];
  const phase = (name: string): Command => ({
    name,
    short: name === 'all' ? 'Generate all kubeconfig files' : `Generate a kubeconfig file for ${name}`,
    kind: 'leaf',
    flags,
    run: async (f) => {
      if (name !== 'all') throw new KubeadmError(`kcrlab: "kubeadm init phase kubeconfig ${name}" is not simulated`);
      const port = f.get('apiserver-bind-port');
      runInitKubeconfigAll(
        v,
        {
          configPath: f.get('config') ?? null,
          certDir: f.get('cert-dir') ?? null,
          kubeconfigDir: f.get('kubeconfig-dir') ?? KUBERNETES_DIR,
          advertiseAddress: f.get('apiserver-advertise-address') ?? null,
          controlPlaneEndpoint: f.get('control-plane-endpoint') ?? null,
          bindPort: port === undefined ? null : Number(port),
        },
        io,
      );
    },
  });
  const kubeconfigPhases = [
    'all',
    'admin',
    ...(atLeast(v, 29) ? ['super-admin'] : []),
    'kubelet',
    'controller-manager',
    'scheduler',
  ];
  return {
    ...notSimulated('init', 'Run this command in order to set up the Kubernetes control plane'),
    children: [
      {
        name: 'phase',
        short: 'Use this command to invoke single phase of the init workflow',
        kind: 'help',
        children: [
          {
            name: 'kubeconfig',
            short:
              'Generate all kubeconfig files necessary to establish the control plane and the admin kubeconfig file',
            kind: 'help',
            children: kubeconfigPhases.map(phase),
          },
        ],
      },
    ],
  };
}

export function kubeadmCommand(v: KubeVersion, io: Io): Command {
  const alphaChildren: Command[] = [];
  // 1.20 deprecates every `alpha certs` command; 1.21 removes them (k8s#94938, k8s#97706).
  if (!atLeast(v, 21))
    alphaChildren.push(
      certsCommand(v, io, atLeast(v, 20) ? 'please use the same command under "kubeadm certs"' : undefined),
    );
  alphaChildren.push(notSimulated('kubeconfig', 'Kubeconfig file utilities'));
  const children: Command[] = [
    { name: 'alpha', short: 'Kubeadm experimental sub-commands', kind: 'help', children: alphaChildren },
    ...(atLeast(v, 20) ? [certsCommand(v, io, undefined)] : []),
    notSimulated('completion', 'Output shell completion code for the specified shell (bash or zsh)'),
    notSimulated('config', 'Manage configuration for a kubeadm cluster persisted in a ConfigMap in the cluster'),
    initCommand(v, io),
    notSimulated('join', 'Run this on any machine you wish to join an existing cluster'),
    ...(atLeast(v, 21) ? [notSimulated('kubeconfig', 'Kubeconfig file utilities')] : []),
    notSimulated(
      'reset',
      "Performs a best effort revert of changes made to this host by 'kubeadm init' or 'kubeadm join'",
    ),
    notSimulated('token', 'Manage bootstrap tokens'),
    notSimulated('upgrade', 'Upgrade your cluster smoothly to a newer version with this command'),
    {
      name: 'version',
      short: 'Print the version of kubeadm',
      kind: 'leaf',
      flags: [value('output', 'o')],
      run: (flags) => Promise.resolve(runVersion(v, flags.get('output') ?? null, io)),
    },
  ];
  return { name: 'kubeadm', short: 'kubeadm: easily bootstrap a secure Kubernetes cluster', kind: 'help', children };
}
