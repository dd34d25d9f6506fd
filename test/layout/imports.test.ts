// The house: reconciler/ on the roof (it drives the program; nothing imports it), program/ (and index.ts)
// below it, then providers/, then lib/ at the bottom; templates/ beside providers, importing only
// lib/templates. Arrows point down, and nothing imports in a circle.
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
/** Higher floors may import lower ones, never the reverse. */
const FLOORS: Record<string, number> = { reconciler: 4, "index.ts": 3, program: 3, providers: 2, templates: 2, lib: 1 };

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return name.endsWith(".ts") ? [full] : [];
  });
}

function floorOf(file: string): string | undefined {
  const top = path.relative(ROOT, file).split(path.sep)[0];
  return top in FLOORS ? top : undefined;
}

/** Relative imports (static, `export … from`, and `import("…")`) resolved to files. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["'](\.[^"']+)["']/g)].map((m) => m[1]);
  return specs.map((spec) => {
    const base = path.resolve(path.dirname(file), spec);
    for (const candidate of [base, `${base}.ts`, path.join(base, "index.ts")]) {
      try {
        if (statSync(candidate).isFile()) return candidate;
      } catch {
        /* next candidate */
      }
    }
    return base;
  });
}

const files = [path.join(ROOT, "index.ts"), ...["reconciler", "program", "providers", "templates", "lib"].flatMap((dir) => sources(path.join(ROOT, dir)))];
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const rel = (file: string) => path.relative(ROOT, file);

describe("layout", () => {
  it("has no import from a lower floor to a higher one", () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      const from = floorOf(file)!;
      for (const target of targets) {
        const to = floorOf(target);
        if (to === undefined) continue;
        const sideways = from === "templates" && to === "providers";
        const templatesReachOnlyTheEngine = from === "templates" && to === "lib" && !rel(target).startsWith(`lib${path.sep}templates`);
        if (FLOORS[to] > FLOORS[from] || sideways || (from === "providers" && to === "templates") || templatesReachOnlyTheEngine) {
          upward.push(`${rel(file)} -> ${rel(target)}`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it("has no circular imports", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "open") {
        cycles.push([...trail.slice(trail.indexOf(file)), file].map(rel).join(" -> "));
        return;
      }
      state.set(file, "open");
      for (const target of graph.get(file) ?? []) if (graph.has(target)) visit(target, [...trail, file]);
      state.set(file, "done");
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it("sees the imports it judges (a guard against a regex that matches nothing)", () => {
    expect(graph.get(path.join(ROOT, "index.ts"))?.map(rel)).toContain(path.join("program", "plan.ts"));
    expect(graph.get(path.join(ROOT, "providers", "service.ts"))?.map(rel)).toContain(path.join("providers", "service-model.ts"));
  });
});
