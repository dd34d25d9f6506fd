import type { EnvVarRecord, ServiceRecord, SubResourceRecord } from "../model/records";
import { containerStatus, serviceStatus, type HealthLookup } from "../model/status";
import { isObject, type JsonObject } from "./validation";

const FRONT = ["id", "uuid", "description", "name"];
const BACK = ["created_at", "updated_at"];

/** serializeApiResponse: keys sorted, id/uuid/description/name first, timestamps last (notes §1). */
export function orderKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(orderKeys);
  if (!isObject(value)) return value;
  const keys = Object.keys(value).sort();
  const rank = (k: string) => (FRONT.includes(k) ? FRONT.indexOf(k) - 100 : BACK.includes(k) ? BACK.indexOf(k) + 100 : 0);
  keys.sort((a, b) => rank(a) - rank(b));
  return Object.fromEntries(keys.map((k) => [k, orderKeys(value[k])]));
}

export function subResourceJson(row: SubResourceRecord, service: ServiceRecord, health: HealthLookup): JsonObject {
  const base: JsonObject = {
    uuid: row.uuid, name: row.name, human_name: row.humanName, description: row.description, image: row.image,
    status: containerStatus(row, service, health), exclude_from_status: row.excludeFromStatus, ports: row.ports, exposes: null,
    is_gzip_enabled: row.isGzipEnabled, is_stripprefix_enabled: row.isStripprefixEnabled,
    is_log_drain_enabled: row.isLogDrainEnabled, is_public: false, service_id: service.id,
    created_at: row.createdAt, updated_at: row.updatedAt, deleted_at: null, last_online_at: row.updatedAt,
  };
  if (row.kind === "application") {
    Object.assign(base, {
      fqdn: row.fqdn, is_force_https_enabled: row.isForceHttpsEnabled, noindex_domains: row.noindexDomains,
      redirect: "both", required_fqdn: false, is_migrated: false,
    });
  }
  return base;
}

export function serviceJson(service: ServiceRecord, sensitive: boolean, health: HealthLookup, withSubResources = true): JsonObject {
  const body: JsonObject = {
    uuid: service.uuid, name: service.name, description: service.description, environment_id: service.environmentId,
    server_id: service.serverId, destination_id: service.destinationId, destination_type: "App\\Models\\StandaloneDocker",
    connect_to_docker_network: service.connectToDockerNetwork,
    is_container_label_escape_enabled: service.isContainerLabelEscapeEnabled,
    is_container_label_readonly_enabled: true, config_hash: service.configHash, service_type: null,
    compose_parsing_version: "5", server_status: true, status: serviceStatus(service, health),
    created_at: service.createdAt, updated_at: service.updatedAt, deleted_at: service.deletedAt,
  };
  // Compose text only with sensitive access (notes §2).
  if (sensitive) {
    body.docker_compose_raw = service.dockerComposeRaw;
    body.docker_compose = service.dockerCompose;
  }
  if (withSubResources) {
    body.applications = service.applications.map((a) => subResourceJson(a, service, health));
    body.databases = service.databases.map((d) => subResourceJson(d, service, health));
  }
  return body;
}

function realValue(row: EnvVarRecord): string | null {
  if (row.value === null) return null;
  return row.isLiteral || row.isMultiline ? `'${row.value}'` : row.value;
}

export function envJson(row: EnvVarRecord, service: ServiceRecord, sensitive: boolean): JsonObject {
  const body: JsonObject = {
    uuid: row.uuid, key: row.key, is_literal: row.isLiteral, is_multiline: row.isMultiline, is_preview: row.isPreview,
    is_runtime: row.isRuntime, is_buildtime: row.isBuildtime, is_shared: false, is_shown_once: row.isShownOnce,
    is_required: row.isRequired, is_really_required: row.isRequired && row.value === null, is_buildpack_control: false,
    is_coolify: row.isCoolify, comment: row.comment, version: "4.3.11", order: row.order,
    resourceable_type: "App\\Models\\Service", resourceable_id: service.id,
    created_at: row.createdAt, updated_at: row.updatedAt,
  };
  // value/real_value need sensitive access and are never shown for is_shown_once rows (notes §2).
  if (sensitive && !row.isShownOnce) {
    body.value = row.value;
    body.real_value = realValue(row);
  }
  return body;
}
