import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isLoopback } from "./control";
import { startCoolifyEmulator, type EmulatorOptions } from "./server";

function parseArgs(argv: string[]): EmulatorOptions & { tokenFile?: string } {
  const options: EmulatorOptions & { tokenFile?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i];
    if (flag === "--port") options.port = Number(value());
    else if (flag === "--host") options.host = value();
    else if (flag === "--token") options.rootToken = value();
    else if (flag === "--lifecycle-delay-ms") options.lifecycleDelayMs = Number(value());
    else if (flag === "--delete-delay-ms") options.deleteDelayMs = Number(value());
    else if (flag === "--rate-limit") options.rateLimitPerMinute = Number(value());
    else if (flag === "--api-disabled") options.apiEnabled = false;
    else if (flag === "--token-file") options.tokenFile = value();
    else throw new Error(`unknown option ${flag}; see emulator/main.ts`);
  }
  return options;
}

/** Sanctum's `<id>|` prefix is not secret; nothing of the secret part is shown. */
function hint(token: string): string {
  const bar = token.indexOf("|");
  return bar >= 0 ? `${token.slice(0, bar + 1)}…(${token.length} chars)` : `…(${token.length} chars)`;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const emulator = await startCoolifyEmulator({ port: 8000, ...options });
  const lines = [
    `Coolify emulator listening on ${emulator.url} (API under ${emulator.url}/api/v1)`,
    `root token: ${hint(emulator.token)}`,
    `server uuid: ${emulator.serverUuid}`,
    `destination uuid: ${emulator.destinationUuid}`,
    `control routes: ${emulator.url}/_emulator/{state,requests,faults,tokens,api-enabled,volumes,services/<uuid>/effective}`,
    isLoopback(new URL(emulator.url).hostname.replace(/^\[|\]$/g, ""))
      ? "  answered for loopback clients without a token (bound to loopback)"
      : "  not on loopback: every control request needs the root token (Authorization: Bearer <token>)",
  ];
  if (!options.rootToken) {
    // A generated token is written to a file (mode 600), never printed in full.
    const file = options.tokenFile ?? join(process.cwd(), ".local", "coolify-emulator-token");
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
