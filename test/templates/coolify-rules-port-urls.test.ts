// A template must not read the port-suffixed URL variables as its public URL: Coolify writes
// SERVICE_URL_<NAME>_<PORT> = https://host:<port> (the container port, never published), ingress.md §1.3.
import { describe, expect, it } from "vitest";
import { findCoolifyViolations, renderStack } from "../../templates";
import { exampleInput } from "./fixtures";

type Service = Record<string, unknown> & { environment?: string[] };
const servicesOf = (compose: Record<string, unknown>) => compose.services as Record<string, Service>;

describe("Coolify rules on port-suffixed URL variables", () => {
  const stack = renderStack(exampleInput("llm-stack"));

  it.each(["SERVICE_URL_OPENWEBUI_8080", "SERVICE_FQDN_OPENWEBUI_8080"])("refuses a template that reads ${%s}", (name) => {
    const compose = structuredClone(stack.compose);
    servicesOf(compose).litellm.environment!.push(`PUBLIC_URL=\${${name}}`);
    const base = name.replace(/_8080$/, "");
    expect(findCoolifyViolations(compose, stack.templateRef).join("\n")).toContain(`\${${name}} is "<url>:8080" in Coolify (the container port), not a public URL; read \${${base}}`);
  });

  it("accepts the port-suffixed declaration itself and a read of the base variable", () => {
    const compose = structuredClone(stack.compose);
    servicesOf(compose).litellm.environment!.push("PUBLIC_URL=${SERVICE_URL_OPENWEBUI}");
    expect(servicesOf(compose).openwebui.environment).toContain("SERVICE_URL_OPENWEBUI_8080");
    expect(findCoolifyViolations(compose, stack.templateRef)).toEqual([]);
  });
});
