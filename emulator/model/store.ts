import type { EngineRun } from "./deployment";
import type { ServiceEngine } from "./engine";
import { randomAlnum, newUuid, timestamp } from "./ids";
import type {
  Ability, DestinationRecord, EnvironmentRecord, ProjectRecord, ServerRecord, ServiceRecord, TeamRole, TokenRecord,
  VolumeRecord, DeleteFlags,
} from "./records";

export interface StoreSettings {
  lifecycleDelayMs: number;
  deleteDelayMs: number;
  rateLimitPerMinute: number;
  apiEnabled: boolean;
  /** What GET /api/v1/version answers; default COOLIFY_VERSION (emulator/instance.ts). */
  coolifyVersion?: string;
}

export interface AddTokenOptions {
  /** Team the token was made in; null reproduces a token with no team (401 "Invalid token."). Default 0 (root team). */
  team?: number | null;
  abilities?: Ability[];
  /** The user's role in that team; elevated abilities need owner/admin (notes §2). Default "owner". */
  role?: TeamRole;
  /** Tokens of one user share a rate-limit bucket (notes §3). Default: a fresh user per token. */
  userId?: number;
  expired?: boolean;
  userInTeam?: boolean;
  /** Exact bearer text to accept; default `<id>|<40 random>` like Sanctum. */
  token?: string;
}

export interface AddServerOptions {
  team?: number;
  name?: string;
  ip?: string;
  wildcardDomain?: string | null;
  isBuildServer?: boolean;
}

export interface DeletionLogEntry {
  uuid: string;
  name: string;
  flags: DeleteFlags;
  completedAt: number;
  /** Docker mode: what the engine did. */
  engine?: EngineRun;
}

/** All emulator state. Tests use the seed helpers to simulate changes made in Coolify's UI. */
export class EmulatorStore {
  readonly tokens: TokenRecord[] = [];
  readonly projects: ProjectRecord[] = [];
  readonly environments: EnvironmentRecord[] = [];
  readonly servers: ServerRecord[] = [];
  readonly destinations: DestinationRecord[] = [];
  /** Includes soft-deleted services (deletedAt set); the API never shows those. */
  readonly services: ServiceRecord[] = [];
  /** Docker volumes made by services; a delete with delete_volumes=false leaves them with removed=false. */
  readonly volumes: VolumeRecord[] = [];
  readonly deletions: DeletionLogEntry[] = [];
  /** Docker mode, one engine per server: server id -> the engine its services' starts, stops and deletes run on,
   * and their container statuses come from. Empty in pure mode and with one engine for every server. */
  readonly engines = new Map<number, ServiceEngine>();
  /** Docker mode with one engine for every server: the engine of a server that has none of its own. Null: pure mode. */
  engine: ServiceEngine | null = null;
  /** The instance's own fqdn, part of the domain conflict scope (notes §7.7). */
  instanceFqdn: string | null = null;
  private lastId = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(readonly settings: StoreSettings) {}

  /** The engine of the service's server (docker mode), or null in pure mode. */
  engineOf(service: ServiceRecord): ServiceEngine | null {
    return this.engines.get(service.serverId) ?? this.engine;
  }

  nextId(): number {
    return ++this.lastId;
  }

  now(): string {
    return timestamp();
  }

  addToken(options: AddTokenOptions = {}): string {
    const id = this.nextId();
    const secret = options.token ?? `${id}|${randomAlnum(40)}`;
    this.tokens.push({
      id,
      secret,
      teamId: options.team === undefined ? 0 : options.team,
      userId: options.userId ?? 1000 + id,
      abilities: options.abilities ?? ["root"],
      role: options.role ?? "owner",
      userInTeam: options.userInTeam ?? true,
      expiresAt: options.expired ? Date.now() - 1000 : null,
    });
    return secret;
  }

  findToken(bearer: string): TokenRecord | undefined {
    return this.tokens.find((t) => t.secret === bearer);
  }

  setApiEnabled(enabled: boolean): void {
    this.settings.apiEnabled = enabled;
  }

  addServer(options: AddServerOptions = {}): { server: ServerRecord; destination: DestinationRecord } {
    const at = this.now();
    const server: ServerRecord = {
      id: this.nextId(),
      uuid: newUuid(),
      name: options.name ?? "localhost",
      description: null,
      ip: options.ip ?? "10.0.0.10",
      teamId: options.team ?? 0,
      isBuildServer: options.isBuildServer ?? false,
      isUsable: true,
      isReachable: true,
      wildcardDomain: options.wildcardDomain ?? null,
      createdAt: at,
      updatedAt: at,
    };
    this.servers.push(server);
    return { server, destination: this.addDestination(server.uuid, "coolify") };
  }

  addDestination(serverUuid: string, network: string): DestinationRecord {
    const server = this.servers.find((s) => s.uuid === serverUuid);
    if (!server) throw new Error(`no server ${serverUuid}`);
    const at = this.now();
    const destination: DestinationRecord = {
      id: this.nextId(), uuid: newUuid(), name: network === "coolify" ? `${server.name}-coolify` : network,
      network, serverId: server.id, createdAt: at, updatedAt: at,
    };
    this.destinations.push(destination);
    return destination;
  }

  findProjects(filter: { team?: number; name?: string } = {}): ProjectRecord[] {
    return this.projects.filter(
      (p) => (filter.team === undefined || p.teamId === filter.team) && (filter.name === undefined || p.name === filter.name),
    );
  }

  /** Visible (not soft-deleted) services, including ones whose queued delete has not run yet. */
  findServices(filter: { team?: number; name?: string; projectUuid?: string } = {}): ServiceRecord[] {
    const project = filter.projectUuid ? this.projects.find((p) => p.uuid === filter.projectUuid) : undefined;
    return this.services.filter(
      (s) =>
        s.deletedAt === null &&
        (filter.team === undefined || s.teamId === filter.team) &&
        (filter.name === undefined || s.name === filter.name) &&
        (filter.projectUuid === undefined || s.projectId === project?.id),
    );
  }

  findService(uuid: string): ServiceRecord | undefined {
    return this.services.find((s) => s.uuid === uuid && s.deletedAt === null);
  }

  findVolumes(serviceUuid: string): VolumeRecord[] {
    return this.volumes.filter((v) => v.serviceUuid === serviceUuid);
  }

  /** Simulates a delete in Coolify's UI: the service vanishes at once, volumes kept. */
  deleteServiceOutOfBand(uuid: string): boolean {
    const index = this.services.findIndex((s) => s.uuid === uuid && s.deletedAt === null);
    if (index < 0) return false;
    this.services.splice(index, 1);
    return true;
  }

  /** Hard-deletes a service as DeleteResourceJob does (notes §7.5). */
  finishServiceDelete(uuid: string, flags: DeleteFlags): void {
    const index = this.services.findIndex((s) => s.uuid === uuid);
    if (index < 0) return;
    const [service] = this.services.splice(index, 1);
    if (flags.deleteVolumes) {
      for (const volume of this.findVolumes(uuid)) volume.removed = true;
    }
    this.deletions.push({ uuid, name: service.name, flags, completedAt: Date.now() });
  }

  schedule(delayMs: number, job: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      job();
    }, delayMs);
    this.timers.add(timer);
  }

  clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
