// npm run rollout -- status|pause|resume|abort [<template>@<version>] [--stack <name>] [--json]
// The stack's progressive rollout (config rollout; program/rollout.ts), as agent_rollouts records it. `status` reads;
// `pause` stops further waves, `resume` goes on (after a halt: with the next wave; after a pause: the current wave
// soaks again before the next moves), `abort` ends it for its release. A release named is the whole key or one
// `<template>@<version>` of it.
// Each takes effect in the next run (the reconciler's timer starts one). In a sharded fleet (config shards; run it with
// the fleet's stack) it shows and steers the rollout every shard decides from: the merge of the fleet's record and
// each shard's own (program/rollout-merge.ts), with a line per shard.
import { commandLine, UsageError } from "../lib/cli/args";
import { fullStackName, readStackConfig } from "../lib/cli/stack-config";
import { loadTenants } from "../lib/tenants/load";
import { getRollout, listShardRollouts, putRollout } from "../lib/tenants/rollouts";
import type { RolloutState } from "../program/rollout";
import { formatRollout, formatShards, ROLLOUT_ACTIONS, rolloutJson, steerRollout, type RolloutAction } from "../program/rollout-command";
import { mergeRollout, type ShardProgress } from "../program/rollout-merge";

const COMMAND = {
  name: "rollout",
  usage: "status|pause|resume|abort [<template>@<version>] [--stack <name>] [--json]",
  options: { stack: { type: "string" }, json: { type: "boolean" } },
  positionals: true,
} as const;

async function main(): Promise<void> {
  const { values, action, release } = commandLine(COMMAND, process.argv.slice(2), ({ values, positionals }) => {
    const [word, release, extra] = positionals;
    if (!ROLLOUT_ACTIONS.includes(word as RolloutAction)) throw new UsageError(word === undefined ? "name an action: status, pause, resume or abort" : `unknown action "${word}"`);
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    return { values, action: word as RolloutAction, release };
  });
  const config = readStackConfig("rollout", values.stack, "select the stack whose rollout to show");
  if (!config.pocketbaseUrl || !config.pocketbaseEmail || !config.pocketbasePassword) {
    throw new Error("rollout: the stack config lacks pocketbaseUrl, pocketbaseEmail or pocketbasePassword.\nFix: set them with `pulumi config set` (the password with --secret).");
  }
  const source = { url: config.pocketbaseUrl, email: config.pocketbaseEmail, password: config.pocketbasePassword, ...(config.tenantView ? { view: config.tenantView } : {}) };
  const stack = fullStackName("rollout", values.stack, "select the stack whose rollout to show");
  const stored = await getRollout<RolloutState>(source, stack);
  const shards = config.shards ? (await listShardRollouts<ShardProgress>(source, stack)).map((r) => r.state) : undefined;
  const fleetState = (fleet: RolloutState | undefined) => (shards ? mergeRollout({ ...(fleet ? { fleet } : {}), shards }) : fleet);
  const current = fleetState(stored?.state);
  const state = action === "status" ? current : fleetState((await putRollout(source, stack, steerRollout(action, current, release, Date.now()))).state);
  if (values.json) {
    const json = rolloutJson(state);
    console.log(JSON.stringify(shards && json ? { ...json, shards } : json, null, 2));
    return;
  }
  const slugs = new Map((await loadTenants(source)).map((t) => [t.id, t.slug]));
  console.log(formatRollout(state, slugs, action === "status" && !shards ? stored?.updated : undefined));
  if (shards && state) console.log(formatShards(shards, state.release).join("\n"));
  if (!config.rollout) console.log("note: config rollout is unset, so runs do not use this rollout (pulumi config set rollout '{}')");
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
