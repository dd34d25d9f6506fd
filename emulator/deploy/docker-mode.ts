// Docker mode: the emulator's starts, stops and deletes run on a real Docker engine (engine.ts) behind a real Traefik
// with Coolify's proxy configuration (proxy.ts); container statuses come from the engine (engine-status.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EmulatorStore } from "../model/store";
import { docker, engineAnswers } from "./docker-cli";
import { DockerServiceEngine } from "./engine";
import { startStatusPoller } from "./engine-status";
import { startProxy } from "./proxy";

export interface DockerModeOptions {
  /** The engine: unix:///path/docker.sock. */
  host: string;
  /** The server's /data/coolify: service work dirs and the proxy's files. Default: a new temporary folder. */
  dataDir?: string;
  composeBin?: string;
  traefikBin?: string;
  /** How often container statuses are read from the engine. Default 1000. */
  statusIntervalMs?: number;
  /** `docker stop --time` for stop and delete. Default 30, as Coolify. */
  stopTimeoutSeconds?: number;
  /** On close, remove the service containers and networks (volumes stay) and the proxy. Default true. */
  removeOnClose?: boolean;
}

/** What a docker-mode emulator tells its users (also GET /_emulator/engine). */
export interface DockerModeInfo {
  dockerHost: string;
  dataDir: string;
  proxyHttpUrl: string;
  proxyHttpsUrl: string;
  proxyApiUrl: string;
}

export class DockerModeError extends Error {
  override name = "DockerModeError";
}

export async function startDockerMode(store: EmulatorStore, options: DockerModeOptions): Promise<{ info: DockerModeInfo; close(): Promise<void> }> {
  const conn = { host: options.host, composeBin: options.composeBin };
  if (!(await engineAnswers(conn))) throw new DockerModeError(`no Docker engine answers at ${options.host}`);
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "coolify-emulator-data-"));
  const engine = new DockerServiceEngine({ ...conn, dataDir, stopTimeoutSeconds: options.stopTimeoutSeconds });
  const proxy = await startProxy({ ...conn, dataDir, traefikBin: options.traefikBin });
  store.engine = engine;
  const poller = startStatusPoller(store, options.statusIntervalMs ?? 1000);
  const info: DockerModeInfo = { dockerHost: options.host, dataDir, proxyHttpUrl: proxy.httpUrl, proxyHttpsUrl: proxy.httpsUrl, proxyApiUrl: proxy.apiUrl };
  return {
    info,
    close: async () => {
      await poller.stop();
      if (options.removeOnClose !== false) {
        const uuids = store.services.map((s) => s.uuid);
        const listed = await docker(conn, ["ps", "-a", "--filter", "label=coolify.type=service", "--format", "{{.Names}}"]);
        const names = listed.stdout.split("\n").map((n) => n.trim()).filter(Boolean);
        if (names.length > 0) await docker(conn, ["rm", "-f", ...names]);
        await proxy.stop();
        for (const uuid of uuids) await docker(conn, ["network", "rm", uuid]);
        if (ownDir) rmSync(dataDir, { recursive: true, force: true });
      }
      store.engine = null;
    },
  };
}
