import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commandLine, integerOption, UsageError } from "../lib/cli/args";
import { parseVersion } from "../lib/coolify/versions";
import { isLoopback } from "./api/control";
import { startCoolifyEmulator, type EmulatorOptions } from "./server";

const COMMAND = {
  name: "coolify:emulator",
  usage: "[--port <n>] [--host <address>] [--token <root token> | --token-file <path>] [--lifecycle-delay-ms <ms>] " +
    "[--delete-delay-ms <ms>] [--rate-limit <per minute>] [--api-disabled] [--coolify-version <x.y.z>] [--docker <unix:///path/docker.sock>]",
  options: {
    port: { type: "string" },
    host: { type: "string" },
    token: { type: "string" },
    "token-file": { type: "string" },
    "lifecycle-delay-ms": { type: "string" },
    "delete-delay-ms": { type: "string" },
    "rate-limit": { type: "string" },
    "api-disabled": { type: "boolean" },
    "coolify-version": { type: "string" },
    docker: { type: "string" },
  },
} as const;

function emulatorOptions(argv: string[]): EmulatorOptions & { tokenFile?: string } {
  return commandLine(COMMAND, argv, ({ values }) => {
    const version = values["coolify-version"];
    if (version !== undefined && parseVersion(version) === undefined) throw new UsageError(`--coolify-version must look like 4.3.11, got "${version}"`);
    const chosen: EmulatorOptions & { tokenFile?: string } = {
      port: integerOption(values, "port", { min: 0, max: 65535 }),
      host: values.host,
      rootToken: values.token,
      tokenFile: values["token-file"],
      lifecycleDelayMs: integerOption(values, "lifecycle-delay-ms", { min: 0 }),
      deleteDelayMs: integerOption(values, "delete-delay-ms", { min: 0 }),
      rateLimitPerMinute: integerOption(values, "rate-limit", { min: 0 }),
      apiEnabled: values["api-disabled"] ? false : undefined,
      coolifyVersion: version,
      docker: dockerOption(values.docker),
    };
    // Only what was given: an undefined port would override the default 8000.
    return Object.fromEntries(Object.entries(chosen).filter(([, value]) => value !== undefined));
  });
}

/** `--docker unix:///path/docker.sock`: starts, stops and deletes run on that engine behind a coolify-proxy Traefik. */
function dockerOption(host: string | undefined): EmulatorOptions["docker"] {
  if (host === undefined) return undefined;
  if (!/^unix:\/\/\/.+/.test(host)) throw new UsageError(`--docker must name an engine socket like unix:///run/docker.sock, got "${host}"`);
  return { host };
}

/** Sanctum's `<id>|` prefix is not secret; nothing of the secret part is shown. */
function hint(token: string): string {
  const bar = token.indexOf("|");
  return bar >= 0 ? `${token.slice(0, bar + 1)}…(${token.length} chars)` : `…(${token.length} chars)`;
}

async function main(): Promise<void> {
  const parsed = emulatorOptions(process.argv.slice(2));
  const emulator = await startCoolifyEmulator({ port: 8000, ...parsed });
  const lines = [
    `Coolify emulator listening on ${emulator.url} (API under ${emulator.url}/api/v1)`,
    `root token: ${hint(emulator.token)}`,
    `server uuid: ${emulator.serverUuid}`,
    `destination uuid: ${emulator.destinationUuid}`,
    `control routes: ${emulator.url}/_emulator/{state,requests,faults,tokens,api-enabled,volumes,services/<uuid>/effective,engine,services/<uuid>/engine}`,
    isLoopback(new URL(emulator.url).hostname.replace(/^\[|\]$/g, ""))
      ? "  answered for loopback clients without a token (bound to loopback)"
      : "  not on loopback: every control request needs the root token (Authorization: Bearer <token>)",
    ...(emulator.docker
      ? [`docker mode: engine ${emulator.docker.dockerHost}; coolify-proxy http ${emulator.docker.proxyHttpUrl}, https ${emulator.docker.proxyHttpsUrl}, API ${emulator.docker.proxyApiUrl}`]
      : []),
  ];
  if (!parsed.rootToken) {
    // A generated token is written to a file (mode 600), never printed in full.
    const file = parsed.tokenFile ?? join(process.cwd(), ".local", "coolify-emulator-token");
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, `${emulator.token}\n`, { mode: 0o600 });
    lines.push(`generated root token written to ${file}`);
  }
  console.log(lines.join("\n"));
  const stop = () => {
    emulator.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
