// The container engine a start, stop and delete drive in docker mode (deploy/engine.ts implements it); the model
// holds only this port, so the pure mode runs without it.
import type { EngineRun } from "./deployment";
import type { DeleteFlags, ServiceRecord } from "./records";

/** One container of a Coolify service as the engine reports it. */
export interface EngineContainer {
  /** The compose project: the service uuid. */
  project: string;
  /** The compose service key. */
  service: string;
  name: string;
  /** Docker's State.Status: running, exited, restarting, created, paused, dead, removing. */
  state: string;
  /** Docker's State.Health.Status, null without a health check. */
  health: string | null;
}

export interface ServiceEngine {
  /** The engine's address, e.g. unix:///tmp/x/docker.sock. */
  readonly dockerHost: string;
  /** StartService: write the files, create the network, `docker compose up`, connect the proxy. */
  start(service: ServiceRecord, files: { composeYaml: string; envText: string }): Promise<EngineRun>;
  /** StopService: stop and remove the service's containers; the network and volumes stay. */
  stop(service: ServiceRecord): Promise<EngineRun>;
  /** DeleteResourceJob: stop, then volumes, network and files as the flags say. */
  remove(service: ServiceRecord, flags: DeleteFlags): Promise<EngineRun>;
  /** Every Coolify service container on the engine. */
  containers(): Promise<EngineContainer[]>;
}
