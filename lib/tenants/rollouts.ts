// The stack's progressive rollout in PocketBase (collection agent_rollouts, one record per stack): read before a run
// plans, written by an up that changed it, steered by `npm run rollout`. A sharded fleet has one more per shard,
// `<fleet owner>#<shard>`, each written by its shard alone (program/rollout-merge.ts). Stateless like provisioning.ts: each call
// takes the connection. The state is program/rollout.ts's RolloutState, kept whole in `state` and, for reading in
// the dashboard, its release, status, wave and halt reason in their own fields.
import type PocketBase from "pocketbase";
import type { RecordModel } from "pocketbase";
import { ROLLOUTS_COLLECTION } from "./collections";
import { toSourceError, withSession, type PocketBaseSource } from "./connection";
import { TenantSourceError } from "./errors";

/** What this module needs of program/rollout.ts's RolloutState (lib does not import program). */
export interface StoredRolloutState {
  release: string;
  status: string;
  wave: number;
  waves: string[][];
  outcomes: Record<string, unknown>;
  haltReason?: string;
}

/** A stored rollout. */
export interface RolloutRecord<S extends StoredRolloutState = StoredRolloutState> {
  id: string;
  stack: string;
  state: S;
  /** ISO 8601 time it was last written. */
  updated: string;
}

/** The stack's rollout, or undefined when none was ever recorded. */
export async function getRollout<S extends StoredRolloutState>(source: PocketBaseSource, stack: string): Promise<RolloutRecord<S> | undefined> {
  try {
    const found = await withSession(source, (pb) => findRecord(pb, stack));
    return found ? fromRecord<S>(found, stack) : undefined;
  } catch (error) {
    throw toSourceError(error, source, { operation: `reading the rollout of stack ${stack} (${ROLLOUTS_COLLECTION}; apply pocketbase/migrations/1767225750_agent_rollouts.js if it is missing)` });
  }
}

/** Every stack's rollout (the reconciler picks its own by project and stack name). */
export async function listRollouts<S extends StoredRolloutState>(source: PocketBaseSource): Promise<RolloutRecord<S>[]> {
  try {
    const records = await withSession(source, (pb) => pb.collection(ROLLOUTS_COLLECTION).getFullList({ batch: 200 }));
    return records.map((record) => fromRecord<S>(record, String(record.stack ?? "")));
  } catch (error) {
    throw toSourceError(error, source, { operation: `listing the rollouts (${ROLLOUTS_COLLECTION})` });
  }
}

/** The key of a shard's own record in a sharded fleet (program/rollout-merge.ts): `<fleet owner>#<shard>`. */
export function shardRolloutKey(owner: string, shard: string): string {
  return `${owner}#${shard}`;
}

/** The fleet owner of a shard's record key (shardRolloutKey); undefined for a key that is no shard's. */
export function ownerOfShardRolloutKey(key: string): string | undefined {
  const at = key.lastIndexOf("#");
  return at < 0 ? undefined : key.slice(0, at);
}

/** The records of every shard of the fleet `owner` (keys `<owner>#<shard>`), by shard name. */
export async function listShardRollouts<S extends StoredRolloutState>(source: PocketBaseSource, owner: string): Promise<RolloutRecord<S>[]> {
  const prefix = shardRolloutKey(owner, "");
  try {
    // `~` matches anywhere in the value: the owner is checked exactly below.
    const records = await withSession(source, (pb) => pb.collection(ROLLOUTS_COLLECTION).getFullList({ batch: 200, filter: pb.filter("stack ~ {:prefix}", { prefix }) }));
    return records
      .filter((record) => ownerOfShardRolloutKey(String(record.stack ?? "")) === owner)
      .map((record) => fromRecord<S>(record, String(record.stack)))
      .sort((a, b) => (a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0));
  } catch (error) {
    throw toSourceError(error, source, { operation: `reading the shards' rollouts of ${owner} (${ROLLOUTS_COLLECTION})` });
  }
}

/** Writes the stack's rollout (creates the record the first time). */
export async function putRollout<S extends StoredRolloutState>(source: PocketBaseSource, stack: string, state: S): Promise<RolloutRecord<S>> {
  const body = { stack, release: state.release, status: state.status, wave: state.wave, halt_reason: state.haltReason ?? "", state };
  try {
    return await withSession(source, async (pb) => {
      const existing = await findRecord(pb, stack);
      const saved = existing ? await pb.collection(ROLLOUTS_COLLECTION).update(existing.id, body) : await pb.collection(ROLLOUTS_COLLECTION).create(body);
      return fromRecord<S>(saved, stack);
    });
  } catch (error) {
    throw toSourceError(error, source, { operation: `writing the rollout of stack ${stack} (${ROLLOUTS_COLLECTION})` });
  }
}

async function findRecord(pb: PocketBase, stack: string): Promise<RecordModel | null> {
  const list = await pb.collection(ROLLOUTS_COLLECTION).getList(1, 1, { filter: pb.filter("stack = {:stack}", { stack }), skipTotal: true });
  return list.items[0] ?? null;
}

function fromRecord<S extends StoredRolloutState>(record: RecordModel, stack: string): RolloutRecord<S> {
  const state = record.state as S | null;
  if (!state || typeof state !== "object" || typeof state.release !== "string" || !Array.isArray(state.waves) || typeof state.outcomes !== "object") {
    throw new TenantSourceError("malformed", {
      problem: `the rollout record of stack ${stack} has an invalid state.`,
      fix: `delete that record in PocketBase (Dashboard > Collections > ${ROLLOUTS_COLLECTION}); the next run with config rollout starts a new rollout`,
      field: "state",
    });
  }
  return { id: record.id, stack, state, updated: String(record.updated ?? "").replace(" ", "T") };
}
