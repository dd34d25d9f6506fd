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
  /** Docker mode: what the engine did with the two files (absent in the pure mode, or when the loader refused them). */
  engine?: EngineRun;
  /** Docker mode: the last stop after this start. */
  stop?: EngineRun;
}

/** One command a start, stop or delete ran on the engine, with what it printed. */
export interface EngineStep {
  command: string;
  exitCode: number;
  /** stdout and stderr, trimmed to their last 8 KB. */
  output: string;
}

/** What the engine did for one start, stop or delete (docker mode); `error` is the failing step's output. */
export interface EngineRun {
  action: "start" | "stop" | "delete";
  at: string;
  ok: boolean;
  steps: EngineStep[];
  error?: string;
}
