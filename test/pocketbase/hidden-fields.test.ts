// Secrets stay hidden across the view: a logged-in non-superuser whom the view's rules let list and view
// its rows never receives telegram_bot_token or ai_router_key, nor can filter on them; a superuser can.
import PocketBase, { BaseAuthStore } from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TENANT_VIEW } from "../../lib/tenants/collections";
import { connect } from "../../lib/tenants/connection";
import { SECRET_VIEW_FIELDS } from "../../lib/tenants/view-fields";
import type { PocketBaseInstance } from "../../pocketbase/local-server";
import { BOT_TOKEN, ROUTER_KEYS, startProductionLike } from "./production-like";

const SECRETS = [BOT_TOKEN, ...Object.values(ROUTER_KEYS)];
const SIGNED_IN = '@request.auth.id != ""';

let pocketbase: PocketBaseInstance;
let admin: PocketBase;
let user: PocketBase;
let exampleQuery: string;

beforeAll(async () => {
  ({ pocketbase } = await startProductionLike());
  admin = await connect(pocketbase);
  exampleQuery = String((await admin.collections.getOne(DEFAULT_TENANT_VIEW)).viewQuery);
  // Rules that let any signed-in user read the view: the secrets must stay hidden all the same.
  await admin.collections.update(DEFAULT_TENANT_VIEW, { listRule: SIGNED_IN, viewRule: SIGNED_IN });
  const password = "portal-user-password-1";
  await admin.collection("users").create({ email: "member@acme.example", password, passwordConfirm: password });
  user = new PocketBase(pocketbase.url, new BaseAuthStore());
  user.autoCancellation(false);
  await user.collection("users").authWithPassword("member@acme.example", password);
});

afterAll(async () => {
  await pocketbase?.stop();
});

/** Every row of the view as `client` lists it, plus chirp's row as it views it one by one. */
async function rowsAs(client: PocketBase): Promise<Array<Record<string, unknown>>> {
  const rows = await client.collection(DEFAULT_TENANT_VIEW).getFullList({ sort: "slug" });
  const chirp = rows.find((row) => row.slug === "chirp");
  return [...rows, await client.collection(DEFAULT_TENANT_VIEW).getOne(String(chirp?.id))];
}

describe("hidden fields across the tenant view", () => {
  it("never gives a non-superuser the secret columns, which a superuser reads", async () => {
    const asUser = await rowsAs(user);
    expect(asUser.map((row) => row.slug)).toEqual(["acme", "bolt", "chirp", "dora", "chirp"]);
    for (const row of asUser) for (const name of SECRET_VIEW_FIELDS) expect(row, `${String(row.slug)}.${name}`).not.toHaveProperty(name);
    const text = JSON.stringify(asUser);
    for (const secret of SECRETS) expect(text).not.toContain(secret);

    const asSuperuser = await rowsAs(admin);
    expect(asSuperuser.find((row) => row.slug === "chirp")).toMatchObject({ telegram_bot_token: BOT_TOKEN, ai_router_key: ROUTER_KEYS.chirp });
  });

  it("does not let a non-superuser probe a secret through a filter or a sort", async () => {
    for (const options of [{ filter: 'telegram_bot_token ~ "9876"' }, { filter: 'ai_router_key != ""' }, { sort: "ai_router_key" }]) {
      const answer = await user.collection(DEFAULT_TENANT_VIEW).getList(1, 10, options).then(
        (list) => ({ status: 200, items: list.items.length }),
        (error: { status: number }) => ({ status: error.status, items: 0 }),
      );
      expect(answer, JSON.stringify(options)).toMatchObject({ status: 400 });
    }
  });

  it("would leak a secret that the view computes with an expression (the check above can fail)", async () => {
    await admin.collections.update(DEFAULT_TENANT_VIEW, { viewQuery: exampleQuery.replace("s.router_key AS ai_router_key", "COALESCE(s.router_key, '') AS ai_router_key") });
    try {
      const leaked = await user.collection(DEFAULT_TENANT_VIEW).getFirstListItem('slug = "acme"');
      expect(leaked.ai_router_key).toBe(ROUTER_KEYS.acme);
    } finally {
      await admin.collections.update(DEFAULT_TENANT_VIEW, { viewQuery: exampleQuery });
    }
    expect(await user.collection(DEFAULT_TENANT_VIEW).getFirstListItem('slug = "acme"')).not.toHaveProperty("ai_router_key");
  });
});
