import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One upstream answer, as the rewrite hook sees and returns it. */
export interface ProxiedResponse {
  status: number;
  contentType: string;
  body: string;
}

export type Rewrite = (request: { method: string; path: string }, response: ProxiedResponse) => ProxiedResponse;

/**
 * A tiny HTTP proxy on 127.0.0.1 in front of a real PocketBase. Every answer passes through
 * `rewrite` (set per test), so a test can truncate a page or turn it into a 500.
 */
export async function startRewritingProxy(upstream: string): Promise<{ url: string; setRewrite(rewrite: Rewrite): void; close(): Promise<void> }> {
  let rewrite: Rewrite = (_request, response) => response;
  const server: Server = createServer((request, reply) => {
    void forward(upstream, request).then(
      (response) => {
        const rewritten = rewrite({ method: request.method ?? "GET", path: request.url ?? "/" }, response);
        reply.writeHead(rewritten.status, { "content-type": rewritten.contentType });
        reply.end(rewritten.body);
      },
      (error: unknown) => {
        reply.writeHead(502, { "content-type": "text/plain" });
        reply.end(`proxy: ${String(error)}`);
      },
    );
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setRewrite(next) {
      rewrite = next;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

async function forward(upstream: string, request: IncomingMessage): Promise<ProxiedResponse> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const headers: Record<string, string> = {};
  for (const name of ["authorization", "content-type"]) {
    const value = request.headers[name];
    if (typeof value === "string") headers[name] = value;
  }
  const method = request.method ?? "GET";
  const response = await fetch(`${upstream}${request.url ?? "/"}`, {
    method,
    headers,
    ...(method === "GET" || method === "HEAD" ? {} : { body: Buffer.concat(chunks) }),
  });
  return { status: response.status, contentType: response.headers.get("content-type") ?? "", body: await response.text() };
}
