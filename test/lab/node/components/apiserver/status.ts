// metav1.Status errors, as a real kube-apiserver returns them (kubectl prints their message).
import type { ResourceType } from './resources.js';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** "configmaps" or "deployments.apps", as in real messages. */
export const qualifiedResource = (res: ResourceType): string =>
  res.group ? `${res.resource}.${res.group}` : res.resource;

const details = (res: ResourceType, name: string): StatusDetails => ({
  name,
  ...(res.group ? { group: res.group } : {}),
  kind: res.resource,
});

export const notFound = (res: ResourceType, name: string): ApiError =>
  new ApiError(404, 'NotFound', `${qualifiedResource(res)} "${name}" not found`, details(res, name));

export const alreadyExists = (res: ResourceType, name: string): ApiError =>
  new ApiError(409, 'AlreadyExists', `${qualifiedResource(res)} "${name}" already exists`, details(res, name));

export const conflict = (res: ResourceType, name: string): ApiError =>
  new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(res)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    details(res, name),
  );

export const invalid = (res: ResourceType, name: string, why: string): ApiError =>
  new ApiError(422, 'Invalid', `${res.kind} "${name}" is invalid: ${why}`, details(res, name));

export const badRequest = (message: string): ApiError => new ApiError(400, 'BadRequest', message);

export const unauthorized = (): ApiError => new ApiError(401, 'Unauthorized', 'Unauthorized');

export const forbiddenPath = (user: string, verb: string, path: string): ApiError =>
  new ApiError(403, 'Forbidden', `forbidden: User "${user}" cannot ${verb} path "${path}"`, {});

export const forbiddenResource = (user: string, verb: string, res: ResourceType, namespace?: string): ApiError =>
  new ApiError(
    403,
    'Forbidden',
    `${qualifiedResource(res)} is forbidden: User "${user}" cannot ${verb} resource "${res.resource}" in API group "${res.group}"` +
      (namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope'),
    { kind: res.resource, ...(res.group ? { group: res.group } : {}) },
  );

export const pathNotFound = (): ApiError =>
  new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});

export const methodNotAllowed = (method: string, path: string): ApiError =>
  new ApiError(
    405,
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource (${method} ${path})`,
    {},
  );

export const unsupportedMediaType = (type: string): ApiError =>
  new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${type})`,
  );

export const internalError = (message: string): ApiError =>
  new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, {});
