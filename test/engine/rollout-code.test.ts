// Issue 21, a change of the rendering code under the same version rolled out in waves, through the real engine, a
// real PocketBase and the Coolify emulator. The demo's three tenants run local releases (1.2.0 of each template,
// templates/local-releases.ts, the test-only CLOUDFREEDOM_LOCAL_RELEASES), bolt in the canary ring, config rollout
// set from the first up (so every record keeps the render its stack was applied with). Then each local release's
// compose changes under the same version (restart: always), as a fix to a template's files would: the next up moves
// only the canary, every other service's stored compose and env rows stay byte for byte; a tenant's own change
// applies at once, with the new code; the next wave only after the soak. A further change whose canary does not become
// healthy halts, and the canary goes back to the stack its record kept.
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLLOUTS_COLLECTION } from "../../lib/tenants/collections";
import { writeLocalRelease } from "../../scripts/demo-release";
import { LOCAL_RELEASES_VARIABLE } from "../../templates/local-releases";
import { ENGINE_TIMEOUT } from "../support/engine";
import { provisioningRecordOf, startPlatform, updateTenant, type Platform } from "../support/platform";

const SLUGS = ["acme", "bolt", "chirp"];
const TEMPLATES = ["llm-stack", "openclaw", "telegram-bot"];
const NEW_CODE = "restart: always";

describe("a change of the rendering code under the same version, rolled out in waves", () => {
  let platform: Platform;
  let pb: PocketBase;
  const releases = mkdtempSync(join(tmpdir(), "cf-local-releases-"));
  const service = (slug: string) => platform.coolify.store.findServices({ name: `cf-${slug}` })[0];
  const deployed = (slug: string) => ({ compose: service(slug).dockerComposeRaw, envs: JSON.stringify(service(slug).envs) });
  const onNewCode = () => SLUGS.filter((slug) => service(slug).dockerComposeRaw.includes(NEW_CODE));
  const rollout = async () => (await pb.collection(ROLLOUTS_COLLECTION).getFullList())[0];
  const up = async () => {
    const result = await platform.program.stack.up();
    expect(result.summary.result).toBe("succeeded");
    return result;
  };
  /** The Coolify writes (not GETs) of the last up that name the tenant's service. */
  const writesTo = (slug: string, since: number) => platform.writes().slice(since).filter((w) => w.path.includes(service(slug).uuid));

  beforeAll(async () => {
    for (const id of TEMPLATES) writeLocalRelease(releases, id, "1.2.0", "good");
    platform = await startPlatform({ config: { rollout: JSON.stringify({ fraction: 0.5, soakMinutes: 30 }) } });
    (platform.program.stack.workspace as LocalWorkspace).envVars[LOCAL_RELEASES_VARIABLE] = releases;
    pb = await platform.admin();
    await updateTenant(pb, "bolt", { rollout_ring: "canary" });
    await up();
  }, ENGINE_TIMEOUT);
  afterAll(async () => {
    await platform?.dispose();
    rmSync(releases, { recursive: true, force: true });
  });

  it("keeps the render each stack was applied with in its record, without its secrets", async () => {
    for (const slug of SLUGS) {
      const record = await provisioningRecordOf(pb, slug);
      expect(record.template_ref).toMatch(/@1\.2\.0$/);
      expect(record.applied_spec).toMatchObject({ render: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) });
    }
    const chirp = await provisioningRecordOf(pb, "chirp");
    const token = (chirp.applied_spec as { secrets: { telegramBotToken: string } }).secrets.telegramBotToken;
    const { gunzipSync } = await import("node:zlib");
    expect(gunzipSync(Buffer.from((chirp.applied_spec as { render: string }).render, "base64")).toString("utf8")).not.toContain(token);
    expect(onNewCode()).toEqual([]);
    expect(await rollout()).toBeUndefined();
  });

  it("moves only the canary when the code changes under the same version; every other service stays byte for byte", async () => {
    const before = Object.fromEntries(SLUGS.map((slug) => [slug, deployed(slug)]));
    for (const id of TEMPLATES) {
      const file = join(releases, id, "1.2.0", "compose.yaml");
      writeFileSync(file, readFileSync(file, "utf8").replaceAll("restart: unless-stopped", NEW_CODE));
    }
    const since = platform.writes().length;
    await up();
    expect(onNewCode()).toEqual(["bolt"]);
    for (const slug of ["acme", "chirp"]) {
      expect(deployed(slug)).toEqual(before[slug]);
      expect(writesTo(slug, since)).toEqual([]);
    }
    expect(await rollout()).toMatchObject({ status: "soaking", wave: 0, release: expect.stringMatching(/,platform@sha256:[0-9a-f]{12},code@sha256:[0-9a-f]{12}$/) });
    for (const slug of SLUGS) expect((await provisioningRecordOf(pb, slug)).template_ref).toMatch(/@1\.2\.0$/);
  }, ENGINE_TIMEOUT);

  it("applies a tenant's own change at once, with the new code, and moves no one else before the soak is over", async () => {
    const chirp = deployed("chirp");
    await updateTenant(pb, "acme", { settings: { webuiName: "Acme Chat 2" } });
    await up();
    expect(onNewCode()).toEqual(["acme", "bolt"]);
    expect(service("acme").dockerComposeRaw).toContain("Acme Chat 2");
    expect(deployed("chirp")).toEqual(chirp);
    expect(await rollout()).toMatchObject({ status: "soaking", wave: 0 });
  }, ENGINE_TIMEOUT);

  it("moves the next wave once the canary's has soaked", async () => {
    await platform.program.stack.setConfig("rollout", { value: JSON.stringify({ fraction: 0.5, soakMinutes: 0 }) });
    await up();
    expect(onNewCode()).toEqual(SLUGS);
    expect(await rollout()).toMatchObject({ status: "soaking" });
  }, ENGINE_TIMEOUT);

  it("halts a further change of code whose canary does not become healthy, and sends the canary back to the stack it ran, byte for byte", async () => {
    const before = Object.fromEntries(SLUGS.map((slug) => [slug, deployed(slug)]));
    for (const id of TEMPLATES) {
      const file = join(releases, id, "1.2.0", "compose.yaml");
      writeFileSync(file, readFileSync(file, "utf8").replaceAll(NEW_CODE, "restart: on-failure"));
    }
    platform.coolify.faults.markContainer("openclaw", "unhealthy", service("bolt").uuid);
    await platform.program.stack.up().catch(() => undefined);
    expect(service("bolt").dockerComposeRaw).toContain("restart: on-failure");
    expect(await rollout()).toMatchObject({ status: "halted", halt_reason: expect.stringContaining("not healthy (maxFailures 0): bolt") });

    platform.coolify.faults.clearContainer("openclaw", service("bolt").uuid);
    await up();
    for (const slug of SLUGS) expect(deployed(slug)).toEqual(before[slug]);
    const bolt = await provisioningRecordOf(pb, "bolt");
    expect(bolt.status).toBe("running:healthy");
    expect(bolt.status_reason).toContain("halted at wave 1");
    expect(await rollout()).toMatchObject({ status: "halted" });
  }, ENGINE_TIMEOUT);
});
