// The reconciler's HTTP face: POST /reconcile (bearer token, for the Admin Portal), GET /healthz, GET /metrics.
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RunAllow } from "./queue";

export interface ServerHandlers {
  token: string;
  /**
   * Queues a run: tenants (slugs or ids) for a targeted one, none for a full one; `allow` for that one run only.
   * Answers an error (409) when it cannot be queued.
   */
  reconcile(tenants: string[], allow?: RunAllow): { error: string } | undefined;
  health(): Promise<{ healthy: boolean; body: Record<string, unknown> }>;
  metrics(): Promise<{ contentType: string; body: string }>;
}

export interface HttpServer {
  url: string;
  close(): Promise<void>;
}

const BODY_MAX = 64 * 1024;

/** Compares in constant time: both sides are hashed first, so neither length nor content leaks through timing. */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/.exec(header ?? "")?.[1] ?? "";
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(presented), digest(token)) && presented.length > 0;
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : `${JSON.stringify(body)}\n`;
  res.writeHead(status, { "Content-Type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json", ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_MAX) req.destroy(new Error("body too large"));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export interface ReconcileBody {
  tenants: string[];
  allow?: RunAllow;
}

const SLUG = /^[a-z0-9][a-z0-9-]{0,63}$/;
const STACK = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** `{"teardown": [...], "replace": [...], "claimFrom": "<org>/<project>/<stack>", "deleteVolumes": true|false}`. */
function parseAllow(value: unknown): RunAllow | { error: string } {
  const fix = 'allow must be an object such as {"teardown": ["acme"]} with teardown and replace (tenant slugs or "*"), claimFrom ("<organisation>/<project>/<stack>") and deleteVolumes (true or false)';
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { error: fix };
  const { teardown = [], replace = [], claimFrom, deleteVolumes, ...rest } = value as Record<string, unknown>;
  const slugs = (list: unknown) => Array.isArray(list) && list.length <= 1000 && list.every((s) => typeof s === "string" && (s === "*" || SLUG.test(s)));
  if (Object.keys(rest).length > 0 || !slugs(teardown) || !slugs(replace)) return { error: fix };
  if (claimFrom !== undefined && !(typeof claimFrom === "string" && STACK.test(claimFrom))) return { error: fix };
  if (deleteVolumes !== undefined && typeof deleteVolumes !== "boolean") return { error: fix };
  const allow: RunAllow = { teardown: teardown as string[], replace: replace as string[], ...(claimFrom ? { claimFrom: claimFrom as string } : {}), ...(deleteVolumes !== undefined ? { deleteVolumes } : {}) };
  if (allow.teardown.length + allow.replace.length === 0 && allow.claimFrom === undefined && allow.deleteVolumes === undefined) return { error: `allow is empty: ${fix}` };
  return allow;
}

/** `{ "tenants": ["acme", ...], "allow": {...} }` (both optional) or an empty body; anything else is a 400. */
export function parseReconcileBody(text: string): ReconcileBody | { error: string } {
  if (text.trim() === "") return { tenants: [] };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { error: 'the body must be empty or JSON such as {"tenants": ["acme"]}' };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return { error: 'the body must be empty or JSON such as {"tenants": ["acme"]}' };
  const { tenants = [], allow } = body as { tenants?: unknown; allow?: unknown };
  if (!Array.isArray(tenants) || tenants.length > 1000 || !tenants.every((t) => typeof t === "string" && SLUG.test(t))) {
    return { error: "tenants must be a list of tenant slugs or record ids" };
  }
  if (allow === undefined) return { tenants: tenants as string[] };
  const parsed = parseAllow(allow);
  return "error" in parsed ? parsed : { tenants: tenants as string[], allow: parsed };
}

async function handle(req: IncomingMessage, res: ServerResponse, handlers: ServerHandlers): Promise<void> {
  const path = new URL(req.url ?? "/", "http://reconciler").pathname;
  if (path === "/reconcile") {
    if (req.method !== "POST") return reply(res, 405, { error: "use POST" }, { Allow: "POST" });
    if (!tokenMatches(req.headers.authorization, handlers.token)) {
      return reply(res, 401, { error: "a valid bearer token is required" }, { "WWW-Authenticate": 'Bearer realm="reconciler"' });
    }
    const parsed = parseReconcileBody(await readBody(req));
    if ("error" in parsed) return reply(res, 400, parsed);
    const refused = handlers.reconcile(parsed.tenants, parsed.allow);
    if (refused) return reply(res, 409, refused);
    return reply(res, 202, { queued: true, scope: parsed.tenants.length > 0 ? { tenants: parsed.tenants } : "full", ...(parsed.allow ? { allow: parsed.allow } : {}) });
  }
  if (req.method !== "GET") return reply(res, 405, { error: "use GET" }, { Allow: "GET" });
  if (path === "/healthz") {
    const { healthy, body } = await handlers.health();
    return reply(res, healthy ? 200 : 503, body);
  }
  if (path === "/metrics") {
    const { contentType, body } = await handlers.metrics();
    return reply(res, 200, body, { "Content-Type": contentType });
  }
  return reply(res, 404, { error: "not found; routes: POST /reconcile, GET /healthz, GET /metrics" });
}

export function startServer(handlers: ServerHandlers, port: number, host: string): Promise<HttpServer> {
  const server: Server = createServer((req, res) => {
    handle(req, res, handlers).catch(() => {
      if (!res.headersSent) reply(res, 500, { error: "internal error" });
      else res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address() as AddressInfo;
      const shown = host.includes(":") ? `[${host}]` : host;
      resolve({
        url: `http://${shown === "0.0.0.0" ? "127.0.0.1" : shown}:${bound}`,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}
