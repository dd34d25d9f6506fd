// The selected stack's config as the operator commands read it: `pulumi config --json --show-secrets`, so the
// passphrase or secrets provider must be at hand. Keys lose their `<project>:` namespace.
import { execFileSync } from "node:child_process";

/** "<key>" -> value of every config entry of the stack (`--stack` when given, else the selected one). */
export function readStackConfig(command: string, stack: string | undefined, envAlternative: string): Record<string, string> {
  const args = ["config", "--json", "--show-secrets", ...(stack !== undefined ? ["--stack", stack] : [])];
  const parsed = JSON.parse(pulumi(command, args, envAlternative)) as Record<string, { value?: unknown }>;
  return Object.fromEntries(Object.entries(parsed).map(([key, entry]) => [key.slice(key.indexOf(":") + 1), String(entry.value ?? "")]));
}

/** `<organisation>/<project>/<stack>` of the stack, as the program writes it into its ownership markers. */
export function fullStackName(command: string, stack: string | undefined, envAlternative: string): string {
  const args = ["stack", "--show-name", "--fully-qualify-stack-names", ...(stack !== undefined ? ["--stack", stack] : [])];
  return pulumi(command, args, envAlternative).trim();
}

function pulumi(command: string, args: string[], envAlternative: string): string {
  try {
    return execFileSync("pulumi", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
    throw new Error(
      `${command}: \`pulumi ${args.join(" ")}\` failed${stderr ? `: ${stderr}` : ""}\n` +
        `Fix: select the stack (\`pulumi stack select <name>\` or --stack), export PULUMI_CONFIG_PASSPHRASE, or ${envAlternative}.`,
    );
  }
}
