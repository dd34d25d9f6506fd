import { describe, expect, it } from "vitest";
import { holdOrRefuse, runFailures, TenantRunError } from "../../program/report";
import type { InvalidTenant } from "../../program/plan";
import { TemplateError } from "../../templates";
import type { Provisioning } from "../../lib/tenants/provisioning";
import type { Tenant } from "../../lib/tenants/tenant";

const invalid = (slug: string): InvalidTenant => ({
  tenant: { id: `id${slug}`, slug } as Tenant,
  errors: [new TemplateError({ tenant: slug, template: "openclaw@1.0.0", field: "settings.x", problem: "is wrong", fix: "fix it" })],
});
const record = (urls: Record<string, string>) => ({ urls } as Provisioning);

describe("holdOrRefuse", () => {
  it("holds an invalid tenant that has a write-back record (applied before) and refuses one that has none", () => {
    const { held, refused } = holdOrRefuse([invalid("acme"), invalid("bolt"), invalid("new")], new Map([["idacme", record({ primary: "https://acme.x" })], ["idbolt", record({})]]));
    expect(held.map((h) => [h.invalid.tenant.slug, h.hold.hasDomain])).toEqual([["acme", true], ["bolt", false]]);
    expect(refused.map((r) => r.tenant.slug)).toEqual(["new"]);
  });
});

describe("runFailures", () => {
  it("names every tenant that did not converge, then the refused ones, and nothing for a clean run", () => {
    expect(runFailures([{ slug: "acme", problem: "" }], [])).toEqual([]);
    const failures = runFailures([{ slug: "acme", problem: "" }, { slug: "bolt", problem: "held: bad" }, { slug: "chirp", problem: "did not become running:healthy" }], [invalid("new")]);
    expect(failures.map((f) => f.slug)).toEqual(["bolt", "chirp", "new"]);
    expect(failures[2].reason).toMatch(/^refused \(never deployed\): .*tenant "new".*settings\.x.*is wrong/);
    expect(new TenantRunError(failures).message).toMatch(/^3 tenant\(s\) did not converge; every other tenant did, and no tenant was deleted in this run:\n  - bolt: held: bad\n/);
  });
});
