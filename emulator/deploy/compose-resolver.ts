// Runs tools/compose-resolve (our compose-go v2 loader, built by `npm run setup`): a compose file and its `.env` in,
// each service's effective environment, image, labels and limits out, or compose-go's own error.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import type { ResolvedLimits, ResolvedService } from "../model/deployment";

export interface ResolveCase {
  composeYaml: string;
  envText: string;
  /** Coolify's project name is the service uuid. */
  projectName?: string;
}

export type { ResolvedLimits, ResolvedService };

export type ResolveResult =
  | { ok: true; services: Record<string, ResolvedService>; warnings: string[] }
  | { ok: false; error: string };

/** Thrown when the binary is missing or misbehaves; a refused compose is a result, not an error. */
export class ComposeResolverError extends Error {
  override name = "ComposeResolverError";
}

/** The binary: COMPOSE_RESOLVE_BIN (set by scripts/env.sh), else `compose-resolve` on PATH. */
export function resolverBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.COMPOSE_RESOLVE_BIN || "compose-resolve";
}

/** Throws ComposeResolverError naming the fix when the binary named by COMPOSE_RESOLVE_BIN is missing. */
export function assertResolverBuilt(binary = resolverBinary()): void {
  if (binary.includes("/") && !existsSync(binary)) {
    throw new ComposeResolverError(`compose resolver not built at ${binary}: run \`npm run setup\``);
  }
}

/** Resolves many cases in one process (one per emulator start, one per test batch). */
export async function resolveComposeBatch(cases: ResolveCase[], binary = resolverBinary()): Promise<ResolveResult[]> {
  if (cases.length === 0) return [];
  assertResolverBuilt(binary);
  const stdout = await new Promise<string>((resolve, reject) => {
    // An empty environment: the result must depend on the two files only, never on this host's variables.
    const child = execFile(binary, ["--batch"], { env: {}, maxBuffer: 256 * 1024 * 1024 }, (error, out, err) => {
      if (error) reject(new ComposeResolverError(`compose resolver failed: ${error.message}${err ? `: ${err.trim()}` : ""}`));
      else resolve(out);
    });
    child.stdin?.end(JSON.stringify(cases));
  });
  const parsed = JSON.parse(stdout) as Array<{ services?: Record<string, ResolvedService>; warnings?: string[]; error?: string }>;
  if (!Array.isArray(parsed) || parsed.length !== cases.length) throw new ComposeResolverError("compose resolver answered with the wrong number of results");
  return parsed.map((r) => (r.error !== undefined ? { ok: false, error: r.error } : { ok: true, services: r.services ?? {}, warnings: r.warnings ?? [] }));
}

export async function resolveCompose(c: ResolveCase, binary = resolverBinary()): Promise<ResolveResult> {
  return (await resolveComposeBatch([c], binary))[0];
}
