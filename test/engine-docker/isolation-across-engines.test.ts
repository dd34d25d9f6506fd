// Network isolation of one private engine survives another engine starting. A dockerd that starts flushes the
// host-wide DOCKER-ISOLATION-STAGE-1/2 chains, which also hold the rules of the engines already running; without
// the harness's repair (ensureDockerIsolation in docker-engine.ts) engine A's two networks reach each other as soon
// as engine B is up.
import { afterAll, describe, expect, it } from "vitest";
import { dockerEngineSkipReason, ENGINE_START_TIMEOUT, ENGINE_STOP_TIMEOUT, ensureDockerIsolation, runCommand, startDockerEngine, type DockerEngine } from "../support/docker-engine";

const skip = dockerEngineSkipReason();
if (skip) console.warn(`${__filename}: ${skip}`);

// The open-webui stand-in serves its report on 8080 and has curl, as the real image does.
const IMAGE = "ghcr.io/open-webui/open-webui:v0.8.12-slim";

async function addressOf(engine: DockerEngine, container: string): Promise<string> {
  return (await engine.docker(["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container])).stdout.trim();
}

/** curl's exit code from `from` to ip:8080 (0 reached, 28 timed out: a dropped connect). */
async function reach(engine: DockerEngine, from: string, ip: string): Promise<number> {
  const r = await engine.docker(["exec", from, "curl", "-sS", "--connect-timeout", "3", "--max-time", "5", "-o", "/dev/null", `http://${ip}:8080/_standin`], { allowFailure: true });
  return r.code;
}

async function bridgeOf(engine: DockerEngine, network: string): Promise<string> {
  const id = (await engine.docker(["network", "inspect", "-f", "{{.Id}}", network])).stdout.trim();
  return `br-${id.slice(0, 12)}`;
}

/** Bridges with a DROP in the harness's own stage-2 chain. */
async function ownDrops(): Promise<string[]> {
  const listed = (await runCommand("iptables", ["-S", "CFD-ISOLATION-STAGE-2"], { allowFailure: true })).stdout;
  return [...listed.matchAll(/^-A CFD-ISOLATION-STAGE-2 -o (\S+) -j DROP$/gm)].map((m) => m[1]);
}

describe.skipIf(skip)(`isolation between networks across private engines${skip ? ` — ${skip}` : ""}`, () => {
  const engines: DockerEngine[] = [];
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.stop()));
  }, ENGINE_STOP_TIMEOUT);

  it("keeps engine A's two networks apart after engine B starts, and A's from B's", async () => {
    const a = await startDockerEngine();
    engines.push(a);
    for (const net of ["net1", "net2"]) await a.docker(["network", "create", net]);
    for (const [name, net] of [["a1", "net1"], ["a1-peer", "net1"], ["a2", "net2"]]) {
      await a.docker(["run", "-d", "--name", name, "--network", net, "--memory", "64m", IMAGE]);
    }
    const peer = await addressOf(a, "a1-peer");
    const other = await addressOf(a, "a2");
    // Each reach check first proves the probe works on the same network, so "unreachable" cannot mean "broken probe".
    expect(await reach(a, "a1", peer), "a1 -> a1-peer on net1").toBe(0);
    expect(await reach(a, "a1", other), "a1 (net1) -> a2 (net2) before B").toBe(28);

    const b = await startDockerEngine();
    engines.push(b);
    const netBridges = [await bridgeOf(a, "net1"), await bridgeOf(a, "net2")];
    expect(await reach(a, "a1", peer), "a1 -> a1-peer on net1 after B").toBe(0);
    expect(await reach(a, "a1", other), "a1 (net1) -> a2 (net2) after B started").toBe(28);
    // B's start flushed Docker's chains; the harness restored them and copied A's rules into chains of its own,
    // which no dockerd flushes (Docker's chains are not asserted: any engine starting may empty them again).
    expect(await ownDrops()).toEqual(expect.arrayContaining(netBridges));

    await b.docker(["network", "create", "tenant"]);
    await b.docker(["run", "-d", "--name", "b1", "--network", "tenant", "--memory", "64m", IMAGE]);
    const tenant = await bridgeOf(b, "tenant");
    const report = await ensureDockerIsolation();
    expect(report.bridges).toEqual(expect.arrayContaining([a.bridge.name, b.bridge.name, ...netBridges, tenant]));
    expect(await ownDrops()).toEqual(expect.arrayContaining([a.bridge.name, b.bridge.name, ...netBridges, tenant]));
    expect(await reach(a, "a1", await addressOf(b, "b1")), "a1 (engine A) -> b1 (engine B)").toBe(28);
    expect(await reach(a, "a1", other), "a1 (net1) -> a2 (net2) at the end").toBe(28);
  }, 2 * ENGINE_START_TIMEOUT);
});
