// Scripts about the control-plane components (files beside this one, embedded at build time; values
// are positional parameters): when each started against when its certificate file last changed,
// and the clock-stamped removal.
import { NODE_SCRIPTS } from './embedded.gen.js';

/** component-starts.sh. Args: <kubernetesDir> <docker|crictl|none> <brief|full> then items
 *  `<component>:<file>[:<file>...]` (relative to kubernetesDir). Prints sections `changed`, `files`,
 *  `started` per component; `full` adds `auth-errors` per component, `now` and `served-start`. */
export const COMPONENT_STARTS_SCRIPT = NODE_SCRIPTS['component-starts.sh'];

/** clock-then-exec.sh. Args: a command. Prints the node's clock (seconds since the epoch), then
 *  becomes the command; a clock that is not a number stops it (exit 1) first. */
export const CLOCK_THEN_EXEC_SCRIPT = NODE_SCRIPTS['clock-then-exec.sh'];
