import { describe, expect, it } from "vitest";
import { checkPassphrase, PassphraseError } from "../../program/passphrase";

const PASSPHRASE_STACK = "encryptionsalt: v1:abc:def\nconfig:\n  x: y\n";

describe("checkPassphrase", () => {
  it("refuses a non-dev stack encrypted with an empty passphrase, saying how to fix it", () => {
    expect(() => checkPassphrase("prod", { PULUMI_CONFIG_PASSPHRASE: "" }, PASSPHRASE_STACK)).toThrow(PassphraseError);
    expect(() => checkPassphrase("prod", {}, PASSPHRASE_STACK)).toThrow(/stack "prod" encrypts its secrets with an empty passphrase; refusing to run\. Set PULUMI_CONFIG_PASSPHRASE/);
  });

  it.each([
    ["the dev stack", "dev", { PULUMI_CONFIG_PASSPHRASE: "" }, PASSPHRASE_STACK],
    ["a real passphrase", "prod", { PULUMI_CONFIG_PASSPHRASE: "s3cret" }, PASSPHRASE_STACK],
    ["a passphrase file", "prod", { PULUMI_CONFIG_PASSPHRASE_FILE: "/run/secrets/pp" }, PASSPHRASE_STACK],
    ["another secrets provider", "prod", { PULUMI_CONFIG_PASSPHRASE: "" }, "secretsprovider: awskms://alias/x\n"],
  ])("lets %s through", (_name, stack, env, file) => {
    expect(() => checkPassphrase(stack, env, file)).not.toThrow();
  });
});
