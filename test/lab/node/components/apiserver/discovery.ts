// Legacy discovery documents (/api, /apis, /api/v1, /apis/apps/v1) as a 1.18 apiserver serves
// them: newer kubectl asks for aggregated discovery first and falls back to these on a plain
// application/json answer. Also a minimal /openapi/v2 (no schemas): kubectl's default
// `--validate=strict` downloads it, finds neither the fieldValidation parameter nor a schema for
// the kind, and skips validation, as against any server whose OpenAPI lacks the type.
import { createHash } from 'node:crypto';
import { groupVersions, resourceTypes, resourceVerbs } from './resources.js';

const gvString = (group: string, version: string): string => (group ? `${group}/${version}` : version);

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(group: string): Record<string, unknown> {
  const versions = groupVersions
    .filter((g) => g.group === group)
    .map((g) => ({ groupVersion: gvString(g.group, g.version), version: g.version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(): Record<string, unknown> {
  const groups = [...new Set(groupVersions.map((g) => g.group).filter((g) => g !== ''))];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(apiGroup) };
}

/** APIGroup for /apis/<group>, or undefined for an unknown group. */
export function apiGroupDocument(group: string): Record<string, unknown> | undefined {
  if (!groupVersions.some((g) => g.group === group && g.group !== '')) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group) };
}

/** APIResourceList for a group version, or undefined when not served. */
export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  if (!groupVersions.some((g) => g.group === group && g.version === version)) return undefined;
  const resources = resourceTypes
    .filter((r) => r.group === group && r.version === version)
    .map((r) => ({
      name: r.resource,
      singularName: '',
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: resourceVerbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      storageVersionHash: createHash('sha256').update(`${group}/${version}/${r.kind}`).digest('base64').slice(0, 11),
    }));
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gvString(group, version), resources };
}

// Protocol buffers wire format, just enough for openapi_v2.Document{swagger, info{title, version}, paths{}}.
function varint(n: number): Buffer {
  const bytes: number[] = [];
  let rest = n;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}
const lengthDelimited = (fieldNumber: number, payload: Buffer): Buffer =>
  Buffer.concat([varint((fieldNumber << 3) | 2), varint(payload.length), payload]);
const protoString = (fieldNumber: number, value: string): Buffer =>
  lengthDelimited(fieldNumber, Buffer.from(value, 'utf8'));

// The Accept type kubectl sends has an '@', which Go's mime parser rejects in a Content-Type.
export const openApiV2ProtobufType = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

export function openApiV2(gitVersion: string, protobuf: boolean): { contentType: string; body: Buffer } {
  if (protobuf) {
    const info = Buffer.concat([protoString(1, 'Kubernetes'), protoString(2, gitVersion)]);
    return {
      contentType: openApiV2ProtobufType,
      body: Buffer.concat([protoString(1, '2.0'), lengthDelimited(2, info), lengthDelimited(8, Buffer.alloc(0))]),
    };
  }
  const doc = { swagger: '2.0', info: { title: 'Kubernetes', version: gitVersion }, paths: {}, definitions: {} };
  return { contentType: 'application/json', body: Buffer.from(JSON.stringify(doc)) };
}

/** The /version document of a cluster version such as "1.18.3" or "1.21.4-tke.1". */
export function versionInfo(kubernetesVersion: string): Record<string, string> {
  const [major = '0', minor = '0'] = kubernetesVersion.replace(/^v/, '').split('.');
  return {
    major,
    minor,
    gitVersion: `v${kubernetesVersion.replace(/^v/, '')}`,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2020-05-20T12:43:34Z',
    goVersion: 'go1.13.9',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}
