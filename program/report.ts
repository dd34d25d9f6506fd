// The end of a run: every tenant that did not converge, named with its reason. A held or refused tenant, or a
// service that did not reach its desired state, does not stop the other tenants; the run still fails at the end
// (`pulumi up` exits non-zero), after every other tenant has converged, and before any delete: Pulumi performs
// the deletes of removed tenants only when the program succeeds.
import type { Provisioning } from "../lib/tenants/provisioning";
import { holdOf, type Hold } from "./held-plan";
import { reasonOf, type InvalidTenant, type PlatformValues } from "./plan";

export interface Held {
  invalid: InvalidTenant;
  /** What its stack is declared with: its record, and its re-rendered plan when its applied spec renders. */
  hold: Hold;
}

/**
 * Invalid tenants that were applied before (they have a write-back record) are held; the others are refused. With
 * `platform`, a held tenant is re-rendered from its applied spec with the platform's current values (held-plan.ts).
 */
export function holdOrRefuse(invalid: InvalidTenant[], records: Map<string, Provisioning>, platform?: PlatformValues): { held: Held[]; refused: InvalidTenant[] } {
  const held: Held[] = [];
  const refused: InvalidTenant[] = [];
  for (const entry of invalid) {
    const record = records.get(entry.tenant.id);
    if (record) held.push({ invalid: entry, hold: holdOf(entry, record, platform) });
    else refused.push(entry);
  }
  return { held, refused };
}

export class TenantRunError extends Error {
  constructor(readonly failures: Array<{ slug: string; reason: string }>) {
    super(
      `${failures.length} tenant(s) did not converge; every other tenant did, and no tenant was deleted in this run:\n` +
        failures.map((f) => `  - ${f.slug}: ${f.reason}`).join("\n"),
    );
    this.name = "TenantRunError";
  }
}

/** The failures of a run: tenants with a problem (held, unhealthy), then refused ones. */
export function runFailures(outcomes: Array<{ slug: string; problem: string }>, refused: InvalidTenant[]): Array<{ slug: string; reason: string }> {
  return [
    ...outcomes.filter((o) => o.problem).map((o) => ({ slug: o.slug, reason: o.problem })),
    ...refused.map((r) => ({ slug: r.tenant.slug, reason: `refused (never deployed): ${reasonOf(r)}` })),
  ];
}
