// tools/standin's Go tests (they build the binary and run it under its applet names: exit codes of curl, wget,
// python -c, pg_isready and sh as health checks see them; the server roles; the /_standin report).
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("tools/standin", () => {
  it("passes its Go tests", async () => {
    const result = await run("go", ["test", "-count=1", "./..."], {
      cwd: join(__dirname, "..", "..", "tools", "standin"),
      env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: `${error.stdout ?? ""}\n${error.stderr ?? String(error)}`, failed: true }));
    expect("failed" in result ? result.stdout : "", "go test output").toBe("");
    expect(result.stdout).toMatch(/^ok\s/m);
  }, 240_000);
});
