/** One line of `bench/results/latest.json`: a measurement and the baseline measured in the same run. */
export interface BenchEntry {
  name: string;
  metric: string;
  value: number;
  unit: string;
  baseline: number | null;
  /** value / baseline (null when there is no baseline). */
  ratio: number | null;
}

/** A benchmark module: `bench/<topic>.ts` exports `run`, and `bench/run.ts` lists it. */
export type Bench = () => Promise<BenchEntry[]>;

export function entry(name: string, metric: string, value: number, unit: string, baseline: number | null): BenchEntry {
  return { name, metric, value, unit, baseline, ratio: baseline ? value / baseline : null };
}
