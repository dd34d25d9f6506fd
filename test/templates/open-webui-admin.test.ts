// Issue 10 item 3: Open WebUI is never open to strangers.
import { describe, expect, it } from "vitest";
import { resolveCompose } from "../../emulator/deploy/compose-resolver";
import { previewDeployment } from "../../emulator/preview";
import { envItems } from "../../providers/service-model";
import { renderStack, TemplateError, type RenderInput } from "../../templates";
import { exampleInput } from "./fixtures";

async function openWebUiEnv(input: RenderInput) {
  const stack = renderStack(input);
  const p = previewDeployment({ composeYaml: stack.composeYaml, rows: envItems(stack.env), urls: [{ name: "openwebui", url: `https://${input.domains[0]}:8080` }] });
  const result = await resolveCompose(p);
  if (!result.ok) throw new Error(result.error);
  return { env: result.services.openwebui.environment, stack, rows: p.service.envs };
}

describe("llm-stack 1.1.0: Open WebUI's admin comes from the tenant, never from the first stranger to sign up", () => {
  it("turns sign-up off by default and creates the owner's admin headlessly with a Coolify-generated password", async () => {
    const input = exampleInput("llm-stack");
    input.tenant.settings = { ownerEmail: "owner@acme.example" };
    const { env, stack, rows } = await openWebUiEnv(input);
    expect(env.ENABLE_SIGNUP).toBe("false");
    expect(env.WEBUI_ADMIN_EMAIL).toBe("owner@acme.example");
    const generated = rows.find((r) => r.key === "SERVICE_PASSWORD_WEBUIADMIN");
    expect(generated?.value).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(env.WEBUI_ADMIN_PASSWORD).toBe(generated?.value);
    // Read back after deploy like every generated secret, for the tenant's write-back record.
    expect(stack.generatedSecrets).toContain("SERVICE_PASSWORD_WEBUIADMIN");
    expect(stack.composeYaml).not.toContain(generated?.value);
  });

  it("keeps sign-up off and creates no admin without an owner e-mail (Open WebUI skips an empty WEBUI_ADMIN_EMAIL)", async () => {
    const input = exampleInput("llm-stack");
    input.tenant.settings = {};
    const { env } = await openWebUiEnv(input);
    expect(env.ENABLE_SIGNUP).toBe("false");
    expect(env.WEBUI_ADMIN_EMAIL).toBe("");
  });

  it("opens sign-up only when the tenant asks for it", async () => {
    const input = exampleInput("llm-stack");
    input.tenant.settings.enableSignup = true;
    expect((await openWebUiEnv(input)).env.ENABLE_SIGNUP).toBe("true");
  });

  it.each(["not-an-email", "a@b", "owner@acme.example\nX=1", " owner@acme.example", "o'wner@acme.example"])("refuses owner e-mail %j", (email) => {
    const input = exampleInput("llm-stack");
    input.tenant.settings.ownerEmail = email;
    expect(() => renderStack(input)).toThrow(TemplateError);
    expect(() => renderStack(input)).toThrow(/settings\.ownerEmail/);
  });
});
