// The playbook file format, as zod schemas over the raw YAML (before module arguments and
// conditions are checked). Durations are in seconds, as an operator writes them.
import { z } from 'zod';

const condition = z.string().trim().min(1, 'a condition cannot be empty');

export const rawTaskSchema = z.strictObject({
  name: z.string().min(1).optional(),
  module: z.string().min(1),
  args: z.record(z.string(), z.unknown()).optional(),
  when: condition.optional(),
  register: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a register name is letters, digits and _, not starting with a digit')
    .optional(),
  retries: z.number().int().min(0).max(10_000).optional(),
  /** Seconds between attempts. */
  delay: z.number().min(0).max(86_400).optional(),
  until: condition.optional(),
  /** Seconds before the task is aborted and fails. */
  timeout: z
    .number()
    .positive()
    .max(7 * 86_400)
    .optional(),
  ignoreErrors: z.boolean().optional(),
});

export const rawPlaySchema = z.strictObject({
  name: z.string().min(1),
  hosts: z.enum(['masters', 'workers', 'all']),
  serial: z.number().int().min(1).optional(),
  once: z.boolean().optional(),
  when: condition.optional(),
  tasks: z.array(rawTaskSchema).min(1, 'a play needs at least one task'),
  rescue: z.array(rawTaskSchema).optional(),
  always: z.array(rawTaskSchema).optional(),
});

export const rawPlaybookSchema = z.strictObject({
  name: z.string().min(1),
  plays: z.array(rawPlaySchema).min(1, 'a playbook needs at least one play'),
});

export type RawTask = z.infer<typeof rawTaskSchema>;
export type RawPlay = z.infer<typeof rawPlaySchema>;
export type RawPlaybook = z.infer<typeof rawPlaybookSchema>;

/** Ansible's defaults: `until` without `retries` tries 3 more times; attempts are 5 s apart. */
export const DEFAULT_UNTIL_RETRIES = 3;
export const DEFAULT_DELAY_SECONDS = 5;
