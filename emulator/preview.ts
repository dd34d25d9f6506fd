// The deploy files Coolify 4.3 would write for a compose and the env rows our Service provider sends, without a
// server: the emulator's own parse (magic variables, URL rows), bulk upsert (trim, empty to null) and start
// (deploy-compose.ts, env-file.ts), in process. For `npm run render -- --effective` and bulk encoding tests.
import type { ResolveCase } from "./deploy/compose-resolver";
import { parseCompose, serialiseCompose } from "./api/compose";
import { deployFiles } from "./deploy/deploy";
import { newUuid } from "./model/ids";
import { applyParse, newEnvRow, refreshUrlRows } from "./model/magic-vars";
import type { ServiceRecord } from "./model/records";
import { normaliseUrl } from "./api/service-urls";
import { requestString } from "./api/service-envs";
import { EmulatorStore } from "./model/store";

export interface PreviewRow {
  key: string;
  value: string;
  is_literal?: boolean;
  is_multiline?: boolean;
}

export interface PreviewInput {
  composeYaml: string;
  /** As PATCH /services/{uuid}/envs/bulk receives them. */
  rows: PreviewRow[];
  /** As POST /services `urls` receives them. */
  urls?: Array<{ name: string; url: string }>;
  names?: { service?: string; project?: string; environment?: string };
}

/** The `.env` and docker-compose.yml of a first start, ready for the resolver (project name = service uuid). */
export function previewDeployment(input: PreviewInput): ResolveCase & { service: ServiceRecord } {
  const store = new EmulatorStore({ lifecycleDelayMs: 0, deleteDelayMs: 0, rateLimitPerMinute: 0, apiEnabled: true });
  const { server } = store.addServer({ team: 0 });
  const parsed = parseCompose(input.composeYaml);
  const at = store.now();
  const service: ServiceRecord = {
    id: store.nextId(), uuid: newUuid(), name: input.names?.service ?? "preview", description: null, teamId: 0, projectId: 0,
    environmentId: 0, serverId: server.id, destinationId: 0, connectToDockerNetwork: false, isContainerLabelEscapeEnabled: true,
    dockerComposeRaw: serialiseCompose(parsed), dockerCompose: "", configHash: "", applications: [], databases: [], envs: [], tags: [],
    activity: null, lifecycleGeneration: 0, pendingDeletes: [], createdAt: at, updatedAt: at, deletedAt: null,
  };
  applyParse(store, service, parsed, server);
  for (const { name, url } of input.urls ?? []) {
    const app = service.applications.find((a) => a.name === name);
    if (!app) throw new Error(`preview: no container ${JSON.stringify(name)} takes a URL`);
    app.fqdn = url.split(",").map((u) => normaliseUrl(u.trim()) ?? u).join(",");
    refreshUrlRows(store, service, app);
  }
  for (const item of input.rows) {
    const row = service.envs.find((r) => r.key === item.key) ?? newEnvRow(store, service, item.key, null);
    row.value = requestString(item.value);
    if (item.is_literal !== undefined) row.isLiteral = item.is_literal;
    if (item.is_multiline !== undefined) row.isMultiline = item.is_multiline;
  }
  const files = deployFiles(service, { projectName: input.names?.project ?? "preview", environmentName: input.names?.environment ?? "production" });
  if (!files) throw new Error("preview: the compose is not a mapping");
  return { ...files, projectName: service.uuid, service };
}
