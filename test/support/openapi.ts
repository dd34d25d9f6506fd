/**
 * OpenAPI contract support: loads Coolify's published spec (OpenAPI 3.1, JSON Schema 2020-12) and validates request
 * and response bodies against it with Ajv. Used by the emulator contract tests and by the client's request tests.
 *
 * The spec is read at call time from `COOLIFY_OPENAPI_SPEC`, default `../shared/reference/coolify-openapi.yaml`
 * relative to the repository root. It is never copied into the repo.
 *
 * Stable API:
 * - `loadSpec()`: the parsed spec, or null (with a loud console.warn) when the file is missing.
 * - `matchPathTemplate(spec, path)`: `/api/v1/services/abc/envs` → `/services/{uuid}/envs` (null when unknown).
 * - `validateResponse(spec, method, pathTemplate, status, body)`: errors, empty when valid.
 * - `validateRequest(spec, method, pathTemplate, body)`: errors, empty when valid.
 * `pathTemplate` may also be a concrete path (with or without `/api/v1`); it is matched to a template first.
 *
 * Two readings of the spec, both deliberate: `nullable: true` (an OpenAPI 3.0 keyword the generator still emits) is
 * honoured by adding "null" to the type; an undocumented status is an error, not a pass.
 */
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { load } from "js-yaml";

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type JsonMap = { [key: string]: JsonValue };

export interface Spec {
  file: string;
  document: JsonMap;
  /** Path templates relative to the API base (`/api/v1`), as written in the spec. */
  templates: string[];
  ajv: Ajv2020;
}

const SPEC_ID = "https://coolify.spec.local/openapi.json";
const API_PREFIX = "/api/v1";
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

export function specFile(): string {
  const fromEnv = process.env.COOLIFY_OPENAPI_SPEC;
  const root = resolve(__dirname, "..", "..");
  return resolve(root, fromEnv && fromEnv.trim() !== "" ? fromEnv : "../shared/reference/coolify-openapi.yaml");
}

function isMap(value: JsonValue | undefined): value is JsonMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Turns `nullable: true` into a "null" type member, in place. */
function honourNullable(node: JsonValue): void {
  if (Array.isArray(node)) return node.forEach(honourNullable);
  if (!isMap(node)) return;
  if (node.nullable === true) {
    if (typeof node.type === "string") node.type = [node.type, "null"];
    else if (Array.isArray(node.type) && !node.type.includes("null")) node.type.push("null");
    if (Array.isArray(node.enum) && !node.enum.includes(null)) node.enum.push(null);
  }
  delete node.nullable;
  Object.values(node).forEach(honourNullable);
}

const cache = new Map<string, Spec>();

export function loadSpec(): Spec | null {
  const file = specFile();
  const cached = cache.get(file);
  if (cached) return cached;
  if (!existsSync(file)) {
    console.warn(
      `\n!!! Coolify OpenAPI spec not found at ${file}.\n!!! Contract tests are SKIPPED. Set COOLIFY_OPENAPI_SPEC to the spec file.\n`,
    );
    return null;
  }
  const document = load(readFileSync(file, "utf8")) as JsonMap;
  honourNullable(document);
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema({ ...document, $id: SPEC_ID } as object);
  const paths = isMap(document.paths) ? document.paths : {};
  const spec: Spec = { file, document, templates: Object.keys(paths), ajv };
  cache.set(file, spec);
  return spec;
}

function specificity(template: string): number[] {
  return template.split("/").map((segment) => (segment.startsWith("{") ? 0 : 1));
}

/** Matches a concrete path to a spec template; literal segments beat parameters (`/envs/bulk` over `/envs/{env_uuid}`). */
export function matchPathTemplate(spec: Spec, path: string): string | null {
  const bare = path.split("?")[0].replace(/\/+$/, "");
  const relative = bare.startsWith(API_PREFIX) ? bare.slice(API_PREFIX.length) || "/" : bare;
  if (spec.templates.includes(relative)) return relative;
  const got = relative.split("/");
  const candidates = spec.templates.filter((template) => {
    const want = template.split("/");
    return want.length === got.length && want.every((seg, i) => seg.startsWith("{") || seg === got[i]);
  });
  candidates.sort((a, b) => {
    const [sa, sb] = [specificity(a), specificity(b)];
    for (let i = 0; i < sa.length; i++) if (sa[i] !== sb[i]) return sb[i] - sa[i];
    return 0;
  });
  return candidates[0] ?? null;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

function at(document: JsonMap, pointer: string): JsonValue | undefined {
  let node: JsonValue | undefined = document;
  for (const raw of pointer.replace(/^#\//, "").split("/")) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    node = isMap(node) ? node[segment] : undefined;
  }
  return node;
}

/** Follows a `$ref` on a response or request-body object; returns the object and its JSON pointer. */
function follow(spec: Spec, pointer: string): { node: JsonMap; pointer: string } | null {
  let current = pointer;
  for (let hops = 0; hops < 5; hops++) {
    const node = at(spec.document, current);
    if (!isMap(node)) return null;
    if (typeof node.$ref !== "string") return { node, pointer: current };
    current = node.$ref;
  }
  return null;
}

function operationPointer(spec: Spec, method: string, pathTemplate: string): { pointer: string; template: string } | string {
  const template = spec.templates.includes(pathTemplate) ? pathTemplate : matchPathTemplate(spec, pathTemplate);
  const verb = method.toLowerCase();
  if (!template || !METHODS.includes(verb)) return `no path ${pathTemplate} in the spec`;
  const pointer = `#/paths/${escapePointer(template)}/${verb}`;
  return isMap(at(spec.document, pointer)) ? { pointer, template } : `no operation ${method.toUpperCase()} ${template} in the spec`;
}

function runSchema(spec: Spec, schemaPointer: string, body: unknown): string[] {
  const validate = spec.ajv.getSchema(`${SPEC_ID}${schemaPointer}`);
  if (!validate) return [`cannot compile schema at ${schemaPointer}`];
  if (validate(body)) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"} (${e.keyword}${e.params ? ` ${JSON.stringify(e.params)}` : ""})`,
  );
}

function mediaSchemaPointer(content: JsonValue | undefined, pointer: string, body: unknown): string | null {
  if (!isMap(content)) return null;
  const types = Object.keys(content);
  const textual = types.find((t) => t.startsWith("text/"));
  const json = types.find((t) => t.includes("json"));
  const chosen = typeof body === "string" && textual ? textual : json ?? textual ?? types[0];
  if (!chosen || !isMap(content[chosen]) || !("schema" in content[chosen])) return null;
  return `${pointer}/content/${escapePointer(chosen)}/schema`;
}

/** Validates a response body against the spec; an undocumented status is reported as an error. */
export function validateResponse(spec: Spec, method: string, pathTemplate: string, status: number, body: unknown): string[] {
  const op = operationPointer(spec, method, pathTemplate);
  if (typeof op === "string") return [op];
  const responses = at(spec.document, `${op.pointer}/responses`);
  const key = isMap(responses)
    ? [String(status), `${String(status)[0]}XX`, "default"].find((k) => k in responses)
    : undefined;
  if (!key) return [`status ${status} is not documented for ${method.toUpperCase()} ${op.template}`];
  const response = follow(spec, `${op.pointer}/responses/${key}`);
  if (!response) return [`cannot resolve response ${key} of ${method.toUpperCase()} ${op.template}`];
  const schemaPointer = mediaSchemaPointer(response.node.content, response.pointer, body);
  return schemaPointer ? runSchema(spec, schemaPointer, body) : [];
}

/** Validates a JSON request body against the operation's requestBody schema. */
export function validateRequest(spec: Spec, method: string, pathTemplate: string, body: unknown): string[] {
  const op = operationPointer(spec, method, pathTemplate);
  if (typeof op === "string") return [op];
  const requestBody = follow(spec, `${op.pointer}/requestBody`);
  if (!requestBody) {
    return body === undefined ? [] : [`${method.toUpperCase()} ${op.template} documents no request body`];
  }
  if (body === undefined) return requestBody.node.required === true ? ["request body is required"] : [];
  const schemaPointer = mediaSchemaPointer(requestBody.node.content, requestBody.pointer, body);
  return schemaPointer ? runSchema(spec, schemaPointer, body) : [];
}
