// The docker mode's edges that need no engine: the pure mode answers its control routes with 404 and a hint, and a
// docker mode pointed at a socket where no engine answers refuses to start, naming the address.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCoolifyEmulator, type CoolifyEmulator } from "../../emulator/server";
import { call, createProject, createService, startEmulator } from "./helpers";

describe("emulator docker mode without an engine", () => {
  let emu: CoolifyEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());

  it("answers the engine control routes with 404 in the pure mode", async () => {
    const engine = await call(emu, "GET", "/_emulator/engine");
    expect(engine.status).toBe(404);
    expect(engine.body.message).toMatch(/pure mode.*--docker/);
    const uuid = await createService(emu, await createProject(emu));
    expect((await call(emu, "GET", `/_emulator/services/${uuid}/engine`)).status).toBe(404);
    expect(emu.docker).toBeUndefined();
  });

  it("refuses to start docker mode where no engine answers, naming the socket", async () => {
    await expect(startCoolifyEmulator({ docker: { host: "unix:///nonexistent/docker.sock" } })).rejects.toThrow(
      "no Docker engine answers at unix:///nonexistent/docker.sock",
    );
  });
});
