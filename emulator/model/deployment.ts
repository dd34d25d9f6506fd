// What a start or restart did (deploy/deploy.ts), kept on the service record: the files Coolify would write and what
// the compose loader (and, in docker mode, the engine) made of them.

export interface ResolvedLimits {
  cpus: number;
  memoryBytes: number;
  pids: number;
}

export interface ResolvedService {
  image: string;
  /** null: a variable compose leaves unset. */
  environment: Record<string, string | null>;
  labels: Record<string, string>;
  limits: ResolvedLimits;
}

export type DeploymentResult =
  | { ok: true; containers: Record<string, ResolvedService>; warnings: string[] }
  | { ok: false; error: string };

export interface Deployment {
  at: string;
  /** The two files as Coolify would write them; they hold secrets, so they are never served as a whole. */
  composeYaml: string;
  envText: string;
  result: DeploymentResult;
}
