// CloudFreedom agent platform: one Coolify stack per PocketBase tenant. Composition only; see README.
import * as pulumi from "@pulumi/pulumi";
import { readConfig, valueOf } from "./lib/config";
import { listProvisioning } from "./lib/tenants/provisioning";
import { loadTenants } from "./lib/tenants/load";
import { DEFAULT_GRACE_DAYS, planLifecycle, type Lifecycle } from "./program/lifecycle";
import { asOperatorError } from "./program/operator-error";
import { inFreshTask } from "./program/fresh-task";
import { checkPassphrase, stackSettings } from "./program/passphrase";
import { routedHosts } from "./program/domain-policy";
import { appliedSecrets } from "./program/held-plan";
import { placeFleet, type PlacedFleet, type TenantPlacement } from "./program/capacity";
import { reasonOf, type InvalidTenant, type TenantPlan } from "./program/plan";
import { planFleet, recordWaveOutcome, type RolloutRun } from "./program/rollout-run";
import { checkServers, serverCheckConnection } from "./program/server-check";
import { holdOrRefuse, runFailures, TenantRunError, type Held } from "./program/report";
import { RefusedTenant } from "./program/refused-tenant";
import { assertMoveWithinShard, fleetOwner, readStackConfig, shardFleet, shardRole } from "./program/shard";
import { assertFleetTeardown } from "./program/shard-teardown";
import { TenantStack, type TenantSpec } from "./program/tenant-stack";
import { Project } from "./providers/project";
import { TeardownGuard } from "./providers/teardown-guard";
import type { PlatformConfig } from "./lib/config";
import type { Tenant } from "./lib/tenants/tenant";

export = () => declare().catch((error: unknown) => Promise.reject(asOperatorError(error)));

async function declare() {
  const stackName = pulumi.getStack();
  const config = readStackConfig(stackName, () => readConfig());
  // With config shards, this stack is one shard of the fleet (program/shard.ts); it runs with the fleet's config file.
  const role = shardRole(stackName, config.shards);
  checkPassphrase(role.fleetStack, process.env, stackSettings(role.fleetStack));
  // The fleet stack's full name, the same in every shard: what ownership markers and the rollout record name.
  const owner = fleetOwner(pulumi.getOrganization(), pulumi.getProject(), role);
  // Every configured server against Coolify, two requests whatever the fleet's size: an unknown server stops the run;
  // one Coolify cannot use takes no new tenant this run, its own stay (program/server-check.ts).
  const servers = await checkServers(config.servers, await serverCheckConnection(config));
  for (const warning of servers.warnings) pulumi.log.warn(warning);
  // Fails closed: an unreachable or inconsistent PocketBase stops the run before anything is declared,
  // so nothing is torn down for lack of a tenant list.
  const source = { url: config.pocketbaseUrl, email: config.pocketbaseEmail, password: await valueOf(config.pocketbasePassword), view: config.tenantView };
  const tenants = await loadTenants(source);
  const records = await listProvisioning(source);
  const lifecycle = planLifecycle(tenants, records, config.teardownGraceDays ?? DEFAULT_GRACE_DAYS, Date.now());
  // What all shards together would remove in this cycle, within the fleet-wide budget (program/shard-teardown.ts).
  if (role.shard !== undefined) assertFleetTeardown(records, lifecycle, tenants, config);
  assertMoveWithinShard(config, tenants, records);
  // Hosts still routed to a tenant (its record's URLs) stay that tenant's until a run has moved them.
  // With config rollout, a release reaches the unpinned tenants in waves (program/rollout.ts); without it, all at once.
  const { plans, invalid, rollout } = await planFleet({ source, stack: owner, tenants: lifecycle.deploy.map((d) => d.tenant), records, config, routed: routedHosts(records), appliedSecrets: appliedSecrets(records) });
  const fleet = holdOrRefuse(invalid, records, config);
  // Each tenant's server: a deployed one stays on its own; a new one that fits nowhere is refused (program/capacity.ts).
  const placed = placeFleet(plans, fleet.held, fleet.refused, records, config, servers.unusable);
  // A shard declares only the tenants on its servers; the home shard also what is on none (program/shard.ts).
  const own = shardFleet(placed, role, config, records);
  // Declared in a fresh task to keep the SDK's frames out of every resource's recorded call stack (program/fresh-task.ts).
  return inFreshTask(declareStacks, { config, owner, shard: role.shard, tenants, lifecycle, ...own, recorded: new Set(records.keys()), rollout });
}

interface Loaded {
  config: PlatformConfig;
  /** The fleet stack's full name, `<organisation>/<project>/<fleet stack>`. */
  owner: string;
  /** This run's shard; undefined unsharded. */
  shard?: string;
  tenants: Tenant[];
  lifecycle: Lifecycle;
  plans: TenantPlan[];
  held: Held[];
  refused: InvalidTenant[];
  capacityRefused: PlacedFleet["capacityRefused"];
  /** Tenant id -> its server. */
  placements: Map<string, TenantPlacement>;
  /** Ids of the tenants with a write-back record (deployed by an earlier run). */
  recorded: Set<string>;
  /** The rollout whose wave this up moves; its outcome is recorded once the tenant steps are over. */
  rollout?: RolloutRun;
}

/** The tenants this run moves to another server; undefined when none, so the guard's inputs stay as they were. */
function movingIds(placements: Map<string, TenantPlacement>): string[] | undefined {
  const ids = [...placements].filter(([, p]) => p.moved).map(([id]) => id);
  return ids.length > 0 ? ids : undefined;
}

/** Everything the program declares, once the tenants are loaded and planned. */
function declareStacks({ config, owner, shard, tenants, lifecycle, plans, held, refused, capacityRefused, placements, recorded, rollout }: Loaded) {
  const declared: Array<{ tenant: Tenant; spec: TenantSpec }> = [
    ...plans.map((plan) => ({ tenant: plan.tenant, spec: { plan } })),
    ...held.map(({ invalid, hold }) => ({ tenant: invalid.tenant, spec: { hold } })),
  ];

  const guard = new TeardownGuard("teardown-guard", {
    declared: Object.fromEntries(declared.map(({ tenant }) => [tenant.id, { slug: tenant.slug }])),
    cancelled: tenants.filter((t) => t.status === "cancelled").map((t) => t.id).sort(),
    budget: config.teardownBudget,
    allow: config.allowTeardown,
    owner,
    placement: { server: config.coolifyServerUuid ?? "", environment: config.coolifyEnvironment ?? "production", sharedProject: config.sharedProject ?? "", destination: config.coolifyDestinationUuid ?? "" },
    allowReplace: config.allowReplace,
    // CLOUDFREEDOM_MOVE: the moved tenant's old service is torn down, within the teardown budget.
    moving: movingIds(placements),
  });
  const shared = config.sharedProject
    ? new Project("shared-project", { name: config.sharedProject, description: "CloudFreedom tenants", owner, claimFrom: config.claimFrom }, { dependsOn: guard })
    : undefined;
  const grace = new Map(lifecycle.deploy.map((d) => [d.tenant.id, d]));
  // A loop, not a map callback: the SDK records no source position for a frame of an anonymous function.
  const stacks: TenantStack[] = [];
  for (const { tenant, spec } of declared) {
    stacks.push(new TenantStack({ tenant, spec, config, owner, sharedProjectUuid: shared?.id, deleteAfter: grace.get(tenant.id)?.deleteAfter, graceStartedAt: grace.get(tenant.id)?.graceStartedAt, deployedBefore: recorded.has(tenant.id), placement: placements.get(tenant.id) }, { dependsOn: guard }));
  }

  // A new tenant that fits on no server gets a record saying why, and nothing else (program/refused-tenant.ts).
  const refusals = capacityRefused.map(({ invalid, plan }) =>
    new RefusedTenant({ tenant: invalid.tenant, reason: reasonOf(invalid), templateRef: plan.rendered.templateRef }, { dependsOn: guard }));
  for (const { invalid, hold } of held) pulumi.log.warn(`tenant ${invalid.tenant.slug} is held at its last applied spec: ${hold.reason}`);
  for (const invalid of refused) pulumi.log.warn(`tenant ${invalid.tenant.slug} is refused (never deployed): ${reasonOf(invalid)}`);
  // Fails an up at its end, once every tenant step has run, if any tenant did not converge (see program/report.ts).
  // Once the refusal records are written too.
  const written = pulumi.all(refusals.map((r) => r.done));
  const stackOutcomes = pulumi.all(stacks.map((stack, i) => pulumi.all([stack.done, stack.problem, stack.status]).apply(([, problem, status]) => ({ id: declared[i].tenant.id, slug: declared[i].tenant.slug, problem, status }))));
  // The moved wave's outcome, from the status each tenant's stack reported (program/rollout-run.ts); never throws.
  const waveRecorded = stackOutcomes.apply((outcomes) => recordWaveOutcome(rollout, new Map(outcomes.map((o) => [o.id, o.status ?? ""]))));
  const outcome = pulumi.all([stackOutcomes, written, waveRecorded])
    .apply(([outcomes]) => {
      const failures = runFailures(outcomes, refused);
      if (failures.length === 0 || pulumi.runtime.isDryRun()) return failures.length === 0 ? "converged" : `${failures.length} tenant(s) did not converge`;
      // Each on its tenant's component too, so whoever reads the engine's events (the reconciler) can tell tenants apart.
      outcomes.forEach((o, i) => o.problem && pulumi.log.error(`tenant ${o.slug}: ${o.problem}`, stacks[i]));
      throw asOperatorError(new TenantRunError(failures));
    });

  return {
    tenants: Object.fromEntries(stacks.map((stack, i) => [declared[i].tenant.slug, { urls: stack.urls, status: stack.status, serviceUuid: stack.serviceUuid }])),
    tenantCount: declared.length,
    outcome,
    ...(shard !== undefined ? { shard } : {}),
  } satisfies Record<string, pulumi.Input<unknown>>;
}
