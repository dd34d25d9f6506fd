// npm run capacity [-- --stack <name>] [--json]
// Per configured server: the tenants placed on it, their reservations against its allocatable cpus and memory, what
// is free, and whether it is draining (program/capacity-report.ts). Read-only: the stack's config and GET requests to
// PocketBase (the tenant view, for slugs, and agent_provisioning).
import { commandLine } from "../lib/cli/args";
import { readStackConfig } from "../lib/cli/stack-config";
import { readServerFleet } from "../lib/servers";
import { loadTenants } from "../lib/tenants/load";
import { listProvisioning } from "../lib/tenants/provisioning";
import { capacityReport, formatCapacity } from "../program/capacity-report";

const COMMAND = {
  name: "capacity",
  usage: "[--stack <name>] [--json]",
  options: { stack: { type: "string" }, json: { type: "boolean" } },
} as const;

async function main(): Promise<void> {
  const { values } = commandLine(COMMAND);
  const config = readStackConfig("capacity", values.stack, "select the stack whose capacity to show");
  const fleet = readServerFleet(config);
  if (fleet.problems.length > 0) throw new Error(`capacity: the stack config is not usable:\n${fleet.problems.map((p) => `  - ${p}`).join("\n")}`);
  if (!config.pocketbaseUrl || !config.pocketbaseEmail || !config.pocketbasePassword) {
    throw new Error("capacity: the stack config lacks pocketbaseUrl, pocketbaseEmail or pocketbasePassword.\nFix: set them with `pulumi config set` (the password with --secret).");
  }
  const source = { url: config.pocketbaseUrl, email: config.pocketbaseEmail, password: config.pocketbasePassword, ...(config.tenantView ? { view: config.tenantView } : {}) };
  const [tenants, records] = await Promise.all([loadTenants(source), listProvisioning(source)]);
  const report = capacityReport(fleet.servers, fleet.overcommit, records, tenants, config.coolifyServerUuid || undefined);
  // Infinity (a server whose size is not configured) prints as null.
  console.log(values.json ? JSON.stringify(report, null, 2) : formatCapacity(report));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
