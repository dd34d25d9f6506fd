// The realtime watcher's timing, on a controlled fake PocketBase and fake timers: one start in flight and one timer
// at a time, whatever an outage does, and a failed start leaves nothing subscribed.
import type PocketBase from "pocketbase";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { watchCollections, type Watcher } from "../../reconciler/realtime";

const RENEW_MS = 25 * 60_000;

/** A superuser session: subscriptions it holds until unsubscribed, and whether its stream is connected. */
class FakeSession {
  topics = new Set<string>();
  isConnected = true;
  constructor(private readonly server: FakeServer) {}
  get realtime() {
    const session = this;
    return {
      get isConnected() {
        return session.isConnected;
      },
      subscribe: async (topic: string) => session.add(topic),
      unsubscribe: async () => {
        session.topics.clear();
        session.isConnected = false;
      },
    };
  }
  collection(name: string) {
    return {
      getList: async () => ({ items: [{ id: "r1", updated: "2026-12-05 00:00:00.000Z" }] }),
      getFullList: async () => [],
      subscribe: async (topic: string) => this.add(`${name}/${topic}`),
    };
  }
  filter(expression: string) {
    return expression;
  }
  private add(topic: string) {
    if (this.server.down) throw new Error("connection refused");
    if (this.server.failTopic === topic) {
      this.server.failTopic = undefined;
      throw new Error(`subscribing to ${topic} failed`);
    }
    this.topics.add(topic);
    return async () => void this.topics.delete(topic);
  }
}

class FakeServer {
  down = false;
  /** The next subscription to this topic fails. */
  failTopic: string | undefined;
  /** Logins wait for this, when set. */
  gate: Promise<void> | undefined;
  logins = 0;
  sessions: FakeSession[] = [];
  connect = async (): Promise<PocketBase> => {
    this.logins += 1;
    await this.gate;
    if (this.down) throw new Error("connection refused");
    const session = new FakeSession(this);
    this.sessions.push(session);
    return session as unknown as PocketBase;
  };
  /** Sessions that still hold a subscription. */
  subscribed() {
    return this.sessions.filter((s) => s.topics.size > 0);
  }
  outage() {
    this.down = true;
    for (const session of this.sessions) session.isConnected = false;
  }
}

describe("the realtime watcher", () => {
  let server: FakeServer;
  let watcher: Watcher | undefined;
  const logs: string[] = [];
  const watch = () =>
    watchCollections({
      source: { url: "http://127.0.0.1:1", email: "e@example.com", password: "pw-not-used" },
      collections: ["tenants", "plans"],
      resubscribeMs: RENEW_MS,
      onChange: () => undefined,
      log: (line) => logs.push(line),
      connect: server.connect,
    });

  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
    logs.length = 0;
  });
  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
    vi.useRealTimers();
  });

  it("logs in once per renew window after a 100 s outage, with one session subscribed", async () => {
    watcher = watch();
    await vi.advanceTimersByTimeAsync(60_000);
    expect([server.logins, server.subscribed().length]).toEqual([1, 1]);
    server.outage();
    await vi.advanceTimersByTimeAsync(100_000);
    server.down = false;
    // The retry in progress comes back within its longest wait (30 s).
    await vi.advanceTimersByTimeAsync(30_000);
    expect(watcher.connected()).toBe(true);
    expect(server.subscribed()).toHaveLength(1);
    const before = server.logins;
    await vi.advanceTimersByTimeAsync(3 * RENEW_MS);
    expect(server.logins - before).toBe(3);
    expect(server.subscribed()).toHaveLength(1);
  });

  it("starts no second session while a login hangs, however long the watchdog sees the old one disconnected", async () => {
    watcher = watch();
    await vi.advanceTimersByTimeAsync(1_000);
    let release!: () => void;
    server.gate = new Promise((done) => (release = done));
    server.outage();
    server.down = false;
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(server.logins).toBe(2);
    release();
    server.gate = undefined;
    await vi.advanceTimersByTimeAsync(1_000);
    expect([server.logins, server.subscribed().length, watcher.connected()]).toEqual([2, 1, true]);
  });

  it("unsubscribes what a failed start subscribed before it retries", async () => {
    server.failTopic = "plans/*";
    watcher = watch();
    await vi.advanceTimersByTimeAsync(0);
    expect(server.sessions).toHaveLength(1);
    expect(server.sessions[0].topics.size).toBe(0);
    expect(logs.join("\n")).toMatch(/realtime subscription failed \(subscribing to plans\/\* failed\); retrying in 500 ms/);
    await vi.advanceTimersByTimeAsync(500);
    expect(server.sessions).toHaveLength(2);
    expect(server.subscribed()).toEqual([server.sessions[1]]);
    expect([...server.sessions[1].topics].sort()).toEqual(["PB_CONNECT", "plans/*", "tenants/*"]);
  });

  it("leaves nothing subscribed and no timer running after stop, even with a start in flight", async () => {
    let release!: () => void;
    server.gate = new Promise((done) => (release = done));
    watcher = watch();
    await vi.advanceTimersByTimeAsync(0);
    const stopped = watcher.stop();
    release();
    await stopped;
    watcher = undefined;
    await vi.advanceTimersByTimeAsync(2 * RENEW_MS);
    expect(server.subscribed()).toEqual([]);
    expect(server.logins).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
