// The logger: pino, structured: JSON in a --log-file, else human lines on stderr (log-format.ts). Secrets are kept out by
// construction (never interpolated into a message) and, as a second fence, redacted by field path.
import { UsageError } from './errors.js';
import { chmodSync } from 'node:fs';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import { humanLogDestination } from './log-format.js';

/** Field paths whose values never reach a log line, at the top level and one or two levels down. */
const SECRET_FIELDS = ['password', 'passphrase', 'privateKey', 'key', 'token', 'secret', 'stdin', 'authorization'];
export const REDACT_PATHS: string[] = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  ...SECRET_FIELDS.map((f) => `*.*.${f}`),
  'data.*.key',
  'data.*.*.key',
];

export const LOG_LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

export interface LoggerOptions {
  /** Explicit level (--log-level); wins over `verbosity`. */
  level?: string;
  /** Count of -v: 0 warn (info with a log file), 1 info, 2 debug, 3+ trace. */
  verbosity?: number;
  /** Write JSON here instead of human lines on stderr. */
  logFile?: string;
  /** Where human lines go instead of stderr (the live view prints them above itself). */
  print?: (text: string) => void;
  /** For tests: where to write. */
  destination?: DestinationStream;
}

export function logLevel(opts: Pick<LoggerOptions, 'level' | 'verbosity' | 'logFile'>): Level {
  if (opts.level) {
    if (!(LOG_LEVELS as readonly string[]).includes(opts.level))
      throw new UsageError(`unknown log level "${opts.level}" (one of ${LOG_LEVELS.join(', ')})`);
    return opts.level as Level;
  }
  const v = opts.verbosity ?? 0;
  if (v >= 3) return 'trace';
  if (v === 2) return 'debug';
  if (v === 1 || opts.logFile) return 'info';
  return 'warn';
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const destination =
    opts.destination ??
    (opts.logFile
      ? logFileDestination(opts.logFile)
      : humanLogDestination(opts.print ?? ((text) => process.stderr.write(text))));
  return pino(
    {
      level: logLevel(opts),
      base: { tool: 'kube-cert-renew' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}

/** The --log-file, mode 0600 (also when it already existed): it names hosts, paths and failures. */
function logFileDestination(file: string): DestinationStream {
  const destination = pino.destination({ dest: file, mkdir: true, sync: true, mode: 0o600 });
  chmodSync(file, 0o600);
  return destination;
}
