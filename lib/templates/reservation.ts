// What a tenant's stack reserves on its server: the sum of its containers' limits, the very numbers the render
// writes into each container's `deploy.resources.limits` (RenderedStack.limits), so placement and the engine agree.
import type { Limits } from "./manifest";

export interface Reservation {
  /** Sum of the containers' `cpus`. */
  cpus: number;
  /** Sum of the containers' memory limits, MiB. */
  memoryMb: number;
  /** The largest single container: a server with fewer cores or less memory cannot run it at all. */
  largest: { cpus: number; memoryMb: number };
}

export function reservationOf(limits: Record<string, Limits>): Reservation {
  const values = Object.values(limits);
  return {
    // Rounded to hundredths, as the limits are, so sums of many tenants do not drift.
    cpus: Math.round(values.reduce((sum, l) => sum + l.cpus, 0) * 100) / 100,
    memoryMb: values.reduce((sum, l) => sum + l.memoryMb, 0),
    largest: { cpus: Math.max(0, ...values.map((l) => l.cpus)), memoryMb: Math.max(0, ...values.map((l) => l.memoryMb)) },
  };
}
