// Helpers for engine tests of refused runs.
/** Each engine operation takes 10-30 s on two cores; a test runs up to three. */
export const ENGINE_TIMEOUT = 240_000;

/** Awaits an engine operation that must fail, and returns its error text (CLI stdout and stderr included). */
export async function failure(operation: Promise<unknown>): Promise<string> {
  const outcome = await operation.then(
    () => undefined,
    (error: unknown) => String(error),
  );
  if (outcome === undefined) throw new Error("expected the engine operation to fail, it succeeded");
  return outcome;
}
