// Several private engines at once (the capacity tests run one per server): each has its own socket, bridge and
// address pool, sees only its own containers, and leaves nothing behind when stopped.
import { existsSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { dockerEngineSkipReason, ENGINE_START_TIMEOUT, runCommand, startDockerEngine, type DockerEngine } from "../support/docker-engine";

const skip = dockerEngineSkipReason();
if (skip) console.warn(`${__filename}: ${skip}`);

describe.skipIf(skip)(`private Docker engines side by side${skip ? ` — ${skip}` : ""}`, () => {
  const engines: DockerEngine[] = [];
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.stop()));
  }, 120_000);

  it("start at once, keep apart, and clean up after themselves", async () => {
    engines.push(...(await Promise.all([startDockerEngine(), startDockerEngine()])));
    const [a, b] = engines;
    expect(a.slot).not.toBe(b.slot);
    expect(a.socket).not.toBe(b.socket);
    expect(a.bridge.name).not.toBe(b.bridge.name);
    const ips: string[] = [];
    for (const [engine, name] of [[a, "only-a"], [b, "only-b"]] as const) {
      await engine.docker(["network", "create", "tenant"]);
      await engine.docker(["run", "-d", "--name", name, "--network", "tenant", "--memory", "64m", "ghcr.io/open-webui/open-webui:v0.8.12-slim"]);
      const ip = (await engine.docker(["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name])).stdout.trim();
      expect(ip.startsWith(engine.addressPool.split(".").slice(0, 2).join(".") + "."), `${ip} in ${engine.addressPool}`).toBe(true);
      ips.push(ip);
      const names = (await engine.docker(["ps", "--format", "{{.Names}}"])).stdout.trim().split("\n");
      expect(names).toEqual([name]);
    }
    // The host reaches both, each on its own pool.
    for (const ip of ips) expect((await fetch(`http://${ip}:8080/health`)).status).toBe(200);
    const stopped = engines.splice(0);
    await Promise.all(stopped.map((e) => e.stop()));
    for (const e of stopped) {
      expect(existsSync(e.dir)).toBe(false);
      expect((await runCommand("ip", ["link", "show", e.bridge.name], { allowFailure: true })).code).not.toBe(0);
      const rules = (await runCommand("iptables", ["-S"])).stdout;
      expect(rules).not.toMatch(new RegExp(`\\s${e.bridge.name}(\\s|$)`, "m"));
    }
  }, ENGINE_START_TIMEOUT);
});
