// npm run pocketbase:check [-- --stack <name>] [--sample <rows>]
// Reports whether a live PocketBase fits the program (lib/tenants/view-check.ts), with a fix per problem;
// exits 1 when anything must change. Read-only: a superuser login and GET requests, safe against production.
// The connection comes from the selected stack's config (`pulumi config --json --show-secrets`, so the
// passphrase or secrets provider must be at hand), or entirely from the environment: POCKETBASE_URL,
// POCKETBASE_EMAIL, POCKETBASE_PASSWORD (then pulumi is not asked), plus POCKETBASE_TENANT_VIEW and
// POCKETBASE_TENANT_SOURCES (comma list) to override the view and the realtime source collections.
import { commandLine, integerOption } from "../lib/cli/args";
import { formatFindings } from "../lib/cli/findings";
import { readStackConfig } from "../lib/cli/stack-config";
import { checkTenantSource, type Finding, type ViewCheckOptions } from "../lib/tenants/view-check";

interface Args {
  stack?: string;
  sample?: number;
}

const COMMAND = {
  name: "pocketbase:check",
  usage: "[--stack <name>] [--sample <rows, 1..1000>]",
  options: { stack: { type: "string" }, sample: { type: "string" } },
} as const;

function parseArgs(argv: string[]): Args {
  return commandLine(COMMAND, argv, ({ values }) => {
    const sample = integerOption(values, "sample", { min: 1, max: 1000 });
    return { ...(values.stack !== undefined ? { stack: values.stack } : {}), ...(sample !== undefined ? { sample } : {}) };
  });
}

/** The stack config as `pulumi config --json` prints it, keys without namespace. */
function stackConfig(stack: string | undefined): Record<string, string> {
  return readStackConfig("pocketbase:check", stack, "set POCKETBASE_URL, POCKETBASE_EMAIL and POCKETBASE_PASSWORD instead");
}

export function settings(args: Args, env: NodeJS.ProcessEnv, config: (stack?: string) => Record<string, string>): ViewCheckOptions {
  const fromEnv = env.POCKETBASE_URL && env.POCKETBASE_EMAIL && env.POCKETBASE_PASSWORD;
  const stack = fromEnv ? {} : config(args.stack);
  const pick = (envKey: string, key: string) => env[envKey] || stack[key] || undefined;
  const [url, email, password] = [pick("POCKETBASE_URL", "pocketbaseUrl"), pick("POCKETBASE_EMAIL", "pocketbaseEmail"), pick("POCKETBASE_PASSWORD", "pocketbasePassword")];
  if (!url || !email || !password) {
    throw new Error("pocketbase:check: the stack config lacks pocketbaseUrl, pocketbaseEmail or pocketbasePassword.\nFix: set them with `pulumi config set` (the password with --secret), or export POCKETBASE_URL, POCKETBASE_EMAIL and POCKETBASE_PASSWORD.");
  }
  const view = pick("POCKETBASE_TENANT_VIEW", "tenantView");
  const sources = pick("POCKETBASE_TENANT_SOURCES", "tenantSourceCollections");
  return {
    url,
    email,
    password,
    ...(view ? { view } : {}),
    ...(sources ? { sourceCollections: sources.split(",").map((name) => name.trim()).filter(Boolean) } : {}),
    ...(args.sample !== undefined ? { sampleSize: args.sample } : {}),
  };
}

export function format(findings: Finding[]): string {
  return formatFindings(findings, { failed: "the program cannot run against this PocketBase as it is.", passed: "the program can read its tenants here." });
}

async function main(): Promise<void> {
  const options = settings(parseArgs(process.argv.slice(2)), process.env, stackConfig);
  const findings = await checkTenantSource(options);
  console.log(format(findings));
  if (findings.some((finding) => finding.level === "problem")) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  });
}
