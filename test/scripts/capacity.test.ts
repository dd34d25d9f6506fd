// npm run capacity: the per-server report (program/capacity-report.ts) and the command line.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { ServerSpec } from "../../lib/servers";
import type { Provisioning } from "../../lib/tenants/provisioning";
import { capacityReport, formatCapacity } from "../../program/capacity-report";
import { tenant } from "../program/fixtures";

const ROOT = resolve(__dirname, "../..");
const server = (uuid: string, cpus: number, memoryGb: number, extra: Partial<ServerSpec> = {}): ServerSpec => ({ uuid, cpus, memoryGb, reserved: { cpus: 0, memoryGb: 0 }, draining: false, ...extra });
const record = (id: string, fields: Partial<Provisioning>): Provisioning => ({
  id: `rec-${id}`, tenantId: id, coolifyProjectUuid: "p", coolifyServiceUuid: `svc-${id}`, templateRef: "openclaw@1.1.0", status: "running:healthy",
  statusReason: "", urls: {}, lastError: "", credentials: {}, ...fields,
});

describe("capacity report", () => {
  const servers = [server("a", 8, 32, { reserved: { cpus: 1, memoryGb: 2 } }), server("b", 4, 16, { draining: true })];
  const records = new Map([
    ["id-acme", record("id-acme", { serverUuid: "a", reservation: { cpus: 2, memoryMb: 4095 } })],
    ["id-bolt", record("id-bolt", { serverUuid: "a", reservation: { cpus: 1, memoryMb: 2048 } })],
    ["id-chirp", record("id-chirp", { serverUuid: "b", reservation: { cpus: 0.5, memoryMb: 512 } })],
    ["id-gone", record("id-gone", { serverUuid: "z", reservation: { cpus: 1, memoryMb: 1024 } })],
  ]);
  const tenants = ["acme", "bolt", "chirp", "gone"].map((slug) => tenant(slug, "openclaw"));

  it("adds each server's recorded reservations up against its allocatable, with what is free and draining", () => {
    const report = capacityReport(servers, { cpu: 4, memory: 1 }, records, tenants);
    const [a, b] = report.servers;
    expect(a).toMatchObject({ uuid: "a", draining: false, allocatable: { cpus: 28, memoryMb: 30720 }, reserved: { cpus: 3, memoryMb: 6143 }, free: { cpus: 25, memoryMb: 24577 }, tenants: ["acme", "bolt"] });
    expect(b).toMatchObject({ uuid: "b", draining: true, reserved: { cpus: 0.5, memoryMb: 512 }, tenants: ["chirp"] });
    expect(a.reservations.reduce((sum, r) => sum + r.memoryMb, 0)).toBe(a.reserved.memoryMb);
    expect(report.unconfigured).toEqual({ z: ["gone"] });
  });

  it("prints one block per server", () => {
    const text = formatCapacity(capacityReport(servers, { cpu: 4, memory: 1 }, records, tenants));
    expect(text).toContain("server a\n  cpus:   3 reserved of 28 allocatable (8 cores), 25 free\n  memory: 6143 MiB reserved of 30720 MiB allocatable (32 GiB), 24577 MiB free\n  tenants (2): acme 2 cpus 4095 MiB, bolt 1 cpus 2048 MiB");
    expect(text).toContain("server b (draining: no new tenants)");
    expect(text).toContain("server z is not in coolifyServers, but gone live on it");
  });

  it("estimates a record written before reservations from its template and plan", () => {
    const report = capacityReport([server("a", 8, 32)], { cpu: 4, memory: 1 }, new Map([["id-acme", record("id-acme", { serverUuid: "a" })]]), [tenant("acme", "openclaw")]);
    expect(report.servers[0].reservations[0]).toMatchObject({ slug: "acme", estimated: true });
    expect(report.servers[0].reservations[0].memoryMb).toBeGreaterThan(0);
  });
});

describe("npm run capacity", () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = execFile("bash", ["scripts/with-env.sh", "tsx", "scripts/capacity.ts", ...args], { cwd: ROOT, timeout: 60_000 }, (_e, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }));
    });

  it("answers a bad flag with one line, its usage line and exit 2", async () => {
    const { code, stdout, stderr } = await run(["--bogus"]);
    expect(stderr).toBe("capacity: unknown option --bogus\nusage: npm run capacity -- [--stack <name>] [--json]\n");
    expect(stdout).toBe("");
    expect(code).toBe(2);
  });

  it("answers --json=yes (a value given to a flag) the same way", async () => {
    const { code, stderr } = await run(["--json=yes"]);
    expect(stderr.split("\n")[0]).toBe("capacity: --json takes no value");
    expect(code).toBe(2);
  });
});
