// Config `rollout`: how a change the tenants did not ask for (a template release, a platform value, the rendering code
// under the same version) reaches them, in waves (program/rollout.ts). Unset: every change reaches every tenant in the next run, as before. Set it as JSON:
//   pulumi config set rollout '{"canaryRing":"canary","fraction":0.25,"soakMinutes":30,"maxFailures":0}'
// ('{}' takes every default below).

/** The rollout policy, defaults filled in. */
export interface RolloutPolicy {
  /** The first wave: tenants whose view column `rollout_ring` has this value. Default "canary". */
  canaryRing: string;
  /** The second wave: this share of the other tenants (rounded up), above 0 and at most 1. Default 0.25. */
  fraction: number;
  /** How long a wave must run healthy before the next one starts. Default 30. */
  soakMinutes: number;
  /** How many tenants of a wave may fail before the rollout halts (more halts it). Default 0. */
  maxFailures: number;
}

export const DEFAULT_ROLLOUT: RolloutPolicy = { canaryRing: "canary", fraction: 0.25, soakMinutes: 30, maxFailures: 0 };

const EXAMPLE = `'{"canaryRing":"canary","fraction":0.25,"soakMinutes":30,"maxFailures":0}'`;

const CHECKS: { [K in keyof RolloutPolicy]: { ok: (v: unknown) => boolean; expected: string; example: string } } = {
  canaryRing: { ok: (v) => typeof v === "string" && /^[a-z0-9][a-z0-9_-]{0,63}$/.test(v), expected: "a ring name (lower-case letters, digits, - and _)", example: `"canary"` },
  fraction: { ok: (v) => typeof v === "number" && v > 0 && v <= 1, expected: "a number above 0 and at most 1", example: "0.25" },
  soakMinutes: { ok: (v) => typeof v === "number" && Number.isFinite(v) && v >= 0, expected: "a number of minutes, 0 or more", example: "30" },
  maxFailures: { ok: (v) => Number.isInteger(v) && (v as number) >= 0, expected: "a whole number, 0 or more", example: "0" },
};

/**
 * The policy in config `rollout` (a JSON object; `pulumi config set --path rollout.<key>` stores the same); undefined
 * when unset. Every problem is pushed onto `problems`, naming the key and the command that fixes it.
 */
export function readRollout(raw: string | undefined, problems: string[]): RolloutPolicy | undefined {
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    problems.push(`rollout is not JSON: pulumi config set rollout ${EXAMPLE} (or '{}' for the defaults), or pulumi config rm rollout`);
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.push(`rollout must be a JSON object: pulumi config set rollout ${EXAMPLE} (or '{}' for the defaults)`);
    return undefined;
  }
  const policy: RolloutPolicy = { ...DEFAULT_ROLLOUT };
  const before = problems.length;
  for (const [key, given] of Object.entries(value)) {
    // `pulumi config set --path` may store a number as its text.
    const v = key !== "canaryRing" && typeof given === "string" && /^[0-9]+(\.[0-9]+)?$/.test(given) ? Number(given) : given;
    const check = CHECKS[key as keyof RolloutPolicy];
    if (!check) {
      problems.push(`rollout.${key} is not a rollout setting (known: ${Object.keys(CHECKS).join(", ")}): pulumi config rm --path rollout.${key}`);
    } else if (!check.ok(v)) {
      problems.push(`rollout.${key} ${JSON.stringify(v)} must be ${check.expected}: pulumi config set --path rollout.${key} ${check.example}`);
    } else {
      (policy as unknown as Record<string, unknown>)[key] = v;
    }
  }
  return problems.length === before ? policy : undefined;
}
