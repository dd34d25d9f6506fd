// Shared pieces of the reconciler tests: the platform's CLI environment, polling, and PocketBase look-ups.
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import type PocketBase from "pocketbase";
import type { RecordModel } from "pocketbase";
import type { Platform } from "../support/platform";

export const TOKEN = "reconciler-test-token-0123456789abcdef";

/** Every tenant needs its own AI Router key (the program refuses a shared one). */
export const routerKey = (slug: string) => `sk-test-${slug}-router-key-not-real`;

/** The environment the platform's stack runs in (its file:// backend and passphrase). */
export function envOf(platform: Platform): Record<string, string> {
  return { ...(platform.program.stack.workspace as LocalWorkspace).envVars };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

export async function provisioningOf(pb: PocketBase, slug: string): Promise<RecordModel | undefined> {
  const tenant = await pb.collection("tenants").getFirstListItem(pb.filter("slug = {:slug}", { slug }));
  const list = await pb.collection("agent_provisioning").getList(1, 1, { filter: pb.filter("tenant = {:id}", { id: tenant.id }) });
  return list.items[0];
}

export async function runRecords(pb: PocketBase): Promise<RecordModel[]> {
  return pb.collection("agent_provisioning_runs").getFullList({ sort: "started" });
}

export async function planId(pb: PocketBase, name: string): Promise<string> {
  return (await pb.collection("plans").getFirstListItem(pb.filter("name = {:name}", { name }))).id;
}
