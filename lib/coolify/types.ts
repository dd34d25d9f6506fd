// Request and response shapes of the Coolify v4 API (coolify-api.md §5-§7). Responses carry more fields than listed
// (serializeApiResponse adds internal ids and timestamps); only the ones we rely on are typed.

/** A row of `GET /projects`. */
export interface Project {
  uuid: string;
  name: string;
  description: string | null;
  id?: number;
}

/** `GET /projects/{uuid}`: the project with its environments. */
export interface ProjectDetail extends Project {
  team_id?: number;
  environments: Environment[];
  created_at?: string;
  updated_at?: string;
}

/** An environment of a project. `id` is what a service's `environment_id` points at (§7.2). */
export interface Environment {
  uuid: string;
  name: string;
  id?: number;
  description?: string | null;
  project_id?: number;
}

/** `GET /projects/{uuid}/{env}`: the environment and the resources in it. */
export interface EnvironmentDetail extends Environment {
  applications?: unknown[];
  services?: Service[];
  [resourceKind: string]: unknown;
}

/** Body of `POST /projects` (only these fields are accepted, §5). */
export interface CreateProjectInput {
  name: string;
  description?: string | null;
}

/** Body of `PATCH /projects/{uuid}` and `PATCH /projects/{uuid}/environments/{env}`; must not be empty (§1). */
export interface UpdateNamedInput {
  name?: string;
  description?: string | null;
}

/** A row of `GET /servers` (§6). */
export interface Server {
  uuid: string;
  name: string;
  description?: string | null;
  ip: string;
  user?: string;
  port?: number;
  is_reachable?: boolean;
  is_usable?: boolean;
  settings?: { is_build_server?: boolean; wildcard_domain?: string | null; is_usable?: boolean; is_reachable?: boolean };
}

/** A Docker network on a server that services attach to (§6). */
export interface Destination {
  uuid: string;
  name: string;
  network: string;
  type: "standalone" | "swarm";
  server_uuid: string;
  created_at?: string;
  updated_at?: string;
}

/** Body of `POST /servers/{server_uuid}/destinations`. */
export interface CreateDestinationInput {
  network: string;
  name?: string;
  type?: "standalone" | "swarm";
}

/** One compose service of a Coolify service that can carry URLs (§7.2, §7.7). */
export interface ServiceApplication {
  uuid: string;
  /** The compose service key. */
  name: string;
  human_name?: string | null;
  description?: string | null;
  /** Comma-separated full URLs, or null. */
  fqdn: string | null;
  image?: string | null;
  status?: string;
  exclude_from_status?: boolean;
  [field: string]: unknown;
}

/** One compose service of a Coolify service detected as a database; it cannot carry URLs. */
export interface ServiceDatabase {
  uuid: string;
  name: string;
  image?: string | null;
  status?: string;
  [field: string]: unknown;
}

/** `GET /services/{uuid}` (§7.2). `status` is e.g. `running:healthy`, `exited`, `degraded:unhealthy`. */
export interface Service {
  uuid: string;
  name: string;
  description: string | null;
  environment_id: number;
  server_id: number;
  destination_id?: number;
  status?: string;
  server_status?: boolean;
  service_type?: string | null;
  connect_to_docker_network?: boolean;
  is_container_label_escape_enabled?: boolean;
  /** Only with a read:sensitive token; re-serialized by Coolify, so compare semantically (§7.1). */
  docker_compose_raw?: string;
  docker_compose?: string;
  applications?: ServiceApplication[];
  databases?: ServiceDatabase[];
  deleted_at?: string | null;
}

/** What the cached service list keeps of a service: enough to recognise our own (lib/coolify/list-cache.ts). */
export type ServiceSummary = Pick<Service, "uuid" | "name" | "description">;

/** An item of `urls` on service create/update: a compose service key and its comma-separated URLs (§7.7). */
export interface ServiceUrl {
  name: string;
  url: string | null;
}

/** Input of `createService`. `compose` is plain YAML; the client sends it base64-encoded as `docker_compose_raw`. */
export interface CreateServiceInput {
  project_uuid: string;
  server_uuid: string;
  environment_name?: string;
  environment_uuid?: string;
  destination_uuid?: string;
  /** A one-click template key; give either this or `compose`. */
  type?: string;
  compose?: string;
  name?: string;
  description?: string | null;
  instant_deploy?: boolean;
  urls?: ServiceUrl[];
  force_domain_override?: boolean;
  is_container_label_escape_enabled?: boolean;
  tags?: string[];
}

/** Input of `updateService`; `compose` is plain YAML. Must change at least one field. */
export interface UpdateServiceInput {
  name?: string;
  description?: string | null;
  compose?: string;
  instant_deploy?: boolean;
  connect_to_docker_network?: boolean;
  urls?: ServiceUrl[];
  force_domain_override?: boolean;
  is_container_label_escape_enabled?: boolean;
}

/** Response of service create (201) and update (200). */
export interface ServiceDomains {
  uuid: string;
  /** Sorted fqdn values of the service applications; an entry may itself be a comma list. */
  domains: string[];
}

/** Body of `PATCH /services/{uuid}/applications/{app_uuid}` (§7.3). */
export interface UpdateServiceApplicationInput {
  url?: string | null;
  noindex_domains?: string[] | null;
  human_name?: string | null;
  description?: string | null;
  image?: string | null;
  exclude_from_status?: boolean | null;
  is_log_drain_enabled?: boolean | null;
  is_gzip_enabled?: boolean | null;
  is_stripprefix_enabled?: boolean | null;
  is_force_https_enabled?: boolean | null;
}

/** An entry of a 409 domain-conflict body (§7.7). */
export interface DomainConflict {
  domain: string;
  resource_name?: string;
  resource_uuid?: string | null;
  resource_type?: "application" | "service" | "instance";
  message?: string;
}

/** A row of `GET /services/{uuid}/envs` (§7.6). `value`/`real_value` need a read:sensitive token. */
export interface ServiceEnv {
  uuid: string;
  key: string;
  value?: string | null;
  real_value?: string | null;
  is_literal?: boolean;
  is_multiline?: boolean;
  is_shown_once?: boolean;
  is_required?: boolean;
  /** Created by Coolify's parser (SERVICE_* magic variables); leave these alone. */
  is_coolify?: boolean;
  comment?: string | null;
}

/** One variable to write. `value` is required because Coolify nulls an omitted value (§7.6). */
export interface ServiceEnvInput {
  key: string;
  value: string;
  is_literal?: boolean;
  is_multiline?: boolean;
  is_shown_once?: boolean;
  comment?: string | null;
}

/** The `{message}` body that queued and delete operations answer with. */
export interface MessageResponse {
  message: string;
}
