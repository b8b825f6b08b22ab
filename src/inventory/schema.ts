// The inventory file's format, as zod schemas (strict: an unknown key is an error, never ignored).
// Hostile values (spaces, quotes, `;`, `$()`, backticks, newlines, leading dashes) are refused here,
// so nothing later has to wonder. Secrets never appear: only names of environment variables.
import { isIP } from 'node:net';
import { z } from 'zod';

/** `.refine` with our one-line message and a hint of what to do (read by src/yaml/zod-issues.ts). */
function must<T extends z.ZodType>(schema: T, test: (value: z.output<T>) => boolean, message: string, hint: string) {
  return schema.refine(test, { message, params: { hint } });
}

/** A string matching `pattern`. */
function matching(pattern: RegExp, message: string, hint: string) {
  return must(z.string(), (v) => pattern.test(v), message, hint);
}

const NAME_RE = /^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/;
// Host names as clouds and `kubectl get nodes` give them: Tencent CVM's `VM-0-12-centos`, older
// images' `vm_0_12_centos`, FQDNs. Letters of either case, digits, ".", "-" and "_": nothing a shell
// or a path could misread. Compared without case (Kubernetes lowercases node names).
const HOST_NAME_RE = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/;
const USER_RE = /^[a-z_][a-z0-9_-]{0,31}$/;
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
// "_" too: resolvers accept it (/etc/hosts, most DNS servers), and cloud host names carry it.
const HOST_LABEL_RE = /^[A-Za-z0-9]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;
const VERSION_RE = /^v?\d+\.\d+\.\d+$/;
const REMOTE_DIR_RE = /^\/[A-Za-z0-9._/-]*$/;
const VAR_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isValidUser(value: string): boolean {
  return USER_RE.test(value);
}

export function isValidAddress(value: string): boolean {
  if (isIP(value) !== 0) return true;
  return value.length <= 253 && value.split('.').every((label) => HOST_LABEL_RE.test(label));
}

/** A cluster name: a DNS-label-like word (also what `--cluster` matches). */
export const nameSchema = matching(
  NAME_RE,
  'invalid name',
  'use lowercase letters, digits, "-" and "."; start and end with a letter or digit; at most 63 characters',
);

/** A host name: what --limit matches, and the address when none is given. */
export const hostNameSchema = matching(
  HOST_NAME_RE,
  'invalid host name',
  'use letters, digits, "-", "_" and "."; start and end with a letter or digit; at most 253 characters',
);

const addressSchema = must(
  z.string(),
  isValidAddress,
  'invalid address',
  'write a host name of letters, digits, "-" and ".", or an IPv4/IPv6 address, without brackets or a port',
);

const userSchema = matching(
  USER_RE,
  'invalid user name',
  'use lowercase letters, digits, "_" and "-", starting with a letter or "_", at most 32 characters',
);

const envNameSchema = matching(
  ENV_NAME_RE,
  'invalid environment variable name',
  'give the NAME of the environment variable that holds the secret, never the secret itself',
);

/** A local file path: relative to the inventory's folder, `~` or `~/...` for the home folder. */
const localPathSchema = must(
  must(
    z.string().min(1),
    (v) => !/[\0\r\n]/.test(v),
    'invalid path (it contains a control character)',
    'write the path on one line',
  ),
  (v) => !/^~[^/]/.test(v),
  'only "~" and "~/..." are expanded, not "~user"',
  'write the full path',
);

const portSchema = z.number().int().min(1).max(65535);

const agentSchema = z.union([
  z.boolean(),
  must(
    localPathSchema,
    (v) => v.includes('/'),
    '"agent" must be true, false or the path of an ssh-agent socket',
    'write true to use SSH_AUTH_SOCK, or a path such as /run/user/1000/ssh-agent.sock',
  ),
]);

const sshTargetFields = {
  user: userSchema.optional(),
  port: portSchema.optional(),
  identityFile: localPathSchema.optional(),
  knownHostsFiles: z.array(localPathSchema).min(1).optional(),
  agent: agentSchema.optional(),
  passwordEnv: envNameSchema.optional(),
  passphraseEnv: envNameSchema.optional(),
  connectTimeoutMs: z.number().int().min(100).max(600_000).optional(),
};

/** A jump host. Unset fields come from the target's SSH settings (never its passwordEnv). */
export const bastionSchema = z.strictObject({ address: addressSchema, ...sshTargetFields });

/**
 * SSH settings at any level; `bastion: null` (or empty) turns off a bastion set further up.
 * `configFile`: the OpenSSH client config read for what the inventory leaves unset (default
 * ~/.ssh/config when it exists; false: none).
 */
export const sshSchema = z.strictObject({
  ...sshTargetFields,
  bastion: bastionSchema.nullable().optional(),
  configFile: z.union([localPathSchema, z.literal(false)]).optional(),
});

export const becomeSchema = z.strictObject({
  enabled: z.boolean().optional(),
  passwordEnv: envNameSchema.optional(),
});

const mirrorUrlSchema = must(
  must(
    z.string(),
    (v) => /^https?:\/\/[^\s"'`\\]+$/.test(v) && URL.canParse(v.replace(/\{(version|arch)\}/g, 'x')),
    'invalid "mirrorUrl"',
    'write an http(s) URL; {version} and {arch} are substituted',
  ),
  (v) => !/\{(?!version\}|arch\})/.test(v),
  '"mirrorUrl" has an unknown placeholder',
  'only {version} and {arch} are substituted',
);

export const kubeadmSchema = z.strictObject({
  provision: z.enum(['none', 'upload', 'download']).optional(),
  localBinary: localPathSchema.optional(),
  mirrorUrl: mirrorUrlSchema.optional(),
  installDir: must(
    z.string(),
    (v) => REMOTE_DIR_RE.test(v) && !v.split('/').includes('..'),
    'invalid "installDir"',
    'write an absolute path on the node with letters, digits, ".", "_", "-" and "/" only',
  ).optional(),
});

const varsSchema = z.record(
  matching(VAR_NAME_RE, 'is not a valid variable name', 'use letters, digits and "_", not starting with a digit'),
  z.union([z.string(), z.number(), z.boolean()]),
);

export const hostSchema = z.strictObject({
  name: hostNameSchema,
  address: addressSchema.optional(),
  ssh: sshSchema.optional(),
  become: becomeSchema.optional(),
  vars: varsSchema.optional(),
});

export const clusterSchema = z.strictObject({
  name: nameSchema,
  // `imported` gets its reason rather than "must be one of".
  type: must(
    z.string(),
    (v) => v !== 'imported',
    "imported clusters are not supported: TKEStack did not build them, and their PKI is not kubeadm's",
    'remove this cluster, or renew its certificates with the tools of whoever built it',
  ).pipe(z.enum(['global', 'standalone'])),
  kubernetesVersion: matching(VERSION_RE, 'invalid "kubernetesVersion"', 'write it in quotes, as "1.18.3"').optional(),
  runtime: z.enum(['docker', 'containerd']).optional(),
  etcd: z.enum(['stacked', 'external']).optional(),
  ssh: sshSchema.optional(),
  become: becomeSchema.optional(),
  kubeadm: kubeadmSchema.optional(),
  vars: varsSchema.optional(),
  masters: z.array(hostSchema).min(1),
  workers: z.array(hostSchema).optional(),
});

export const defaultsSchema = z.strictObject({
  ssh: sshSchema.optional(),
  become: becomeSchema.optional(),
  kubeadm: kubeadmSchema.optional(),
  vars: varsSchema.optional(),
});

export const inventorySchema = z.strictObject({
  defaults: defaultsSchema.optional(),
  clusters: z.array(clusterSchema).min(1),
});

export type RawInventory = z.output<typeof inventorySchema>;
export type RawDefaults = z.output<typeof defaultsSchema>;
export type RawCluster = z.output<typeof clusterSchema>;
export type RawHost = z.output<typeof hostSchema>;
export type RawSsh = z.output<typeof sshSchema>;
export type RawBastion = z.output<typeof bastionSchema>;
export type RawBecome = z.output<typeof becomeSchema>;
export type RawKubeadm = z.output<typeof kubeadmSchema>;
export type RawVars = z.output<typeof varsSchema>;

/** Keys that would hold a secret inline, and the key to use instead. */
export const INLINE_SECRET_KEYS: Record<string, string | undefined> = {
  password: 'passwordEnv',
  passphrase: 'passphraseEnv',
  sudoPassword: 'passwordEnv',
  becomePassword: 'passwordEnv',
  privateKey: 'identityFile',
  secret: undefined,
  token: undefined,
};
