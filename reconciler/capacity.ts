// Per-server capacity for /metrics: after each run, every recorded tenant's reservation added up per configured server
// (program/capacity-report.ts), as the Prometheus gauges of metrics.ts.
import type { ConfigMap } from "@pulumi/pulumi/automation";
import { readServerFleet, type ServerFleet } from "../lib/servers";
import type { PocketBaseSource } from "../lib/tenants/connection";
import { listProvisioning } from "../lib/tenants/provisioning";
import type { Tenant } from "../lib/tenants/tenant";
import { capacityReport } from "../program/capacity-report";
import type { Metrics } from "./metrics";

/** The stack's servers and overcommit, as the program reads them; problems are the program's to report. */
export function serverFleetOf(config: ConfigMap, namespace: string): ServerFleet & { legacyServer?: string } {
  const get = (key: string) => config[`${namespace}:${key}`]?.value;
  const keys = { coolifyServers: get("coolifyServers"), coolifyServerUuid: get("coolifyServerUuid"), coolifyDestinationUuid: get("coolifyDestinationUuid"), overcommit: get("overcommit") };
  return { ...readServerFleet(keys), ...(keys.coolifyServerUuid ? { legacyServer: keys.coolifyServerUuid } : {}) };
}

/** Reads the write-back records and sets the server gauges. */
export async function observeCapacity(fleet: ReturnType<typeof serverFleetOf>, source: PocketBaseSource, tenants: Tenant[], metrics: Metrics): Promise<void> {
  if (fleet.problems.length > 0) return;
  const records = await listProvisioning(source);
  metrics.setServerCapacity(capacityReport(fleet.servers, fleet.overcommit, records, tenants, fleet.legacyServer));
}
