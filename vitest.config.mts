import { relative } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** Folders of the engine tests: minutes each, where most other files take seconds. */
const ENGINE_FOLDERS = ["test/engine/", "test/reconciler/"];
/** The real-engine tests: minutes each too, but much of it waiting for Docker health checks rather than computing. */
const DOCKER_FOLDER = "test/engine-docker/";

/**
 * Vitest starts the files it timed before longest first. A clean clone has no timings, and Vitest then starts the
 * largest files first, which leaves long engine tests for the end, each running alone while the other worker idles.
 * Without a timing for every file, the engine tests go first (in Vitest's order within each folder), a Docker one
 * and a pulumi one in turn, so that one worker's waits for health checks overlap the other's computing.
 */
class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    if (files.every((spec) => this.ctx.cache.getTestSpecificationResult(spec))) return sorted;
    const path = (spec: TestSpecification) => relative(spec.project.config.root, spec.moduleId).split("\\").join("/");
    const docker = sorted.filter((spec) => path(spec).startsWith(DOCKER_FOLDER));
    const engine = sorted.filter((spec) => ENGINE_FOLDERS.some((folder) => path(spec).startsWith(folder)));
    const rest = sorted.filter((spec) => !docker.includes(spec) && !engine.includes(spec));
    const alternating = Array.from({ length: Math.max(docker.length, engine.length) }, (_, i) => [docker[i], engine[i]]).flat().filter((spec) => spec !== undefined);
    return [...alternating, ...rest];
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
