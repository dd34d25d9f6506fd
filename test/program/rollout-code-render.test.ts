// The render a record keeps (program/stored-render.ts): declared again byte for byte, with the tenant's current
// secrets and never a secret of its own in the record.
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { Tenant } from "../../lib/tenants/tenant";
import { renderedDigestOf, renderValuesOf, withRecordedDigests } from "../../program/applied-run";
import { appliedSpecOf } from "../../program/held-plan";
import { planTenants, ROUTER_KEY_PLACEHOLDER, type TenantPlan } from "../../program/plan";
import { heldRenderOf, storedRenderOf } from "../../program/stored-render";
import { BOT_TOKEN, OTHER_BOT_TOKEN, PLATFORM, tenant } from "./fixtures";

const planOf = (t: Tenant): TenantPlan => {
  const fleet = planTenants([t], { ...PLATFORM, allowDraftTemplates: true });
  if (fleet.invalid.length > 0) throw new Error(fleet.invalid[0].errors.map((e) => e.message).join("; "));
  return fleet.plans[0];
};
const decoded = (blob: string) => gunzipSync(Buffer.from(blob, "base64")).toString("utf8");

const EVERY_VERSION: Array<[string, string]> = [
  ["openclaw", "1.0.0"], ["openclaw", "1.1.0"], ["llm-stack", "1.0.0"], ["llm-stack", "1.1.0"],
  ["telegram-bot", "1.0.0"], ["telegram-bot", "1.0.1"], ["telegram-bot", "1.1.0"], ["telegram-bot", "1.1.1"],
];
const withToken = (template: string, version: string) =>
  tenant(`${template.replace(/-/g, "")}-${version.replace(/\./g, "")}`, template, { templateVersion: version, ownerEmail: "owner@acme.example", ...(template === "openclaw" ? { secrets: { telegramBotToken: BOT_TOKEN }, telegramAllowFrom: ["100000001"] } : {}) });

describe("the render a record keeps", () => {
  it.each(EVERY_VERSION)("%s@%s comes back byte for byte: compose text, env rows, template, domain, limits, hosts", (template, version) => {
    const plan = planOf(withToken(template, version));
    const held = heldRenderOf(storedRenderOf(plan)!, plan.tenant);
    if ("problem" in held) throw new Error(held.problem);
    expect(held.rendered.composeYaml).toBe(plan.rendered.composeYaml);
    expect(JSON.stringify(held.rendered.env)).toBe(JSON.stringify(plan.rendered.env));
    expect(held.rendered).toMatchObject({
      templateRef: plan.rendered.templateRef, compose: plan.rendered.compose, domainService: plan.rendered.domainService, domainPort: plan.rendered.domainPort,
      generatedSecrets: plan.rendered.generatedSecrets, limits: plan.rendered.limits,
    });
    expect(held.hosts).toEqual(plan.hosts);
    expect(renderedDigestOf(held.rendered)).toBe(renderedDigestOf(plan.rendered));
  });

  it("keeps no secret: the bot token and the tenant's AI Router key are not in the stored render, only where they come from", () => {
    for (const [template, version] of EVERY_VERSION) {
      const plan = planOf(withToken(template, version));
      const text = decoded(storedRenderOf(plan)!);
      expect(text).not.toContain(BOT_TOKEN);
      expect(text).not.toContain(plan.tenant.routerKey!);
      const spec = JSON.stringify(appliedSpecOf(withRecordedDigests(plan, renderValuesOf(PLATFORM))).render);
      expect(decoded(JSON.parse(spec))).not.toContain(BOT_TOKEN);
    }
    expect(decoded(storedRenderOf(planOf(withToken("telegram-bot", "1.0.0")))!)).toContain('"CF_TELEGRAM_BOT_TOKEN":{"secret":"telegramBotToken"}');
  });

  it("swaps the tenant's current secrets in: a rotated bot token reaches the held stack, the router key stays its placeholder", () => {
    const plan = planOf(withToken("telegram-bot", "1.0.0"));
    const rotated = { ...plan.tenant, secrets: { telegramBotToken: OTHER_BOT_TOKEN } };
    const held = heldRenderOf(storedRenderOf(plan)!, rotated);
    if ("problem" in held) throw new Error(held.problem);
    expect(held.rendered.env).toMatchObject({ CF_TELEGRAM_BOT_TOKEN: OTHER_BOT_TOKEN, CF_AI_ROUTER_KEY: ROUTER_KEY_PLACEHOLDER });
    expect(held.rendered.composeYaml).toBe(plan.rendered.composeYaml);
  });

  it("names what is missing when the tenant no longer has a secret its stored render takes, and when the blob does not read", () => {
    const plan = planOf(withToken("telegram-bot", "1.0.0"));
    expect(heldRenderOf(storedRenderOf(plan)!, { ...plan.tenant, secrets: {} })).toEqual({ problem: "its stored render takes its secret telegramBotToken, which it no longer has" });
    expect(heldRenderOf("not a render", plan.tenant)).toEqual({ problem: "its applied spec's stored render does not read" });
  });

  it("stores nothing when a secret row's value comes from nowhere it can name, or a secret shows in the compose", () => {
    const plan = planOf(withToken("telegram-bot", "1.0.0"));
    expect(storedRenderOf({ ...plan, rendered: { ...plan.rendered, env: { ...plan.rendered.env, CF_TELEGRAM_BOT_TOKEN: "derived-from-the-token" } } })).toBeUndefined();
    expect(storedRenderOf({ ...plan, rendered: { ...plan.rendered, composeYaml: `${plan.rendered.composeYaml}# ${BOT_TOKEN}\n` } })).toBeUndefined();
  });

  it("is compact: gzip and base64 keep each of today's stacks under 2 KB", () => {
    for (const [template, version] of EVERY_VERSION) expect(storedRenderOf(planOf(withToken(template, version)))!.length).toBeLessThan(2048);
  });
});
