// Coolify's service actions on a real Docker engine (docker mode), as its StartService, StopService and
// DeleteResourceJob run them on a server (coolify-api.md §7.4, §7.5; ingress.md §2):
// start: write docker-compose.yml and .env into the service's work dir, `docker network create --attachable <uuid>`,
//        `docker compose --project-name <uuid> up -d --remove-orphans --force-recreate --build`,
//        `docker network connect <uuid> coolify-proxy`, and with connect_to_docker_network each container joins the
//        destination network as `<svc>-<uuid>`;
// stop:  `docker stop` and `docker rm -f` of each container (volumes and network stay);
// delete: stop, then `docker volume rm` (delete_volumes), disconnect the proxy and `docker network rm`
//        (delete_connected_networks), remove the work dir (delete_configurations).
// Coolify also runs `docker compose pull` first; no image registry is reachable here, so the images must be local.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EngineRun, EngineStep } from "../model/deployment";
import type { EngineContainer, ServiceEngine } from "../model/engine";
import { timestamp } from "../model/ids";
import type { DeleteFlags, ServiceRecord } from "../model/records";
import { compose, docker, engineGet, type CommandResult, type DockerConnection } from "./docker-cli";

/** The proxy container's name on a Coolify server. */
export const PROXY_CONTAINER = "coolify-proxy";

export interface DockerEngineOptions extends DockerConnection {
  /** Where each service's work dir `services/<uuid>` goes (Coolify: /data/coolify). */
  dataDir: string;
  /** Seconds `docker stop` waits before killing (Coolify: 30). */
  stopTimeoutSeconds?: number;
  /** The server's destination network, joined with connect_to_docker_network (default `coolify`). */
  destinationNetwork?: string;
}

function tail(text: string, bytes = 8192): string {
  const trimmed = text.trim();
  return trimmed.length > bytes ? `…${trimmed.slice(-bytes)}` : trimmed;
}

interface ListedContainer {
  Names: string[];
  State: string;
  Status: string;
  Labels: Record<string, string>;
}

/** Health as `docker ps` shows it in Status: "Up 5 seconds (healthy)", "(unhealthy)", "(health: starting)". */
export function healthFromStatus(status: string): string | null {
  if (/\(healthy\)/.test(status)) return "healthy";
  if (/\(unhealthy\)/.test(status)) return "unhealthy";
  if (/\(health: starting\)/.test(status)) return "starting";
  return null;
}

export class DockerServiceEngine implements ServiceEngine {
  readonly dockerHost: string;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly options: DockerEngineOptions) {
    this.dockerHost = options.host;
  }

  /** The service's work dir, as Coolify's /data/coolify/services/<uuid>. */
  workdir(uuid: string): string {
    return join(this.options.dataDir, "services", uuid);
  }

  start(service: ServiceRecord, files: { composeYaml: string; envText: string }): Promise<EngineRun> {
    return this.serial(service.uuid, async () => {
      const run = new Run("start");
      const dir = this.workdir(service.uuid);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "docker-compose.yml"), files.composeYaml, { mode: 0o600 });
      writeFileSync(join(dir, ".env"), files.envText, { mode: 0o600 });
      const uuid = service.uuid;
      const inspect = await docker(this.options, ["network", "inspect", uuid]);
      if (inspect.exitCode !== 0) {
        const created = run.record(`docker network create --attachable ${uuid}`, await docker(this.options, ["network", "create", "--attachable", uuid]));
        if (created.exitCode !== 0) return run.fail(created);
      }
      const upArgs = ["--project-name", uuid, "up", "-d", "--remove-orphans", "--force-recreate", "--build"];
      const up = run.record(`docker compose ${upArgs.join(" ")}`, await compose(this.options, upArgs, { cwd: dir }));
      if (up.exitCode !== 0) return run.fail(up);
      // `|| true` in Coolify: the proxy may already be on the network.
      run.record(`docker network connect ${uuid} ${PROXY_CONTAINER}`, await docker(this.options, ["network", "connect", uuid, PROXY_CONTAINER]));
      if (service.connectToDockerNetwork) {
        // Each container also joins the destination network as <svc>-<uuid> (`|| true` as well).
        for (const row of [...service.applications, ...service.databases]) {
          const name = `${row.name}-${uuid}`;
          const args = ["network", "connect", "--alias", name, this.options.destinationNetwork ?? "coolify", name];
          run.record(`docker ${args.join(" ")}`, await docker(this.options, args));
        }
      }
      return run.done();
    });
  }

  stop(service: ServiceRecord): Promise<EngineRun> {
    return this.serial(service.uuid, async () => {
      const run = new Run("stop");
      await this.stopContainers(service.uuid, run);
      return run.done();
    });
  }

  remove(service: ServiceRecord, flags: DeleteFlags): Promise<EngineRun> {
    return this.serial(service.uuid, async () => {
      const run = new Run("delete");
      const uuid = service.uuid;
      await this.stopContainers(uuid, run);
      if (flags.deleteVolumes) {
        const listed = await docker(this.options, ["volume", "ls", "-q", "--filter", `label=com.docker.compose.project=${uuid}`]);
        const volumes = listed.stdout.split("\n").map((v) => v.trim()).filter(Boolean);
        if (volumes.length > 0) run.record(`docker volume rm -f ${volumes.join(" ")}`, await docker(this.options, ["volume", "rm", "-f", ...volumes]));
      }
      if (flags.deleteConnectedNetworks) {
        run.record(`docker network disconnect ${uuid} ${PROXY_CONTAINER}`, await docker(this.options, ["network", "disconnect", uuid, PROXY_CONTAINER]));
        run.record(`docker network rm ${uuid}`, await docker(this.options, ["network", "rm", uuid]));
      }
      if (flags.deleteConfigurations) rmSync(this.workdir(uuid), { recursive: true, force: true });
      return run.done();
    });
  }

  async containers(): Promise<EngineContainer[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: ["coolify.type=service"] }));
    const listed = await engineGet<ListedContainer[]>(this.options, `/containers/json?all=1&filters=${filters}`);
    return listed.map((c) => ({
      project: c.Labels["com.docker.compose.project"] ?? "",
      service: c.Labels["com.docker.compose.service"] ?? "",
      name: (c.Names[0] ?? "").replace(/^\//, ""),
      state: c.State,
      health: healthFromStatus(c.Status),
    }));
  }

  private async stopContainers(uuid: string, run: Run): Promise<void> {
    const listed = await docker(this.options, ["ps", "-a", "--filter", `label=com.docker.compose.project=${uuid}`, "--format", "{{.Names}}"]);
    const names = listed.stdout.split("\n").map((n) => n.trim()).filter(Boolean);
    if (names.length === 0) return;
    const timeout = String(this.options.stopTimeoutSeconds ?? 30);
    run.record(`docker stop --time=${timeout} ${names.join(" ")}`, await docker(this.options, ["stop", `--time=${timeout}`, ...names]));
    run.record(`docker rm -f ${names.join(" ")}`, await docker(this.options, ["rm", "-f", ...names]));
  }

  /** One action at a time per service, in the order they were asked for (Coolify's queue does the same per job). */
  private serial<T>(uuid: string, job: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(uuid) ?? Promise.resolve();
    const next = previous.then(job, job);
    this.queues.set(uuid, next.catch(() => undefined));
    return next;
  }
}

class Run {
  private readonly steps: EngineStep[] = [];
  private readonly at = timestamp();

  constructor(private readonly action: EngineRun["action"]) {}

  record(command: string, result: CommandResult): CommandResult {
    this.steps.push({ command, exitCode: result.exitCode, output: tail(`${result.stdout}\n${result.stderr}`) });
    return result;
  }

  fail(result: CommandResult): EngineRun {
    return { action: this.action, at: this.at, ok: false, steps: this.steps, error: tail(result.stderr || result.stdout) };
  }

  done(): EngineRun {
    return { action: this.action, at: this.at, ok: true, steps: this.steps };
  }
}
