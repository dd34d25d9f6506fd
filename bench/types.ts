/** One line of `bench/results/latest.json`: a measurement and the baseline measured in the same run. */
export interface BenchEntry {
  name: string;
  metric: string;
  value: number;
  unit: string;
  baseline: number | null;
  /** value / baseline (null when there is no baseline). */
  ratio: number | null;
  /** The target this entry is judged against, in words (e.g. "0", "<= 6 per tenant"). */
  goal?: string;
  /** Whether the goal is met; absent when the entry has no goal. */
  met?: boolean;
}

/** A benchmark module: `bench/<topic>.ts` exports `run`, and `bench/run.ts` lists it. */
export type Bench = () => Promise<BenchEntry[]>;

export function entry(
  name: string,
  metric: string,
  value: number,
  unit: string,
  baseline: number | null,
  goal?: { goal: string; met: boolean },
): BenchEntry {
  return { name, metric, value, unit, baseline, ratio: baseline ? value / baseline : null, ...(goal ?? {}) };
}
