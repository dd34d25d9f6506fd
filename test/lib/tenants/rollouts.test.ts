// agent_rollouts (pocketbase/migrations/1767225750_agent_rollouts.js) on a real PocketBase: the stack's rollout is
// written, read back whole, updated in place, and kept per stack.
import PocketBase, { BaseAuthStore } from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLLOUTS_COLLECTION } from "../../../lib/tenants/collections";
import { getRollout, putRollout } from "../../../lib/tenants/rollouts";
import type { RolloutState } from "../../../program/rollout";
import { startPocketBase, type PocketBaseInstance } from "../../../pocketbase/local-server";

let server: PocketBaseInstance;

beforeAll(async () => {
  server = await startPocketBase();
});

afterAll(async () => {
  await server?.stop();
});

const SOAKING: RolloutState = {
  release: "openclaw@1.2.0", status: "soaking", wave: 0, waves: [["t1"], ["t2", "t3"]], soakStartedAt: "2026-12-05T01:00:00.000Z",
  outcomes: { t1: { wave: 0, from: { version: "1.1.0" }, result: "moved" } },
};

describe("agent_rollouts", () => {
  it("is superusers only, and empty for a stack that never rolled out", async () => {
    const anonymous = new PocketBase(server.url, new BaseAuthStore());
    const collection = await (async () => {
      const admin = new PocketBase(server.url, new BaseAuthStore());
      await admin.collection("_superusers").authWithPassword(server.email, server.password);
      return admin.collections.getOne(ROLLOUTS_COLLECTION);
    })();
    expect([collection.listRule, collection.viewRule, collection.createRule, collection.updateRule, collection.deleteRule]).toEqual([null, null, null, null, null]);
    await expect(anonymous.collection(ROLLOUTS_COLLECTION).getList()).rejects.toMatchObject({ status: 403 });
    expect(await getRollout<RolloutState>(server, "org/proj/prod")).toBeUndefined();
  });

  it("writes the state, reads it back whole and updates it in place, one record per stack", async () => {
    const first = await putRollout(server, "org/proj/prod", SOAKING);
    expect(first.state).toEqual(SOAKING);
    const halted: RolloutState = { ...SOAKING, status: "halted", haltReason: "1 of 1 tenant(s) of wave 1 not healthy" };
    const second = await putRollout(server, "org/proj/prod", halted);
    expect(second.id).toBe(first.id);
    expect((await getRollout<RolloutState>(server, "org/proj/prod"))?.state).toEqual(halted);
    await putRollout(server, "org/proj/dev", SOAKING);
    expect((await getRollout<RolloutState>(server, "org/proj/prod"))?.state.status).toBe("halted");
    expect((await getRollout<RolloutState>(server, "org/proj/dev"))?.state.status).toBe("soaking");
  });
});
