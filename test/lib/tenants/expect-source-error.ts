import { inspect } from "node:util";
import { expect } from "vitest";
import { TenantSourceError, type TenantSourceCause } from "../../../lib/tenants/errors";

/**
 * Awaits a promise that must reject with TenantSourceError of `cause`, and checks that no secret
 * appears in the message, the string form, the JSON form or the inspected form of the error.
 */
export async function expectSourceError(promise: Promise<unknown>, cause: TenantSourceCause, secrets: string[]): Promise<TenantSourceError> {
  let caught: unknown;
  try {
    const value = await promise;
    throw new Error(`expected TenantSourceError(${cause}), got a value: ${JSON.stringify(value)?.slice(0, 300)}`);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(TenantSourceError);
  const error = caught as TenantSourceError;
  expect(error.cause, error.message).toBe(cause);
  const forms = [error.message, String(error), JSON.stringify(error), inspect(error, { depth: 8 }), error.stack ?? ""];
  for (const secret of secrets) {
    for (const form of forms) expect(form).not.toContain(secret);
  }
  return error;
}
