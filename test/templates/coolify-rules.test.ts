import { describe, expect, it } from "vitest";
import { findCoolifyViolations, renderStack, TEMPLATE_LABEL } from "../../templates";
import { exampleInput, LEGACY_VERSION, MATRIX } from "./fixtures";

type Service = Record<string, unknown> & {
  environment?: string[]; labels?: Record<string, string>; volumes?: string[]; deploy?: { resources: { limits: Record<string, unknown> } };
};
const servicesOf = (compose: Record<string, unknown>) => compose.services as Record<string, Service>;

describe("Coolify rules on rendered stacks", () => {
  it.each(MATRIX)("%s/%s has no violations", (template, tier) => {
    const stack = renderStack(exampleInput(template, tier));
    expect(findCoolifyViolations(stack.compose, stack.templateRef)).toEqual([]);
  });

  it.each(MATRIX)("%s/%s at 1.0.0 has no violations under the rules it was released with (pids_limit)", (template, tier) => {
    const stack = renderStack(exampleInput(template, tier, "acme", LEGACY_VERSION));
    expect(findCoolifyViolations(stack.compose, stack.templateRef, 1)).toEqual([]);
    expect(findCoolifyViolations(stack.compose, stack.templateRef).join("\n")).toMatch(/pids_limit is not allowed/);
  });

  it.each(MATRIX)("%s/%s: no ports, restart + healthcheck + limits + template label on every container", (template, tier) => {
    const stack = renderStack(exampleInput(template, tier));
    expect(stack.composeYaml).not.toMatch(/^\s*ports:/m);
    for (const service of Object.values(servicesOf(stack.compose))) {
      expect(service.restart).toBe("unless-stopped");
      expect(service.healthcheck).toHaveProperty("test");
      expect(service).not.toHaveProperty("pids_limit");
      expect(service.deploy?.resources.limits).toHaveProperty("pids");
      expect(service.labels?.[TEMPLATE_LABEL]).toBe(stack.templateRef);
      expect(String(service.image)).not.toMatch(/:(latest|main)$/);
    }
  });

  it.each(MATRIX)("%s/%s: magic variables are one-word identifiers and domain declarations name their own hyphen-free service", (template, tier) => {
    const stack = renderStack(exampleInput(template, tier));
    for (const name of stack.generatedSecrets) expect(name).toMatch(/^SERVICE_(PASSWORD|USER)(_64)?_[A-Z][A-Z0-9]*$/);
    for (const [serviceName, service] of Object.entries(servicesOf(stack.compose))) {
      for (const entry of service.environment ?? []) {
        const declaration = /^SERVICE_(?:URL|FQDN)_([A-Z0-9]+)_(\d+)$/.exec(entry);
        if (declaration) {
          expect(declaration[1]).toBe(serviceName.toUpperCase());
          expect([serviceName, Number(declaration[2])]).toEqual([stack.domainService, stack.domainPort]);
        }
      }
    }
  });

  it("declares a domain only on the domain service (databases and the bot get none)", () => {
    for (const [template] of MATRIX) {
      const stack = renderStack(exampleInput(template));
      const declaring = Object.entries(servicesOf(stack.compose))
        .filter(([, service]) => (service.environment ?? []).some((entry) => entry.startsWith("SERVICE_URL_")))
        .map(([name]) => name);
      expect(declaring).toEqual(stack.domainService ? [stack.domainService] : []);
    }
  });

  const base = () => structuredClone(renderStack(exampleInput("llm-stack")).compose);
  const ref = renderStack(exampleInput("llm-stack")).templateRef;
  it.each<[string, (compose: Record<string, unknown>) => void, RegExp]>([
    ["a host port", (c) => void (servicesOf(c).openwebui.ports = ["8080:8080"]), /openwebui\.ports is not allowed/],
    ["a hyphenated service name", (c) => void (servicesOf(c)["open-webui"] = servicesOf(c).openwebui), /lower-case letters\/digits/],
    ["an underscore in a magic id", (c) => void servicesOf(c).litellm.environment!.push("X=${SERVICE_PASSWORD_MASTER_KEY}"), /not a magic variable/],
    ["a numeric-only magic id", (c) => void servicesOf(c).litellm.environment!.push("X=${SERVICE_PASSWORD_64}"), /not a magic variable/],
    ["a URL declaration for another service", (c) => void servicesOf(c).litellm.environment!.push("SERVICE_URL_OPENWEBUI_8080"), /names "openwebui", not this service/],
    ["a bare $VAR", (c) => void servicesOf(c).litellm.environment!.push("X=$HOME"), /bare "\$"/],
    ["a latest tag", (c) => void (servicesOf(c).postgres.image = "postgres:latest"), /floating tag "latest"/],
    ["a missing healthcheck", (c) => void delete servicesOf(c).litellm.healthcheck, /litellm\.healthcheck\.test is missing/],
    ["a missing pids limit", (c) => void delete servicesOf(c).litellm.deploy!.resources.limits.pids, /deploy\.resources\.limits\.pids is missing/],
    ["pids_limit beside deploy limits (compose refuses the pair)", (c) => void (servicesOf(c).litellm.pids_limit = 512), /pids_limit is not allowed/],
    ["a traefik label", (c) => void (servicesOf(c).openwebui.labels!["traefik.enable"] = "true"), /collides with labels Coolify generates/],
    ["a wrong template label", (c) => void (servicesOf(c).openwebui.labels![TEMPLATE_LABEL] = "llm-stack@0.9.0"), /must be "llm-stack@1\.1\.0"/],
    ["a bind mount", (c) => void servicesOf(c).openwebui.volumes!.push("/etc:/host-etc"), /not a named volume mount/],
    ["an undeclared volume", (c) => void servicesOf(c).openwebui.volumes!.push("other:/x"), /volume "other" is not declared/],
    ["a top-level network", (c) => void (c.networks = { default: {} }), /top-level "networks" is not allowed/],
    ["container_name", (c) => void (servicesOf(c).postgres.container_name = "pg"), /container_name is not allowed/],
  ])("flags %s", (_label, mutate, expected) => {
    const compose = base();
    mutate(compose);
    expect(findCoolifyViolations(compose, ref).join("\n")).toMatch(expected);
  });
});
