// `npm run shards -- split`: moves a deployed single-stack fleet into its shard stacks. State only: no Coolify
// request, no engine run, so nothing is replaced. Every refusal is decided before the first state changes. Each step
// can be repeated, so a split that was killed is continued by running it again: the shards' guards and shared project
// are written again, the tenants still in the fleet stack moved, and the fleet stack stripped last. Stop the
// reconciler first: its runs of the shard stacks would wait on the locks of the moves, or run between them.
import { checkShard, fleetRecords, shardStack, type Fleet } from "./fleet";
import { exportStack, importStack, shardSecretsProblem, stackNames, stateMove } from "./pulumi-cli";
import { SECRETS_FIX } from "./stacks";
import { planSplit, strippedFleet, tenantCount, tenantIdsOf, withShardResources, type StateResource } from "./split-plan";

/** Slugs by tenant id, as the guard's state knows them (no PocketBase needed to name a tenant). */
function slugsOf(guard: StateResource | undefined): Map<string, string> {
  const deployed = (guard?.outputs?.deployed ?? guard?.inputs?.declared ?? {}) as Record<string, { slug?: string }>;
  return new Map(Object.entries(deployed).flatMap(([id, t]) => (typeof t?.slug === "string" ? [[id, t.slug] as [string, string]] : [])));
}

export async function split(fleet: Fleet): Promise<string> {
  const existing = stackNames();
  const missing = [...fleet.shards.keys()].filter((shard) => !existing.has(shardStack(fleet, shard)));
  if (missing.length > 0) throw new Error(`shards: split: no stack for shard(s) ${missing.join(", ")}: create them first with npm run shards -- init --stack ${fleet.stack}`);
  const fleetState = exportStack(fleet.stack);
  const fleetResources = fleetState.deployment.resources ?? [];
  const guard = fleetResources.find((r) => /cloudfreedom:TeardownGuard$/.test(r.type));
  const held = new Map([...fleet.shards.keys()].map((shard) => [shard, tenantIdsOf(exportStack(shardStack(fleet, shard)).deployment)] as const));
  const occupied = [...held].filter(([, ids]) => ids.length > 0);
  // The fleet stack keeps its guard until the very end of a split: without it and without tenants, it was split already.
  if (occupied.length > 0 && guard === undefined && tenantCount(fleetState.deployment) === 0) {
    throw new Error(
      `shards: split: the fleet stack ${fleet.stack} holds no tenant and shard stack(s) ${occupied.map(([s, ids]) => `${shardStack(fleet, s)} (${ids.length} tenant(s))`).join(", ")} do: ` +
        `the fleet is split already (npm run shards -- list --stack ${fleet.stack})`,
    );
  }
  for (const shard of fleet.shards.keys()) {
    const problem = shardSecretsProblem(shardStack(fleet, shard), fleet.configFile);
    if (problem) throw new Error(`shards: split refused, nothing was moved: ${problem}: ${SECRETS_FIX(fleet, shardStack(fleet, shard))}`);
  }
  const records = await fleetRecords(fleet);
  const recorded = new Map([...(records ?? new Map()).values()].flatMap((r) => (r.serverUuid ? [[r.tenantId, r.serverUuid] as [string, string]] : [])));
  const plan = planSplit(fleetState.deployment, fleet.shards, recorded, slugsOf(guard), held);
  if ("problems" in plan) throw new Error(`shards: split refused, nothing was moved:\n${plan.problems.map((p) => `  - ${p}`).join("\n")}`);
  // First what each shard's program declares besides tenants (the guard knowing the shard's tenants only, the shared
  // project): a shard never holds tenants without its guard. Neither holds a secret. Then the tenants, one
  // `pulumi state move` per shard (pulumi re-encrypts their secrets); last the fleet stack is stripped.
  // The providers' state holds the program's config, secrets included: read in plaintext (in memory only) and
  // encrypted again by the import for the shard.
  const fleetPlain = exportStack(fleet.stack, true);
  for (const move of plan.moves) {
    const stack = shardStack(fleet, checkShard(fleet, move.shard));
    const state = exportStack(stack);
    importStack(stack, { ...state, deployment: withShardResources(state.deployment, fleetPlain.deployment, plan, move, fleet.stack) });
  }
  for (const move of plan.moves) stateMove(fleet.stack, shardStack(fleet, move.shard), move.urns);
  const after = exportStack(fleet.stack);
  importStack(fleet.stack, { ...after, deployment: strippedFleet(after.deployment) });
  const lines = plan.moves.map((m) => `  ${m.shard} (${shardStack(fleet, m.shard)}): ${m.tenants.length} tenant(s)`);
  return [
    `split ${plan.moves.reduce((n, m) => n + m.tenants.length, 0)} tenant(s) of ${fleet.stack} into its shards, with no Coolify request${plan.resumed > 0 ? ` (continuing a split that stopped half-way: ${plan.resumed} of them were moved already)` : ""}:`,
    ...lines,
    `the fleet stack ${fleet.stack} keeps no tenant, guard or shared project.`,
    `Check: npm run shards -- preview --all --stack ${fleet.stack} (every shard should show no change).`,
  ].join("\n");
}
