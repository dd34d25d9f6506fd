// Coolify's compose check (validateDockerComposeForInjection) asks for a `services` array-like map and accepts an
// empty one; the emulator must too, or a path that sends `services: {}` can never be seen failing in the tests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CoolifyEmulator } from "../../emulator/server";
import { b64, call, createProject, createService, startEmulator } from "./helpers";

describe("emulator compose services map", () => {
  let emu: CoolifyEmulator;
  let project: string;
  beforeAll(async () => {
    emu = await startEmulator();
    project = await createProject(emu);
  });
  afterAll(() => emu.close());

  it("accepts an empty services map in a PATCH, as Coolify does", async () => {
    const uuid = await createService(emu, project);
    const patched = await call(emu, "PATCH", `/services/${uuid}`, { docker_compose_raw: b64("services: {}\n") });
    expect(patched.status).toBe(200);
  });

  it("still refuses a compose whose services key is missing or null", async () => {
    const uuid = await createService(emu, project);
    for (const compose of ["volumes: {}\n", "services:\n"]) {
      const patched = await call(emu, "PATCH", `/services/${uuid}`, { docker_compose_raw: b64(compose) });
      expect(patched.status).toBe(422);
      expect(patched.body).toMatchObject({ errors: { docker_compose_raw: 'Docker Compose file must contain a "services" section' } });
    }
  });
});
