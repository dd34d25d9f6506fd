// A tenant the program refuses (a new tenant with a bad record) changes nothing in the preview, so no up runs and no
// up's end fails naming it: the run record must still carry the refusal. Before, such a run read "preview shows no
// changes" with no failures, and the reason was only in the engine's log.
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { describe, expect, it } from "vitest";
import { runEngine } from "../../reconciler/engine";
import { TENANT_COMPONENT_TYPE } from "../../reconciler/scope";

function fakeStack(events: EngineEvent[], changeSummary: Record<string, number>): { stack: Stack; ups: number } {
  const state = { ups: 0 };
  const stack = {
    workspace: { envVars: {} as Record<string, string> },
    preview: async (options: { onEvent?: (e: EngineEvent) => void }) => {
      for (const event of events) options.onEvent?.(event);
      return { changeSummary };
    },
    up: async () => {
      state.ups += 1;
      throw new Error("no up expected");
    },
  } as unknown as Stack;
  return { stack, get ups() { return state.ups; } };
}

const warning = (message: string): EngineEvent => ({ sequence: 1, timestamp: 0, diagnosticEvent: { message: `${message}\n`, color: "never", severity: "warning" } }) as EngineEvent;
const options = () => ({ exclude: [], refresh: false, signal: new AbortController().signal, parents: new Map<string, string>(), log: () => undefined });

describe("a preview without changes", () => {
  it("records each tenant the program refused, with its reason, though no up runs", async () => {
    const fake = fakeStack([
      warning("tenant echo is refused (never deployed): telegram_bot_token: is not shaped like a BotFather token: set it in PocketBase"),
      warning("tenant bolt is held at its last applied spec: plan starter no longer fits"),
      warning("tenant echo is refused (never deployed): telegram_bot_token: is not shaped like a BotFather token: set it in PocketBase"),
    ], { same: 4 });
    const outcome = await runEngine(fake.stack, options());
    expect(fake.ups).toBe(0);
    expect(outcome.updated).toBe(false);
    expect(outcome.failures).toEqual([{ tenant: "echo", message: "refused (never deployed): telegram_bot_token: is not shaped like a BotFather token: set it in PocketBase" }]);
    expect(outcome.message).toBe("preview shows no changes; refused: echo: refused (never deployed): telegram_bot_token: is not shaped like a BotFather token: set it in PocketBase");
  });

  it("stays a plain 'no changes' without refusals", async () => {
    const outcome = await runEngine(fakeStack([warning("some other warning")], { same: 4 }).stack, options());
    expect(outcome).toMatchObject({ result: "succeeded", failures: [], message: "preview shows no changes" });
  });
});

/** A stack whose up sends these events and then fails as the CLI does; a preview is never expected. */
function failingUp(events: EngineEvent[]): Stack {
  return {
    workspace: { envVars: {} },
    preview: async () => {
      throw new Error("no preview expected in a targeted run");
    },
    up: async (options: { onEvent?: (e: EngineEvent) => void }) => {
      for (const event of events) options.onEvent?.(event);
      throw new Error("code: 255\n stderr: error: update failed");
    },
  } as unknown as Stack;
}

const error = (message: string, urn?: string): EngineEvent => ({ sequence: 2, timestamp: 0, diagnosticEvent: { message, color: "never", severity: "error", ...(urn ? { urn } : {}) } }) as EngineEvent;
const componentUrn = (name: string) => `urn:pulumi:test::p::${TENANT_COMPONENT_TYPE}::${name}`;
const targeted = () => ({ ...options(), exclude: [componentUrn("alpha")] });

describe("a targeted up that failed", () => {
  it("is failed, and names the tenant, when a tenant's own step failed though nothing changed", async () => {
    const outcome = await runEngine(failingUp([error("cf-bravo: service is degraded", `${componentUrn("bravo")}`), error("update failed")]), targeted());
    expect(outcome).toMatchObject({ result: "failed", updated: true, failures: [{ tenant: "bravo", message: "cf-bravo: service is degraded" }] });
  });

  it("is refused, nothing changed, when the teardown guard refused it before any step", async () => {
    const guard = "urn:pulumi:test::p::pulumi-nodejs:dynamic/cloudfreedom:TeardownGuard::teardown-guard";
    const outcome = await runEngine(failingUp([error("2 tenants to tear down, over the budget of 1", guard), error("update failed")]), targeted());
    expect(outcome).toMatchObject({ result: "refused", updated: false, failures: [{ tenant: "", message: "2 tenants to tear down, over the budget of 1" }] });
    expect(outcome.message).toBe("up refused, nothing changed: 2 tenants to tear down, over the budget of 1");
  });

  it("is failed when a step changed something before the failure", async () => {
    const create = { sequence: 1, timestamp: 0, resourcePreEvent: { metadata: { op: "create", urn: `${componentUrn("bravo")}`, type: TENANT_COMPONENT_TYPE, provider: "", new: {} } } } as unknown as EngineEvent;
    const outcome = await runEngine(failingUp([create, error("boom at the stack"), error("update failed")]), targeted());
    expect(outcome).toMatchObject({ result: "failed", updated: true, counts: { create: 1 } });
  });
});
