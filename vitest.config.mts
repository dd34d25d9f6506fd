import { relative } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** Folders of the engine tests, slowest first: minutes each, where most other files take seconds. */
const SLOW_FIRST = ["test/engine-docker/", "test/engine/", "test/reconciler/"];

/**
 * Vitest starts the files it timed before longest first. A clean clone has no timings, and Vitest then starts the
 * largest files first, which leaves long engine tests for the end, each running alone while the other worker idles.
 * Without a timing for every file, the engine folders go first (in Vitest's order within each).
 */
class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    if (files.every((spec) => this.ctx.cache.getTestSpecificationResult(spec))) return sorted;
    const rank = (spec: TestSpecification) => {
      const path = relative(spec.project.config.root, spec.moduleId).split("\\").join("/");
      const index = SLOW_FIRST.findIndex((folder) => path.startsWith(folder));
      return index === -1 ? SLOW_FIRST.length : index;
    };
    return sorted.map((spec, order) => ({ spec, order, rank: rank(spec) })).sort((a, b) => a.rank - b.rank || a.order - b.order).map(({ spec }) => spec);
  }
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Engine tests spawn the pulumi CLI and servers; two cores cannot run many at once.
    maxWorkers: 2,
    sequence: { sequencer: SlowFirstSequencer },
  },
});
