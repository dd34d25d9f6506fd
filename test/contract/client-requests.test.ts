// Every request the Coolify client sends, checked against the request schemas of Coolify's published OpenAPI spec.
// Requests are captured through the client's `transport.onRequest` hook while it drives the emulator, so what is
// validated is exactly what the client put on the wire (body and query).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCoolifyEmulator, type CoolifyEmulator } from "../../emulator/server";
import * as coolify from "../../lib/coolify";
import type { CoolifyConnection, SentRequest } from "../../lib/coolify";
import { loadSpec, matchPathTemplate, validateRequest, type Spec } from "../support/openapi";

const spec = loadSpec();
if (!spec) console.warn("!!! test/contract/client-requests.test.ts SKIPPED: no Coolify OpenAPI spec (see test/support/openapi.ts).");

/**
 * Where the spec is wrong and the client right (coolify-api.md §12). Each entry: operation, the error text it
 * excuses, and why.
 */
const SPEC_EXCEPTIONS: Array<{ op: string; match: RegExp; why: string }> = [
  {
    op: "POST /services",
    match: /must have required property 'environment_(name|uuid)'/,
    why: "the spec requires environment_name AND environment_uuid; Coolify needs one of them (§7.1, §12)",
  },
  {
    op: "POST /services/{uuid}/envs",
    match: /undocumented field \/comment/,
    why: "the spec omits `comment`; Coolify accepts it (≤256 chars) on env create/update/bulk (§7.6, §12)",
  },
  { op: "PATCH /services/{uuid}/envs", match: /undocumented field \/comment/, why: "as above (§12)" },
  { op: "PATCH /services/{uuid}/envs/bulk", match: /undocumented field \/data\/\d+\/comment/, why: "as above (§12)" },
  {
    op: "PATCH /services/{uuid}/applications/{app_uuid}",
    match: /undocumented field \/is_force_https_enabled/,
    why: "accepted by Coolify's service-application PATCH but missing from the spec (§7.3, §12)",
  },
];

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function operation(s: Spec, method: string, template: string): Json {
  const paths = s.document.paths as Json;
  return ((paths[template] as Json | undefined)?.[method.toLowerCase()] as Json | undefined) ?? {};
}

/** Body fields the schema does not list. Ajv accepts them (no additionalProperties: false), Coolify mostly rejects them (422). */
function undocumentedFields(schema: unknown, value: unknown, at = ""): string[] {
  if (!isMap(schema)) return [];
  if (Array.isArray(value)) return value.flatMap((item, i) => undocumentedFields(schema.items, item, `${at}/${i}`));
  if (!isMap(value) || !isMap(schema.properties)) return [];
  const props = schema.properties;
  return Object.entries(value).flatMap(([k, v]) => (k in props ? undocumentedFields(props[k], v, `${at}/${k}`) : [`undocumented field ${at}/${k}`]));
}

/** Query keys the operation does not document, or values that do not fit their schema type. */
function queryProblems(s: Spec, method: string, template: string, query: Record<string, string>): string[] {
  const params = ((operation(s, method, template).parameters as unknown[] | undefined) ?? []).filter(isMap).filter((p) => p.in === "query");
  return Object.entries(query).flatMap(([key, value]) => {
    const param = params.find((p) => p.name === key);
    if (!param) return [`undocumented query parameter ${key}`];
    const type = isMap(param.schema) ? param.schema.type : undefined;
    if (type === "boolean" && !["true", "false"].includes(value)) return [`query ${key}=${value} is not a boolean`];
    if (type === "integer" && !/^-?\d+$/.test(value)) return [`query ${key}=${value} is not an integer`];
    return [];
  });
}

function problems(s: Spec, r: SentRequest): { op: string; errors: string[] } {
  const template = matchPathTemplate(s, r.path);
  if (!template) return { op: `${r.method} ${r.path}`, errors: ["path not in the spec"] };
  const op = `${r.method} ${template}`;
  const media = ((operation(s, r.method, template).requestBody as Json | undefined)?.content as Json | undefined)?.["application/json"];
  const schema = isMap(media) ? media.schema : undefined;
  const errors = [
    ...validateRequest(s, r.method, template, r.body),
    ...(r.body === undefined ? [] : undocumentedFields(schema, r.body)),
    ...queryProblems(s, r.method, template, r.query),
  ];
  return { op, errors: errors.filter((e) => !SPEC_EXCEPTIONS.some((x) => x.op === op && x.match.test(e))) };
}

const COMPOSE = "services:\n  app:\n    image: ghcr.io/example/app:1.0.0\n    environment:\n      - SERVICE_URL_APP_3000\n  db:\n    image: postgres:16\n";

/** Calls every client function, including the failing ones: a rejected call still sent its request. */
async function exercise(c: CoolifyConnection, e: CoolifyEmulator): Promise<void> {
  const quiet = (p: Promise<unknown>) => p.catch(() => undefined);
  await coolify.getVersion(c);
  await coolify.getHealth(c);
  await coolify.listServers(c);
  await coolify.getServer(c, e.serverUuid);
  await coolify.listServerDomains(c, e.serverUuid);
  await coolify.listDestinations(c);
  await coolify.listServerDestinations(c, e.serverUuid);
  await coolify.getDestination(c, e.destinationUuid);
  await quiet(coolify.createDestination(c, e.serverUuid, { network: "tenant-net", name: "tenant", type: "standalone" }));
  await quiet(coolify.deleteDestination(c, "nosuchdestination"));
  const { uuid: project } = await coolify.createProject(c, { name: "contract", description: "client request contract" });
  await coolify.listProjects(c);
  await coolify.getProject(c, project);
  await coolify.updateProject(c, project, { name: "contract renamed", description: "renamed" });
  const { uuid: env } = await coolify.createEnvironment(c, project, { name: "staging" });
  await coolify.listEnvironments(c, project);
  await coolify.getEnvironment(c, project, env);
  await coolify.updateEnvironment(c, project, env, { name: "preview", description: "previews" });
  const { uuid: service } = await coolify.createService(c, {
    project_uuid: project, environment_name: "production", server_uuid: e.serverUuid, destination_uuid: e.destinationUuid,
    name: "contract-stack", description: "stack", compose: COMPOSE, instant_deploy: false, force_domain_override: false,
    urls: [{ name: "app", url: "https://contract.example.com:3000" }], is_container_label_escape_enabled: true, tags: ["tenant"],
  });
  await quiet(coolify.createService(c, { project_uuid: project, environment_uuid: env, server_uuid: e.serverUuid, compose: COMPOSE }));
  await coolify.listServices(c);
  await coolify.getService(c, service);
  await coolify.updateService(c, service, {
    name: "contract-stack-2", description: "patched", compose: COMPOSE, instant_deploy: false, connect_to_docker_network: true,
    urls: [{ name: "app", url: "https://contract2.example.com:3000" }], force_domain_override: true, is_container_label_escape_enabled: false,
  });
  const [app] = await coolify.listServiceApplications(c, service);
  await coolify.listServiceDatabases(c, service);
  await coolify.getServiceApplication(c, service, app.uuid);
  await coolify.updateServiceApplication(c, service, app.uuid, {
    url: "https://c3.example.com", noindex_domains: ["https://c3.example.com"], human_name: "App", description: "d", image: "ghcr.io/example/app:1.0.1",
    exclude_from_status: false, is_log_drain_enabled: false, is_gzip_enabled: true, is_stripprefix_enabled: true, is_force_https_enabled: true,
  }, { forceDomainOverride: true });
  await coolify.setServiceApplicationUrls(c, service, app.uuid, ["https://c4.example.com"]);
  await coolify.listServiceEnvs(c, service);
  const row = await coolify.createServiceEnv(c, service, { key: "FEATURE", value: "on", is_literal: true, is_multiline: false, is_shown_once: false, comment: "c" });
  await coolify.updateServiceEnv(c, service, { key: "FEATURE", value: "off", comment: "c2" });
  await coolify.upsertServiceEnvs(c, service, [{ key: "A", value: "1" }, { key: "B", value: "2", is_literal: true, comment: "b" }]);
  await coolify.deleteServiceEnv(c, service, row.uuid);
  await coolify.startService(c, service);
  await quiet(coolify.restartService(c, service, { latest: false }));
  await quiet(coolify.stopService(c, service, { dockerCleanup: true }));
  await coolify.deleteService(c, service, { deleteVolumes: true, deleteConfigurations: true, dockerCleanup: false, deleteConnectedNetworks: true });
  // Still holds the service created by environment_uuid above: a 400, but the request is what matters here.
  await quiet(coolify.deleteEnvironment(c, project, env));
  const { uuid: empty } = await coolify.createProject(c, { name: "contract empty" });
  await coolify.deleteProject(c, empty);
}

describe.skipIf(!spec)("client requests against the published OpenAPI spec", () => {
  let emulator: CoolifyEmulator;
  const sent: SentRequest[] = [];

  beforeAll(async () => {
    emulator = await startCoolifyEmulator({ rateLimitPerMinute: 100_000, lifecycleDelayMs: 20, deleteDelayMs: 20 });
    const conn: CoolifyConnection = { url: emulator.url, token: emulator.token, rateLimitPerMinute: 0, transport: { onRequest: (r) => void sent.push(r) } };
    await exercise(conn, emulator);
  });
  afterAll(() => emulator?.close());

  it("covers every operation the client implements", () => {
    const ops = new Set(sent.map((r) => `${r.method} ${matchPathTemplate(spec as Spec, r.path)}`));
    expect(ops.size).toBe(37);
  });

  it("sends only bodies and queries the spec describes (named exceptions aside)", () => {
    const failures = sent.map((r) => problems(spec as Spec, r)).filter((p) => p.errors.length > 0);
    expect(failures).toEqual([]);
  });

  it("needs each named exception (so a fixed spec shows up here)", () => {
    const raw = sent.map((r) => {
      const template = matchPathTemplate(spec as Spec, r.path) ?? r.path;
      const media = ((operation(spec as Spec, r.method, template).requestBody as Json | undefined)?.content as Json | undefined)?.["application/json"];
      const errors = [...validateRequest(spec as Spec, r.method, template, r.body), ...undocumentedFields(isMap(media) ? media.schema : undefined, r.body)];
      return { op: `${r.method} ${template}`, errors };
    });
    for (const x of SPEC_EXCEPTIONS) {
      expect(raw.some((r) => r.op === x.op && r.errors.some((e) => x.match.test(e))), `${x.op}: ${x.why}`).toBe(true);
    }
  });
});
