import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config";
import { asOperatorError } from "../../program/operator-error";
import { TenantPlanError } from "../../program/plan";
import { TemplateError } from "../../templates";
import { TenantSourceError } from "../../lib/tenants/errors";

const template = new TemplateError({ tenant: "acme", template: "llm-stack", field: "settings", problem: "bad", fix: "fix it" });

describe("asOperatorError", () => {
  it.each([
    ["ConfigError", new ConfigError(["coolifyUrl is missing: pulumi config set coolifyUrl https://coolify.example"])],
    ["TenantSourceError", new TenantSourceError("unreachable", { problem: "no answer.", fix: "start it" })],
    ["TenantPlanError", new TenantPlanError([template])],
    ["TemplateError", template],
  ])("turns a %s into a stackless RunError with the same message", (_name, error) => {
    const run = asOperatorError(error) as Error;
    expect(pulumi.RunError.isInstance(run)).toBe(true);
    expect(run.message).toBe(error.message);
    expect(run.stack).toBe("");
  });

  it("leaves any other error as it is, stack included", () => {
    const bug = new TypeError("cannot read properties of undefined");
    expect(asOperatorError(bug)).toBe(bug);
    expect(bug.stack).toContain("TypeError");
  });
});
