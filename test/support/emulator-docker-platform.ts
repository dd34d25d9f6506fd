// The platform on a real engine: a private dockerd with the stand-in images (docker-engine.ts), the Coolify emulator
// in docker mode on it (its own coolify-proxy Traefik), a real PocketBase with the demo tenants, and this repository's
// program as a Pulumi project. No vitest here, so scripts can load it too.
import { request as httpsRequest } from "node:https";
import { request as httpRequest } from "node:http";
import { startCoolifyEmulator, type CoolifyEmulator, type DockerModeInfo } from "../../emulator/server";
import { startPocketBase, type PocketBaseInstance } from "../../pocketbase/local-server";
import { ensureDockerIsolation, startDockerEngine, type DockerEngine } from "./docker-engine";
import { AI_ROUTER_KEY } from "./platform";
import { createProgram, repoRoot, type TestProgram } from "./pulumi";

export const DOCKER_BASE_DOMAIN = "agents.localhost";

export interface DockerPlatform {
  engine: DockerEngine;
  pocketbase: PocketBaseInstance;
  coolify: CoolifyEmulator;
  docker: DockerModeInfo;
  program: TestProgram;
  dispose(): Promise<void>;
}

export async function startDockerPlatform(config: Record<string, string> = {}): Promise<DockerPlatform> {
  const engine = await startDockerEngine();
  const cleanups: Array<() => Promise<void>> = [() => engine.stop()];
  const dispose = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const pocketbase = await startPocketBase({ seed: true });
    cleanups.push(() => pocketbase.stop());
    const coolify = await startCoolifyEmulator({
      lifecycleDelayMs: 30, deleteDelayMs: 100,
      docker: { host: engine.host, statusIntervalMs: 500, stopTimeoutSeconds: 5 },
    });
    cleanups.push(() => coolify.close());
    const program = await createProgram({
      project: "cloudfreedom-agents",
      source: `module.exports = require(${JSON.stringify(`${repoRoot}/index.ts`)});\n`,
      config: {
        coolifyUrl: coolify.url,
        coolifyServerUuid: coolify.serverUuid,
        baseDomain: DOCKER_BASE_DOMAIN,
        pocketbaseUrl: pocketbase.url,
        pocketbaseEmail: pocketbase.email,
        aiRouterUrl: "https://ai-router.invalid/v1",
        healthTimeoutSeconds: "300",
        coolifyPollIntervalMs: "250",
        coolifyDeleteTimeoutSeconds: "120",
        allowDraftTemplates: "true",
        teardownGraceDays: "0",
        ...config,
      },
      secrets: { coolifyToken: coolify.token, pocketbasePassword: pocketbase.password, aiRouterKey: AI_ROUTER_KEY },
    });
    cleanups.push(async () => program.dispose());
    return { engine, pocketbase, coolify, docker: coolify.docker!, program, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

export interface ProxyAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request through the proxy's http or https entrypoint for a host, as `curl --resolve host:port:127.0.0.1` does. */
export function throughProxy(entrypointUrl: string, host: string, path = "/", headers: Record<string, string> = {}): Promise<ProxyAnswer> {
  const url = new URL(entrypointUrl);
  const https = url.protocol === "https:";
  return new Promise((resolve, reject) => {
    const options = {
      host: "127.0.0.1", port: Number(url.port), path, method: "GET", headers: { Host: host, ...headers }, timeout: 15_000,
      ...(https ? { servername: host, rejectUnauthorized: false } : {}),
    };
    const req = (https ? httpsRequest : httpRequest)(options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("timeout", () => req.destroy(new Error(`${entrypointUrl} for ${host}: timed out`)));
    req.on("error", reject);
    req.end();
  });
}

/** The exact curl line that reaches a host through the proxy's https entrypoint on this machine. */
export function curlLine(httpsUrl: string, host: string, path = "/"): string {
  const port = new URL(httpsUrl).port;
  return `curl -k --resolve ${host}:${port}:127.0.0.1 https://${host}:${port}${path}`;
}

/**
 * Re-adds Docker's isolation rules that a later dockerd start flushed, for every live engine on the host (this one
 * included), and keeps them in the harness's own chains: ensureDockerIsolation() in docker-engine.ts, which every
 * engine start already runs. Call it right before measuring isolation. Returns the bridges whose rules were missing
 * from Docker's chains (empty when no other engine interfered since).
 */
export async function restoreDockerIsolation(engine: DockerEngine): Promise<string[]> {
  const { bridges, restored } = await ensureDockerIsolation();
  if (!bridges.includes(engine.bridge.name)) throw new Error(`isolation: engine ${engine.bridge.name} is not among the live engines (${bridges.join(", ")})`);
  return restored;
}
