// The pulumi CLI as `npm run shards` uses it, in the project folder (the current directory) with the operator's
// backend and passphrase. A failed call throws its command and pulumi's own message (never a secret: no output of a
// call is put into an error, only pulumi's stderr).
import { execFileSync, spawnSync } from "node:child_process";
import type { Deployment } from "./split-plan";

export interface Export {
  version: number;
  deployment: Deployment;
}

export function pulumi(args: string[]): string {
  try {
    return execFileSync("pulumi", [...args, "--non-interactive"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
    throw new Error(`shards: \`pulumi ${args.join(" ").slice(0, 300)}\` failed${stderr ? `: ${stderr.split("\n").slice(0, 6).join("\n")}` : ""}`);
  }
}

/** Names of the project's stacks in the current backend. */
export function stackNames(): Set<string> {
  const list = JSON.parse(pulumi(["stack", "ls", "--json"])) as Array<{ name: string }>;
  // A backend with organisations lists `org/stack` for stacks of other organisations only; names stay as given.
  return new Set(list.map((s) => s.name));
}

/** A stack's state; `showSecrets` decrypts its secrets, which then exist only in this process's memory. */
export function exportStack(stack: string, showSecrets = false): Export {
  return JSON.parse(pulumi(["stack", "export", "--stack", stack, ...(showSecrets ? ["--show-secrets"] : [])])) as Export;
}

/** Imports an edited export through stdin (no file on disk); plaintext secrets in it are encrypted for the stack. */
export function importStack(stack: string, state: Export): void {
  try {
    execFileSync("pulumi", ["stack", "import", "--stack", stack, "--non-interactive"], { input: JSON.stringify(state), encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], maxBuffer: 1 << 30 });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
    throw new Error(`shards: \`pulumi stack import --stack ${stack}\` failed${stderr ? `: ${stderr.split("\n").slice(0, 6).join("\n")}` : ""}`);
  }
}

/** Moves resources (with their children) between stacks; pulumi re-encrypts their secrets for the destination. */
export function stateMove(source: string, dest: string, urns: string[]): void {
  if (urns.length === 0) return;
  pulumi(["state", "move", "--source", source, "--dest", dest, "--yes", ...urns]);
}

/** The fleet stack's secrets provider as `pulumi stack init --secrets-provider` takes it (undefined: the backend's default). */
export function secretsProviderOf(state: Export): string | undefined {
  const provider = state.deployment.secrets_providers as { type?: string; state?: { url?: string } } | undefined;
  if (provider?.type === "passphrase") return "passphrase";
  if (provider?.type === "cloud" && provider.state?.url) return provider.state.url;
  return undefined;
}

const CHECK_KEY = "shardsSecretsCheck";

/**
 * Whether this process can act as the shard: encrypt with the shard's own secrets manager (a secret set and removed
 * again in its stack file; pulumi checks a passphrase only when encrypting) and read the fleet's config file with its
 * secrets. A shard created under another passphrase fails the first; `pulumi state move` into it would fail too.
 * Undefined when it can, else which part failed.
 */
export function shardSecretsProblem(stack: string, fleetConfigFile: string): string | undefined {
  try {
    pulumi(["config", "set", "--secret", "--stack", stack, CHECK_KEY, "x"]);
  } catch {
    return `stack ${stack} cannot encrypt with its own secrets provider (for a passphrase: PULUMI_CONFIG_PASSPHRASE is not the one it was created with)`;
  } finally {
    try {
      pulumi(["config", "rm", "--stack", stack, CHECK_KEY]);
    } catch {
      // Absent when the set failed.
    }
  }
  try {
    pulumi(["config", "--stack", stack, "--config-file", fleetConfigFile, "--show-secrets", "--json"]);
  } catch {
    return `stack ${stack} cannot decrypt the secrets in ${fleetConfigFile}`;
  }
  return undefined;
}

/** Runs a pulumi command with its output on this terminal; true when it succeeded. */
export function pulumiInteractive(args: string[]): boolean {
  const result = spawnSync("pulumi", args, { stdio: "inherit" });
  return result.status === 0;
}
