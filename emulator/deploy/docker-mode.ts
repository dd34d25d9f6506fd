// Docker mode: the emulator's starts, stops and deletes run on a real Docker engine (engine.ts) behind a real Traefik
// with Coolify's proxy configuration (proxy.ts); container statuses come from the engine (engine-status.ts). One
// engine serves every server, or each server has its own engine with its own coolify-proxy, as each Coolify server
// is a Docker engine of its own; a service's actions then go to the engine of its server.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EmulatorStore } from "../model/store";
import { docker, engineAnswers, engineGet, type DockerConnection } from "./docker-cli";
import { DockerServiceEngine } from "./engine";
import { startStatusPoller } from "./engine-status";
import { startProxy, type RunningProxy } from "./proxy";

export interface DockerModeOptions {
  /** The engine: unix:///path/docker.sock. */
  host: string;
  /** The server's /data/coolify: service work dirs and the proxy's files. Default: a new temporary folder. */
  dataDir?: string;
  composeBin?: string;
  traefikBin?: string;
  /** How often container statuses are read from the engine. Default 1000 (with several engines: the first's). */
  statusIntervalMs?: number;
  /** `docker stop --time` for stop and delete. Default 30, as Coolify. */
  stopTimeoutSeconds?: number;
  /** On close, remove the service containers and networks (volumes stay) and the proxy. Default true. */
  removeOnClose?: boolean;
}

/** What a docker-mode emulator tells its users about an engine (also GET /_emulator/engine). */
export interface DockerModeInfo {
  dockerHost: string;
  dataDir: string;
  proxyHttpUrl: string;
  proxyHttpsUrl: string;
  proxyApiUrl: string;
  /** The engine's cores, as `docker info` reports them (NCPU). */
  cpus: number;
  /** The engine's memory in GiB, as `docker info` reports it (MemTotal / 1024^3). */
  memoryGb: number;
}

export class DockerModeError extends Error {
  override name = "DockerModeError";
}

interface StartedEngine {
  engine: DockerServiceEngine;
  info: DockerModeInfo;
  /** Removes what this engine ran for the given services (containers, their networks) and its proxy. */
  close(serviceUuids: string[]): Promise<void>;
}

async function startEngine(options: DockerModeOptions): Promise<StartedEngine> {
  const conn: DockerConnection = { host: options.host, composeBin: options.composeBin };
  if (!(await engineAnswers(conn))) throw new DockerModeError(`no Docker engine answers at ${options.host}`);
  const size = await engineGet<{ NCPU: number; MemTotal: number }>(conn, "/info");
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "coolify-emulator-data-"));
  let proxy: RunningProxy;
  try {
    proxy = await startProxy({ ...conn, dataDir, traefikBin: options.traefikBin });
  } catch (error) {
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const engine = new DockerServiceEngine({ ...conn, dataDir, stopTimeoutSeconds: options.stopTimeoutSeconds });
  const info: DockerModeInfo = {
    dockerHost: options.host, dataDir, proxyHttpUrl: proxy.httpUrl, proxyHttpsUrl: proxy.httpsUrl, proxyApiUrl: proxy.apiUrl,
    cpus: size.NCPU, memoryGb: Math.round((size.MemTotal / 1024 ** 3) * 100) / 100,
  };
  return {
    engine,
    info,
    close: async (uuids) => {
      if (options.removeOnClose === false) return;
      const listed = await docker(conn, ["ps", "-a", "--filter", "label=coolify.type=service", "--format", "{{.Names}}"]);
      const names = listed.stdout.split("\n").map((n) => n.trim()).filter(Boolean);
      if (names.length > 0) await docker(conn, ["rm", "-f", ...names]);
      await proxy.stop();
      for (const uuid of uuids) await docker(conn, ["network", "rm", uuid]);
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts docker mode: with one engine, every server's services run on it; with a list, the i-th engine is the
 * i-th of `serverIds` (each server's own engine and proxy). `infos` are in the same order.
 */
export async function startDockerMode(store: EmulatorStore, options: DockerModeOptions | DockerModeOptions[], serverIds: number[] = []): Promise<{ infos: DockerModeInfo[]; close(): Promise<void> }> {
  const list = Array.isArray(options) ? options : [options];
  if (list.length === 0) throw new DockerModeError("docker mode needs at least one engine");
  if (Array.isArray(options) && list.length !== serverIds.length) throw new DockerModeError(`${list.length} engines for ${serverIds.length} servers: give each server one engine`);
  const settled = await Promise.allSettled(list.map(startEngine));
  const started = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    await Promise.all(started.map((s) => s.close([]).catch(() => undefined)));
    throw failed.reason;
  }
  if (Array.isArray(options)) started.forEach((s, i) => store.engines.set(serverIds[i], s.engine));
  else store.engine = started[0].engine;
  const poller = startStatusPoller(store, list[0].statusIntervalMs ?? 1000);
  return {
    infos: started.map((s) => s.info),
    close: async () => {
      await poller.stop();
      await Promise.all(started.map((s) => {
        const uuids = store.services.filter((service) => store.engineOf(service) === s.engine).map((service) => service.uuid);
        return s.close(uuids);
      }));
      store.engines.clear();
      store.engine = null;
    },
  };
}
