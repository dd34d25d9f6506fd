// Program sources shared by the engine tests and the benchmarks.
import type { CoolifyEmulator } from "../../emulator/server";
import { createProgram, repoRoot, type TestProgram } from "./pulumi";

/**
 * Per tenant named in config `tenants` (comma list): a Project, a Service (nginx + postgres, env GREETING from
 * config and API_KEY from the secret `apiKey`) and a Domain `https://<tenant>.<baseDomain>:80` on `web`, sent with
 * the service's create as in program/tenant-stack.ts.
 * Exports `tenants.<name>` = { uuid, status, fqdn }.
 */
export const TENANT_STACKS_SOURCE = `
import * as pulumi from "@pulumi/pulumi";
import { Project } from "${repoRoot}/providers/project";
import { Service } from "${repoRoot}/providers/service";
import { Domain } from "${repoRoot}/providers/domain";
import { inFreshTask } from "${repoRoot}/program/fresh-task";

const cfg = new pulumi.Config();
const compose = [
  "services:",
  "  web:",
  "    image: nginx:1.27.3",
  "    environment:",
  "      - GREETING=\${GREETING}",
  "    healthcheck:",
  "      test: [CMD, curl, -f, http://127.0.0.1/]",
  "  db:",
  "    image: postgres:16.4",
  "    volumes:",
  "      - dbdata:/var/lib/postgresql/data",
  "volumes:",
  "  dbdata: {}",
].join("\\n");

// Registers after an await in a fresh task, as index.ts does once the tenants are loaded: Pulumi keeps the call
// stack of each registration in state, so the benchmarks measure the state the real program would write.
export = async () => {
  const names = await Promise.resolve(cfg.require("tenants").split(","));
  return inFreshTask(declare, names);
};

function declare(names: string[]) {
  const tenants: Record<string, unknown> = {};
  for (const tenant of names) {
    const urls = [\`https://\${tenant}.\${cfg.require("baseDomain")}:80\`];
    const project = new Project(\`\${tenant}-project\`, { name: \`Tenant \${tenant}\`, description: "engine test" });
    const service = new Service(\`\${tenant}-service\`, {
      name: \`\${tenant}-web\`,
      projectUuid: project.uuid,
      serverUuid: cfg.require("serverUuid"),
      compose,
      env: { GREETING: cfg.require("greeting"), API_KEY: cfg.requireSecret("apiKey") },
      templateRef: "test@1.0.0",
      healthTimeoutSeconds: 20,
      initialUrls: { web: urls },
    });
    const domain = new Domain(\`\${tenant}-domain\`, {
      serviceUuid: service.uuid,
      container: "web",
      applicationUuid: service.applications.apply((apps) => apps.web),
      knownFqdn: service.fqdns.apply((fqdns) => fqdns.web),
      urls,
    });
    tenants[tenant] = { uuid: service.uuid, status: service.status, fqdn: domain.fqdn };
  }
  return { tenants };
}
`;

export const SERVICES_COMPOSE = ["services:", "  web:", "    image: nginx:1.27.3", "  db:", "    image: postgres:16.4", "    volumes:", "      - dbdata:/var/lib/postgresql/data"].join("\n");

/**
 * One project (named by config `projectName`) and one Service per name in config `tenants` (comma list, may be
 * empty), waiting `healthTimeoutSeconds` (default 2) for health. Per tenant: `<name>Server` overrides the server,
 * `<name>AllowReplace=true` allows its replacement, `<name>Url` adds a Domain on `web`.
 * Exports `services.<name>` = the service uuid.
 */
export const SERVICES_SOURCE = `
import * as pulumi from "@pulumi/pulumi";
import { Project } from "${repoRoot}/providers/project";
import { Service } from "${repoRoot}/providers/service";
import { Domain } from "${repoRoot}/providers/domain";

const cfg = new pulumi.Config();
const project = new Project("project", { name: cfg.require("projectName") });
const healthTimeoutSeconds = Number(cfg.get("healthTimeoutSeconds") ?? "2");
export const services: Record<string, pulumi.Output<string>> = {};
for (const tenant of cfg.require("tenants").split(",").filter(Boolean)) {
  const service = new Service(tenant, {
    name: tenant + "-web", projectUuid: project.uuid, serverUuid: cfg.get(tenant + "Server") ?? cfg.require("serverUuid"),
    compose: ${JSON.stringify(SERVICES_COMPOSE)}, env: { TENANT: tenant }, templateRef: "test@1.0.0", healthTimeoutSeconds,
    tenant, allowReplace: cfg.get(tenant + "AllowReplace") === "true",
  });
  services[tenant] = service.uuid;
  const url = cfg.get(tenant + "Url");
  if (url) new Domain(tenant + "-domain", { serviceUuid: service.uuid, container: "web", urls: [url] });
}
`;

/** The SERVICES_SOURCE program against `emulator`: tenant `alpha`, fast status polls, `config` added or overriding, loaded by tsx. */
export function createServicesProgram(emulator: CoolifyEmulator, project: string, config: Record<string, string>): Promise<TestProgram> {
  return createProgram({
    project,
    source: SERVICES_SOURCE,
    config: { coolifyUrl: emulator.url, coolifyPollIntervalMs: "50", coolifyDeleteTimeoutSeconds: "10", serverUuid: emulator.serverUuid, tenants: "alpha", ...config },
    secrets: { coolifyToken: emulator.token },
    loader: "tsx",
  });
}
