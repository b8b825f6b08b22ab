// `assert`: fails the host with a message when a condition is false (a gate in a playbook).
import { z } from 'zod';
import { checkCondition, parseCondition } from '../playbook/condition.js';
import { buildConditionContext } from '../playbook/context.js';
import type { ReadOnlyModule } from '../playbook/types.js';

const args = z.strictObject({
  /** Condition in the playbook condition language (see docs/playbooks.md). */
  that: z.string().min(1).superRefine(checkSyntax),
  message: z.string().optional(),
});

function checkSyntax(text: string, ctx: z.RefinementCtx): void {
  try {
    parseCondition(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a valid condition: ${(err as Error).message}` });
  }
}

export const assertModule: ReadOnlyModule<z.infer<typeof args>> = {
  name: 'assert',
  description: 'Fails the host with a message when a condition is false.',
  args,
  mutates: false,
  async run(ctx, a) {
    if (checkCondition(a.that, buildConditionContext(ctx)))
      return { status: 'ok', message: `assertion holds: ${a.that}` };
    return { status: 'failed', message: a.message ?? `assertion failed: ${a.that}` };
  },
};
