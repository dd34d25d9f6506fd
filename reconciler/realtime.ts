// PocketBase realtime (Server-Sent Events) on the source collections, as a superuser. PocketBase closes a
// connection after 30 minutes and replays nothing it sent while a client was away (notes/operations.md), so:
// a new session replaces the old one every `resubscribeMs`, and on every (re)connect the records updated
// since the last one seen are listed and reported (overlapping by a second, deduplicated by id + updated).
import { EventSource } from "eventsource";
import type PocketBase from "pocketbase";
import type { RecordModel } from "pocketbase";
import { connect, type PocketBaseSource } from "../lib/tenants/connection";
import type { Change, Trigger } from "./queue";

export interface WatchOptions {
  source: PocketBaseSource;
  collections: string[];
  resubscribeMs: number;
  onChange: (change: Change, via: Extract<Trigger, "realtime" | "catch-up">) => void;
  log: (line: string) => void;
  /** The superuser login of each session; default lib/tenants/connection's connect (tests count logins). */
  connect?: (source: PocketBaseSource) => Promise<PocketBase>;
}

export interface Watcher {
  /** Whether a session is subscribed right now. */
  connected(): boolean;
  stop(): Promise<void>;
}

interface RealtimeEvent {
  action?: string;
  record?: { id?: string; updated?: string };
}

const OVERLAP_MS = 1000;
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;
/** A session disconnected this long (the SDK's own reconnects failing, e.g. an expired login) is replaced. */
const DISCONNECTED_MAX_MS = 30_000;
const WATCHDOG_MS = 5_000;

/** PocketBase's stored form, "2026-01-02 03:04:05.678Z": comparable as text. */
function pbTime(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ");
}

export function watchCollections(options: WatchOptions): Watcher {
  // The JS SDK opens realtime through the global EventSource, which Node 22 lacks.
  (globalThis as { EventSource?: unknown }).EventSource ??= EventSource;
  const lastSeen = new Map<string, string>();
  const seen = new Set<string>();
  let session: PocketBase | undefined;
  let stopped = false;

  const report = (collection: string, record: { id?: string; updated?: string }, action: Change["action"], via: "realtime" | "catch-up") => {
    if (!record.id) return;
    const updated = record.updated ?? "";
    const key = `${collection}/${record.id}@${updated}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (updated > (lastSeen.get(collection) ?? "")) lastSeen.set(collection, updated);
    options.onChange({ collection, id: record.id, action, seenAt: Date.now() }, via);
  };

  /** Reports records updated since the last seen one; `prime` only marks them seen (at start). */
  const catchUp = async (pb: PocketBase, prime = false) => {
    for (const collection of options.collections) {
      const since = lastSeen.get(collection);
      if (since === undefined) continue;
      const from = pbTime(Date.parse(since.replace(" ", "T")) - OVERLAP_MS);
      const records: RecordModel[] = await pb.collection(collection).getFullList({ filter: pb.filter("updated >= {:from}", { from }), sort: "updated", fields: "id,updated", batch: 500 });
      for (const record of records) {
        if (prime) seen.add(`${collection}/${record.id}@${record.updated}`);
        else report(collection, record, "update", "catch-up");
      }
    }
    for (const key of seen) if (seen.size > 10_000) seen.delete(key);
  };

  /** Logs in and subscribes; on any failure, what this attempt subscribed is unsubscribed before it rethrows. */
  const start = async (): Promise<void> => {
    const pb = await (options.connect ?? connect)(options.source);
    try {
      // The newest record of each collection marks where the catch-up starts; the first run is a full one anyway.
      if (lastSeen.size === 0) {
        for (const collection of options.collections) {
          const newest = await pb.collection(collection).getList(1, 1, { sort: "-updated", fields: "id,updated", skipTotal: true });
          lastSeen.set(collection, newest.items[0]?.updated ?? pbTime(0));
        }
        await catchUp(pb, true);
      }
      await pb.realtime.subscribe("PB_CONNECT", () => {
        catchUp(pb).catch((error: unknown) => options.log(`catch-up after a reconnect failed: ${String(error)}; the next timer run repairs what was missed`));
      });
      for (const collection of options.collections) {
        await pb.collection(collection).subscribe("*", (event: RealtimeEvent) => {
          const action = event.action === "create" || event.action === "delete" ? event.action : "update";
          report(collection, event.record ?? {}, action, "realtime");
        });
      }
      if (stopped) throw new Error("stopped");
    } catch (error) {
      await pb.realtime.unsubscribe().catch(() => undefined);
      throw error;
    }
    const old = session;
    session = pb;
    if (old) await old.realtime.unsubscribe().catch(() => undefined);
  };

  // At most one start in flight and one timer (the renewal or the next retry) at a time: a start is only ever
  // begun by that timer or by the watchdog, and both go through begin(), which does nothing while one runs.
  let starting: Promise<void> | undefined;
  let timer: { handle: NodeJS.Timeout; kind: "renew" | "retry" } | undefined;
  let attempt = 0;
  const schedule = (ms: number, kind: "renew" | "retry") => {
    clearTimeout(timer?.handle);
    timer = { handle: setTimeout(() => ((timer = undefined), begin()), ms), kind };
  };
  const begin = () => {
    if (stopped || starting) return;
    clearTimeout(timer?.handle);
    timer = undefined;
    starting = start()
      .then(
        () => {
          attempt = 0;
          if (!stopped) schedule(options.resubscribeMs, "renew");
        },
        (error: unknown) => {
          if (stopped) return;
          const wait = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** attempt);
          attempt += 1;
          options.log(`realtime subscription failed (${error instanceof Error ? error.message : String(error)}); retrying in ${wait} ms`);
          schedule(wait, "retry");
        },
      )
      .finally(() => (starting = undefined));
  };
  begin();

  let disconnectedSince: number | undefined;
  const watchdog = setInterval(() => {
    // A start in flight or a retry already scheduled is the replacement: the watchdog never begins a second one.
    if (stopped || starting || timer?.kind === "retry" || session === undefined || session.realtime.isConnected) {
      disconnectedSince = undefined;
      return;
    }
    disconnectedSince ??= Date.now();
    if (Date.now() - disconnectedSince < DISCONNECTED_MAX_MS) return;
    disconnectedSince = undefined;
    options.log("the realtime session stayed disconnected; starting a new one");
    begin();
  }, WATCHDOG_MS);
  watchdog.unref();

  return {
    connected: () => session?.realtime.isConnected ?? false,
    stop: async () => {
      stopped = true;
      clearInterval(watchdog);
      clearTimeout(timer?.handle);
      timer = undefined;
      await starting;
      await session?.realtime.unsubscribe().catch(() => undefined);
      session = undefined;
    },
  };
}
