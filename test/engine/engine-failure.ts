// Helpers for engine tests of refused runs.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

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

/**
 * With PULUMI_NODEJS_TRANSPILE_ONLY (scripts/env.sh) the language host defaults moduleResolution to
 * nodenext, which TypeScript rejects next to the generated tsconfig's module commonjs (TS5110).
 * TODO: drop once test/support/pulumi.ts writes moduleResolution itself.
 */
export function pinModuleResolution(workDir: string): void {
  const path = join(workDir, "tsconfig.json");
  const tsconfig = JSON.parse(readFileSync(path, "utf8")) as { compilerOptions: Record<string, unknown> };
  tsconfig.compilerOptions.moduleResolution ??= "node";
  writeFileSync(path, JSON.stringify(tsconfig));
}
