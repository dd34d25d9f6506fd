import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");

function render(...args: string[]) {
  const result = spawnSync("bash", ["scripts/with-env.sh", "tsx", "scripts/render.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("npm run render", () => {
  it("prints the compose and the env with the router key masked (sample platform values)", () => {
    const { code, stdout, stderr } = render("--template", "llm-stack", "--plan", "pro", "--tenant", "acme");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("# llm-stack@1.0.0 for tenant acme (plan pro)");
    expect(stdout).toContain("image: ghcr.io/open-webui/open-webui:");
    expect(stdout).toMatch(/^CF_AI_ROUTER_KEY=\*{8}$/m);
    expect(stdout).toContain('CF_PUBLIC_URL="https://acme.agents.example.invalid"');
    expect(stdout).not.toContain("sk-SAMPLE-not-a-real-router-key");
  });

  it("masks a token given with --set and applies settings and limits", () => {
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
    expect(stderr).toContain('template "openclaw@1.0.0" for tenant "acme": secrets.telegramBotToken:');
    expect(stderr).not.toContain("oops");
  });
});
