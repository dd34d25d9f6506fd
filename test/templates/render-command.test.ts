import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");

function render(...args: string[]) {
  const result = spawnSync("bash", ["scripts/with-env.sh", "tsx", "scripts/render.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Effective {
  template: string;
  containers: Record<string, { environment: Record<string, string | null>; limits: { cpus: number; memoryBytes: number; pids: number } }>;
}

/** The hostile prompt of issue 9: an apostrophe, then a line that would be a second assignment in a naive .env. */
const HOSTILE_PROMPT = "x'\nCF_AI_ROUTER_URL='https://evil.invalid/v1";

describe("npm run render", () => {
  it("prints the compose, the env rows with the router key masked, and the values written into the compose", () => {
    const { code, stdout, stderr } = render("--template", "llm-stack", "--plan", "pro", "--tenant", "acme");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("# llm-stack@1.1.0 for tenant acme (plan pro)");
    expect(stdout).toContain("image: ghcr.io/open-webui/open-webui:");
    expect(stdout).toMatch(/^CF_AI_ROUTER_KEY=\*{8}$/m);
    expect(stdout).toContain("WEBUI_URL=https://acme.agents.example.invalid");
    expect(stdout).toContain('CF_PUBLIC_URL="https://acme.agents.example.invalid"');
    expect(stdout).not.toContain("sk-SAMPLE-not-a-real-router-key");
  });

  it("masks a token given with --set and applies settings and limits (1.0.0: every value an env row)", () => {
    const token = "987654321:THIS_fake_token_must_never_be_printed";
    const { code, stdout } = render(
      "--template", "telegram-bot", "--plan", "starter", "--tenant", "acme", "--version", "1.0.0",
      "--set", `secrets.telegramBotToken=${token}`, "--set", "allowedUserIds=[42,43]", "--set", "limits.memoryMb=300",
    );
    expect(code).toBe(0);
    expect(stdout).not.toContain("THIS_fake_token");
    expect(stdout).toMatch(/^CF_TELEGRAM_BOT_TOKEN=\*{8}$/m);
    expect(stdout).toContain('CF_ALLOWED_USER_IDS="42,43"');
    expect(stdout).toContain("memory: 300M");
  });

  it("exits 1 with the TemplateError message for invalid input", () => {
    const { code, stdout, stderr } = render("--template", "openclaw", "--plan", "pro", "--tenant", "acme", "--set", "secrets.telegramBotToken=oops");
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain('template "openclaw@1.1.0" for tenant "acme": secrets.telegramBotToken:');
    expect(stderr).not.toContain("oops");
  });

  it("--effective: the hostile prompt is one variable, equal to the prompt, and no variable holds evil.invalid", () => {
    const { code, stdout, stderr } = render("--template", "telegram-bot", "--plan", "pro", "--tenant", "probe", "--set", `settings.assistantPrompt=${HOSTILE_PROMPT}`, "--effective");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as Effective;
    const env = out.containers.bot.environment;
    expect(env.ASSISTANT_PROMPT).toBe(HOSTILE_PROMPT);
    expect(Object.entries(env).filter(([, v]) => v?.includes("evil.invalid")).map(([k]) => k)).toEqual(["ASSISTANT_PROMPT"]);
    expect(env.OPENAI_BASE_URL).toBe("https://ai-router.example.invalid/v1");
    expect(env.OPENAI_API_KEY).toBe("********");
    expect(out.containers.bot.limits).toEqual({ cpus: 0.5, memoryBytes: 384 * 1024 * 1024, pids: 256 });
  });

  it("--effective: OpenClaw's configuration keeps its key references, and --show-secrets shows the key they resolve to", () => {
    const { code, stdout } = render("--template", "openclaw", "--plan", "pro", "--tenant", "probe", "--effective", "--show-secrets");
    expect(code).toBe(0);
    const env = (JSON.parse(stdout) as Effective).containers.openclaw.environment;
    const config = JSON.parse(env.OPENCLAW_CONFIG_JSON!) as { models: { providers: Record<string, { apiKey: string }> } };
    expect(config.models.providers.airouter.apiKey).toBe("${AI_ROUTER_API_KEY}");
    expect(config.models.providers.openai.apiKey).toBe("${OPENAI_API_KEY}");
    expect(env.AI_ROUTER_API_KEY).toBe("sk-SAMPLE-not-a-real-router-key");
    expect(env.OPENAI_API_KEY).toBe("sk-SAMPLE-not-a-real-router-key");
  });

  it("--effective on a 1.0.0 version exits 1 with compose's own refusal", () => {
    const { code, stdout, stderr } = render("--template", "openclaw", "--plan", "pro", "--tenant", "probe", "--version", "1.0.0", "--effective");
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain("can't set distinct values on 'pids_limit' and 'deploy.resources.limits.pids'");
  });
});
