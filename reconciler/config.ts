// The reconciler's settings, read from the same stack config as the program (namespace cloudfreedom-agents):
// its own keys plus the PocketBase login the program uses. Every problem is reported at once with its fix.
import type { ConfigMap } from "@pulumi/pulumi/automation";
import { checkCollectionName, DEFAULT_TENANT_VIEW } from "../lib/tenants/collections";
import { DEFAULTS as COOLIFY_DEFAULTS } from "../lib/coolify/client";
import type { PocketBaseSource } from "../lib/tenants/connection";
import { tenantSourceCollections } from "../lib/tenants/sources";
import { RATE_BUDGET_VARIABLES } from "../lib/coolify/rate-budget";

/** The project name, which namespaces the stack config keys. */
export const NAMESPACE = "cloudfreedom-agents";

export interface ReconcilerConfig {
  /** Bearer token of POST /reconcile (secret). */
  token: string;
  intervalMinutes: number;
  debounceSeconds: number;
  /** PocketBase collections whose changes trigger a run (realtime + catch-up): config tenantSourceCollections. */
  sourceCollections: string[];
  /** The tenant view the program reads (config tenantView). */
  tenantView: string;
  /** A realtime session is renewed this often, under PocketBase's 30-minute connection cap. */
  resubscribeMinutes: number;
  /** Timer runs refresh first (repairs drift: a service changed or deleted in Coolify by hand). */
  refreshOnTimer: boolean;
  /** Events about known tenants run targeted; false makes every run full. */
  targetedRuns: boolean;
  /** /healthz turns unhealthy while a run lasts longer than this. */
  maxRunMinutes: number;
  /** /healthz turns unhealthy when no run succeeded for this many intervals. */
  unhealthyAfterIntervals: number;
  /** /healthz turns unhealthy when the stack lock stays held by another process this long. */
  lockBusyMinutes: number;
  /** A lock another host wrote is taken as stale (its holder dead) once it is this old. */
  staleLockMinutes: number;
  /** With config shards: runs of different shards at once (each shard still one at a time). */
  parallelShards: number;
  /** Coolify's requests per minute for all runs together (config coolifyRateLimit, as the providers read it). */
  coolifyRateLimit: number;
  pocketbase: PocketBaseSource;
  /** Every secret value of the stack config, for scrubbing messages. */
  secrets: string[];
}

export class ReconcilerConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Reconciler configuration is incomplete:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ReconcilerConfigError";
  }
}

/** A numeric setting: whole numbers in [min, max] (Node's timers overflow past 2^31-1 ms, about 24.8 days). */
export interface NumberSetting {
  min: number;
  max: number;
  fallback: number;
  unit: string;
}

export const NUMBER_SETTINGS = {
  reconcileIntervalMinutes: { min: 1, max: 1440, fallback: 15, unit: "minutes" },
  reconcileDebounceSeconds: { min: 0, max: 300, fallback: 5, unit: "seconds" },
  // PocketBase closes a realtime connection after 30 minutes.
  reconcileResubscribeMinutes: { min: 1, max: 29, fallback: 25, unit: "minutes" },
  reconcileMaxRunMinutes: { min: 5, max: 1440, fallback: 60, unit: "minutes" },
  reconcileUnhealthyAfterIntervals: { min: 2, max: 100, fallback: 3, unit: "intervals" },
  reconcileLockBusyMinutes: { min: 1, max: 1440, fallback: 60, unit: "minutes" },
  reconcileStaleLockMinutes: { min: 30, max: 10080, fallback: 240, unit: "minutes" },
  // With config shards (lib/shards.ts): how many shards' runs go at once. They share coolifyRateLimit (runRateLimit).
  reconcileParallelShards: { min: 1, max: 32, fallback: 2, unit: "runs" },
} as const satisfies Record<string, NumberSetting>;

const BOOLEAN_SETTINGS = { reconcileRefreshOnTimer: "true", reconcileTargetedRuns: "true" } as const;

/** Parses one numeric setting; the problem names the key, the range and the fix. */
export function parseNumberSetting(key: string, raw: string, spec: NumberSetting): number | { problem: string } {
  const value = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isSafeInteger(value) && value >= spec.min && value <= spec.max) return value;
  const what = Number.isNaN(value) ? "is not a whole number" : "is out of range";
  return { problem: `${key} "${raw}" ${what}: it must be a whole number of ${spec.unit} from ${spec.min} to ${spec.max}: pulumi config set ${key} ${spec.fallback}` };
}

/** Reads the reconciler's settings from `stack.getAllConfig()` (secrets decrypted); `overrides` win (CLI flags). */
export function readReconcilerConfig(config: ConfigMap, overrides: { intervalMinutes?: number } = {}, namespace = NAMESPACE): ReconcilerConfig {
  const problems: string[] = [];
  const get = (key: string) => config[`${namespace}:${key}`]?.value;
  const numbers: Record<string, number> = {};
  for (const [key, spec] of Object.entries(NUMBER_SETTINGS) as Array<[keyof typeof NUMBER_SETTINGS, NumberSetting]>) {
    const parsed = parseNumberSetting(key, get(key) ?? String(spec.fallback), spec);
    if (typeof parsed === "number") numbers[key] = parsed;
    else problems.push(parsed.problem);
  }
  if (overrides.intervalMinutes !== undefined) {
    const spec = NUMBER_SETTINGS.reconcileIntervalMinutes;
    if (!Number.isSafeInteger(overrides.intervalMinutes) || overrides.intervalMinutes < spec.min || overrides.intervalMinutes > spec.max) {
      problems.push(`--interval ${overrides.intervalMinutes} is out of range: it must be a whole number of minutes from ${spec.min} to ${spec.max}`);
    } else numbers.reconcileIntervalMinutes = overrides.intervalMinutes;
  }
  if (numbers.reconcileStaleLockMinutes !== undefined && numbers.reconcileMaxRunMinutes !== undefined && numbers.reconcileStaleLockMinutes <= numbers.reconcileMaxRunMinutes) {
    problems.push(
      `reconcileStaleLockMinutes (${numbers.reconcileStaleLockMinutes}) must be greater than reconcileMaxRunMinutes (${numbers.reconcileMaxRunMinutes}), or a live run's lock could be taken as stale: pulumi config set reconcileStaleLockMinutes ${Math.min(10080, Math.max(240, numbers.reconcileMaxRunMinutes * 4))}`,
    );
  }
  const rawRate = get("coolifyRateLimit");
  const rate = rawRate === undefined ? COOLIFY_DEFAULTS.rateLimitPerMinute : Number(rawRate);
  if (!(Number.isFinite(rate) && rate > 0)) {
    problems.push(`coolifyRateLimit "${rawRate}" is not a positive number of requests per minute: pulumi config set coolifyRateLimit ${COOLIFY_DEFAULTS.rateLimitPerMinute}`);
  }
  const booleans: Record<string, boolean> = {};
  for (const [key, fallback] of Object.entries(BOOLEAN_SETTINGS)) {
    const raw = get(key) ?? fallback;
    if (raw === "true" || raw === "false") booleans[key] = raw === "true";
    else problems.push(`${key} "${raw}" is invalid: it must be true or false: pulumi config set ${key} ${fallback}`);
  }
  let tenantView = DEFAULT_TENANT_VIEW;
  let sourceCollections: string[] = [];
  try {
    tenantView = checkCollectionName(get("tenantView") ?? DEFAULT_TENANT_VIEW, "tenantView");
    const listed = get("tenantSourceCollections")?.split(",").map((name) => name.trim()).filter(Boolean);
    sourceCollections = tenantSourceCollections(listed, tenantView);
  } catch (error) {
    problems.push(`${error instanceof Error ? error.message : String(error)}: pulumi config set tenantSourceCollections tenants,plans`);
  }
  const token = get("reconcilerToken");
  if (token === undefined || token.length < 16) {
    problems.push("reconcilerToken is missing or shorter than 16 characters: pulumi config set --secret reconcilerToken \"$(openssl rand -hex 32)\"");
  } else if (config[`${namespace}:reconcilerToken`]?.secret !== true) {
    problems.push("reconcilerToken is stored in plain text: pulumi config set --secret reconcilerToken <token>");
  }
  const [url, email, password] = [get("pocketbaseUrl"), get("pocketbaseEmail"), get("pocketbasePassword")];
  if (!url) problems.push("pocketbaseUrl is missing: pulumi config set pocketbaseUrl https://api.cloudfreedom.de");
  if (!email) problems.push("pocketbaseEmail is missing: pulumi config set pocketbaseEmail provisioner@cloudfreedom.de");
  if (!password) problems.push("pocketbasePassword is missing: pulumi config set --secret pocketbasePassword '<PocketBase superuser password>'");
  if (problems.length > 0) throw new ReconcilerConfigError(problems);
  return {
    token: token!,
    intervalMinutes: numbers.reconcileIntervalMinutes,
    debounceSeconds: numbers.reconcileDebounceSeconds,
    sourceCollections,
    tenantView,
    resubscribeMinutes: numbers.reconcileResubscribeMinutes,
    refreshOnTimer: booleans.reconcileRefreshOnTimer,
    targetedRuns: booleans.reconcileTargetedRuns,
    maxRunMinutes: numbers.reconcileMaxRunMinutes,
    unhealthyAfterIntervals: numbers.reconcileUnhealthyAfterIntervals,
    lockBusyMinutes: numbers.reconcileLockBusyMinutes,
    staleLockMinutes: numbers.reconcileStaleLockMinutes,
    parallelShards: numbers.reconcileParallelShards,
    coolifyRateLimit: rate,
    pocketbase: { url: url!, email: email!, password: password! },
    secrets: Object.values(config).filter((entry) => entry.secret && entry.value.length >= 4).map((entry) => entry.value),
  };
}

/**
 * How many shards' runs go at once and each one's share of Coolify's one rate limit. The runs take their slots from
 * one budget at the whole `limit` (lib/coolify/rate-budget-server.ts); the share is what each run's processes fall
 * back to, throttling on their own, should that budget fail, so the shares together must stay within `limit`: never
 * more runs than shards, nor than whole requests per minute to share.
 */
export function shardRunPlan(limit: number, parallelShards: number, shardCount: number): { parallel: number; perRun: number } {
  const parallel = Math.max(1, Math.min(parallelShards, shardCount, Math.floor(limit)));
  return { parallel, perRun: parallel === 1 ? limit : Math.floor(limit / parallel) };
}

/**
 * The variable that gives one run its fallback share (shardRunPlan); providers/connection.ts prefers it to config
 * coolifyRateLimit, and a run's requests hold to it whenever the shared budget cannot serve them (lib/coolify/rate-budget.ts).
 */
export const RUN_RATE_LIMIT_VARIABLE = RATE_BUDGET_VARIABLES.share;

/** Replaces every secret value in a text (plain and URL-encoded) with "[secret]". */
export function scrubSecrets(text: string, secrets: string[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) scrubbed = scrubbed.split(form).join("[secret]");
  }
  return scrubbed;
}

/**
 * The variables that allow one `pulumi up` what the guards refuse. Set in the reconciler's environment they would
 * apply to every run it makes from then on, so its start refuses them.
 */
export const ALLOW_VARIABLES = ["CLOUDFREEDOM_ALLOW_TEARDOWN", "CLOUDFREEDOM_ALLOW_REPLACE", "CLOUDFREEDOM_CLAIM_FROM", "CLOUDFREEDOM_DELETE_VOLUMES"] as const;

/** Where an operator allows one run instead: a request to the reconciler, or a one-off `pulumi up` from their own shell. */
export function oneRunRemedy(stackName: string): string {
  return (
    `to allow a single run, ask the reconciler: POST /reconcile with its bearer token and a body such as ` +
    `{"allow": {"teardown": ["<slug>"]}} (recorded with that run), or run the command the refusal names from an operator shell, ` +
    `e.g. CLOUDFREEDOM_ALLOW_TEARDOWN=<slugs> pulumi up --stack ${stackName}, with the same backend and passphrase`
  );
}

/** One problem per allow variable set (non-empty) in the environment the reconciler's runs would inherit. */
export function allowVariableProblems(env: Record<string, string | undefined>, stackName: string): string[] {
  return ALLOW_VARIABLES.filter((name) => (env[name] ?? "").trim() !== "").map(
    (name) =>
      `${name} is set in the reconciler's environment, where it would apply to every run from now on. ` +
      `Remove it (from the service's environment file or compose environment) and restart; ${oneRunRemedy(stackName)}`,
  );
}

export class AllowVariableError extends Error {
  constructor(readonly problems: string[]) {
    super(`The reconciler refuses to start:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "AllowVariableError";
  }
}

/** The one-run allow of POST /reconcile that does what an allow variable with this value does. */
function allowBody(name: string, value: string): string {
  const list = (v: string) => JSON.stringify(v.split(",").map((s) => s.trim()).filter(Boolean));
  const allow: Record<string, string> = {
    CLOUDFREEDOM_ALLOW_TEARDOWN: `"teardown": ${list(value)}`,
    CLOUDFREEDOM_ALLOW_REPLACE: `"replace": ${list(value)}`,
    CLOUDFREEDOM_CLAIM_FROM: `"claimFrom": ${JSON.stringify(value)}`,
    CLOUDFREEDOM_DELETE_VOLUMES: `"deleteVolumes": ${value === "true"}`,
  };
  return `{"allow": {${allow[name]}}}`;
}

/**
 * The program's refusals name the allow variable and `pulumi up` as the way to allow one run. Read in the
 * reconciler's run records, that must not send the operator to the reconciler's environment: the command gains the
 * stack and where to run it, and the reconciler's own one-run allow is named beside it.
 */
/** `<allow variable>=<value> pulumi up` as the guards' refusals spell it, without a `--stack` yet. */
const ALLOW_COMMAND = new RegExp(`\\b(${ALLOW_VARIABLES.join("|")})=(['"]?)([^\\s'"]+)\\2 pulumi up\\b(?! --stack)`, "g");

export function forOperatorShell(message: string, stackName: string): string {
  return message.replace(
    ALLOW_COMMAND,
    (command, name: string, _quote: string, value: string) =>
      `${command} --stack ${stackName} from an operator shell, or POST /reconcile with ${allowBody(name, value)} for one reconciler run ` +
      `(never in the reconciler's environment, which refuses it)`,
  );
}
