// A stack whose secrets are encrypted with a passphrase must not use an empty one, except the local `dev`
// stack: an empty passphrase protects nothing.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export class PassphraseError extends Error {
  constructor(stack: string) {
    super(
      `stack "${stack}" encrypts its secrets with an empty passphrase; refusing to run. ` +
        "Set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to a real passphrase, or use another secrets " +
        "provider (`pulumi stack change-secrets-provider`). Only the local `dev` stack may use an empty one.",
    );
    this.name = "PassphraseError";
  }
}

/** Pure: the stack name, the environment, and the stack's settings file (`Pulumi.<stack>.yaml`) if any. */
export function checkPassphrase(stack: string, env: NodeJS.ProcessEnv, stackFile: string | undefined): void {
  if (stack === "dev") return;
  const usesPassphrase = /^encryptionsalt:/m.test(stackFile ?? "");
  const empty = (env.PULUMI_CONFIG_PASSPHRASE ?? "") === "" && !env.PULUMI_CONFIG_PASSPHRASE_FILE;
  if (usesPassphrase && empty) throw new PassphraseError(stack);
}

/** Reads the stack's settings file from the project folder (the program's working directory). */
export function stackSettings(stack: string, dir = process.cwd()): string | undefined {
  try {
    return readFileSync(join(dir, `Pulumi.${stack}.yaml`), "utf8");
  } catch {
    return undefined;
  }
}
