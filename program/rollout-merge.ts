// A rollout in a sharded fleet (config rollout with config shards; issues 21 and 23). Every shard plans the whole
// fleet and decides from the same state, but no record is written by two shards: the fleet's record (`<owner>`) holds
// what the operator steered last (npm run rollout: pause, resume, abort; or the state one stack kept before the fleet
// was sharded), and each shard writes only its own (`<owner>#<shard>`): the waves it moved and saw land, a halt it
// decided, and the outcomes it decided. The state a run decides from is their merge, the same in every shard: a wave
// is moved once every shard with a member in it moved it, settled once every such shard recorded its outcome, and its
// soak counts from the last of those; a halt in any shard halts the rollout for all. Nobody advances the wave by a
// write of the fleet's record: a shard's decision advances it in its own record, and only once the merged state
// shows the wave soaked fleet-wide. Pure.
import type { RolloutState, TenantOutcome } from "./rollout";

/** What one shard writes to its own record: a RolloutState (its last decision, for reading) plus its progress. */
export interface ShardProgress extends RolloutState {
  shard: string;
  /** ISO time this record took up `release`: the newest among the shards' records names the rollout under way. */
  startedAt: string;
  /** Wave index -> ISO time this shard's decision moved its members of that wave (before its up applied them). */
  moved: Record<string, string>;
  /** Wave index -> ISO time this shard's up recorded the outcome of its members of that wave. */
  landed: Record<string, string>;
  /** A halt this shard decided (its up's outcome, or its run's judgement of the fleet's records). */
  halt?: { wave: number; reason: string; at: string };
  /** The ids of the rollout's tenants this shard declares (for a reader without the fleet's config: status, /metrics). */
  members: string[];
}

/** The merged rollout: a RolloutState, and when its first shard took it up (what a steer of it keeps). */
export type MergedRollout = RolloutState & { startedAt?: string };

export interface MergeInput {
  /** The fleet's record: the operator's last steer, or the state of the stack before the fleet was sharded. */
  fleet?: MergedRollout;
  shards: ShardProgress[];
  /**
   * Tenant id -> the shard that declares it, for every deployed tenant (a run knows it from the records and config
   * shards). Without it (status, /metrics), each shard record's members stand in.
   */
  owners?: ReadonlyMap<string, string>;
}

const RANK: Record<TenantOutcome["result"], number> = { moved: 0, healthy: 1, reverted: 2 };

/** Whether outcome `a` is later than `b`: a later wave, or within one wave moved, then healthy, then reverted. */
export function isLaterOutcome(a: TenantOutcome, b: TenantOutcome | undefined): boolean {
  return b === undefined || a.wave > b.wave || (a.wave === b.wave && RANK[a.result] > RANK[b.result]);
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Tenant id -> its shard, from the shards' own members (the latest record wins a tenant two records claim). */
export function ownersFromMembers(shards: ShardProgress[]): Map<string, string> {
  const owners = new Map<string, string>();
  const oldestFirst = [...shards].sort((a, b) => byText(a.startedAt ?? "", b.startedAt ?? "") || byText(a.shard, b.shard));
  for (const s of oldestFirst) for (const id of s.members ?? []) owners.set(id, s.shard);
  return owners;
}

/** The shards that declare a member of `wave`. */
export function shardsOfWave(wave: readonly string[] | undefined, owners: ReadonlyMap<string, string>): Set<string> {
  return new Set((wave ?? []).map((id) => owners.get(id)).filter((s): s is string => s !== undefined));
}

/** The rollout under way in the fleet, as every shard decides from it; undefined when none was recorded. */
export function mergeRollout({ fleet, shards: stored, owners = ownersFromMembers(stored) }: MergeInput): MergedRollout | undefined {
  // A record written by hand or by an older program may lack the progress fields: it counts as having done nothing.
  const shards = stored.map((s) => ({ ...s, startedAt: s.startedAt ?? "", moved: s.moved ?? {}, landed: s.landed ?? {}, outcomes: s.outcomes ?? {} }));
  const newest = [...shards].sort((a, b) => byText(a.startedAt, b.startedAt) || byText(a.shard, b.shard)).pop();
  const release = newest?.release ?? fleet?.release;
  if (release === undefined) return undefined;
  const ours = shards.filter((s) => s.release === release).sort((a, b) => byText(a.startedAt, b.startedAt) || byText(a.shard, b.shard));
  // A steer names the rollout it steered by its start (the first shard's taking it up): one of an earlier rollout of
  // the same release is history. A state without one is the unsharded stack's, kept while its release is under way.
  const started = ours[0]?.startedAt;
  const base = fleet?.release === release && (fleet.startedAt === undefined || started === undefined || fleet.startedAt === started) ? fleet : undefined;
  if (ours.length === 0) return base && structuredClone(base);

  const waves = structuredClone(base?.waves ?? ours.find((s) => s.waves.length > 0)?.waves ?? []);
  const outcomes: Record<string, TenantOutcome> = structuredClone(base?.outcomes ?? {});
  for (const s of ours) for (const [id, o] of Object.entries(s.outcomes)) if (isLaterOutcome(o, outcomes[id])) outcomes[id] = structuredClone(o);
  // A resume after a halt sets the fleet's record to the next wave: halts below it are history.
  const floor = base?.wave ?? 0;
  const wave = Math.max(floor, ...ours.map((s) => s.wave));
  const state: MergedRollout = { release, status: "running", wave, waves, outcomes, startedAt: started! };

  const halts = ours.flatMap((s) => (s.halt && s.halt.wave >= floor ? [s.halt] : []));
  if (base?.status === "halted") halts.push({ wave: base.wave, reason: base.haltReason ?? "", at: "" });
  const lastHalt = base?.haltReason !== undefined && base.status !== "halted" ? { haltReason: base.haltReason } : {};
  if (base?.status === "aborted") return { ...state, ...lastHalt, status: "aborted", wave: base.wave };
  if (halts.length > 0) {
    const first = Math.min(...halts.map((h) => h.wave));
    const reasons = [...new Set(halts.filter((h) => h.wave === first).map((h) => h.reason))].filter(Boolean);
    return { ...state, status: "halted", wave: first, haltReason: reasons.join("; ") };
  }
  if (base?.status === "paused") return { ...state, ...lastHalt, status: "paused", ...(base.soakStartedAt ? { soakStartedAt: base.soakStartedAt } : {}) };
  if (wave >= waves.length) return { ...state, ...lastHalt, status: "done" };

  // A wave none of whose members any shard declares (all gone) stays "running": the decision passes over it.
  const needed = shardsOfWave(waves[wave], owners);
  const key = String(wave);
  const progress = [...needed].map((name) => ours.find((s) => s.shard === name));
  if (needed.size === 0 || progress.some((s) => s?.moved[key] === undefined)) return { ...state, ...lastHalt };
  const landed = progress.map((s) => s!.landed[key]);
  const settled = landed.every((at) => at !== undefined);
  const resumed = base && base.wave === wave && base.status === "soaking" && base.soakStartedAt ? [base.soakStartedAt] : [];
  const times = [...(settled ? landed : progress.map((s) => s!.moved[key])), ...resumed] as string[];
  return { ...state, ...lastHalt, status: "soaking", soakStartedAt: times.sort(byText).pop()!, settled };
}

export interface DecidedProgressInput {
  /** This shard's record before the run. */
  previous?: ShardProgress;
  /** Every shard's record the run read (whose outcomes this shard need not carry). */
  shards: ShardProgress[];
  /** What the run decided from (mergeRollout). */
  merged?: RolloutState;
  /** What it decided (program/rollout.ts decideRollout). */
  decided: RolloutState;
  shard: string;
  owners: ReadonlyMap<string, string>;
  now: number;
}

/**
 * This shard's record after its run decided `decided`: the wave it moved (or found moved everywhere), the landing of a
 * wave its killed up never recorded (the decision starts the soak then), a halt it decided, and the outcomes it
 * decided: its own members', and another shard's until that shard's record has them (a halt's reverts, a wave's
 * moves and healthy marks reach every shard's members through the merge).
 */
export function progressAfterDecision({ previous, shards, merged, decided, shard, owners, now }: DecidedProgressInput): ShardProgress {
  const at = new Date(now).toISOString();
  const fresh = !previous || previous.release !== decided.release;
  const moved = fresh ? {} : { ...previous.moved };
  const landed = fresh ? {} : { ...previous.landed };
  const key = String(decided.wave);
  const needed = shardsOfWave(decided.waves[decided.wave], owners).has(shard);
  if (decided.status === "soaking" && moved[key] === undefined) moved[key] = at;
  const recovered = merged?.status === "soaking" && merged.settled === false && merged.wave === decided.wave && decided.status === "soaking" && decided.settled === true;
  if (recovered && needed && landed[key] === undefined && decided.soakStartedAt) landed[key] = decided.soakStartedAt;

  const halt = decided.status === "halted" && merged?.status !== "halted" ? { wave: decided.wave, reason: decided.haltReason ?? "", at } : fresh ? undefined : previous.halt;
  const outcomes: Record<string, TenantOutcome> = {};
  for (const [id, o] of Object.entries(decided.outcomes)) {
    const owner = owners.get(id);
    if (owner === undefined) continue;
    const theirs = shards.find((s) => s.shard === owner && s.release === decided.release)?.outcomes[id];
    if (owner === shard || isLaterOutcome(o, theirs)) outcomes[id] = o;
  }
  const members = decided.waves.flat().filter((id) => owners.get(id) === shard).sort(byText);
  const startedAt = fresh ? at : previous.startedAt;
  // The waves (every tenant id of the fleet) are kept once, by the first shard that took the rollout up.
  const kept = shards.some((s) => s.shard !== shard && s.release === decided.release && s.waves.length > 0 && (byText(s.startedAt, startedAt) || byText(s.shard, shard)) < 0);
  return { ...decided, ...(kept ? { waves: [] } : {}), outcomes, shard, startedAt, moved, landed, ...(halt ? { halt } : {}), members };
}

/**
 * Whether this shard's up must record the outcome of the wave `decided` moved: it declares a member of it, and has not
 * recorded the wave landing yet or applies one of its members again in this up (`applying`: its tenants whose plan
 * differs from what their record says they run). A shard whose part landed does not record it again while another
 * shard's is under way, which would move the soak's start past the last landing.
 */
export function settlesWave(decided: RolloutState, progress: ShardProgress, owners: ReadonlyMap<string, string>, applying: ReadonlySet<string>): boolean {
  if (decided.status !== "soaking" || decided.settled !== false) return false;
  const own = (decided.waves[decided.wave] ?? []).filter((id) => owners.get(id) === progress.shard);
  return own.length > 0 && (progress.landed[String(decided.wave)] === undefined || own.some((id) => applying.has(id)));
}

/**
 * This shard's record once its up recorded the wave's outcome (`settled`, program/rollout.ts settleWave over its own
 * members): the wave landed here now, and a halt, with the members it sends back.
 */
export function progressAfterSettle(progress: ShardProgress, settled: RolloutState, now: number): ShardProgress {
  const at = new Date(now).toISOString();
  const outcomes = { ...progress.outcomes };
  for (const [id, o] of Object.entries(settled.outcomes)) if (o.result === "reverted" && isLaterOutcome(o, outcomes[id])) outcomes[id] = o;
  const halt = settled.status === "halted" ? { halt: { wave: settled.wave, reason: settled.haltReason ?? "", at } } : {};
  return { ...progress, ...settled, shard: progress.shard, startedAt: progress.startedAt, waves: progress.waves, moved: progress.moved, members: progress.members, outcomes, landed: { ...progress.landed, [String(settled.wave)]: settled.soakStartedAt ?? at }, ...halt };
}
