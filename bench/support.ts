// Shared pieces of the engine benchmarks: sizes (BENCH_QUICK), wall-clock timing, /proc RSS sampling of the
// pulumi process tree, and the baseline program of trivial dynamic resources.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { repoRoot, type TestProgram } from "../test/support/pulumi";

/** Requests per kind; GET /services/{uuid} during an up is the status poll (no refresh runs, so no read calls it). */
export function classify(requests: Array<{ method: string; path: string; status: number }>) {
  const counts = { "GET status poll": 0, "GET other": 0, POST: 0, PATCH: 0, DELETE: 0, "429": 0 };
  for (const r of requests) {
    if (r.status === 429) counts["429"] += 1;
    if (r.method === "GET") counts[STATUS_POLL.test(r.path) ? "GET status poll" : "GET other"] += 1;
    else if (r.method === "POST" || r.method === "PATCH" || r.method === "DELETE") counts[r.method] += 1;
  }
  return counts;
}

const STATUS_POLL = /^\/api\/v1\/services\/[^/]+$/;

/** BENCH_QUICK=1: each module once at a tiny size (a smoke run: providers N=2, program N=3, reconciler N=1). */
export const QUICK = process.env.BENCH_QUICK === "1" || process.env.BENCH_QUICK === "true";

/** Sizes from env `name` (comma list, e.g. BENCH_PROGRAM_SIZES=10,100), else `full` (or `quick` under BENCH_QUICK). */
export function sizes(name: string, full: number[], quick: number[]): number[] {
  const raw = process.env[name];
  if (raw) return raw.split(",").map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
  return QUICK ? quick : full;
}

/**
 * Where the benchmarks put their programs: inside the checkout (.local/ is ignored by git), so the source paths
 * Pulumi records in state (`project:///../../../providers/service.ts#…`) are nearly as short as a real stack's and
 * do not depend on where the checkout lives.
 */
export const PROGRAMS_DIR = join(__dirname, "..", ".local", "bench");

/** Engine parallelism for every up/preview (env BENCH_PARALLEL); undefined keeps the CLI default (8). */
export const PARALLEL = Number(process.env.BENCH_PARALLEL) > 0 ? Number(process.env.BENCH_PARALLEL) : undefined;

export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const start = process.hrtime.bigint();
  const result = await work();
  return { result, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------------------
// Peak RSS of the pulumi processes this process starts: every descendant except PocketBase (and its sh wrapper),
// sampled from /proc. Categories: the CLI (`pulumi`), language host, the program's node process, and the
// dynamic-provider node process(es).

export type ProcessRole = "cli" | "langhost" | "program" | "provider" | "other";

export interface RssPeaks {
  /** Highest sum over the whole tree at one sample, MB. */
  tree: number;
  /** Highest single-sample RSS per role, MB (sum over processes of that role). */
  byRole: Record<ProcessRole, number>;
  samples: number;
  /** Distinct "role comm" pairs seen, for checking the classification (BENCH_DEBUG=1 logs them). */
  seen: string[];
}

const PAGE_KB = 4; // x86-64 / arm64 Linux default page size; statm counts pages.

interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
}

function readProcs(): ProcInfo[] {
  const procs: ProcInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // comm is in parentheses and may contain spaces; fields after the last ')'.
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      procs.push({ pid: Number(name), ppid, comm });
    } catch {
      // Gone between readdir and read.
    }
  }
  return procs;
}

function rssMb(pid: number): number {
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]);
    return (pages * PAGE_KB) / 1024;
  } catch {
    return 0;
  }
}

function roleOf(proc: ProcInfo): ProcessRole {
  if (proc.comm === "pulumi") return "cli";
  if (proc.comm.startsWith("pulumi-languag")) return "langhost";
  if (proc.comm === "node" || proc.comm.startsWith("MainThread")) {
    let cmdline = "";
    try {
      cmdline = readFileSync(`/proc/${proc.pid}/cmdline`, "utf8");
    } catch {
      return "other";
    }
    if (cmdline.includes("dynamic-provider")) return "provider";
    return "program";
  }
  if (proc.comm.startsWith("pulumi-resource")) return "provider";
  return "other";
}

/** Parent pid -> its child processes. */
function childMap(procs: ProcInfo[]): Map<number, ProcInfo[]> {
  const children = new Map<number, ProcInfo[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  return children;
}

/**
 * A process's role, kept per pid: its own, else (an unclassified helper, e.g. tsx's esbuild under the provider) its
 * parent's, unless that parent is the CLI or the language host.
 */
function roleIn(p: ProcInfo, parentRole: ProcessRole | undefined, roles: Map<number, ProcessRole>): ProcessRole {
  let role = roles.get(p.pid);
  if (role === undefined) {
    role = roleOf(p);
    if (role === "other" && parentRole !== undefined && parentRole !== "cli" && parentRole !== "langhost") role = parentRole;
    roles.set(p.pid, role);
  }
  return role;
}

/** Samples the RSS of this process's pulumi descendants every `intervalMs` until stop(). */
export function sampleRss(intervalMs = 150): { stop(): RssPeaks } {
  const peaks: RssPeaks = { tree: 0, byRole: { cli: 0, langhost: 0, program: 0, provider: 0, other: 0 }, samples: 0, seen: [] };
  const seen = new Set<string>();
  const roles = new Map<number, ProcessRole>();
  const sample = () => {
    const procs = readProcs();
    const children = childMap(procs);
    const excluded = (p: ProcInfo) => p.comm === "pocketbase" || (p.comm === "sh" && (children.get(p.pid) ?? []).some((c) => c.comm === "pocketbase"));
    const byRole: Record<ProcessRole, number> = { cli: 0, langhost: 0, program: 0, provider: 0, other: 0 };
    let total = 0;
    // Helpers of a pulumi process (e.g. tsx's esbuild under the provider) count towards it; this process's own
    // helpers (its esbuild, PocketBase) do not.
    const queue: Array<[ProcInfo, ProcessRole | undefined]> = (children.get(process.pid) ?? []).map((p) => [p, undefined]);
    while (queue.length > 0) {
      const [p, parentRole] = queue.pop()!;
      if (excluded(p)) continue;
      const role = roleIn(p, parentRole, roles);
      queue.push(...(children.get(p.pid) ?? []).map((c): [ProcInfo, ProcessRole] => [c, role]));
      if (role === "other") continue;
      seen.add(`${role} ${p.comm}`);
      const mb = rssMb(p.pid);
      byRole[role] += mb;
      total += mb;
    }
    peaks.samples += 1;
    peaks.tree = Math.max(peaks.tree, total);
    for (const role of Object.keys(byRole) as ProcessRole[]) peaks.byRole[role] = Math.max(peaks.byRole[role], byRole[role]);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      peaks.seen = [...seen].sort();
      if (process.env.BENCH_DEBUG) log(`rss: ${peaks.samples} samples, processes seen: ${peaks.seen.join(", ")}`);
      return peaks;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The baseline: trivial dynamic resources (create returns at once, no network, no diff/check). It stands in for
// random.RandomPet, whose provider plugin cannot be built here (the Go module proxy refuses it).

const TRIVIAL_PREAMBLE = `
import * as pulumi from "@pulumi/pulumi";
import { inFreshTask } from "${repoRoot}/program/fresh-task";

const trivialProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: any) {
    return { id: String(inputs.name), outs: inputs };
  },
};

class Trivial extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  constructor(name: string, props: Record<string, pulumi.Input<unknown>>, opts?: pulumi.CustomResourceOptions) {
    super(trivialProvider, name, { name, ...props }, opts, "bench", "Trivial");
  }
}
const cfg = new pulumi.Config();
`;

/**
 * N chains of 3 trivial resources (project -> service -> domain: the second takes the first's id, the third the
 * second's), the same graph as bench/providers.ts's program.
 */
export const TRIVIAL_CHAINS_SOURCE = `${TRIVIAL_PREAMBLE}
// Registers after an await in a fresh task, like the measured programs (test/support/programs.ts, index.ts).
export = async () => inFreshTask(declare, await Promise.resolve(cfg.requireNumber("count")));

function declare(count: number) {
  for (let i = 0; i < count; i++) {
    const project = new Trivial(\`project-\${i}\`, {});
    const service = new Trivial(\`service-\${i}\`, { projectId: project.id });
    new Trivial(\`domain-\${i}\`, { serviceId: service.id });
  }
}
`;

/**
 * The shape of index.ts with trivial resources: one guard, then per tenant a component holding a project, a
 * service, a domain (except every third tenant, a telegram-bot without one) and a record, wired the same way.
 */
export const TRIVIAL_TENANTS_SOURCE = `${TRIVIAL_PREAMBLE}
// Registers after an await in a fresh task, as index.ts does once the tenants are loaded.
export = async () => inFreshTask(declare, await Promise.resolve(cfg.requireNumber("count")));

function declare(count: number) {
  const guard = new Trivial("teardown-guard", {});
  const statuses: Record<string, pulumi.Output<string>> = {};
  for (let i = 0; i < count; i++) {
    const slug = \`tenant-\${String(i).padStart(4, "0")}\`;
    const component = new pulumi.ComponentResource("bench:tenant:Stack", slug, {}, { dependsOn: guard });
    const child = { parent: component, dependsOn: guard };
    const project = new Trivial(\`\${slug}-project\`, {}, child);
    const service = new Trivial(\`\${slug}-service\`, { projectId: project.id }, child);
    const domain = i % 3 === 2 ? undefined : new Trivial(\`\${slug}-domain\`, { serviceId: service.id }, child);
    new Trivial(\`\${slug}-record\`, { serviceId: service.id }, { parent: component, dependsOn: domain ? [domain] : [service] });
    component.registerOutputs({});
    statuses[slug] = service.id;
  }
  return { tenants: statuses, tenantCount: count };
}
`;

// ---------------------------------------------------------------------------------------------------------
// Where the bytes of `pulumi stack export` go: per resource type, and per field of a resource (inputs, outputs,
// the registration's stack trace, dependencies, the rest). `stack export` indents by 4 spaces, and a resource sits
// 3 levels deep (deployment.resources[i]), so each figure is the field as it appears in the export, indentation
// included.

export interface StateFigures {
  /** Bytes of the whole export. */
  total: number;
  /** Resource type (last part of the token, e.g. `Service`) -> count and bytes per resource, by part. */
  byType: Record<string, { count: number; bytes: number; parts: Record<string, number> }>;
  /** Bytes of serialized provider code (`__provider` in inputs and outputs), all resources. */
  provider: number;
}

const PARTS = ["inputs", "outputs", "stackTrace", "propertyDependencies", "dependencies"] as const;

function exported(value: unknown, depth: number): number {
  const pad = " ".repeat(4 * depth);
  return Buffer.byteLength(JSON.stringify(value, null, 4).replace(/\n/g, `\n${pad}`), "utf8");
}

export function stateFigures(text: string): StateFigures {
  const state = JSON.parse(text) as { deployment: { resources?: Array<Record<string, unknown> & { type: string }> } };
  const byType: StateFigures["byType"] = {};
  let provider = 0;
  for (const resource of state.deployment.resources ?? []) {
    const type = resource.type.split(/[:/]/).pop() ?? resource.type;
    const row = (byType[type] ??= { count: 0, bytes: 0, parts: Object.fromEntries([...PARTS, "other"].map((p) => [p, 0])) });
    row.count += 1;
    // The resource object, its indentation, and the ",\n" that separates it from the next one.
    const bytes = exported(resource, 3) + 12 + 2;
    row.bytes += bytes;
    let parts = 0;
    for (const part of PARTS) {
      if (resource[part] === undefined) continue;
      // `"key": value,\n` at depth 4.
      const size = exported(resource[part], 4) + Buffer.byteLength(`"${part}": ,\n`) + 16;
      row.parts[part] += size;
      parts += size;
    }
    row.parts.other += bytes - parts;
    for (const bag of [resource.inputs, resource.outputs] as Array<Record<string, unknown> | undefined>) {
      if (typeof bag?.__provider === "string") provider += Buffer.byteLength(bag.__provider, "utf8");
    }
  }
  for (const row of Object.values(byType)) {
    row.bytes /= row.count;
    for (const part of Object.keys(row.parts)) row.parts[part] /= row.count;
  }
  return { total: Buffer.byteLength(text, "utf8"), byType, provider };
}

/** `pulumi stack export`, measured by resource type and part (bench/support.ts). */
export function stateBytes(program: TestProgram): StateFigures {
  // To a file: the export of 100 tenants is larger than execFileSync's output buffer.
  const file = join(program.workDir, "..", "export.json");
  program.cli(["stack", "export", "--file", file]);
  const text = readFileSync(file, "utf8");
  if (process.env.BENCH_DEBUG) {
    mkdirSync(join(__dirname, "results"), { recursive: true });
    writeFileSync(join(__dirname, "results", `export-${basename(dirname(program.workDir))}.json`), text);
  }
  return stateFigures(text);
}

/** e.g. `Service 4,210 B (inputs 1,500, outputs 1,200, stackTrace 700, ...)`, for the entry's label. */
export function describeTypes(figures: StateFigures, types: string[]): string {
  const n = (x: number) => Math.round(x).toLocaleString("en-US");
  return types
    .filter((type) => figures.byType[type])
    .map((type) => {
      const row = figures.byType[type];
      const parts = Object.entries(row.parts).filter(([, bytes]) => bytes > 0).map(([part, bytes]) => `${part} ${n(bytes)}`);
      return `${type} ${n(row.bytes)} B (${parts.join(", ")})`;
    })
    .join("; ");
}

/** Peak RSS per pulumi process tree (one tree per CLI this process started), for runs that go in parallel. */
export interface TreePeaks {
  /** Highest RSS of any one tree at one sample, MB (its CLI, language host, program and providers together). */
  maxTree: number;
  /** Highest sum over all trees at one sample, MB. */
  total: number;
  /** How many distinct trees were seen. */
  trees: number;
  samples: number;
}

/**
 * Samples the RSS of each tree of pulumi processes this process started (a direct child and its descendants, with
 * sampleRss's roles: PocketBase and unclassified helpers not counted) every `intervalMs` until stop().
 */
export function sampleRssTrees(intervalMs = 150): { stop(): TreePeaks } {
  const peaks: TreePeaks = { maxTree: 0, total: 0, trees: 0, samples: 0 };
  const roots = new Set<number>();
  const roles = new Map<number, ProcessRole>();
  const sample = () => {
    const procs = readProcs();
    const children = childMap(procs);
    let total = 0;
    for (const root of children.get(process.pid) ?? []) {
      if (root.comm === "pocketbase" || root.comm === "sh") continue;
      let tree = 0;
      const queue: Array<[ProcInfo, ProcessRole | undefined]> = [[root, undefined]];
      while (queue.length > 0) {
        const [p, parentRole] = queue.pop()!;
        const role = roleIn(p, parentRole, roles);
        queue.push(...(children.get(p.pid) ?? []).map((c): [ProcInfo, ProcessRole] => [c, role]));
        if (role !== "other") tree += rssMb(p.pid);
      }
      if (tree > 0) roots.add(root.pid);
      peaks.maxTree = Math.max(peaks.maxTree, tree);
      total += tree;
    }
    peaks.total = Math.max(peaks.total, total);
    peaks.samples += 1;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      peaks.trees = roots.size;
      if (process.env.BENCH_DEBUG) log(`rss trees: ${peaks.samples} samples, ${peaks.trees} trees, largest ${peaks.maxTree.toFixed(0)} MB`);
      return peaks;
    },
  };
}
