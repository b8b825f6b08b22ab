// Static pod manifests as the kubelet's file source reads them: every regular file in the manifest
// directory whose name does not start with '.', one Pod each (kubelet pkg/kubelet/config/file.go).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { nodePaths } from '../common/paths.js';

export interface StaticPod {
  /** Path of the manifest inside the node, e.g. /etc/kubernetes/manifests/etcd.yaml. */
  file: string;
  /** metadata.name + '-' + node name, as the kubelet names static pods. */
  podName: string;
  namespace: string;
  /** md5 of the node, the file and its content, like the kubelet's static pod UIDs. */
  uid: string;
  containerName: string;
  image: string;
  /** command followed by args, as in the manifest. */
  argv: string[];
  /** metadata.labels (the kubelet puts them on the pod sandbox). */
  labels: Record<string, string>;
}

export interface ManifestScan {
  pods: StaticPod[];
  errors: { file: string; message: string }[];
}

interface PodDoc {
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, unknown> };
  spec?: { containers?: { name?: string; image?: string; command?: string[]; args?: string[] }[] };
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map((v) => String(v)) : [];
}

export function parseManifest(text: string, nodeFile: string, nodeName: string): StaticPod {
  const doc = parse(text) as PodDoc | null;
  if (!doc || typeof doc !== 'object') throw new Error('invalid pod: empty document');
  if (doc.kind !== 'Pod') throw new Error(`invalid pod: kind is ${JSON.stringify(doc.kind ?? '')}, want "Pod"`);
  const name = doc.metadata?.name;
  if (!name) throw new Error('invalid pod: metadata.name: Required value: name or generateName is required');
  const container = doc.spec?.containers?.[0];
  if (!container?.name || !container.image)
    throw new Error('invalid pod: spec.containers[0]: name and image are required');
  const uid = crypto.createHash('md5').update(`host:${nodeName}`).update(`file:${nodeFile}`).update(text).digest('hex');
  return {
    file: nodeFile,
    podName: `${name}-${nodeName}`,
    namespace: doc.metadata?.namespace ?? 'default',
    uid,
    containerName: container.name,
    image: container.image,
    argv: [...stringList(container.command), ...stringList(container.args)],
    labels: Object.fromEntries(Object.entries(doc.metadata?.labels ?? {}).map(([k, v]) => [k, String(v)])),
  };
}

/** Reads the manifest directory; a pod name seen twice keeps the first file (by name). */
export function scanManifests(nodeName: string): ManifestScan {
  const scan: ManifestScan = { pods: [], errors: [] };
  let names: string[];
  try {
    names = fs.readdirSync(nodePaths.manifestsDir).sort();
  } catch {
    return scan;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const hostFile = path.join(nodePaths.manifestsDir, name);
    const nodeFile = path.posix.join('/etc/kubernetes/manifests', name);
    try {
      if (!fs.statSync(hostFile).isFile()) continue;
      const pod = parseManifest(fs.readFileSync(hostFile, 'utf8'), nodeFile, nodeName);
      if (scan.pods.some((p) => p.podName === pod.podName && p.namespace === pod.namespace)) {
        scan.errors.push({
          file: nodeFile,
          message: `pod ${pod.namespace}/${pod.podName} is already defined by another manifest; ignored`,
        });
        continue;
      }
      scan.pods.push(pod);
    } catch (err) {
      scan.errors.push({ file: nodeFile, message: (err as Error).message });
    }
  }
  return scan;
}
