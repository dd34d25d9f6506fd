// The teardown guard: no Coolify object, only state. Its state is the tenant set the last successful run
// declared; `check` compares it with this run's set before anything changes (in preview too) and refuses
// a run that would tear down more tenants than the budget, or a tenant that vanished from PocketBase
// without being cancelled, unless this run explicitly allows those tenants. Every tenant stack depends on
// the guard, so a refusal stops the run before any tenant step starts; removals happen only at the end of
// a run whose program and checks all succeeded.
import * as pulumi from "@pulumi/pulumi";
import type { CheckFailure } from "./diff";
import { forwardTo } from "./runtime";

/** Plain, resolved inputs. */
export interface TeardownGuardInputs {
  /** Slugs of the tenants this run declares. */
  tenants: string[];
  /** Slugs PocketBase reports as cancelled: the only ones that may go without an explicit allow. */
  cancelled: string[];
  /** How many tenants a run may remove; default max(1, 10% of the previously declared set). */
  budget?: number;
  /** Slugs this run may remove regardless (`*` = all), from CLOUDFREEDOM_ALLOW_TEARDOWN. */
  allow: string[];
}

export type TeardownGuardArgs = { [K in keyof TeardownGuardInputs]: pulumi.Input<TeardownGuardInputs[K]> };

export function defaultBudget(previous: number): number {
  return Math.max(1, Math.floor(previous / 10));
}

/** Why this run must not proceed, or nothing. Pure. */
export function judgeTeardown(olds: TeardownGuardInputs | undefined, news: TeardownGuardInputs): CheckFailure[] {
  const previous = olds?.tenants ?? [];
  const allowed = (slug: string) => news.allow.includes("*") || news.allow.includes(slug);
  const removed = previous.filter((slug) => !news.tenants.includes(slug)).sort();
  const unexplained = removed.filter((slug) => !news.cancelled.includes(slug) && !allowed(slug));
  const failures: CheckFailure[] = [];
  if (unexplained.length > 0) {
    failures.push({
      property: "tenants",
      reason:
        `deployed tenant(s) ${unexplained.join(", ")} are missing from PocketBase but not cancelled; refusing to tear them down. ` +
        `Restore or cancel them in PocketBase, or allow this run: CLOUDFREEDOM_ALLOW_TEARDOWN=${unexplained.join(",")} pulumi up`,
    });
  }
  const budget = news.budget ?? defaultBudget(previous.length);
  const unallowed = removed.filter((slug) => !allowed(slug));
  if (removed.length > budget && unallowed.length > 0) {
    failures.push({
      property: "tenants",
      reason:
        `this run would tear down ${removed.length} tenants (${removed.join(", ")}), over the budget of ${budget}. ` +
        `If that is intended, allow it for this run: CLOUDFREEDOM_ALLOW_TEARDOWN=${removed.join(",")} pulumi up`,
    });
  }
  return failures;
}

export const provider: pulumi.dynamic.ResourceProvider<TeardownGuardInputs, TeardownGuardInputs> = {
  async check(olds, news) {
    // olds is empty on the first run: nothing was deployed, so nothing can be removed.
    const previous = olds && Array.isArray(olds.tenants) ? olds : undefined;
    return { inputs: news, failures: judgeTeardown(previous, news) };
  },

  async diff(_id, olds, news) {
    const same = JSON.stringify([olds.tenants, olds.cancelled, olds.budget, olds.allow]) === JSON.stringify([news.tenants, news.cancelled, news.budget, news.allow]);
    return { changes: !same };
  },

  async create(inputs) {
    return { id: "teardown-guard", outs: inputs };
  },

  async update(_id, _olds, news) {
    return { outs: news };
  },
};

/** Guards state-based teardown; see the header. */
export class TeardownGuard extends pulumi.dynamic.Resource {
  declare readonly tenants: pulumi.Output<string[]>;

  constructor(name: string, args: TeardownGuardArgs, opts?: pulumi.CustomResourceOptions) {
    super(forwardTo("teardown-guard"), name, args, opts, "cloudfreedom", "TeardownGuard");
  }
}
