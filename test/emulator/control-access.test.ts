// Who may use the emulator's control routes (they mint root tokens and serve the request log).
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CoolifyEmulator } from "../../emulator/server";
import { call, startEmulator } from "./helpers";

/** An address of this machine that is not loopback, so a client connecting to it is not a loopback peer. */
const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === "IPv4" && !i.internal)?.address;
if (!external) console.warn("!!! test/emulator/control-access.test.ts: no non-loopback IPv4 interface; the non-loopback listener case is SKIPPED.");

describe("emulator control routes on a loopback listener", () => {
  let emu: CoolifyEmulator;
  beforeAll(async () => (emu = await startEmulator()));
  afterAll(() => emu.close());

  it("answer loopback clients without a token, and with the root token", async () => {
    expect((await call(emu, "GET", "/_emulator/state", undefined, { token: null })).status).toBe(200);
    expect((await call(emu, "GET", "/_emulator/state", undefined, { token: emu.token })).status).toBe(200);
  });

  it("refuse any other token, so a minted API token cannot mint a root one", async () => {
    const minted = await call<{ token: string }>(emu, "POST", "/_emulator/tokens", { abilities: ["read"] }, { token: null });
    for (const token of [minted.body.token, `${emu.token}x`, "0|guess"]) {
      const denied = await call(emu, "POST", "/_emulator/tokens", { abilities: ["root"] }, { token });
      expect(denied.status, token).toBe(403);
      expect(denied.body.message).toContain("root token");
    }
  });
});

describe.skipIf(!external)("emulator control routes on a non-loopback listener", () => {
  let emu: CoolifyEmulator;
  beforeAll(async () => (emu = await startEmulator({ host: external })));
  afterAll(() => emu?.close());

  it("refuse a request without the root token, and answer one with it", async () => {
    expect(emu.url).toContain(external!);
    for (const [method, path] of [["GET", "/_emulator/requests"], ["POST", "/_emulator/tokens"], ["GET", "/_emulator/state"], ["DELETE", "/_emulator/faults"]]) {
      const denied = await call(emu, method, path, method === "POST" ? { abilities: ["root"] } : undefined, { token: null });
      expect(denied.status, `${method} ${path}`).toBe(401);
      expect(denied.body.message).toContain("only with the emulator's root token");
    }
    expect(emu.store.findServices()).toEqual([]);
    const state = await call<{ serverUuid: string }>(emu, "GET", "/_emulator/state", undefined, { token: emu.token });
    expect([state.status, state.body.serverUuid]).toEqual([200, emu.serverUuid]);
  });

  it("still serve the API to its own tokens", async () => {
    expect((await call(emu, "GET", "/projects")).status).toBe(200);
  });
});
