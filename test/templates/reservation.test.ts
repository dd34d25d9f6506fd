import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { renderStack, reservationOf, type RenderInput } from "../../templates";

const input = (template: string, tier: "starter" | "pro" | "business", limits?: { cpus?: number; memoryMb?: number }): RenderInput => ({
  template,
  tenant: { slug: "acme", settings: template === "telegram-bot" ? { allowedUserIds: ["100000001"] } : {}, secrets: template === "telegram-bot" ? { telegramBotToken: "123456789:AAFakeDemoTokenForChirpTelegram0001" } : ({} as Record<string, string>) },
  plan: { tier, models: ["gpt-4o-mini"], ...(limits ? { limits } : {}) },
  platform: { aiRouterUrl: "https://ai.cloudfreedom.test/v1", aiRouterKey: "sk-test-router-key-0001", baseDomain: "agents.cloudfreedom.test" },
  domains: template === "telegram-bot" ? [] : ["acme.agents.cloudfreedom.test"],
});

/** The sum of what the compose text itself puts in deploy.resources.limits. */
function composeSum(yaml: string) {
  const services = (load(yaml) as { services: Record<string, { deploy: { resources: { limits: { cpus: number; memory: string } } } }> }).services;
  const limits = Object.values(services).map((s) => s.deploy.resources.limits);
  return { cpus: Math.round(limits.reduce((sum, l) => sum + l.cpus, 0) * 100) / 100, memoryMb: limits.reduce((sum, l) => sum + Number.parseInt(l.memory, 10), 0) };
}

describe("a tenant's reservation", () => {
  it("is the sum of the limits the render writes into deploy.resources.limits, for every template and tier", () => {
    for (const template of ["openclaw", "telegram-bot", "llm-stack"]) {
      for (const tier of ["starter", "pro", "business"] as const) {
        const stack = renderStack(input(template, tier));
        const { cpus, memoryMb } = reservationOf(stack.limits);
        expect({ cpus, memoryMb }, `${template} ${tier}`).toEqual(composeSum(stack.composeYaml));
      }
    }
  });

  it("follows the plan's limit overrides and names the largest container", () => {
    const stack = renderStack(input("llm-stack", "pro", { cpus: 3, memoryMb: 6144 }));
    const reservation = reservationOf(stack.limits);
    expect(reservation.memoryMb).toBe(composeSum(stack.composeYaml).memoryMb);
    expect(reservation.memoryMb).toBeLessThanOrEqual(6144);
    expect(reservation.largest.memoryMb).toBe(Math.max(...Object.values(stack.limits).map((l) => l.memoryMb)));
    expect(reservation.largest.cpus).toBe(Math.max(...Object.values(stack.limits).map((l) => l.cpus)));
  });
});
