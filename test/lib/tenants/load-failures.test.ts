import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTenants } from "../../../lib/tenants/load";
import { startPocketBase, type PocketBaseInstance } from "../../../pocketbase/local-server";
import { expectSourceError } from "./expect-source-error";

let server: PocketBaseInstance;

beforeAll(async () => {
  server = await startPocketBase({ seed: true });
});

afterAll(async () => {
  await server?.stop();
});

/** A TCP server that accepts connections and never answers. */
async function startSilentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const silent: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((done) => silent.listen(0, "127.0.0.1", done));
  const { port } = silent.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((done) => silent.close(() => done()));
    },
  };
}

describe("loadTenants when PocketBase or its credentials fail", () => {
  it("loads the three demo tenants when everything is in order", async () => {
    const tenants = await loadTenants(server);
    expect(tenants.map((tenant) => [tenant.slug, tenant.template, tenant.plan.name])).toEqual([
      ["acme", "llm-stack", "pro"],
      ["bolt", "openclaw", "starter"],
      ["chirp", "telegram-bot", "business"],
    ]);
  });

  it("fails with auth on a wrong password, and shows neither password", async () => {
    const wrong = `wrong-${server.password.slice(3)}`;
    const error = await expectSourceError(loadTenants({ ...server, password: wrong }), "auth", [wrong, server.password]);
    expect(error.message).toContain(server.email);
    expect(error.message).toContain("pocketbase superuser upsert");
  });

  it("fails with auth on an unknown superuser email", async () => {
    await expectSourceError(loadTenants({ ...server, email: "nobody@cloudfreedom.test" }), "auth", [server.password]);
  });

  it("refuses a URL carrying credentials without echoing them", async () => {
    const url = server.url.replace("http://", `http://user:${encodeURIComponent(server.password)}@`);
    const error = await expectSourceError(loadTenants({ ...server, url }), "unreachable", [server.password, encodeURIComponent(server.password)]);
    expect(error.message).toContain("without user info");
  });

  it("refuses a URL that is not http(s)", async () => {
    await expectSourceError(loadTenants({ ...server, url: "not a url" }), "unreachable", [server.password]);
  });

  it("fails with unreachable when nothing listens on the port", async () => {
    const silent = await startSilentServer();
    const closedUrl = silent.url;
    await silent.close();
    await expectSourceError(loadTenants({ ...server, url: closedUrl }), "unreachable", [server.password]);
  });

  it("fails with unreachable when PocketBase accepts the connection but never answers", async () => {
    const silent = await startSilentServer();
    try {
      const error = await expectSourceError(loadTenants({ ...server, url: silent.url, timeoutMs: 300 }), "unreachable", [server.password]);
      expect(error.message).toMatch(/timeout|aborted/i);
    } finally {
      await silent.close();
    }
  });

  it("fails with unreachable while PocketBase is stopped, and loads again after a restart", async () => {
    await server.stop();
    try {
      const error = await expectSourceError(loadTenants(server), "unreachable", [server.password]);
      expect(error.message).toContain(server.url);
      expect(error.message).toContain("/api/health");
    } finally {
      await server.restart();
    }
    expect(await loadTenants(server)).toHaveLength(3);
  });
});
