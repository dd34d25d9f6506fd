// npm run coolify:check [-- --stack <name>] [--owner <organisation>/<project>/<stack>] [--json]
// Reports whether a live Coolify fits the program (lib/coolify/preflight.ts), with a fix per problem; exits 1 while
// any problem remains, 2 on bad arguments or a connection it cannot build. Read-only: GET requests plus two probes
// that cannot change anything, safe against production.
// The connection comes from the selected stack's config (`pulumi config --json --show-secrets`: coolifyUrl,
// coolifyToken, coolifyServerUuid, coolifyDestinationUuid, coolifyRateLimit), or entirely from the environment:
// COOLIFY_URL and COOLIFY_TOKEN (then pulumi is not asked), with COOLIFY_SERVER_UUID (comma list),
// COOLIFY_DESTINATION_UUID and COOLIFY_RATE_LIMIT. --owner names the stack whose markers are ours (default: the
// selected stack's full name; none in the environment-only mode).
import { readServerFleet } from "../lib/servers";
import { commandLine } from "../lib/cli/args";
import { formatFindings } from "../lib/cli/findings";
import { fullStackName, readStackConfig } from "../lib/cli/stack-config";
import { runPreflight, type Finding, type PreflightOptions } from "../lib/coolify/preflight";

const COMMAND = {
  name: "coolify:check",
  usage: "[--stack <name>] [--owner <organisation>/<project>/<stack>] [--json]",
  options: { stack: { type: "string" }, owner: { type: "string" }, json: { type: "boolean" } },
} as const;

const ENV_ALTERNATIVE = "set COOLIFY_URL, COOLIFY_TOKEN and COOLIFY_SERVER_UUID instead";

export interface CheckSettings extends Omit<PreflightOptions, "owners"> {
  /** Findings about the settings themselves (a missing server uuid). */
  findings: Finding[];
}

/** The preflight's inputs from the environment, or else from the stack config. */
export function settings(args: { stack?: string; owner?: string }, env: NodeJS.ProcessEnv, config: (stack?: string) => Record<string, string>, stackName: (stack?: string) => string): CheckSettings {
  const fromEnv = Boolean(env.COOLIFY_URL && env.COOLIFY_TOKEN);
  const stack = fromEnv ? {} : config(args.stack);
  const pick = (envKey: string, key: string) => (fromEnv ? env[envKey] : stack[key]) || undefined;
  const [url, token] = [pick("COOLIFY_URL", "coolifyUrl"), pick("COOLIFY_TOKEN", "coolifyToken")];
  if (!url || !token) {
    throw new Error("coolify:check: the stack config lacks coolifyUrl or coolifyToken.\nFix: `pulumi config set coolifyUrl <url>` and `pulumi config set --secret coolifyToken <token>`, or export COOLIFY_URL and COOLIFY_TOKEN.");
  }
  // Every server tenants may be placed on (coolifyServers), and the older coolifyServerUuid.
  const fleet = !fromEnv && stack.coolifyServers ? readServerFleet({ coolifyServers: stack.coolifyServers }).servers.map((s) => s.uuid) : [];
  const servers = [...new Set([...fleet, ...(pick("COOLIFY_SERVER_UUID", "coolifyServerUuid") ?? "").split(",").map((s) => s.trim()).filter(Boolean)])];
  const destinationUuid = pick("COOLIFY_DESTINATION_UUID", "coolifyDestinationUuid");
  const rate = Number(pick("COOLIFY_RATE_LIMIT", "coolifyRateLimit") ?? "");
  const owner = args.owner ?? (fromEnv ? undefined : stackName(args.stack));
  const findings: Finding[] = servers.length > 0 ? [] : [{
    level: "problem", check: "server", message: "no server is configured: the program needs the server that runs the tenant stacks",
    fix: fromEnv ? "export COOLIFY_SERVER_UUID=<uuid from GET /api/v1/servers>" : "pulumi config set coolifyServerUuid '<uuid from GET /api/v1/servers>'",
  }];
  return {
    // One attempt per call and a short timeout: a check should answer, not wait out a retry policy.
    conn: { url, token, maxRetries: 1, timeoutMs: 15_000, rateLimitPerMinute: 0 },
    servers,
    ...(destinationUuid ? { destinationUuid } : {}),
    ...(owner ? { stack: owner } : {}),
    ...(rate > 0 ? { clientRateLimit: rate } : {}),
    env,
    findings,
  };
}

export function format(findings: Finding[]): string {
  return formatFindings(findings, { failed: "the program cannot run against this Coolify as it is.", passed: "the program can deploy to this Coolify." });
}

async function main(): Promise<void> {
  const { values } = commandLine(COMMAND);
  const { findings: early, ...options } = settings(values, process.env,
    (stack) => readStackConfig(COMMAND.name, stack, ENV_ALTERNATIVE),
    (stack) => fullStackName(COMMAND.name, stack, ENV_ALTERNATIVE));
  // The providers' marker parsing, loaded after the arguments are checked (it brings the Pulumi SDK).
  const [{ projectOwner }, { serviceOwner }] = await Promise.all([import("../providers/project"), import("../providers/service-model")]);
  const findings = [...early, ...(await runPreflight({ ...options, owners: { project: projectOwner, service: serviceOwner } }))];
  const ok = !findings.some((finding) => finding.level === "problem");
  console.log(values.json ? JSON.stringify({ ok, findings }, null, 2) : format(findings));
  if (!ok) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  });
}
