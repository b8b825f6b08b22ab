// Every renew and check run leaves its summary in the state folder (state-dir.ts), so "what did
// last Tuesday's run do?" has an answer without --json or --log-file. Done by wrapping the
// runner, so the plan of an interactive run is kept too (as a dry run).
import type { CliDeps, CliIo } from './io.js';
import { recordRun } from './state-dir.js';

export function recordingRuns(deps: CliDeps, command: string, dir: string, io: CliIo): CliDeps {
  return {
    ...deps,
    runPlaybook: async (params) => {
      const summary = await deps.runPlaybook(params);
      try {
        await recordRun(summary, dir, command);
      } catch (err) {
        // The run happened; failing to keep its record must not change its outcome.
        const reason = err instanceof Error ? err.message : String(err);
        io.stderr.write(`warning: could not keep this run's record in ${dir}: ${reason.replace(/[\r\n]+/g, ' ')}\n`);
      }
      return summary;
    },
  };
}
