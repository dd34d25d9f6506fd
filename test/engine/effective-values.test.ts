// Hostile tenant values deployed by `pulumi up` of the program against PocketBase and the emulator: what Coolify's
// .env and compose rendering plus the real compose loader hand each container (GET /_emulator/services/{uuid}/effective).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, updateTenant, type Platform } from "../support/platform";

interface Effective {
  containers: Record<string, { environment: Record<string, string | null>; limits: { cpus: number; memoryBytes: number; pids: number } }>;
}

const PROMPT = "  x'\nCF_AI_ROUTER_URL='https://evil.invalid/v1\n${CF_AI_ROUTER_KEY} $SERVICE_PASSWORD_EVIL $$ \\' \"q\" # not a comment\t{{team.SECRET}}\n";
const WEBUI_NAME = ` Bob's "Chat" \${X:?boom} $$ #1 {{project.Y}} `;

describe("hostile tenant values reach the containers exactly, through pulumi up", () => {
  let platform: Platform;
  const effective = async (name: string) => {
    const service = platform.coolify.store.findServices({ name })[0];
    const res = await fetch(`${platform.coolify.url}/_emulator/services/${service.uuid}/effective`);
    expect(res.status).toBe(200);
    return (await res.json()) as Effective;
  };

  /** The tenant's own AI Router key, as the program sent it (an env row, never compose text). */
  const routerKey = (name: string) => platform.coolify.store.findServices({ name })[0].envs.find((e) => e.key === "CF_AI_ROUTER_KEY")?.value;

  beforeAll(async () => {
    platform = await startPlatform();
    const pb = await platform.admin();
    await updateTenant(pb, "chirp", { settings: { assistantPrompt: PROMPT } });
    await updateTenant(pb, "acme", { settings: { webuiName: WEBUI_NAME } });
  });
  afterAll(async () => platform?.dispose());

  it("deploys every tenant healthy, the compose loading in compose-go", async () => {
    const up = await platform.program.stack.up();
    for (const slug of ["acme", "bolt", "chirp"]) expect(up.outputs.tenants.value[slug].status, slug).toBe("running:healthy");
  });

  it("gives the bot its prompt byte for byte and no variable that points at evil.invalid", async () => {
    const env = (await effective("cf-chirp")).containers.bot.environment;
    expect(env.ASSISTANT_PROMPT).toBe(PROMPT);
    expect(env.OPENAI_BASE_URL).toBe("https://ai.cloudfreedom.test/v1");
    expect(env.OPENAI_API_KEY).toBe(routerKey("cf-chirp"));
    expect(env.OPENAI_API_KEY).toMatch(/^sk-/);
    expect(Object.keys(env).filter((k) => env[k]?.includes("evil.invalid"))).toEqual(["ASSISTANT_PROMPT"]);
    expect(Object.keys(env).filter((k) => k.includes("EVIL"))).toEqual([]);
  });

  it("gives Open WebUI its name byte for byte, sign-up off", async () => {
    const env = (await effective("cf-acme")).containers.openwebui.environment;
    expect(env.WEBUI_NAME).toBe(WEBUI_NAME);
    expect(env.ENABLE_SIGNUP).toBe("false");
  });

  it("gives OpenClaw a configuration whose key references resolve to the router key", async () => {
    const env = (await effective("cf-bolt")).containers.openclaw.environment;
    const config = JSON.parse(env.OPENCLAW_CONFIG_JSON!) as { models: { providers: Record<string, { apiKey: string }> } };
    expect(config.models.providers.airouter.apiKey).toBe("${AI_ROUTER_API_KEY}");
    expect(env.AI_ROUTER_API_KEY).toBe(routerKey("cf-bolt"));
    expect(env.AI_ROUTER_API_KEY).toMatch(/^sk-/);
  });

  it("applies the plan's limits from PocketBase (starter plan, openclaw: 1 cpu, 2048 MiB, 256 pids)", async () => {
    expect((await effective("cf-bolt")).containers.openclaw.limits).toEqual({ cpus: 1, memoryBytes: 2048 * 1024 * 1024, pids: 256 });
  });

  it("changes a prompt with one env-free compose update and one restart, and the new prompt arrives", async () => {
    const next = "second\n'prompt' $1";
    await updateTenant(await platform.admin(), "chirp", { settings: { assistantPrompt: next } });
    platform.coolify.requests.length = 0;
    const up = await platform.program.stack.up();
    expect(up.outputs.tenants.value.chirp.status).toBe("running:healthy");
    const chirp = platform.coolify.store.findServices({ name: "cf-chirp" })[0];
    expect(platform.writes().filter((w) => w.path.endsWith("/restart"))).toEqual([{ method: "POST", path: `/api/v1/services/${chirp.uuid}/restart` }]);
    expect((await effective("cf-chirp")).containers.bot.environment.ASSISTANT_PROMPT).toBe(next);
  });
});
