// Awaits a promise that must reject with an error of `type`; returns that error for more checks.
import { expect } from 'vitest';

export async function expectRejection<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
  message?: string | RegExp,
): Promise<E> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome))
    throw new Error(`expected a ${type.name}, but it resolved with ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(type);
  if (typeof message === 'string') expect((outcome.error as E).message).toBe(message);
  else if (message) expect((outcome.error as E).message).toMatch(message);
  return outcome.error as E;
}
