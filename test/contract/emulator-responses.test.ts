/**
 * Every emulator response for the endpoints the project uses must validate against Coolify's published OpenAPI
 * spec for that status. Where the spec and Coolify's code disagree (notes coolify-api.md §12), the emulator follows
 * the code and the mismatch is listed in SPEC_EXCEPTIONS with its reason. Skips loudly without the spec file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CoolifyEmulator } from "../../emulator/server";
import { b64, call, startEmulator, WEB_COMPOSE, type ApiResult, type CallOptions } from "../emulator/helpers";
import { loadSpec, matchPathTemplate, validateRequest, validateResponse } from "../support/openapi";

interface SpecException {
  /** "METHOD /template" or "*" for every operation. */
  operation: string;
  status?: number;
  /** Matched against one validator message (or the undocumented-status message). */
  error: RegExp;
  reason: string;
}

const SPEC_EXCEPTIONS: SpecException[] = [
  {
    operation: "*", error: /^\/(\d+\/)?(description|deleted_at|service_type|comment|value|real_value|human_name|ports|exposes|fqdn) must be string/,
    reason: "nullable DB columns (service/env/sub-resource) are typed as plain string in the spec; Coolify returns null (§12: partial schemas)",
  },
  {
    operation: "*", error: /^\/(\d+\/)?settings\/wildcard_domain must be string/,
    reason: "server_settings.wildcard_domain is null until set; the spec types it as string",
  },
  {
    operation: "*", status: 422, error: /^\/errors(\/.*)? must be (object|array)/,
    reason: "Coolify's 422 errors come as a list (urls) or a field->string map (docker_compose_raw, destination_uuid) (§4 shapes b, c)",
  },
  {
    operation: "*", status: 403, error: /^status 403 is not documented/,
    reason: "ability, team-role and API-disabled 403s exist on every route but the spec lists 403 only for /enable (§2, §3)",
  },
  {
    operation: "*", status: 429, error: /^status 429 is not documented/,
    reason: "the throttle covers the whole api group; the spec documents 429 on only a few routes (§3)",
  },
  {
    operation: "POST /services", status: 500, error: /^status 500 is not documented/,
    reason: "invalid YAML inside valid base64 is an uncaught exception in Coolify (§7.1 step 6, §11.10)",
  },
  {
    operation: "POST /services", status: 404, error: /^status 404 is not documented/,
    reason: "Project/Environment/Server not found 404s on create are in the code, not in the spec (§7.1 step 5)",
  },
  {
    operation: "POST /services/{uuid}/envs", status: 409, error: /^status 409 is not documented/,
    reason: "an existing key gives 409 'Environment variable already exists.' (§7.6); the spec omits it",
  },
];

interface Exchange {
  method: string;
  path: string;
  result: ApiResult;
}

const spec = loadSpec();

describe.skipIf(!spec)("emulator responses match Coolify's OpenAPI spec (allow-listed exceptions per notes §12)", () => {
  let emu: CoolifyEmulator;
  const ids: Record<string, string> = {};
  const used = new Set<SpecException>();
  beforeAll(async () => {
    emu = await startEmulator({ lifecycleDelayMs: 10, deleteDelayMs: 20 });
  });
  afterAll(() => emu?.close());

  async function exchange(method: string, path: string, body?: unknown, options?: CallOptions): Promise<Exchange> {
    return { method, path, result: await call(emu, method, path, body, options) };
  }

  function unexpected(ex: Exchange): string[] {
    if (!spec) return [];
    const template = matchPathTemplate(spec, ex.path);
    if (!template) return [`no spec path for ${ex.path}`];
    const errors = validateResponse(spec, ex.method, template, ex.result.status, ex.result.body);
    return errors.filter((error) => {
      const exception = SPEC_EXCEPTIONS.find((x) =>
        (x.operation === "*" || x.operation === `${ex.method} ${template}`) &&
        (x.status === undefined || x.status === ex.result.status) && x.error.test(error));
      if (exception) used.add(exception);
      return exception === undefined;
    });
  }

  const steps: Array<[string, number, () => Promise<Exchange>]> = [
    ["GET /version", 200, () => exchange("GET", "/version")],
    ["GET /health", 200, () => exchange("GET", "/health", undefined, { token: null })],
    ["POST /projects", 201, async () => {
      const ex = await exchange("POST", "/projects", { name: "contract", description: "Contract project" });
      ids.project = (ex.result.body as unknown as { uuid: string }).uuid;
      return ex;
    }],
    ["POST /projects unknown field", 422, () => exchange("POST", "/projects", { name: "contract", x: 1 })],
    ["POST /projects invalid JSON", 400, () => exchange("POST", "/projects", undefined, { raw: "{nope" })],
    ["GET /projects", 200, () => exchange("GET", "/projects")],
    ["GET /projects/{uuid}", 200, () => exchange("GET", `/projects/${ids.project}`)],
    ["GET /projects/{uuid} missing", 404, () => exchange("GET", "/projects/missing")],
    ["PATCH /projects/{uuid}", 201, () => exchange("PATCH", `/projects/${ids.project}`, { name: "contract-renamed" })],
    ["GET /projects/{uuid}/environments", 200, () => exchange("GET", `/projects/${ids.project}/environments`)],
    ["POST /projects/{uuid}/environments", 201, () => exchange("POST", `/projects/${ids.project}/environments`, { name: "staging" })],
    ["POST /projects/{uuid}/environments duplicate", 409, () => exchange("POST", `/projects/${ids.project}/environments`, { name: "staging" })],
    ["GET /projects/{uuid}/{env}", 200, () => exchange("GET", `/projects/${ids.project}/production`)],
    ["GET /servers", 200, () => exchange("GET", "/servers")],
    ["GET /servers/{uuid}", 200, () => exchange("GET", `/servers/${emu.serverUuid}`)],
    ["GET /servers/{uuid} missing", 404, () => exchange("GET", "/servers/missing")],
    ["GET /servers/{uuid}/destinations", 200, () => exchange("GET", `/servers/${emu.serverUuid}/destinations`)],
    ["GET /servers/{uuid}/destinations missing", 404, () => exchange("GET", "/servers/missing/destinations")],
    ["GET /destinations", 200, () => exchange("GET", "/destinations")],
    ["GET /destinations/{uuid}", 200, () => exchange("GET", `/destinations/${emu.destinationUuid}`)],
    ["POST /services", 201, async () => {
      const ex = await exchange("POST", "/services", serviceBody({ urls: [{ name: "web", url: "https://contract.example.com" }] }));
      ids.service = (ex.result.body as unknown as { uuid: string }).uuid;
      return ex;
    }],
    ["POST /services bad base64", 422, () => exchange("POST", "/services", serviceBody({ docker_compose_raw: "not base64!" }))],
    ["POST /services bad URL", 422, () => exchange("POST", "/services", serviceBody({ urls: [{ name: "web", url: "ftp://x" }] }))],
    ["POST /services unknown field", 422, () => exchange("POST", "/services", serviceBody({ connect_to_docker_network: true }))],
    ["POST /services conflict", 409, () => exchange("POST", "/services", serviceBody({ urls: [{ name: "web", url: "https://contract.example.com" }] }))],
    ["POST /services missing project", 404, () => exchange("POST", "/services", serviceBody({ project_uuid: "missing" }))],
    ["POST /services invalid YAML", 500, () => exchange("POST", "/services", serviceBody({ docker_compose_raw: b64("a: [b\n c: :") }))],
    ["GET /services", 200, () => exchange("GET", "/services")],
    ["GET /services/{uuid}", 200, () => exchange("GET", `/services/${ids.service}`)],
    ["GET /services/{uuid} missing", 404, () => exchange("GET", "/services/missing")],
    ["PATCH /services/{uuid}", 200, () => exchange("PATCH", `/services/${ids.service}`, { description: "patched" })],
    ["GET /services/{uuid}/applications", 200, async () => {
      const ex = await exchange("GET", `/services/${ids.service}/applications`);
      ids.app = (ex.result.body as unknown as Array<{ uuid: string; name: string }>).find((a) => a.name === "web")?.uuid ?? "";
      return ex;
    }],
    ["PATCH /services/{uuid}/applications/{app_uuid}", 200, () => exchange("PATCH", `/services/${ids.service}/applications/${ids.app}`, { url: "https://contract-2.example.com" })],
    ["POST /services/{uuid}/stop when stopped", 400, () => exchange("POST", `/services/${ids.service}/stop`)],
    ["POST /services/{uuid}/start", 200, () => exchange("POST", `/services/${ids.service}/start`)],
    ["POST /services/{uuid}/restart", 200, () => exchange("POST", `/services/${ids.service}/restart`)],
    ["GET /services/{uuid}/envs", 200, () => exchange("GET", `/services/${ids.service}/envs`)],
    ["POST /services/{uuid}/envs", 201, () => exchange("POST", `/services/${ids.service}/envs`, { key: "CONTRACT", value: "1" })],
    ["POST /services/{uuid}/envs duplicate", 409, () => exchange("POST", `/services/${ids.service}/envs`, { key: "CONTRACT", value: "1" })],
    ["PATCH /services/{uuid}/envs", 201, () => exchange("PATCH", `/services/${ids.service}/envs`, { key: "CONTRACT", value: "2" })],
    ["PATCH /services/{uuid}/envs missing", 404, () => exchange("PATCH", `/services/${ids.service}/envs`, { key: "NOPE", value: "2" })],
    ["PATCH /services/{uuid}/envs/bulk", 201, async () => {
      const ex = await exchange("PATCH", `/services/${ids.service}/envs/bulk`, { data: [{ key: "BULK", value: "b" }] });
      ids.env = (ex.result.body as unknown as Array<{ uuid: string }>)[0].uuid;
      return ex;
    }],
    ["PATCH /services/{uuid}/envs/bulk without data", 400, () => exchange("PATCH", `/services/${ids.service}/envs/bulk`, { other: 1 })],
    ["DELETE /services/{uuid}/envs/{env_uuid}", 200, () => exchange("DELETE", `/services/${ids.service}/envs/${ids.env}`)],
    ["GET /projects unauthenticated", 401, () => exchange("GET", "/projects", undefined, { token: null })],
    ["GET /projects without read", 403, () => exchange("GET", "/projects", undefined, { token: emu.store.addToken({ abilities: ["write"] }) })],
    ["DELETE /projects/{uuid} with resources", 400, () => exchange("DELETE", `/projects/${ids.project}`)],
    ["DELETE /services/{uuid}", 200, () => exchange("DELETE", `/services/${ids.service}`)],
    ["DELETE /projects/{uuid}", 200, async () => {
      await new Promise((resolve) => setTimeout(resolve, 60));
      return exchange("DELETE", `/projects/${ids.project}`);
    }],
    ["GET /version throttled", 429, async () => {
      emu.store.settings.rateLimitPerMinute = 0;
      try {
        return await exchange("GET", "/version");
      } finally {
        emu.store.settings.rateLimitPerMinute = 200;
      }
    }],
  ];

  function serviceBody(extra: Record<string, unknown>) {
    return {
      project_uuid: ids.project, environment_name: "production", server_uuid: emu.serverUuid,
      docker_compose_raw: b64(WEB_COMPOSE), ...extra,
    };
  }

  for (const [name, status, run] of steps) {
    it(`${name} → ${status} validates against the spec`, async () => {
      const ex = await run();
      expect(ex.result.status, ex.result.text).toBe(status);
      expect(unexpected(ex)).toEqual([]);
    });
  }

  it("catches a body that breaks the spec (negative control for the validator)", () => {
    if (!spec) return;
    expect(validateResponse(spec, "GET", "/projects", 200, [{ id: "one", uuid: 5 }])).toHaveLength(2);
    expect(validateResponse(spec, "GET", "/api/v1/services/abc/envs", 418, {})[0]).toMatch(/not documented/);
    // The spec marks both environment fields required; Coolify needs one (§12), so client tests must expect this error.
    expect(validateRequest(spec, "POST", "/services", { project_uuid: "p", server_uuid: "s", environment_name: "production" }))
      .toEqual([expect.stringMatching(/environment_uuid/)]);
    expect(matchPathTemplate(spec, "/api/v1/services/abc/envs/bulk")).toBe("/services/{uuid}/envs/bulk");
  });

  it("uses every allow-listed exception at least once (no stale entries)", () => {
    expect(SPEC_EXCEPTIONS.filter((x) => !used.has(x)).map((x) => x.reason)).toEqual([]);
  });
});

if (!spec) {
  describe("emulator contract tests", () => {
    it.skip("SKIPPED: Coolify OpenAPI spec not found; set COOLIFY_OPENAPI_SPEC", () => undefined);
  });
}
