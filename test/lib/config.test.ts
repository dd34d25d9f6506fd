import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../lib/config";
import { CONFIG_BASE, configOf, problemsOf } from "./config-fixtures";

const COMPLETE: Record<string, string> = { ...CONFIG_BASE, coolifyServerUuid: "srv-1", aiRouterKey: "key" };

describe("readConfig", () => {
  it("reads a complete config, with the teardown allow list from the environment", () => {
    const config = readConfig(configOf({ ...COMPLETE, teardownBudget: "2" }), { CLOUDFREEDOM_ALLOW_TEARDOWN: " acme, bolt ,," });
    expect(config.coolifyServerUuid).toBe("srv-1");
    expect(config.teardownBudget).toBe(2);
    expect(config.allowTeardown).toEqual(["acme", "bolt"]);
  });

  it("reads the tenant view and its realtime source collections, refusing what is not a collection name", () => {
    const config = readConfig(configOf({ ...COMPLETE, tenantView: "cf_tenants", tenantSourceCollections: " tenants, subscriptions ,plans" }), {});
    expect(config.tenantView).toBe("cf_tenants");
    expect(config.tenantSourceCollections).toEqual(["tenants", "subscriptions", "plans"]);
    expect(readConfig(configOf(COMPLETE), {}).tenantView).toBeUndefined();
    const problems = problemsOf({ ...COMPLETE, tenantView: "agent tenants", tenantSourceCollections: "tenants,plans/*" });
    expect(problems.map((p) => p.split(" ")[0]).sort()).toEqual(["tenantSourceCollections", "tenantView"]);
  });

  it("reads the grace period, and the replace allow list and claimed stack from the environment", () => {
    const config = readConfig(configOf({ ...COMPLETE, teardownGraceDays: "0" }), {
      CLOUDFREEDOM_ALLOW_REPLACE: "acme,*", CLOUDFREEDOM_CLAIM_FROM: " organization/cloudfreedom-agents/prod ",
    });
    expect(config.teardownGraceDays).toBe(0);
    expect(config.allowReplace).toEqual(["acme", "*"]);
    expect(config.claimFrom).toBe("organization/cloudfreedom-agents/prod");
    const plain = readConfig(configOf(COMPLETE), {});
    expect([plain.teardownGraceDays, plain.allowReplace, plain.claimFrom]).toEqual([undefined, [], undefined]);
    expect(problemsOf({ ...COMPLETE, teardownGraceDays: "-1" })).toEqual([expect.stringMatching(/^teardownGraceDays "-1" is invalid/)]);
  });

  it("lists every missing and invalid key at once, each with its command", () => {
    const { coolifyServerUuid: _s, aiRouterKey: _k, ...rest } = COMPLETE;
    const problems = problemsOf({ ...rest, baseDomain: "Not A Domain", sharedRouterKeyFallback: "true" });
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => p.split(" ")[0]).sort()).toEqual(["aiRouterKey", "baseDomain", "coolifyServers"]);
    expect(problems.find((p) => p.startsWith("aiRouterKey"))).toContain("pulumi config set --secret aiRouterKey ");
    expect(problems.find((p) => p.startsWith("baseDomain"))).toContain('baseDomain "Not A Domain" is invalid');
  });

  it("gives commands that a POSIX shell reads as exactly key and value", () => {
    const problems = problemsOf({ pocketbaseUrl: "https://pb.example.com" });
    for (const problem of problems) {
      const command = problem.slice(problem.indexOf("pulumi config set"));
      const words = JSON.parse(execFileSync("sh", ["-c", `node -e 'console.log(JSON.stringify(process.argv.slice(1)))' -- ${command.replace(/^pulumi /, "")}`], { encoding: "utf8" })) as string[];
      expect(words[0]).toBe("config");
      expect(words.filter((w) => w !== "--secret")).toHaveLength(4);
    }
  });

  it("needs no shared aiRouterKey unless sharedRouterKeyFallback is true", () => {
    const { aiRouterKey: _k, ...rest } = COMPLETE;
    const config = readConfig(configOf(rest), {});
    expect(config.aiRouterKey).toBeUndefined();
    expect(config.sharedRouterKeyFallback).toBeUndefined();
    expect(problemsOf({ ...rest, sharedRouterKeyFallback: "true" })).toEqual([expect.stringMatching(/^aiRouterKey is missing: pulumi config set --secret aiRouterKey /)]);
  });

  it("reads reservedHosts as a comma list or a JSON list, and the isolation flags", () => {
    const listed = readConfig(configOf({ ...COMPLETE, reservedHosts: " status.example.com, *.example.com ,", allowDraftTemplates: "true", sharedRouterKeyFallback: "false" }), {});
    expect(listed.reservedHosts).toEqual(["status.example.com", "*.example.com"]);
    expect(listed.allowDraftTemplates).toBe(true);
    expect(listed.sharedRouterKeyFallback).toBe(false);
    expect(readConfig(configOf({ ...COMPLETE, reservedHosts: '["status.example.com"]' }), {}).reservedHosts).toEqual(["status.example.com"]);
  });

  it("warns about platform hosts under baseDomain, where tenants get <slug>.<baseDomain>, and not about others", () => {
    expect(readConfig(configOf(COMPLETE), {}).warnings).toEqual([]);
    const flat = readConfig(configOf({ ...COMPLETE, baseDomain: "example.com", aiRouterUrl: "https://ai.router.example.net/v1" }), {});
    expect(flat.warnings).toEqual([
      expect.stringMatching(/^coolifyUrl's host coolify\.example\.com lies under baseDomain example\.com \(tenants answer on <slug>\.example\.com; the slug "coolify" is refused for it\)/),
      expect.stringMatching(/^pocketbaseUrl's host pb\.example\.com lies under baseDomain example\.com .*pulumi config set baseDomain agents\.example\.com.* reservedHosts$/),
    ]);
    const apex = readConfig(configOf({ ...COMPLETE, pocketbaseUrl: "https://agents.example.com:8090" }), {});
    expect(apex.warnings).toEqual([expect.stringMatching(/^pocketbaseUrl's host agents\.example\.com lies under baseDomain agents\.example\.com \(it is the base domain's apex\)/)]);
  });

  it("refuses a reservedHosts entry that is a URL or a broken JSON list, and a flag that is not true/false", () => {
    for (const bad of ["https://status.example.com", "a.example.com:8080", '["x.example.com"', "x.*.example.com"]) {
      expect(problemsOf({ ...COMPLETE, reservedHosts: bad }), bad).toEqual([expect.stringMatching(/^reservedHosts .* is invalid/)]);
    }
    expect(problemsOf({ ...COMPLETE, allowDraftTemplates: "yes" })).toEqual([expect.stringMatching(/^allowDraftTemplates "yes" is invalid/)]);
  });
});
