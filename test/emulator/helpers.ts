import { startCoolifyEmulator, type CoolifyEmulator, type EmulatorOptions } from "../../emulator/server";

export interface ConflictJson {
  domain: string;
  resource_name: string;
  resource_uuid: string | null;
  resource_type: string;
  message: string;
}

/** Error and message bodies in Coolify's shapes (notes §4). */
export interface MessageJson {
  message: string;
  error?: string;
  errors?: Record<string, string[] | string> | string[];
  docs?: string;
  success?: boolean;
  conflicts?: ConflictJson[];
  warning?: string;
  valid_service_types?: string[];
}

export interface SubJson {
  uuid: string;
  name: string;
  image: string;
  status: string;
  fqdn?: string | null;
  human_name: string | null;
}

export interface ServiceJson {
  uuid: string;
  name: string;
  description: string | null;
  status: string;
  environment_id: number;
  connect_to_docker_network: boolean;
  applications: SubJson[];
  databases: SubJson[];
  docker_compose_raw?: string;
  docker_compose?: string;
}

export interface EnvJson {
  uuid: string;
  key: string;
  value?: string | null;
  real_value?: string | null;
  is_coolify: boolean;
  is_required: boolean;
  is_literal: boolean;
  is_shown_once: boolean;
  is_preview: boolean;
  comment: string | null;
}

export interface CreatedJson {
  uuid: string;
  domains: string[];
}

export interface ApiResult<T = MessageJson> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface CallOptions {
  token?: string | null;
  contentType?: string;
  /** Raw body text, sent as is (for the JSON checks). */
  raw?: string;
}

/** Calls the emulator over real HTTP. `path` is relative to /api/v1 unless it starts with "/api" or "/_emulator". */
export async function call<T = MessageJson>(
  emu: CoolifyEmulator, method: string, path: string, body?: unknown, options: CallOptions = {},
): Promise<ApiResult<T>> {
  const url = path.startsWith("/api") || path.startsWith("/_emulator") ? `${emu.url}${path}` : `${emu.url}/api/v1${path}`;
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = options.token === undefined ? emu.token : options.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
  if (payload !== undefined) headers["Content-Type"] = options.contentType ?? "application/json";
  const response = await fetch(url, { method, headers, body: payload });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // text/html bodies (health, version) stay strings
  }
  return { status: response.status, body: parsed as T, text, headers: response.headers };
}

export function b64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

export const WEB_COMPOSE = `# a comment Coolify drops
services:
  web:
    image: ghcr.io/example/web:1.2.3
    environment:
      - SERVICE_URL_WEB_3000
      - DB_PASSWORD=\${SERVICE_PASSWORD_DB}
      - API_KEY=\${API_KEY}
      - MODE=\${MODE:-production}
      - SECRET=\${SECRET:?}
    volumes:
      - web-data:/data
  worker:
    image: ghcr.io/example/worker:1.2.3
  db:
    image: postgres:16-alpine
    environment:
      POSTGRES_PASSWORD: \${SERVICE_PASSWORD_DB}
      POSTGRES_USER: \${SERVICE_USER_DB}
    volumes:
      - db-data:/var/lib/postgresql/data
`;

export async function startEmulator(options: EmulatorOptions = {}): Promise<CoolifyEmulator> {
  return startCoolifyEmulator({ port: 0, lifecycleDelayMs: 20, deleteDelayMs: 40, ...options });
}

export async function createProject(emu: CoolifyEmulator, name = "tenant-a"): Promise<string> {
  const res = await call<{ uuid: string }>(emu, "POST", "/projects", { name });
  if (res.status !== 201) throw new Error(`project create failed: ${res.status} ${res.text}`);
  return res.body.uuid;
}

export function serviceBody(emu: CoolifyEmulator, projectUuid: string, extra: Record<string, unknown> = {}) {
  return {
    project_uuid: projectUuid, environment_name: "production", server_uuid: emu.serverUuid,
    docker_compose_raw: b64(WEB_COMPOSE), name: "stack", ...extra,
  };
}

export async function createService(emu: CoolifyEmulator, projectUuid: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await call<CreatedJson>(emu, "POST", "/services", serviceBody(emu, projectUuid, extra));
  if (res.status !== 201) throw new Error(`service create failed: ${res.status} ${res.text}`);
  return res.body.uuid;
}

export async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function serviceStatus(emu: CoolifyEmulator, uuid: string): Promise<string> {
  const res = await call<ServiceJson>(emu, "GET", `/services/${uuid}`);
  return res.status === 200 ? res.body.status : `http ${res.status}`;
}
