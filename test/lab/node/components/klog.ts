// klog-style lines on stderr ("I0102 15:04:05.000000   12345 server.go:1] message"), which the
// lab's container runtime captures in the container log, as a real component's would be.
export interface Klog {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  /** Logs and exits 1, as klog.Fatal does. */
  fatal(message: string): never;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function line(severity: 'I' | 'W' | 'E' | 'F', source: string, message: string): string {
  const now = new Date();
  const micros = pad(now.getMilliseconds(), 3) + '000';
  const stamp = `${pad(now.getMonth() + 1)}${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${micros}`;
  return `${severity}${stamp} ${String(process.pid).padStart(7)} ${source}] ${message}\n`;
}

export function klog(source: string): Klog {
  return {
    info: (message) => process.stderr.write(line('I', source, message)),
    warning: (message) => process.stderr.write(line('W', source, message)),
    error: (message) => process.stderr.write(line('E', source, message)),
    fatal: (message) => {
      process.stderr.write(line('F', source, message));
      process.exit(1);
    },
  };
}

/** The message of anything thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
