// The stack config, read once into one typed object. Every missing or invalid key is reported at
// once, each with the exact `pulumi config set` command that fixes it. Secrets stay Outputs, except the
// PocketBase password, which the tenant loader needs as a value before any resource is declared.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { readMove, readServerFleet, type Move, type Overcommit, type ServerSpec } from "./servers";
import { readRollout, type RolloutPolicy } from "./rollout-config";
import { readShards, type ShardMap } from "./shards";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Stack configuration is incomplete:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const url = z.string().url().refine((v) => /^https?:\/\//.test(v), "must start with http:// or https://");
const positive = z.coerce.number().int().positive();
const flag = z.enum(["true", "false"]).transform((v) => v === "true");
/** A comma list (`a.example,*.b.example`) or a JSON list (`pulumi config set --path 'reservedHosts[0]' ...`). */
const hostList = z
  .string()
  .transform((v, ctx): unknown => {
    if (!v.trim().startsWith("[")) return v.split(",").map((s) => s.trim()).filter(Boolean);
    try {
      return JSON.parse(v);
    } catch {
      ctx.addIssue({ code: "custom", message: "is neither a comma list nor a JSON list" });
      return z.NEVER;
    }
  })
  .pipe(z.array(z.string().regex(/^(\*\.)?[^\s,*/:@]+$/, "must be host names or *.zone entries, comma-separated")));
const collectionName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, "must be a PocketBase collection name");
const collectionNames = z
  .string()
  .transform((v) => v.split(",").map((name) => name.trim()).filter(Boolean))
  .pipe(z.array(collectionName).min(1, "must name at least one collection"));

/** Plain settings: key -> schema, example, and whether it is required. */
const PLAIN = {
  coolifyUrl: { schema: url, example: "https://coolify.cloudfreedom.de", required: true },
  // Either one is required (lib/servers.ts): coolifyServers, or coolifyServerUuid alone as a one-server list.
  coolifyServerUuid: { schema: z.string().min(1), example: "<server uuid from GET /api/v1/servers>", required: false },
  coolifyServers: { schema: z.string().min(1), example: `[{"uuid":"<server uuid>","cpus":8,"memoryGb":32}]`, required: false },
  overcommit: { schema: z.string().min(1), example: `{"cpu":4,"memory":1}`, required: false },
  coolifyDestinationUuid: { schema: z.string().min(1), example: "<destination uuid>", required: false },
  coolifyEnvironment: { schema: z.string().min(1), example: "production", required: false },
  sharedProject: { schema: z.string().min(3), example: "CloudFreedom agents", required: false },
  baseDomain: { schema: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/), example: "agents.cloudfreedom.de", required: true },
  pocketbaseUrl: { schema: url, example: "https://api.cloudfreedom.de", required: true },
  pocketbaseEmail: { schema: z.string().email(), example: "provisioner@cloudfreedom.de", required: true },
  tenantView: { schema: collectionName, example: "agent_tenants", required: false },
  tenantSourceCollections: { schema: collectionNames, example: "tenants,subscriptions,plans", required: false },
  aiRouterUrl: { schema: url, example: "https://ai.cloudfreedom.de/v1", required: true },
  teardownBudget: { schema: z.coerce.number().int().min(0), example: "1", required: false },
  // With config shards: what all shards together may remove in one cycle (program/shard-teardown.ts); default the
  // teardownBudget's value, or its default over the whole fleet.
  fleetTeardownBudget: { schema: z.coerce.number().int().min(0), example: "2", required: false },
  teardownGraceDays: { schema: z.coerce.number().min(0), example: "7", required: false },
  deleteVolumesOnTeardown: { schema: flag, example: "false", required: false },
  waitForHealthy: { schema: flag, example: "true", required: false },
  healthTimeoutSeconds: { schema: positive, example: "300", required: false },
  reservedHosts: { schema: hostList, example: "status.cloudfreedom.de,*.cloudfreedom.de", required: false },
  sharedRouterKeyFallback: { schema: flag, example: "false", required: false },
  allowDraftTemplates: { schema: flag, example: "false", required: false },
} as const;

const SECRET = {
  coolifyToken: "<Coolify API token with read, write, deploy (or root)>",
  pocketbasePassword: "<PocketBase superuser password>",
  aiRouterKey: "<AI Router API key>",
} as const;
/** Secrets needed only in some set-ups: aiRouterKey only as the fallback for tenants without a key of their own. */
const OPTIONAL_SECRET: Partial<Record<keyof typeof SECRET, (plain: Record<string, unknown>) => boolean>> = {
  aiRouterKey: (plain) => plain.sharedRouterKeyFallback !== true,
};

type PlainKey = keyof typeof PLAIN;
type PlainValues = { [K in PlainKey]: z.output<(typeof PLAIN)[K]["schema"]> | undefined };

export interface PlatformConfig extends PlainValues {
  coolifyUrl: string;
  /** The servers tenants are placed on (coolifyServers, or coolifyServerUuid alone as one unsized server). */
  servers: ServerSpec[];
  /** Allocatable = (size - reserved) x these ratios (config overcommit; lib/servers.ts DEFAULT_OVERCOMMIT). */
  overcommitRatios: Overcommit;
  /** One tenant this run moves to another server: env CLOUDFREEDOM_MOVE=<slug>:<server uuid>. */
  move?: Move;
  baseDomain: string;
  pocketbaseUrl: string;
  pocketbaseEmail: string;
  aiRouterUrl: string;
  coolifyToken: pulumi.Output<string>;
  /** The shared AI Router key; set (and required) only with sharedRouterKeyFallback. */
  aiRouterKey?: pulumi.Output<string>;
  pocketbasePassword: pulumi.Output<string>;
  /** Tenant slugs this run may tear down beyond the budget: env CLOUDFREEDOM_ALLOW_TEARDOWN (comma list or `*`). */
  allowTeardown: string[];
  /** Tenant slugs whose service this run may replace: env CLOUDFREEDOM_ALLOW_REPLACE (comma list or `*`). */
  allowReplace: string[];
  /** The stack (`<organisation>/<project>/<stack>`) whose Coolify objects this run may take over: env CLOUDFREEDOM_CLAIM_FROM. */
  claimFrom?: string;
  /** What is valid but risky in this config (logged as warnings by readConfig). */
  warnings: string[];
  /** Config `rollout` (lib/rollout-config.ts): changes the tenants did not ask for reach them in waves; unset, all at once. */
  rollout?: RolloutPolicy;
  /** Config `shards` (lib/shards.ts): shard name -> its servers, each shard a stack `<fleet stack>.<shard>`; unset, one stack. */
  shards?: ShardMap;
}

/** Reads and validates the stack config; throws one `ConfigError` listing every problem and its fix. */
export function readConfig(config: pulumi.Config = new pulumi.Config(), env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const problems: string[] = [];
  const plain: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(PLAIN)) {
    const raw = config.get(key);
    if (raw === undefined) {
      if (spec.required) problems.push(`${key} is missing: pulumi config set ${key} ${shellWord(spec.example)}`);
      continue;
    }
    if (isPlaceholder(raw)) {
      problems.push(`${key} "${raw}" is a placeholder: pulumi config set ${key} ${shellWord(spec.example)}`);
      continue;
    }
    const parsed = spec.schema.safeParse(raw);
    if (parsed.success) plain[key] = parsed.data;
    else problems.push(`${key} "${raw}" is invalid (${parsed.error.issues[0]?.message}): pulumi config set ${key} ${shellWord(spec.example)}`);
  }
  const secrets: Record<string, pulumi.Output<string>> = {};
  for (const [key, example] of Object.entries(SECRET)) {
    const value = config.getSecret(key);
    if (value !== undefined) secrets[key] = value;
    else if (!OPTIONAL_SECRET[key as keyof typeof SECRET]?.(plain)) problems.push(`${key} is missing: pulumi config set --secret ${key} ${shellWord(example)}`);
  }
  const fleet = readServerFleet(plain as { coolifyServers?: string; coolifyServerUuid?: string; coolifyDestinationUuid?: string; overcommit?: string });
  const moveProblems: string[] = [];
  const move = readMove(env.CLOUDFREEDOM_MOVE, fleet.servers, moveProblems);
  if (!problems.some((p) => /^coolify(Servers|ServerUuid) /.test(p))) problems.push(...fleet.problems, ...moveProblems);
  const rollout = readRollout(config.get("rollout"), problems);
  // Against the servers only once they read well: a server problem would make every shard look wrong.
  const shards = fleet.problems.length === 0 ? readShards(config.get("shards"), fleet.servers, problems) : undefined;
  if (problems.length > 0) throw new ConfigError(problems);
  const list = (value: string | undefined) => (value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const claimFrom = env.CLOUDFREEDOM_CLAIM_FROM?.trim();
  const warnings = [...platformHostsUnderBase(plain as unknown as PlatformHosts), ...fleet.warnings];
  for (const warning of warnings) pulumi.log.warn(warning);
  return {
    ...(plain as unknown as PlatformConfig), ...(secrets as Pick<PlatformConfig, keyof typeof SECRET>),
    allowTeardown: list(env.CLOUDFREEDOM_ALLOW_TEARDOWN), allowReplace: list(env.CLOUDFREEDOM_ALLOW_REPLACE), ...(claimFrom ? { claimFrom } : {}),
    servers: fleet.servers, overcommitRatios: fleet.overcommit, ...(move ? { move } : {}),
    warnings, ...(rollout ? { rollout } : {}), ...(shards ? { shards } : {}),
  };
}

type PlatformHosts = Pick<PlatformConfig, "baseDomain" | "coolifyUrl" | "pocketbaseUrl" | "aiRouterUrl">;

/**
 * A warning for each platform URL whose host lies under `baseDomain`, where tenants get `<slug>.<baseDomain>`.
 * The domain policy refuses the slug that would take such a host (program/domain-policy.ts), but a base domain the
 * platform shares is one where any platform host missing from `reservedHosts` (www, mail, status) is a slug away.
 */
export function platformHostsUnderBase(config: PlatformHosts): string[] {
  const base = config.baseDomain.toLowerCase().replace(/\.$/, "");
  const warnings: string[] = [];
  for (const key of ["coolifyUrl", "pocketbaseUrl", "aiRouterUrl"] as const) {
    const host = new URL(config[key]).hostname.toLowerCase().replace(/\.$/, "");
    if (host !== base && !host.endsWith(`.${base}`)) continue;
    const slug = host === base ? undefined : host.slice(0, -base.length - 1);
    const taken = slug === undefined ? "it is the base domain's apex" : slug.includes(".") ? `tenants answer on <slug>.${base}` : `tenants answer on <slug>.${base}; the slug "${slug}" is refused for it`;
    warnings.push(
      `${key}'s host ${host} lies under baseDomain ${base} (${taken}), so every other platform host under ${base} is one tenant slug away: ` +
        `give tenants a zone of their own (pulumi config set baseDomain agents.${base}; this moves every tenant's host) or list every platform host under ${base} in reservedHosts`,
    );
  }
  return warnings;
}

/** The example as one shell word, so the command pastes as is (`<...>` and spaces would not). */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The value of a known (config) Output, for the few places that need it before resources exist. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => (resolve(value), value)));
}

/** A value left as a template's placeholder: `REPLACE-…`, `CHANGEME`, `TODO`, or an `<example>` as in the fixes above. */
export function isPlaceholder(value: string): boolean {
  const text = value.trim();
  return /^(replace|changeme|change-me|todo)(\b|[-_ ])/i.test(text) || /^<[^<>]*>$/.test(text);
}
