// The platform on a real engine: a private dockerd with the stand-in images (docker-engine.ts), the Coolify emulator
// in docker mode on it (its own coolify-proxy Traefik), a real PocketBase with the demo tenants, and this repository's
// program as a Pulumi project. No vitest here, so scripts can load it too.
import { request as httpsRequest } from "node:https";
import { request as httpRequest } from "node:http";
import { startCoolifyEmulator, type CoolifyEmulator, type DockerModeInfo } from "../../emulator/server";
import { startPocketBase, type PocketBaseInstance } from "../../pocketbase/local-server";
import { runCommand, startDockerEngine, type DockerEngine } from "./docker-engine";
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

async function iptables(args: string[]): Promise<{ code: number; stdout: string }> {
  const r = await runCommand("iptables", args, { allowFailure: true });
  return { code: r.code, stdout: r.stdout };
}

/**
 * dockerd flushes the host-wide DOCKER-ISOLATION-STAGE-1/2 chains when it starts, so a test engine started after this
 * one (docker-engine.ts runs engines side by side, one per test file) removes this engine's isolation rules, and
 * its tenant networks reach each other. Re-adds, in the form Docker 20.10 writes them when it creates a bridge
 * network, the two rules of each of this engine's bridges that are missing, and the FORWARD jump ahead of them.
 * Returns the bridges it restored (empty when no other engine interfered).
 */
export async function restoreDockerIsolation(engine: DockerEngine): Promise<string[]> {
  const listed = await engine.docker(["network", "ls", "--filter", "driver=bridge", "-q"]);
  const ids = listed.stdout.split("\n").map((l) => l.trim()).filter(Boolean);
  const restored: string[] = [];
  for (const id of ids) {
    const inspected = await engine.docker(["network", "inspect", id, "--format", '{{.Id}} {{or (index .Options "com.docker.network.bridge.name") ""}}']);
    const [fullId, named] = inspected.stdout.trim().split(" ");
    const bridge = named && !named.startsWith("<no") ? named : `br-${fullId.slice(0, 12)}`;
    const stage1 = ["DOCKER-ISOLATION-STAGE-1", "-i", bridge, "!", "-o", bridge, "-j", "DOCKER-ISOLATION-STAGE-2"];
    const stage2 = ["DOCKER-ISOLATION-STAGE-2", "-o", bridge, "-j", "DROP"];
    let touched = false;
    for (const rule of [stage1, stage2]) {
      if ((await iptables(["-C", ...rule])).code !== 0) {
        await iptables(["-I", ...rule]);
        touched = true;
      }
    }
    if (touched) restored.push(bridge);
  }
  const forward = (await iptables(["-S", "FORWARD"])).stdout.split("\n");
  const jump = forward.findIndex((l) => l === "-A FORWARD -j DOCKER-ISOLATION-STAGE-1");
  const firstAccept = forward.findIndex((l) => / -j ACCEPT$/.test(l) && /-i |-o /.test(l));
  if (jump < 0 || (firstAccept >= 0 && jump > firstAccept)) await iptables(["-I", "FORWARD", "-j", "DOCKER-ISOLATION-STAGE-1"]);
  return restored;
}
