// What the reconciler can watch: a change to a row behind the tenant view sends a realtime event for the
// collection that changed and none for the view, so it subscribes to the source collections.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TENANT_VIEW } from "../../lib/tenants/collections";
import { connect } from "../../lib/tenants/connection";
import { tenantSourceCollections, viewSourceTables } from "../../lib/tenants/sources";
import type { PocketBaseInstance } from "../../pocketbase/local-server";
import { PRODUCTION_SOURCE_COLLECTIONS, setSubscriptionStatus, startProductionLike } from "./production-like";

interface RealtimeEvent {
  topic: string;
  action: string;
  id: string;
}

/** A raw Server-Sent Events client of PocketBase's realtime API (Node 22 has no EventSource). */
async function subscribe(url: string, token: string, topics: string[]): Promise<{ next(): Promise<RealtimeEvent>; close(): void }> {
  const abort = new AbortController();
  const response = await fetch(`${url}/api/realtime`, { signal: abort.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const queue: Array<{ event: string; data: string }> = [];
  const read = async (): Promise<{ event: string; data: string }> => {
    while (queue.length === 0) {
      const { value, done } = await reader.read();
      if (done) throw new Error("realtime stream ended");
      buffer += value;
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const field = (name: string) => block.split("\n").find((line) => line.startsWith(`${name}:`))?.slice(name.length + 1) ?? "";
        queue.push({ event: field("event"), data: field("data") });
      }
    }
    return queue.shift()!;
  };
  const connected = await read();
  expect(connected.event).toBe("PB_CONNECT");
  const { clientId } = JSON.parse(connected.data) as { clientId: string };
  const set = await fetch(`${url}/api/realtime`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: token },
    body: JSON.stringify({ clientId, subscriptions: topics }),
  });
  expect(set.status).toBe(204);
  return {
    next: async () => {
      const { event, data } = await read();
      const parsed = JSON.parse(data) as { action: string; record: { id: string } };
      return { topic: event, action: parsed.action, id: parsed.record.id };
    },
    close: () => abort.abort(),
  };
}

let pocketbase: PocketBaseInstance;
let tenantIds: Record<string, string>;
let admin: PocketBase;

beforeAll(async () => {
  ({ pocketbase, tenantIds } = await startProductionLike());
  admin = await connect(pocketbase);
});

afterAll(async () => {
  await pocketbase?.stop();
});

describe("realtime events for the tenant view", () => {
  it("come for the changed source collections only, never for the view whose rows they change", async () => {
    const topics = [`${DEFAULT_TENANT_VIEW}/*`, ...PRODUCTION_SOURCE_COLLECTIONS.map((name) => `${name}/*`)];
    const stream = await subscribe(pocketbase.url, admin.authStore.token, topics);
    try {
      const before = await admin.collection(DEFAULT_TENANT_VIEW).getOne(tenantIds.acme);
      await setSubscriptionStatus(admin, "acme", "paused");
      await admin.collection("tenants").update(tenantIds.acme, { company: "Acme Corporation" });
      // Events reach one client in order: once the tenants event is here, a view event would have been too.
      const seen = [await stream.next(), await stream.next()];
      expect(seen.map((event) => [event.topic, event.action])).toEqual([
        ["subscriptions/*", "update"],
        ["tenants/*", "update"],
      ]);
      expect(seen[1]?.id).toBe(tenantIds.acme);
      const after = await admin.collection(DEFAULT_TENANT_VIEW).getOne(tenantIds.acme);
      expect([before.status, before.name, after.status, after.name]).toEqual(["active", "Acme Corp", "suspended", "Acme Corporation"]);
    } finally {
      stream.close();
      await setSubscriptionStatus(admin, "acme", "active");
    }
  });

  it("are covered by the source collections named in the view's SQL", async () => {
    const view = await admin.collections.getOne(DEFAULT_TENANT_VIEW);
    expect(viewSourceTables(String(view.viewQuery)).sort()).toEqual([...PRODUCTION_SOURCE_COLLECTIONS].sort());
    expect(tenantSourceCollections(PRODUCTION_SOURCE_COLLECTIONS, DEFAULT_TENANT_VIEW)).toEqual(PRODUCTION_SOURCE_COLLECTIONS);
  });
});
