// From planned tenants and their records to placements (program/capacity.ts), pure.
import { describe, expect, it } from "vitest";
import type { ServerSpec } from "../../lib/servers";
import type { Provisioning } from "../../lib/tenants/provisioning";
import { reservationOf } from "../../lib/templates/reservation";
import { placeFleet, type PlacementConfig } from "../../program/capacity";
import { planTenants } from "../../program/plan";
import { PlacementError } from "../../program/placement";
import { PLATFORM, tenant } from "./fixtures";

const server = (uuid: string, cpus: number, memoryGb: number, extra: Partial<ServerSpec> = {}): ServerSpec => ({ uuid, cpus, memoryGb, reserved: { cpus: 0, memoryGb: 0 }, draining: false, ...extra });
const record = (id: string, fields: Partial<Provisioning> = {}): Provisioning => ({
  id: `rec-${id}`, tenantId: id, coolifyProjectUuid: "p", coolifyServiceUuid: `svc-${id}`, templateRef: "openclaw@1.1.0", status: "running:healthy",
  statusReason: "", urls: {}, lastError: "", credentials: {}, ...fields,
});
const config = (servers: ServerSpec[], extra: Partial<PlacementConfig> = {}): PlacementConfig => ({ servers, overcommitRatios: { cpu: 4, memory: 1 }, coolifyServerUuid: undefined, ...extra });

// openclaw at the pro tier, as the fixtures' plan renders it.
const plan = (slugs: string[]) => planTenants(slugs.map((slug) => tenant(slug, "openclaw")), PLATFORM).plans;
const OPENCLAW = reservationOf(plan(["x"])[0].rendered.limits);

describe("placeFleet", () => {
  it("places new tenants, keeps deployed ones on their recorded server and records both", () => {
    const servers = [server("a", 16, 64), server("b", 16, 128)];
    const records = new Map([["id-old", record("id-old", { serverUuid: "a" })]]);
    const fleet = placeFleet(plan(["old", "new"]), [], [], records, config(servers));
    expect(fleet.placements.get("id-old")).toEqual({ server: "a", recorded: true, fromState: false, moved: false, reservation: { cpus: OPENCLAW.cpus, memoryMb: OPENCLAW.memoryMb } });
    expect(fleet.placements.get("id-new")?.server).toBe("b");
    expect(fleet.plans.map((p) => p.tenant.slug)).toEqual(["old", "new"]);
  });

  it("refuses a new tenant that fits nowhere by name and field, before anything is declared, and keeps the others", () => {
    const servers = [server("a", 16, OPENCLAW.memoryMb / 1024)];
    const fleet = placeFleet(plan(["aa", "bb"]), [], [], new Map(), config(servers));
    expect(fleet.plans.map((p) => p.tenant.slug)).toEqual(["aa"]);
    expect(fleet.refused).toHaveLength(1);
    expect(fleet.refused[0].errors[0].message).toMatch(/^tenant "bb": capacity: it needs .* and fits on no server \(a: [\d.]+ cpus and 0 MiB free\)\. Fix: add a server/);
    expect(fleet.placements.has("id-bb")).toBe(false);
    // Its refusal record is declared from this, with the template it was refused with.
    expect(fleet.capacityRefused.map(({ invalid, plan }) => [invalid.tenant.slug, plan.rendered.templateRef])).toEqual([["bb", fleet.plans[0].rendered.templateRef]]);
  });

  it("passes the server check's unusable servers to placement: no new tenant there, its own stay and are declared", () => {
    const servers = [server("down", 16, 128), server("ok", 16, 64)];
    const records = new Map([["id-old", record("id-old", { serverUuid: "down" })]]);
    const unusable = new Map([["down", "server down (down) is not reachable"]]);
    const fleet = placeFleet(plan(["old", "new"]), [], [], records, config(servers), unusable);
    expect(fleet.placements.get("id-old")?.server).toBe("down");
    expect(fleet.placements.get("id-new")?.server).toBe("ok");
    expect(fleet.plans.map((p) => p.tenant.slug)).toEqual(["old", "new"]);
    // Absent, the larger server takes it: the input is what changed the placement.
    expect(placeFleet(plan(["old", "new"]), [], [], records, config(servers)).placements.get("id-new")?.server).toBe("down");
  });

  it("refuses a new tenant when its only server is unusable, naming why, and keeps the deployed ones", () => {
    const records = new Map([["id-old", record("id-old", { serverUuid: "only" })]]);
    const fleet = placeFleet(plan(["old", "new"]), [], [], records, config([server("only", 16, 64)]), new Map([["only", "server only (only) is not usable"]]));
    expect(fleet.plans.map((p) => p.tenant.slug)).toEqual(["old"]);
    expect(fleet.refused[0].errors[0].message).toMatch(/^tenant "new": capacity: .*only: .* free, not usable: server only \(only\) is not usable\)\. Fix: make the unusable server/);
    expect(fleet.capacityRefused.map(({ invalid }) => invalid.tenant.slug)).toEqual(["new"]);
  });

  it("holds a deployed tenant whose new plan does not fit, with its record and no re-rendered plan", () => {
    const servers = [server("a", 16, (OPENCLAW.memoryMb - 512) / 1024)];
    const smaller = { cpus: OPENCLAW.cpus, memoryMb: OPENCLAW.memoryMb - 1024 };
    const records = new Map([["id-up", record("id-up", { serverUuid: "a", reservation: smaller })]]);
    const fleet = placeFleet(plan(["up"]), [], [], records, config(servers));
    expect(fleet.plans).toEqual([]);
    expect(fleet.held).toHaveLength(1);
    expect(fleet.held[0].hold.plan).toBeUndefined();
    expect(fleet.held[0].hold.reason).toMatch(/capacity: its plan's new limits no longer fit on its server a/);
    expect(fleet.placements.get("id-up")?.server).toBe("a");
  });

  it("keeps a tenant held for another reason entirely as applied when its re-rendered plan does not fit", () => {
    const servers = [server("a", 16, (OPENCLAW.memoryMb - 512) / 1024)];
    const smaller = { cpus: OPENCLAW.cpus, memoryMb: OPENCLAW.memoryMb - 1024 };
    const rec = record("id-h", { serverUuid: "a", reservation: smaller });
    const [rendered] = plan(["h"]);
    const held = [{ invalid: { tenant: rendered.tenant, errors: [] }, hold: { reason: "a bad field", hasDomain: false, record: rec, plan: rendered } }];
    const fleet = placeFleet([], held, [], new Map([["id-h", rec]]), config(servers));
    expect(fleet.held[0].hold.plan).toBeUndefined();
    expect(fleet.held[0].hold.reason).toMatch(/^a bad field; its plan's new limits no longer fit on its server a/);
    const fits = placeFleet([], held, [], new Map([["id-h", rec]]), config([server("a", 16, 64)]));
    expect(fits.held[0].hold.plan).toBe(rendered);
  });

  it("writes nothing new on records with coolifyServerUuid alone, so an existing stack shows no change", () => {
    const fleet = placeFleet(plan(["x"]), [], [], new Map([["id-x", record("id-x")]]), config([server("only", Infinity, Infinity)], { coolifyServerUuid: "only" }));
    expect(fleet.placements.get("id-x")).toMatchObject({ server: "only", recorded: false, fromState: false });
  });

  it("keeps the Service's server from state for a deployed tenant no record places, when no coolifyServerUuid says where", () => {
    const fleet = placeFleet(plan(["x"]), [], [], new Map([["id-x", record("id-x")]]), config([server("a", 16, 64), server("b", 16, 64)]));
    expect(fleet.placements.get("id-x")).toMatchObject({ recorded: true, fromState: true });
  });

  it("takes a record without a server to be on coolifyServerUuid when the stack still names it", () => {
    const fleet = placeFleet(plan(["x"]), [], [], new Map([["id-x", record("id-x")]]), config([server("a", 16, 64), server("b", 16, 128)], { coolifyServerUuid: "a" }));
    expect(fleet.placements.get("id-x")).toMatchObject({ server: "a", fromState: false });
  });

  it("refuses a run whose CLOUDFREEDOM_MOVE names no deployed tenant, and moves one that is", () => {
    const servers = [server("a", 16, 64), server("b", 16, 64)];
    const records = new Map([["id-x", record("id-x", { serverUuid: "a" })]]);
    expect(() => placeFleet(plan(["x", "y"]), [], [], records, config(servers, { move: { slug: "y", server: "b" } }))).toThrow(/CLOUDFREEDOM_MOVE names "y", which is not a deployed tenant/);
    const moved = placeFleet(plan(["x", "y"]), [], [], records, config(servers, { move: { slug: "x", server: "b" } }));
    expect(moved.placements.get("id-x")).toMatchObject({ server: "b", moved: true });
    expect(moved.placements.get("id-y")).toMatchObject({ moved: false });
  });

  it("refuses the run when tenants live on a server no longer in config", () => {
    const records = new Map([["id-x", record("id-x", { serverUuid: "gone" })]]);
    expect(() => placeFleet(plan(["x"]), [], [], records, config([server("a", 16, 64)]))).toThrow(PlacementError);
  });
});
