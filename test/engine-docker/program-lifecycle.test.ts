// `pulumi up` of the program against PocketBase and the emulator on a real engine (issue 19, item 5): a suspended
// tenant's containers stop; reactivated, the same containers start with a file written into its volume before
// still there; a cancelled tenant (teardownGraceDays 0) loses its containers and network and keeps its volumes; a
// tenant removed from PocketBase goes only with CLOUDFREEDOM_ALLOW_TEARDOWN, its volumes too with
// deleteVolumesOnTeardown. The other tenants' containers are never touched. The tenants deploy quick releases
// (test/support/quick-release.ts: the released checks, probed every 2 s), so an up that starts a stack waits seconds.
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../lib/tenants/connection";
import { dockerEngineSkipReason } from "../support/docker-engine";
import { startDockerPlatform, type DockerPlatform } from "../support/emulator-docker-platform";
import { failure } from "../support/engine";
import { provisioningRecordOf, updateTenant } from "../support/platform";
import { useQuickReleases, type QuickReleases } from "../support/quick-release";

const skip = dockerEngineSkipReason();
const UP_TIMEOUT = 600_000;

describe.skipIf(skip)(`the program on a real engine: suspend, reactivate, tear down${skip ? ` — ${skip}` : ""}`, () => {
  let platform: DockerPlatform;
  let pb: PocketBase;
  const uuids: Record<string, string> = {};
  const marker = `kept-${Date.now()}`;
  let quick: QuickReleases | undefined;

  /** The tenant's containers on the engine: name -> "<id> <state>", running or not. */
  async function containers(slug: string): Promise<Record<string, string>> {
    const ps = await platform.engine.docker(["ps", "-a", "--filter", `label=com.docker.compose.project=${uuids[slug]}`, "--format", "{{.Names}} {{.ID}} {{.State}}"]);
    return Object.fromEntries(ps.stdout.split("\n").filter(Boolean).map((l) => [l.split(" ")[0], l.split(" ").slice(1).join(" ")]));
  }
  const names = async (slug: string) => Object.keys(await containers(slug)).sort();
  const volumes = async (slug: string) => (await platform.engine.docker(["volume", "ls", "--format", "{{.Name}}"])).stdout.split("\n").filter((v) => v.startsWith(`${uuids[slug]}_`)).sort();
  const network = async (slug: string) => (await platform.engine.docker(["network", "ls", "--filter", `name=^${uuids[slug]}$`, "--format", "{{.Name}}"])).stdout.trim();
  const serviceStatus = async (slug: string) => {
    const res = await fetch(`${platform.coolify.url}/api/v1/services/${uuids[slug]}`, { headers: { Authorization: `Bearer ${platform.coolify.token}`, Accept: "application/json" } });
    return res.status === 404 ? "absent" : ((await res.json()) as { status: string }).status;
  };
  const up = async () => {
    const started = Date.now();
    const result = await platform.program.stack.up();
    console.log(`up: ${JSON.stringify(result.summary.resourceChanges)} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return result;
  };

  beforeAll(async () => {
    platform = await startDockerPlatform();
    quick = useQuickReleases(platform.program);
    pb = await connect(platform.pocketbase);
    const first = await up();
    expect(first.summary.resourceChanges).toEqual({ create: 16 });
    for (const slug of ["acme", "bolt", "chirp"]) uuids[slug] = (await provisioningRecordOf(pb, slug)).coolify_service_uuid as string;
  }, UP_TIMEOUT);
  afterAll(async () => {
    await platform?.dispose();
    quick?.dispose();
  }, 180_000);

  it("suspend stops the tenant's containers; the others keep running untouched", async () => {
    expect(await names("bolt")).toEqual([`openclaw-${uuids.bolt}`]);
    const write = await platform.engine.docker(["exec", `openclaw-${uuids.bolt}`, "sh", "-c", `echo ${marker} > /data/marker`], { allowFailure: true });
    expect(write.code, write.stderr).toBe(0);
    const others = { acme: await containers("acme"), chirp: await containers("chirp") };
    expect(Object.values(others.acme).every((s) => s.endsWith(" running"))).toBe(true);
    await updateTenant(pb, "bolt", { status: "suspended" });
    await up();
    expect(await serviceStatus("bolt")).toBe("exited");
    expect((await provisioningRecordOf(pb, "bolt")).status).toBe("exited");
    // Coolify's StopService: docker stop, then docker rm; nothing of bolt runs, its volume and network stay.
    expect(Object.values(await containers("bolt")).filter((s) => s.endsWith(" running"))).toEqual([]);
    expect(await volumes("bolt")).toEqual([`${uuids.bolt}_openclaw-data`]);
    expect({ acme: await containers("acme"), chirp: await containers("chirp") }).toEqual(others);
  }, UP_TIMEOUT);

  it("reactivation starts the same containers, healthy, with the file written into the volume before", async () => {
    await updateTenant(pb, "bolt", { status: "active" });
    await up();
    expect(await serviceStatus("bolt")).toBe("running:healthy");
    expect((await provisioningRecordOf(pb, "bolt")).coolify_service_uuid).toBe(uuids.bolt);
    expect(await names("bolt")).toEqual([`openclaw-${uuids.bolt}`]);
    const health = await platform.engine.docker(["inspect", `openclaw-${uuids.bolt}`, "--format", "{{.State.Health.Status}}"]);
    expect(health.stdout.trim()).toBe("healthy");
    const read = await platform.engine.docker(["exec", `openclaw-${uuids.bolt}`, "sh", "-c", "cat /data/marker"]);
    expect(read.stdout.trim()).toBe(marker);
  }, UP_TIMEOUT);

  it("a cancelled tenant (teardownGraceDays 0) loses its containers and network and keeps its volume", async () => {
    const acme = await containers("acme");
    await updateTenant(pb, "bolt", { status: "cancelled" });
    const result = await up();
    expect(result.summary.resourceChanges?.delete).toBe(5); // component, project, service, domain, record
    expect(await serviceStatus("bolt")).toBe("absent");
    expect(await containers("bolt")).toEqual({});
    expect(await network("bolt")).toBe("");
    expect(await volumes("bolt")).toEqual([`${uuids.bolt}_openclaw-data`]);
    expect(await containers("acme")).toEqual(acme);
  }, UP_TIMEOUT);

  it("a tenant removed from PocketBase goes only with the allow, and with deleteVolumesOnTeardown its volume too", async () => {
    expect(await volumes("chirp")).toEqual([`${uuids.chirp}_bot-usage`]);
    const chirp = await pb.collection("tenants").getFirstListItem(pb.filter("slug = {:slug}", { slug: "chirp" }));
    await pb.collection("tenants").delete(chirp.id);
    await platform.program.stack.setConfig("deleteVolumesOnTeardown", { value: "true" });
    const refused = await failure(platform.program.stack.up());
    expect(refused).toContain("CLOUDFREEDOM_ALLOW_TEARDOWN=chirp");
    expect(Object.values(await containers("chirp"))).toEqual([expect.stringMatching(/ running$/)]);
    const env = (platform.program.stack.workspace as LocalWorkspace).envVars;
    env.CLOUDFREEDOM_ALLOW_TEARDOWN = "chirp";
    try {
      await up();
    } finally {
      delete env.CLOUDFREEDOM_ALLOW_TEARDOWN;
    }
    expect(await serviceStatus("chirp")).toBe("absent");
    expect(await containers("chirp")).toEqual({});
    expect(await network("chirp")).toBe("");
    expect(await volumes("chirp")).toEqual([]);
    // acme stays as it was; bolt's volume, kept by the earlier teardown, is not swept up by this one.
    expect(await serviceStatus("acme")).toBe("running:healthy");
    expect(await volumes("bolt")).toEqual([`${uuids.bolt}_openclaw-data`]);
  }, UP_TIMEOUT);
});
