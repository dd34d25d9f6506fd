// The reconciler's HTTP face: POST /reconcile (bearer token, for the Admin Portal), GET /healthz, GET /metrics.
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ServerHandlers {
  token: string;
  /** Queues a run: tenants (slugs or ids) for a targeted one, none for a full one. */
  reconcile(tenants: string[]): void;
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

/** `{ "tenants": ["acme", ...] }` or an empty body; anything else is a 400. */
export function parseReconcileBody(text: string): string[] | { error: string } {
  if (text.trim() === "") return [];
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { error: 'the body must be empty or JSON such as {"tenants": ["acme"]}' };
  }
  const tenants = (body as { tenants?: unknown })?.tenants;
  if (tenants === undefined) return [];
  if (!Array.isArray(tenants) || tenants.length > 1000 || !tenants.every((t) => typeof t === "string" && /^[a-z0-9][a-z0-9-]{0,63}$/.test(t))) {
    return { error: "tenants must be a list of tenant slugs or record ids" };
  }
  return tenants as string[];
}

async function handle(req: IncomingMessage, res: ServerResponse, handlers: ServerHandlers): Promise<void> {
  const path = new URL(req.url ?? "/", "http://reconciler").pathname;
  if (path === "/reconcile") {
    if (req.method !== "POST") return reply(res, 405, { error: "use POST" }, { Allow: "POST" });
    if (!tokenMatches(req.headers.authorization, handlers.token)) {
      return reply(res, 401, { error: "a valid bearer token is required" }, { "WWW-Authenticate": 'Bearer realm="reconciler"' });
    }
    const parsed = parseReconcileBody(await readBody(req));
    if (!Array.isArray(parsed)) return reply(res, 400, parsed);
    handlers.reconcile(parsed);
    return reply(res, 202, { queued: true, scope: parsed.length > 0 ? { tenants: parsed } : "full" });
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
