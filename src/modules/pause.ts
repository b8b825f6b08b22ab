// `pause`: waits a number of seconds (read-only; ends early when the task times out).
import { z } from 'zod';
import { sleep } from '../playbook/sleep.js';
import type { ReadOnlyModule } from '../playbook/types.js';

const args = z.strictObject({ seconds: z.number().nonnegative().max(86_400) });

export const pauseModule: ReadOnlyModule<z.infer<typeof args>> = {
  name: 'pause',
  description: 'Waits a number of seconds.',
  args,
  mutates: false,
  async run(ctx, a) {
    await sleep(a.seconds * 1000, ctx.signal);
    return { status: 'ok', message: ctx.signal.aborted ? 'pause ended early' : `paused ${a.seconds}s` };
  },
};
