// Benchmarks the Coolify client's throttle against the emulator: fires requests from several concurrent callers
// with a configured limit and reports the rate the emulator actually saw. Goal: within 5% of the limit, never above.
import { startCoolifyEmulator } from "../emulator/server";
import { listProjects, type CoolifyConnection, type SentRequest } from "../lib/coolify";
import { QUICK } from "./support";
import { entry, type Bench, type BenchEntry } from "./types";

const LIMIT_PER_MINUTE = 600;
/** 150 take 15 s at 600/min; the quick run sends 30. */
const REQUESTS = QUICK ? 30 : 150;
const CALLERS = 8;

/** Requests per minute over the span of a list of timestamps (intervals, not points: n-1 over last-first). */
function ratePerMinute(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return ((sorted.length - 1) / (sorted[sorted.length - 1] - sorted[0])) * 60_000;
}

export const run: Bench = async () => {
  // The emulator enforces the same limit, so any overshoot shows up as 429s.
  const emulator = await startCoolifyEmulator({ port: 0, rateLimitPerMinute: LIMIT_PER_MINUTE });
  try {
    const sent: number[] = [];
    const conn: CoolifyConnection = {
      url: emulator.url,
      token: emulator.token,
      rateLimitPerMinute: LIMIT_PER_MINUTE,
      maxRetries: 0,
      transport: { onRequest: (_r: SentRequest) => void sent.push(Date.now()) },
    };
    let next = 0;
    const caller = async () => {
      while (next < REQUESTS) {
        next += 1;
        await listProjects(conn);
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: CALLERS }, caller));
    const elapsed = Date.now() - started;
    const log = emulator.requests.filter((r) => r.path === "/api/v1/projects");
    const tooMany = log.filter((r) => r.status === 429).length;
    const results: BenchEntry[] = [
      entry("client-throttle", "achieved rate at the emulator", ratePerMinute(log.map((r) => r.at)), "req/min", LIMIT_PER_MINUTE),
      entry("client-throttle", "achieved rate at the client", ratePerMinute(sent), "req/min", LIMIT_PER_MINUTE),
      entry("client-throttle", "429 responses", tooMany, "count", null),
      entry("client-throttle", `wall time for ${REQUESTS} requests`, elapsed / 1000, "s", null),
    ];
    return results;
  } finally {
    await emulator.close();
  }
};
