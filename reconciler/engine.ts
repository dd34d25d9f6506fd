// One reconcile of the stack through the Automation API. A full run previews first (the teardown guard and every
// check run there): a refused preview means no up, and a preview without changes saves one. A targeted run (the
// lane's --exclude of every other tenant) goes straight to the up: its preview cost as much as the up itself and
// protected nothing, since the program's checks (teardown guard, fleet-wide budget, refusals) throw before anything
// is registered and the engine deletes unregistered resources only once the program completes; an up that fails
// before any step changed a resource is reported as refused, as the preview was. The up continues past a failed
// tenant (--continue-on-error) so the other tenants converge. An abort sends the CLI an interrupt: it finishes the
// steps in flight, records them and releases the lock, so no pending operation is left behind.
import { ConcurrentUpdateError, type EngineEvent, type OpMap, type Stack } from "@pulumi/pulumi/automation";
import type { RunCounts, RunFailure, RunResult } from "../lib/tenants/runs";
import { TENANT_COMPONENT_TYPE, tenantOfUrn } from "./scope";

export interface EngineRunOptions {
  /** Component URNs of tenants left out of this run (their children follow through --exclude-dependents). */
  exclude: string[];
  refresh: boolean;
  signal: AbortSignal;
  /** URN -> parent URN of the deployed state; the run's own events add new resources. */
  parents: Map<string, string>;
  log: (line: string) => void;
  /** How a tenant (a component's name: its PocketBase id) is named in messages; default as is. */
  label?: (tenant: string) => string;
  /** A shard's stack runs with its fleet's config file (lib/shards.ts fleetConfigFile). */
  configFile?: string;
}

export interface EngineOutcome {
  /** "busy" when another update holds the stack: retry later, never the tenants' fault. */
  result: RunResult | "busy";
  /** Tenants created, updated (any of their resources changed), deleted, or left the same. */
  counts: RunCounts;
  /** The engine's own resource counts (a replace counts as an update). */
  resources: RunCounts;
  failures: RunFailure[];
  /** Whether an up ran (false after a refused preview or up, or a preview without changes). */
  updated: boolean;
  message: string;
  /** When busy: the CLI's refusal, which names each lock (see lock.ts). */
  lock?: string;
  /**
   * The resources whose outputs the up reported (their status output only), as `pulumi stack export` lists them:
   * what the state now records of the tenants the run stepped, without exporting the state again.
   */
  stepped?: SteppedResource[];
}

export interface SteppedResource {
  urn: string;
  type: string;
  parent?: string;
  outputs: { status?: unknown };
}

const EMPTY: RunCounts = { create: 0, update: 0, delete: 0, same: 0 };

export function countsOf(changes: OpMap | undefined): RunCounts {
  const c = changes ?? {};
  return { create: c.create ?? 0, update: (c.update ?? 0) + (c.replace ?? 0), delete: c.delete ?? 0, same: c.same ?? 0 };
}

const hasChanges = (counts: RunCounts) => counts.create + counts.update + counts.delete > 0;

/** Engine diagnostics as plain text: no colour markup, no trailing blank lines. */
export function plainMessage(text: string): string {
  return text.replace(/<\{%[^%]*%\}>/g, "").replace(/\u001b\[[0-9;]*m/g, "").trim();
}

/** `tenant <slug> is refused (never deployed): <reason>`, as index.ts warns it. */
const REFUSED = /^tenant ([a-z0-9-]+) is refused \(never deployed\): ([\s\S]+)$/;

const CHANGES = new Set(["create", "update", "delete", "replace", "create-replacement", "delete-replaced"]);

/** Collects error diagnostics, parent links and each tenant's step operations from the event stream. */
function collector(parents: Map<string, string>) {
  const errors: Array<{ urn?: string; message: string }> = [];
  const tenantOps = new Map<string, { component?: string; changed: boolean }>();
  const refusals: RunFailure[] = [];
  let changed = false;
  let summary: OpMap | undefined;
  const stepped: SteppedResource[] = [];
  const started = Date.now();
  const seen: { first?: number; change?: number; last?: number } = {};
  const onEvent = (event: EngineEvent) => {
    if (event.resourcePreEvent || event.resOutputsEvent) seen.last = Date.now();
    if (event.resourcePreEvent) seen.first ??= seen.last;
    if (event.summaryEvent) summary = event.summaryEvent.resourceChanges;
    const done = event.resOutputsEvent?.metadata;
    const state = done?.new ?? done?.old;
    if (done && state && done.op !== "delete") stepped.push({ urn: done.urn, type: done.type, ...(state.parent ? { parent: state.parent } : {}), outputs: { status: state.outputs?.status } });
    const meta = event.resourcePreEvent?.metadata;
    if (meta && CHANGES.has(meta.op)) {
      changed = true;
      seen.change ??= Date.now();
    }
    const parent = meta?.new?.parent || meta?.old?.parent;
    if (meta && parent) parents.set(meta.urn, parent);
    const tenant = meta ? tenantOfUrn(meta.urn, parents) : undefined;
    if (meta && tenant !== undefined) {
      const ops = tenantOps.get(tenant) ?? { changed: false };
      if (meta.type === TENANT_COMPONENT_TYPE) ops.component = meta.op;
      if (CHANGES.has(meta.op)) ops.changed = true;
      tenantOps.set(tenant, ops);
    }
    const diagnostic = event.diagnosticEvent;
    // The program's warning for a tenant it refuses (index.ts): a preview without changes runs no up, whose end
    // would have failed naming it, so the refusal is kept for the run record.
    const refusal = diagnostic?.severity === "warning" ? REFUSED.exec(plainMessage(diagnostic.message)) : null;
    if (refusal && !refusals.some((r) => r.tenant === refusal[1])) refusals.push({ tenant: refusal[1], message: `refused (never deployed): ${refusal[2]}` });
    if (diagnostic?.severity === "error") {
      const message = plainMessage(diagnostic.message);
      if (message && !errors.some((e) => e.urn === diagnostic.urn && e.message === message)) errors.push({ urn: diagnostic.urn, message });
    }
  };
  const failures = (): RunFailure[] => {
    const perTenant = new Map<string, string[]>();
    for (const { urn, message } of errors) {
      const tenant = (urn && tenantOfUrn(urn, parents)) || "";
      // The engine's closing summary ("update failed") says nothing a tenant's own error does not.
      if (tenant === "" && /^(update|preview|refresh) failed$/i.test(message) && errors.length > 1) continue;
      perTenant.set(tenant, [...(perTenant.get(tenant) ?? []), message]);
    }
    return [...perTenant].map(([tenant, messages]) => ({ tenant, message: messages.join("\n") }));
  };
  const tenantCounts = (): RunCounts => {
    const counts = { ...EMPTY };
    for (const ops of tenantOps.values()) {
      if (ops.component === "create") counts.create += 1;
      else if (ops.component === "delete") counts.delete += 1;
      else if (ops.changed) counts.update += 1;
      else counts.same += 1;
    }
    return counts;
  };
  return {
    onEvent, failures, tenantCounts,
    refusals: (): RunFailure[] => [...refusals],
    /** Whether a step changed (or began to change) any resource: a step event, or the engine's closing summary. */
    changed: (): boolean => changed || (summary !== undefined && hasChanges(countsOf(summary))),
    summary: (): RunCounts | undefined => (summary ? countsOf(summary) : undefined),
    stepped: (): SteppedResource[] => stepped,
    /** Where an operation's seconds went, for the log: until the program's first resource, the first change, the last step. */
    phases: (): string => {
      const at = (time: number | undefined) => (time === undefined ? "-" : `${((time - started) / 1000).toFixed(1)} s`);
      return `first resource ${at(seen.first)}, first change ${at(seen.change)}, last step ${at(seen.last)}, end ${at(Date.now())}`;
    },
  };
}

function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // A CommandError carries the CLI's whole output; its diagnostics are what matters, and those come as events.
  const lines = plainMessage(text).split("\n").filter((l) => /error:/i.test(l));
  return (lines.length > 0 ? lines.slice(0, 10).join("\n") : plainMessage(text).slice(0, 2000)).trim();
}

/** Runs `run` with these variables in the CLI's environment (the workspace's), restoring the workspace's own after. */
export async function withEnv<T>(stack: Stack, vars: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const env = stack.workspace.envVars;
  const before = Object.fromEntries(Object.keys(vars).map((key) => [key, env[key]]));
  Object.assign(env, vars);
  try {
    return await run();
  } finally {
    for (const [key, value] of Object.entries(before)) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
  }
}

/**
 * Runs a preview without the engine's per-step checkpoints (PULUMI_SKIP_CHECKPOINTS): a preview persists nothing,
 * yet after every step the CLI serializes the whole snapshot and encrypts its secrets; at 500 tenants that is most
 * of its time and memory (bench/README.md). An up keeps them: they are what a crash leaves behind.
 */
export function withoutCheckpoints<T>(stack: Stack, run: () => Promise<T>): Promise<T> {
  return withEnv(stack, { PULUMI_SKIP_CHECKPOINTS: "true" }, run);
}

function busyOutcome(error: ConcurrentUpdateError): EngineOutcome {
  return { result: "busy", counts: EMPTY, resources: EMPTY, failures: [], updated: false, message: "another update holds the stack", lock: plainMessage(error.message) };
}

/** `<tenant>: <message>` lines, or the error itself when no diagnostic named anything. */
function refusalText(failures: RunFailure[], error: unknown): string {
  return failures.length > 0 ? failures.map((f) => (f.tenant ? `${f.tenant}: ${f.message}` : f.message)).join("\n") : describeError(error);
}

/** The program's end-of-run report (program/report.ts TenantRunError), which fails an up once every step is over. */
const END_OF_RUN = /tenant\(s\) did not converge/;

export async function runEngine(stack: Stack, options: EngineRunOptions): Promise<EngineOutcome> {
  const targeted = options.exclude.length > 0;
  const scope = targeted ? { exclude: options.exclude, excludeDependents: true } : {};
  const common = { ...scope, refresh: options.refresh, signal: options.signal, ...(options.configFile ? { configFile: options.configFile } : {}) };
  const abortedOutcome = (updated: boolean, failures: RunFailure[] = []): EngineOutcome => ({
    result: "cancelled", counts: EMPTY, resources: EMPTY, failures, updated, message: "stopped by a signal; the steps in flight were completed and recorded",
  });

  if (options.signal.aborted) return abortedOutcome(false);
  let planned: RunCounts | undefined;
  if (!targeted) {
    const preview = collector(options.parents);
    let changes: OpMap;
    try {
      const result = await withoutCheckpoints(stack, () => stack.preview({ ...common, onEvent: preview.onEvent }));
      changes = result.changeSummary;
    } catch (error) {
      if (options.signal.aborted) return abortedOutcome(false);
      if (error instanceof ConcurrentUpdateError) return busyOutcome(error);
      const failures = preview.failures();
      const message = refusalText(failures, error);
      return { result: "refused", counts: EMPTY, resources: EMPTY, failures: failures.length > 0 ? failures : [{ tenant: "", message }], updated: false, message: `preview refused, nothing changed: ${message}` };
    }
    planned = countsOf(changes);
    if (!hasChanges(planned) && !options.refresh) {
      const refused = preview.refusals();
      const message = refused.length > 0 ? `preview shows no changes; refused: ${refused.map((f) => `${f.tenant}: ${f.message}`).join("; ")}` : "preview shows no changes";
      return { result: "succeeded", counts: preview.tenantCounts(), resources: planned, failures: refused, updated: false, message };
    }
    if (options.signal.aborted) return abortedOutcome(false);
  }

  const up = collector(options.parents);
  try {
    const result = await stack.up({ ...common, continueOnError: true, onEvent: up.onEvent }).finally(() => options.log(`up: ${up.phases()}`));
    // A tenant the program refused fails the up's end; kept here too should an up without changes ever succeed.
    return { result: "succeeded", counts: up.tenantCounts(), resources: countsOf(result.summary.resourceChanges), failures: up.changed() ? [] : up.refusals(), updated: true, message: "up succeeded", stepped: up.stepped() };
  } catch (error) {
    if (options.signal.aborted) return abortedOutcome(true, up.failures());
    if (error instanceof ConcurrentUpdateError) return busyOutcome(error);
    const failures = up.failures();
    if (!up.changed() && !failures.some((f) => f.tenant)) {
      const refused = up.refusals();
      // Only the program's end-of-run report failed it, for tenants it refused: what a preview without changes said.
      if (refused.length > 0 && failures.every((f) => END_OF_RUN.test(f.message))) {
        return { result: "succeeded", counts: up.tenantCounts(), resources: up.summary() ?? EMPTY, failures: refused, updated: true, message: `up made no changes; refused: ${refused.map((f) => `${f.tenant}: ${f.message}`).join("; ")}`, stepped: up.stepped() };
      }
      // A check of the program (or the teardown guard) refused the run before any step: nothing was changed.
      const message = refusalText(failures, error);
      return { result: "refused", counts: EMPTY, resources: EMPTY, failures: failures.length > 0 ? failures : [{ tenant: "", message }], updated: false, message: `up refused, nothing changed: ${message}` };
    }
    const resources = up.summary() ?? (await lastSummary(stack)) ?? planned ?? EMPTY;
    return {
      result: "failed",
      counts: up.tenantCounts(),
      resources,
      failures: failures.length > 0 ? failures : [{ tenant: "", message: describeError(error) }],
      updated: true,
      stepped: up.stepped(),
      message: `up failed for ${failures.map((f) => (f.tenant ? (options.label?.(f.tenant) ?? f.tenant) : "the stack")).join(", ") || "the stack"}; the other tenants were applied`,
    };
  }
}

/** The resource changes of the last update in the stack history (a failed up returns no summary). */
async function lastSummary(stack: Stack): Promise<RunCounts | undefined> {
  try {
    const [last] = await stack.history(1);
    return last ? countsOf(last.resourceChanges) : undefined;
  } catch {
    return undefined;
  }
}
