// Typed errors. Every expected failure is a KcrError carrying where it happened (file:line:col,
// cluster, host, step); the CLI prints `oneLine()` and exits with `exitCode`, never a stack trace.

export const ExitCode = {
  ok: 0,
  internal: 1,
  hostFailed: 2,
  unreachableOnly: 3,
  invalidInput: 4,
  usage: 5,
  checkWarning: 10,
  checkCritical: 11,
  checkNotRestarted: 12,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorContext {
  file?: string;
  line?: number;
  col?: number;
  cluster?: string;
  host?: string;
  step?: string;
}

export type ErrorKind =
  | 'invalid-input' // inventory or playbook: file:line:col
  | 'usage' // bad flags
  | 'unreachable' // DNS, refused, timeout, auth, host key
  | 'failed' // a remote step failed
  | 'interrupted'
  | 'internal';

export class KcrError extends Error {
  readonly kind: ErrorKind;
  readonly context: ErrorContext;
  /** A hint of what to do, shown after the message. */
  readonly hint: string | undefined;

  constructor(
    kind: ErrorKind,
    message: string,
    context: ErrorContext = {},
    hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KcrError';
    this.kind = kind;
    this.context = context;
    this.hint = hint;
  }

  /** `file:line:col: message (hint)` or `[cluster/host] step: message (hint)` on one line. */
  oneLine(): string {
    const c = this.context;
    let where = '';
    if (c.file) where = `${c.file}${c.line ? `:${c.line}${c.col ? `:${c.col}` : ''}` : ''}: `;
    else if (c.cluster || c.host) where = `[${[c.cluster, c.host].filter(Boolean).join('/')}] `;
    if (c.step) where += `${c.step}: `;
    const text = `${where}${this.message}${this.hint ? ` (${this.hint})` : ''}`;
    return text.replace(/[\r\n]+/g, ' ');
  }

  get exitCode(): ExitCodeValue {
    switch (this.kind) {
      case 'invalid-input':
        return ExitCode.invalidInput;
      case 'usage':
        return ExitCode.usage;
      case 'unreachable':
        return ExitCode.unreachableOnly;
      case 'failed':
        return ExitCode.hostFailed;
      case 'interrupted':
        return ExitCode.interrupted;
      default:
        return ExitCode.internal;
    }
  }
}

export class InputError extends KcrError {
  constructor(message: string, context: ErrorContext, hint?: string) {
    super('invalid-input', message, context, hint);
    this.name = 'InputError';
  }
}

export class UsageError extends KcrError {
  constructor(message: string, hint?: string) {
    super('usage', message, {}, hint);
    this.name = 'UsageError';
  }
}

/** A host could not be reached: DNS, refused, timeout, authentication, host key. */
export class UnreachableError extends KcrError {
  constructor(message: string, context: ErrorContext, hint?: string, options?: { cause?: unknown }) {
    super('unreachable', message, context, hint, options);
    this.name = 'UnreachableError';
  }
}

/** A step on a reachable host failed. */
export class StepError extends KcrError {
  constructor(message: string, context: ErrorContext, hint?: string, options?: { cause?: unknown }) {
    super('failed', message, context, hint, options);
    this.name = 'StepError';
  }
}
