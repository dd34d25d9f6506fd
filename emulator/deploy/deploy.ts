// What a start does before the containers run: Coolify writes docker-compose.yml and .env into the service's
// workdir and runs `docker compose up` (notes §7.4, §9). The emulator renders both files as Coolify 4.3 does and
// loads them with the real compose loader; a refused project means the start fails, as on a real host.
import { load } from "js-yaml";
import type { Deployment, DeploymentResult } from "../model/deployment";
import { resolveCompose } from "./compose-resolver";
import { coolifyDeployCompose, type DeployNames, type DerivedRow } from "./deploy-compose";
import { coolifyEnvFile } from "./env-file";
import type { EnvVarRecord, ServiceRecord } from "../model/records";
import type { EmulatorStore } from "../model/store";
import { isObject } from "../model/json";

export type { Deployment, DeploymentResult };

/** Rows as the `.env` sees them: stored rows, updated or extended by the rows parse() derives while rendering. */
function envRows(stored: EnvVarRecord[], derived: DerivedRow[]): DerivedRow[] {
  const rows: DerivedRow[] = stored.map((row) => ({ ...row }));
  for (const row of derived) {
    const existing = rows.find((r) => r.key === row.key);
    if (existing) existing.value = row.value;
    else rows.push(row);
  }
  return rows;
}

/** docker-compose.yml and .env as a start writes them, from the stored compose and rows. */
export function deployFiles(service: ServiceRecord, names: DeployNames): { composeYaml: string; envText: string } | null {
  const document = load(service.dockerComposeRaw);
  if (!isObject(document)) return null;
  const files = coolifyDeployCompose(service, document, names);
  const serviceNames = isObject(document.services) ? Object.keys(document.services) : [];
  return { composeYaml: files.composeYaml, envText: coolifyEnvFile(serviceNames, envRows(service.envs, files.derivedRows)) };
}

/** Renders the service's deploy files and resolves them; never throws for a refused compose. */
export async function deployService(store: EmulatorStore, service: ServiceRecord): Promise<Deployment> {
  const at = store.now();
  const environment = store.environments.find((e) => e.id === service.environmentId);
  const project = store.projects.find((p) => p.id === service.projectId);
  const files = deployFiles(service, { projectName: project?.name ?? "", environmentName: environment?.name ?? "" });
  if (!files) return { at, composeYaml: "", envText: "", result: { ok: false, error: "stored compose is not a mapping" } };
  const { composeYaml, envText } = files;
  try {
    const resolved = await resolveCompose({ composeYaml, envText, projectName: service.uuid });
    const result: DeploymentResult = resolved.ok ? { ok: true, containers: resolved.services, warnings: resolved.warnings } : resolved;
    return { at, composeYaml, envText, result };
  } catch (error) {
    return { at, composeYaml, envText, result: { ok: false, error: (error as Error).message } };
  }
}
