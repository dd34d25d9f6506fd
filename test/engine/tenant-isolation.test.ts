// Tenant isolation end to end: a real PocketBase (the demo tenants, each with its own AI Router key), the
// real engine, the Coolify emulator. A deployed tenant refused by a policy is held at its last applied spec
// without one Coolify write, and the run fails at its end naming it;
// a custom domain attaches only once verified; a router key travels to its tenant only, as a secret.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_BOT_TOKEN, DEMO_ROUTER_KEYS } from "../../pocketbase/seed";
import { ENGINE_TIMEOUT, failure } from "../support/engine";
import { AI_ROUTER_KEY, provisioningRecordOf, startDeployedPlatform, updateTenant, type Platform } from "../support/platform";

const SLUGS = ["acme", "bolt", "chirp"] as const;

describe("tenant isolation against PocketBase and Coolify", () => {
  let platform: Platform;
  /** Everything the engine printed during the first up. */
  let firstUpOutput = "";
  const service = (slug: string) => platform.coolify.store.findServices({ name: `cf-${slug}` })[0];
  const routerKeyOf = (slug: string) => service(slug).envs.find((e) => e.key === "CF_AI_ROUTER_KEY")?.value;
  const boltUrls = () => service("bolt").applications.find((a) => a.fqdn)?.fqdn;
  const clearLog = () => (platform.coolify.requests.length = 0);
  const record = async (slug: string) => provisioningRecordOf(await platform.admin(), slug);

  beforeAll(async () => {
    platform = await startDeployedPlatform({}, { onOutput: (text) => void (firstUpOutput += text) });
  }, ENGINE_TIMEOUT);
  afterAll(async () => platform?.dispose());

  it("gives every tenant its own AI Router key, and the key appears in no compose, log, state or visible write-back field", async () => {
    expect(SLUGS.map(routerKeyOf)).toEqual([DEMO_ROUTER_KEYS.acme, DEMO_ROUTER_KEYS.bolt, DEMO_ROUTER_KEYS.chirp]);
    const exported = platform.program.cli(["stack", "export"]);
    for (const slug of SLUGS) {
      const key = DEMO_ROUTER_KEYS[slug];
      expect(exported).not.toContain(key);
      expect(firstUpOutput).not.toContain(key);
      const { credentials: _hidden, ...visible } = await record(slug);
      expect(JSON.stringify(visible)).not.toContain(key);
      for (const other of SLUGS) expect(service(other).dockerComposeRaw).not.toContain(key);
    }
    // Without sharedRouterKeyFallback the platform key reaches no tenant.
    expect(SLUGS.map(routerKeyOf)).not.toContain(AI_ROUTER_KEY);
  }, ENGINE_TIMEOUT);

  it("refuses a custom domain that is another tenant's host: the tenant is held, the run fails naming it, with no Coolify write", async () => {
    const before = boltUrls();
    await updateTenant(await platform.admin(), "bolt", { custom_domain: "acme.agents.cloudfreedom.test", custom_domain_verified: true, custom_domain_verified_host: "acme.agents.cloudfreedom.test" });
    clearLog();
    try {
      const preview = await platform.program.stack.preview();
      const up = await failure(platform.program.stack.up());
      for (const text of [preview.stdout, up]) {
        expect(text).toContain('tenant "bolt": custom_domain: custom domain "acme.agents.cloudfreedom.test" is under the platform\'s base domain');
        // What bolt can read (its record) never names another tenant.
        expect(text).not.toMatch(/tenant "acme"|"acme"'s host/);
      }
      expect(preview.stdout).toContain("tenant bolt is held at its last applied spec");
      expect(up).toContain("1 tenant(s) did not converge");
      const held = await record("bolt");
      expect(held.status).toBe("held");
      expect(held.status_reason).not.toMatch(/acme"|chirp"/);
    } finally {
      await updateTenant(await platform.admin(), "bolt", { custom_domain: "", custom_domain_verified: false, custom_domain_verified_host: "" });
    }
    expect(platform.writes()).toEqual([]);
    expect(boltUrls()).toBe(before);
  }, ENGINE_TIMEOUT);

  it("leaves an unverified custom domain off, saying why in the write-back record, and attaches it once verified", async () => {
    const before = boltUrls();
    await updateTenant(await platform.admin(), "bolt", { custom_domain: "agents.bolt.example", custom_domain_verified: false });
    clearLog();
    await platform.program.stack.up();
    expect(platform.writes()).toEqual([]);
    expect(boltUrls()).toBe(before);
    expect((await record("bolt")).status_reason).toMatch(/^custom domain agents\.bolt\.example is left off until the Admin Portal has verified this host/);

    // Typed as tenants type it; the normalised host is what reaches Coolify.
    await updateTenant(await platform.admin(), "bolt", { custom_domain: "Agents.Bolt.Example.", custom_domain_verified: true, custom_domain_verified_host: "agents.bolt.example" });
    clearLog();
    await platform.program.stack.up();
    expect(boltUrls()).toBe(`${before},https://agents.bolt.example:8080`);
    expect((await record("bolt")).status_reason).toBe("");
    expect(platform.writes().every((w) => w.path.includes(service("bolt").uuid))).toBe(true);
  }, ENGINE_TIMEOUT);

  it("binds a verification to its host: another domain typed later is left off while the flag stays true", async () => {
    const before = boltUrls()?.split(",")[0];
    await updateTenant(await platform.admin(), "bolt", { custom_domain: "shop.bolt.example" });
    clearLog();
    await platform.program.stack.up();
    expect(boltUrls()).toBe(before);
    expect((await record("bolt")).status_reason).toMatch(/^custom domain shop\.bolt\.example is left off until the Admin Portal has verified this host/);
    await updateTenant(await platform.admin(), "bolt", { custom_domain: "", custom_domain_verified: false, custom_domain_verified_host: "" });
    await platform.program.stack.up();
  }, ENGINE_TIMEOUT);

  it("rotates one tenant's router key with one env update and one restart of that tenant only", async () => {
    const rotated = "sk-demo-acme-rotated-key-not-real-0004";
    await updateTenant(await platform.admin(), "acme", { ai_router_key: rotated });
    clearLog();
    let output = "";
    const up = await platform.program.stack.up({ diff: true, onOutput: (text) => void (output += text) });
    expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
    // Resources are named by the tenant's PocketBase id.
    const acmeId = (await (await platform.admin()).collection("tenants").getFirstListItem('slug = "acme"')).id;
    expect(output).toContain(`${acmeId}-service`);
    expect(output).not.toContain(rotated);
    const acme = service("acme").uuid;
    expect(platform.writes()).toEqual([
      { method: "PATCH", path: `/api/v1/services/${acme}/envs/bulk` },
      { method: "POST", path: `/api/v1/services/${acme}/restart` },
    ]);
    expect(SLUGS.map(routerKeyOf)).toEqual([rotated, DEMO_ROUTER_KEYS.bolt, DEMO_ROUTER_KEYS.chirp]);
    expect(platform.program.cli(["stack", "export"])).not.toContain(rotated);
  }, ENGINE_TIMEOUT);

  it("refuses a bot token another tenant runs with: only the one who typed it is held, naming no tenant nor the token, with no Coolify write", async () => {
    await updateTenant(await platform.admin(), "bolt", { telegram_bot_token: DEMO_BOT_TOKEN });
    clearLog();
    try {
      const up = await failure(platform.program.stack.up());
      expect(up).toContain("1 tenant(s) did not converge");
      expect(up).toContain('tenant "bolt": telegram_bot_token: its Telegram bot token is already in use by another tenant (value not shown)');
      expect(up).not.toContain('tenant "chirp": telegram_bot_token');
      expect(up).not.toContain(DEMO_BOT_TOKEN.split(":")[1]);
    } finally {
      await updateTenant(await platform.admin(), "bolt", { telegram_bot_token: "" });
    }
    expect(platform.writes()).toEqual([]);
  }, ENGINE_TIMEOUT);
});
