// `node session-drop-cli.js STEP`: run by the lab's etcdctl and install shims (infra/shims.ts)
// before the real program; drops the caller's SSH session when the fault names STEP.
import { dropSessionIfFaulted, sessionDropSteps, type SessionDropStep } from './session-drop.js';

const step = process.argv[2] as SessionDropStep;
if (!sessionDropSteps.includes(step)) {
  process.stderr.write(`usage: session-drop-cli.js ${sessionDropSteps.join('|')}\n`);
  process.exitCode = 2;
} else {
  dropSessionIfFaulted(step);
}
