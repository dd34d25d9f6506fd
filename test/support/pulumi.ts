// Real Pulumi programs in temporary folders, driven through the Automation API over the real CLI
// (the `pulumi` on PATH: scripts/env.sh puts the project toolchain first), each with its own file:// backend.
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

export const repoRoot = resolve(__dirname, "../..");

export interface ProgramOptions {
  /** Project name; stack config keys are namespaced by it. */
  project: string;
  /** index.ts of the program. */
  source: string;
  /** Extra files, path relative to the program folder -> content. */
  files?: Record<string, string>;
  /** Plain and secret stack config (keys without namespace). */
  config?: Record<string, string>;
  secrets?: Record<string, string>;
  stackName?: string;
  /** Program folder; default a new temporary one. */
  workDir?: string;
  /** Where the temporary folder goes; default the system's. */
  parentDir?: string;
  /**
   * What loads the program's TypeScript: "ts-node" (default), as `pulumi up` does for Pulumi.yaml's `typescript`
   * option; or "tsx", a JavaScript entry that registers tsx (esbuild, its output cached on disk) and requires
   * index.ts. Both only transpile (scripts/env.sh; `npm run typecheck` checks types). ts-node compiles each of the
   * program's ~85 files with the TypeScript compiler on every run, about 3 s of each preview or up on this machine
   * (6-8 s under load) where tsx takes well under one: the engine tests run the program a few hundred times.
   */
  loader?: "ts-node" | "tsx";
  /** Environment variables added to every CLI run of the stack (and so to the program and its providers). */
  env?: Record<string, string>;
}

export interface TestProgram {
  stack: Stack;
  workDir: string;
  backendDir: string;
  /** Runs the CLI itself (for commands the Automation API does not cover) in the program's environment. */
  cli(args: string[]): string;
  dispose(): void;
}

export function randomPluginInstalled(): boolean {
  const out = execFileSync("pulumi", ["plugin", "ls", "--json"], { encoding: "utf8" });
  const plugins = JSON.parse(out) as Array<{ name: string; kind: string }> | null;
  return (plugins ?? []).some((p) => p.name === "random" && p.kind === "resource");
}

export async function createProgram(options: ProgramOptions): Promise<TestProgram> {
  if (options.parentDir) mkdirSync(options.parentDir, { recursive: true });
  const base = mkdtempSync(join(options.parentDir ?? tmpdir(), `${options.project}-`));
  const workDir = options.workDir ?? join(base, "program");
  const backendDir = join(base, "state");
  mkdirSync(workDir, { recursive: true });
  mkdirSync(backendDir, { recursive: true });
  if (!options.workDir) {
    const tsx = options.loader === "tsx";
    writeFileSync(join(workDir, "Pulumi.yaml"), `name: ${options.project}\nruntime:\n  name: nodejs\n  options:\n    typescript: ${!tsx}\n`);
    writeFileSync(join(workDir, "package.json"), JSON.stringify({ name: options.project, private: true, main: tsx ? "index.js" : "index.ts" }));
    if (tsx) writeFileSync(join(workDir, "index.js"), `require(${JSON.stringify(`${repoRoot}/node_modules/tsx/dist/cjs/api/index.cjs`)}).register();\nmodule.exports = require("./index.ts");\n`);
    writeFileSync(
      join(workDir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { target: "ES2022", module: "commonjs", moduleResolution: "node", strict: true, esModuleInterop: true, skipLibCheck: true } }),
    );
    symlinkSync(join(repoRoot, "node_modules"), join(workDir, "node_modules"));
    writeFileSync(join(workDir, "index.ts"), options.source);
    for (const [file, content] of Object.entries(options.files ?? {})) {
      mkdirSync(dirname(join(workDir, file)), { recursive: true });
      writeFileSync(join(workDir, file), content);
    }
  }
  const envVars = {
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: "test-passphrase",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    CLOUDFREEDOM_ROOT: repoRoot,
    ...options.env,
  };
  const pulumiCommand = await PulumiCommand.get();
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: options.stackName ?? "test", workDir },
    { envVars, pulumiCommand },
  );
  // One `pulumi config set-all` rather than a CLI run per key: each run opens the stack and its passphrase secrets
  // manager, a second or two apiece on a loaded machine, and a platform sets about fifteen keys.
  const config = {
    ...Object.fromEntries(Object.entries(options.config ?? {}).map(([key, value]) => [key, { value }])),
    ...Object.fromEntries(Object.entries(options.secrets ?? {}).map(([key, value]) => [key, { value, secret: true }])),
  };
  if (Object.keys(config).length > 0) await stack.setAllConfig(config);
  return {
    stack,
    workDir,
    backendDir,
    cli: (args) =>
      execFileSync("pulumi", [...args, "--stack", stack.name, "--non-interactive"], {
        cwd: workDir,
        env: { ...process.env, ...envVars },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }),
    dispose: () => rmSync(base, { recursive: true, force: true }),
  };
}
