// What the readConfig tests share: a stand-in for pulumi.Config over a plain map, the problems a config is refused
// with, and the keys every complete config has besides its servers.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, readConfig } from "../../lib/config";

/** Every required key but the servers (coolifyServers or coolifyServerUuid), with made-up values. */
export const CONFIG_BASE: Record<string, string> = {
  coolifyUrl: "https://coolify.example.com",
  baseDomain: "agents.example.com",
  pocketbaseUrl: "https://pb.example.com",
  pocketbaseEmail: "provisioner@example.com",
  aiRouterUrl: "https://ai.example.com/v1",
  coolifyToken: "tok",
  pocketbasePassword: "pw",
};

/** A stand-in for pulumi.Config over a plain map; secrets come back as secret Outputs. */
export function configOf(values: Record<string, string>): pulumi.Config {
  return {
    get: (key: string) => values[key],
    getSecret: (key: string) => (values[key] === undefined ? undefined : pulumi.secret(values[key])),
  } as unknown as pulumi.Config;
}

/** The problems readConfig refuses `values` with; throws when it takes them, or fails otherwise than with a ConfigError. */
export function problemsOf(values: Record<string, string>, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    readConfig(configOf(values), env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}
