import type { Deployment } from "./deployment";

/** In-memory rows, shaped after Coolify's tables (notes §5–§7). Timestamps are Laravel-style strings. */

export type Ability = "read" | "write" | "deploy" | "read:sensitive" | "write:sensitive" | "root" | "*";
export type TeamRole = "owner" | "admin" | "member";

export interface TokenRecord {
  id: number;
  /** The whole bearer string, `<id>|<secret>` for generated tokens. */
  secret: string;
  teamId: number | null;
  userId: number;
  abilities: Ability[];
  role: TeamRole;
  /** false once the user has left the token's team (notes §2: 401 "Invalid token."). */
  userInTeam: boolean;
  expiresAt: number | null;
}

export interface ProjectRecord {
  id: number;
  uuid: string;
  name: string;
  description: string | null;
  teamId: number;
  createdAt: string;
  updatedAt: string;
}

export interface EnvironmentRecord {
  id: number;
  uuid: string;
  name: string;
  description: string | null;
  projectId: number;
  createdAt: string;
  updatedAt: string;
}

export interface ServerRecord {
  id: number;
  uuid: string;
  name: string;
  description: string | null;
  ip: string;
  teamId: number;
  isBuildServer: boolean;
  isUsable: boolean;
  isReachable: boolean;
  wildcardDomain: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DestinationRecord {
  id: number;
  uuid: string;
  name: string;
  network: string;
  serverId: number;
  createdAt: string;
  updatedAt: string;
}

/** A compose service key's container: a ServiceApplication (can carry URLs) or a ServiceDatabase. */
export interface SubResourceRecord {
  id: number;
  uuid: string;
  kind: "application" | "database";
  name: string;
  humanName: string | null;
  description: string | null;
  image: string;
  fqdn: string | null;
  status: string;
  excludeFromStatus: boolean;
  isGzipEnabled: boolean;
  isStripprefixEnabled: boolean;
  isForceHttpsEnabled: boolean;
  isLogDrainEnabled: boolean;
  noindexDomains: string[] | null;
  ports: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface EnvVarRecord {
  id: number;
  uuid: string;
  key: string;
  value: string | null;
  isLiteral: boolean;
  isMultiline: boolean;
  isPreview: boolean;
  isRuntime: boolean;
  isBuildtime: boolean;
  isShownOnce: boolean;
  isRequired: boolean;
  isCoolify: boolean;
  comment: string | null;
  order: number;
  createdAt: string;
  updatedAt: string;
}

export interface VolumeRecord {
  /** Docker name: `<service uuid>_<compose volume name>` for named volumes, host path for binds. */
  name: string;
  kind: "named" | "bind";
  container: string;
  target: string;
  serviceUuid: string;
  removed: boolean;
}

export interface DeleteFlags {
  deleteConfigurations: boolean;
  deleteVolumes: boolean;
  dockerCleanup: boolean;
  deleteConnectedNetworks: boolean;
}

export interface ServiceRecord {
  id: number;
  uuid: string;
  name: string;
  description: string | null;
  teamId: number;
  projectId: number;
  environmentId: number;
  serverId: number;
  destinationId: number;
  connectToDockerNetwork: boolean;
  isContainerLabelEscapeEnabled: boolean;
  /** Re-serialised compose (comments dropped, notes §7.1 step 6). */
  dockerComposeRaw: string;
  dockerCompose: string;
  configHash: string;
  applications: SubResourceRecord[];
  databases: SubResourceRecord[];
  envs: EnvVarRecord[];
  tags: string[];
  /** A queued/running start activity shows as `starting:unhealthy` (notes §7.2). */
  activity: "starting" | "stopping" | null;
  /** Bumped by every start/stop/restart so a superseded job's timers do nothing. */
  lifecycleGeneration: number;
  pendingDeletes: DeleteFlags[];
  /** The files and compose load of the last start or restart (deploy.ts); undefined before the first. */
  deployment?: Deployment;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}
