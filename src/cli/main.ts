#!/usr/bin/env node
// The `renew` bin. The first Ctrl-C / SIGTERM aborts the run's signal (steps in flight finish,
// nothing new starts, exit 130 with the summary); a second Ctrl-C exits at once.
import { ExitCode } from '../errors.js';
import { runCli } from './program.js';

const controller = new AbortController();
let signals = 0;
const onSignal = (name: NodeJS.Signals): void => {
  signals++;
  if (signals > 1) {
    process.stderr.write(`\n${name} again: exiting now; hosts may be left mid-step\n`);
    process.exit(ExitCode.interrupted);
  }
  process.stderr.write(`\n${name}: finishing the steps in flight, starting nothing new (Ctrl-C again to exit now)\n`);
  controller.abort();
};
process.on('SIGINT', onSignal);
// A closed pipe (`renew --help | head`) ends the output, not the process with a stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}
process.on('SIGTERM', onSignal);

// No top-level await: the bundled build (npm package, single executable) is CommonJS.
void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  signal: controller.signal,
}).then((code) => {
  process.exitCode = code;
  // Let the logs and the output flush; stdin (a prompt) or a lingering socket must not hold us.
  process.stdin.unref?.();
});
