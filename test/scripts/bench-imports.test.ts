// The benchmarks run under tsx as CommonJS, where importing vitest throws ("Vitest cannot be imported in a CommonJS
// module using require()"): no module they load may import it, test/support included. BENCH_QUICK=1 in .ci/run runs
// them for real; this catches the import in a second.
import { readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");

function resolveImport(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, path.join(base, "index.ts")]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      /* next candidate */
    }
  }
  return undefined;
}

/** Every file reachable from `entry` through relative imports (static, `export … from`, `import()`), with its bare imports. */
function reachable(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    // Type-only imports vanish at run time and load nothing.
    const text = readFileSync(file, "utf8").replace(/^import type .*$/gm, "");
    const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+|require\(\s*)["']([^"']+)["']/g)].map((m) => m[1]);
    seen.set(file, specs.filter((spec) => !spec.startsWith(".")));
    for (const spec of specs.filter((s) => s.startsWith("."))) {
      const target = resolveImport(file, spec);
      if (target) queue.push(target);
    }
  }
  return seen;
}

describe("the benchmarks' modules", () => {
  it("never import vitest, so npm run bench can load them", () => {
    const graph = reachable(path.join(ROOT, "bench", "run.ts"));
    expect([...graph.keys()].map((f) => path.relative(ROOT, f))).toContain(path.join("test", "support", "platform.ts"));
    const importers = [...graph].filter(([, bare]) => bare.some((spec) => spec === "vitest" || spec.startsWith("vitest/"))).map(([file]) => path.relative(ROOT, file));
    expect(importers).toEqual([]);
  });
});
