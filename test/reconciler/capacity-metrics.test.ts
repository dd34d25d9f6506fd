// The reconciler's per-server gauges (reconciler/metrics.ts, reconciler/capacity.ts).
import { describe, expect, it } from "vitest";
import type { ServerSpec } from "../../lib/servers";
import type { Provisioning } from "../../lib/tenants/provisioning";
import { capacityReport } from "../../program/capacity-report";
import { serverFleetOf } from "../../reconciler/capacity";
import { createMetrics } from "../../reconciler/metrics";
import { tenant } from "../program/fixtures";

const server = (uuid: string, cpus: number, memoryGb: number, draining = false): ServerSpec => ({ uuid, cpus, memoryGb, reserved: { cpus: 0, memoryGb: 0 }, draining });
const record = (id: string, serverUuid: string, cpus: number, memoryMb: number): Provisioning => ({
  id: `rec-${id}`, tenantId: id, coolifyProjectUuid: "p", coolifyServiceUuid: `svc-${id}`, templateRef: "openclaw@1.1.0", status: "running:healthy",
  statusReason: "", urls: {}, lastError: "", credentials: {}, serverUuid, reservation: { cpus, memoryMb },
});

describe("per-server gauges", () => {
  it("exports tenants, cpus and memory (reserved, allocatable, free) and draining per server", async () => {
    const metrics = createMetrics(() => 0);
    const records = new Map([["id-a", record("id-a", "s1", 2, 4096)], ["id-b", record("id-b", "s1", 1, 1024)]]);
    metrics.setServerCapacity(capacityReport([server("s1", 4, 8), server("s2", 2, 4, true)], { cpu: 2, memory: 1 }, records, [tenant("a", "openclaw"), tenant("b", "openclaw")]));
    const text = await metrics.registry.metrics();
    expect(text).toContain('cloudfreedom_server_tenants{server="s1"} 2');
    expect(text).toContain('cloudfreedom_server_tenants{server="s2"} 0');
    expect(text).toContain('cloudfreedom_server_cpus{server="s1",kind="reserved"} 3');
    expect(text).toContain('cloudfreedom_server_cpus{server="s1",kind="allocatable"} 8');
    expect(text).toContain('cloudfreedom_server_cpus{server="s1",kind="free"} 5');
    expect(text).toContain(`cloudfreedom_server_memory_bytes{server="s1",kind="reserved"} ${5120 * 1024 * 1024}`);
    expect(text).toContain(`cloudfreedom_server_memory_bytes{server="s1",kind="free"} ${3072 * 1024 * 1024}`);
    expect(text).toContain('cloudfreedom_server_draining{server="s2"} 1');
  });

  it("reads the servers from the stack config the reconciler loads", () => {
    const fleet = serverFleetOf({ "cloudfreedom-agents:coolifyServers": { value: JSON.stringify([{ uuid: "s1", cpus: 4, memoryGb: 8 }]) }, "cloudfreedom-agents:overcommit": { value: '{"cpu":2}' } }, "cloudfreedom-agents");
    expect(fleet.servers.map((s) => s.uuid)).toEqual(["s1"]);
    expect(fleet.overcommit).toEqual({ cpu: 2, memory: 1 });
  });
});
