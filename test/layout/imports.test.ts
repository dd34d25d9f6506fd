// The house: reconciler/ on the roof (it drives the program; nothing imports it), program/ (and index.ts)
// below it, then providers/, then lib/ at the bottom; templates/ beside providers, importing only
// lib/templates. Arrows point down, and nothing imports in a circle. The emulator beside them has rooms of its own
// (entry points, api/, deploy/, model/), with the same rule inside.
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

const files = [path.join(ROOT, "index.ts"), ...["reconciler", "program", "providers", "templates", "lib", "emulator"].flatMap((dir) => sources(path.join(ROOT, dir)))];
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

  // The emulator's rooms: its entry points (server, main, preview) on top, the API (routes) below them, then the
  // deploy path (.env, compose, labels, resolver, engine), then the model (store, records) at the bottom.
  const EMULATOR_FLOORS: Record<string, number> = { api: 3, deploy: 2, model: 1 };
  const emulatorFloor = (file: string): number | undefined => {
    const parts = path.relative(path.join(ROOT, "emulator"), file).split(path.sep);
    if (parts[0].startsWith("..")) return undefined;
    return parts.length === 1 ? 4 : EMULATOR_FLOORS[parts[0]];
  };

  it("keeps every emulator file in a room: the entry points, api/, deploy/ or model/", () => {
    const homeless = [...graph.keys()].filter((file) => rel(file).startsWith(`emulator${path.sep}`) && emulatorFloor(file) === undefined);
    expect(homeless.map(rel)).toEqual([]);
  });

  it("has no emulator import from a lower room to a higher one, and none into program, providers or the reconciler", () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      const from = emulatorFloor(file);
      if (from === undefined) continue;
      for (const target of targets) {
        const to = emulatorFloor(target);
        const outside = to === undefined && ["program", "providers", "reconciler"].includes(path.relative(ROOT, target).split(path.sep)[0]);
        if ((to !== undefined && to > from) || outside) upward.push(`${rel(file)} -> ${rel(target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it("sees the imports it judges (a guard against a regex that matches nothing)", () => {
    expect(graph.get(path.join(ROOT, "emulator", "model", "records.ts"))?.map(rel)).toContain(path.join("emulator", "model", "deployment.ts"));
    expect(graph.get(path.join(ROOT, "emulator", "deploy", "lifecycle.ts"))?.map(rel)).toContain(path.join("emulator", "deploy", "deploy.ts"));
    expect(graph.get(path.join(ROOT, "index.ts"))?.map(rel)).toContain(path.join("program", "plan.ts"));
    expect(graph.get(path.join(ROOT, "providers", "service.ts"))?.map(rel)).toContain(path.join("providers", "service-model.ts"));
  });
});
