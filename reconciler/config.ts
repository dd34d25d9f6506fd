// The reconciler's settings, read from the same stack config as the program (namespace cloudfreedom-agents):
// its own keys plus the PocketBase login the program uses. Every problem is reported at once with its fix.
import type { ConfigMap } from "@pulumi/pulumi/automation";
import { z } from "zod";
import { checkCollectionName, DEFAULT_TENANT_VIEW } from "../lib/tenants/collections";
import type { PocketBaseSource } from "../lib/tenants/connection";
import { tenantSourceCollections } from "../lib/tenants/sources";

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

const positive = z.coerce.number().positive();

const KEYS = {
  reconcileIntervalMinutes: { schema: positive, fallback: "15" },
  reconcileDebounceSeconds: { schema: z.coerce.number().min(0), fallback: "5" },
  reconcileResubscribeMinutes: { schema: positive.max(29, "must stay under PocketBase's 30-minute cap"), fallback: "25" },
  reconcileRefreshOnTimer: { schema: z.enum(["true", "false"]), fallback: "true" },
  reconcileTargetedRuns: { schema: z.enum(["true", "false"]), fallback: "true" },
} as const;

/** Reads the reconciler's settings from `stack.getAllConfig()` (secrets decrypted); `overrides` win (CLI flags). */
export function readReconcilerConfig(config: ConfigMap, overrides: { intervalMinutes?: number } = {}, namespace = NAMESPACE): ReconcilerConfig {
  const problems: string[] = [];
  const get = (key: string) => config[`${namespace}:${key}`]?.value;
  const parsed: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(KEYS)) {
    const raw = get(key) ?? spec.fallback;
    const result = (spec.schema as z.ZodType).safeParse(raw);
    if (result.success) parsed[key] = result.data;
    else problems.push(`${key} "${raw}" is invalid (${result.error.issues[0]?.message}): pulumi config set ${key} ${spec.fallback}`);
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
    intervalMinutes: overrides.intervalMinutes ?? (parsed.reconcileIntervalMinutes as number),
    debounceSeconds: parsed.reconcileDebounceSeconds as number,
    sourceCollections,
    tenantView,
    resubscribeMinutes: parsed.reconcileResubscribeMinutes as number,
    refreshOnTimer: parsed.reconcileRefreshOnTimer === "true",
    targetedRuns: parsed.reconcileTargetedRuns === "true",
    pocketbase: { url: url!, email: email!, password: password! },
    secrets: Object.values(config).filter((entry) => entry.secret && entry.value.length >= 4).map((entry) => entry.value),
  };
}

/** Replaces every secret value in a text (plain and URL-encoded) with "[secret]". */
export function scrubSecrets(text: string, secrets: string[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) scrubbed = scrubbed.split(form).join("[secret]");
  }
  return scrubbed;
}
