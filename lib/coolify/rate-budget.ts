// The client of a shared rate budget (rate-budget-server.ts): before each Coolify request a run's processes take a
// slot from it, and report a 429 to it, so parallel runs share Coolify's one limit and a run alone gets all of it.
// A budget that cannot be reached, or refuses us, is left for the rest of the process: the caller falls back to
// its local throttle at the run's fixed share, which never exceeds the share and never stops the run.
import http from "node:http";

/** Where a run takes its slots. The secret is only ever passed by environment to the processes of the runs. */
export interface RateBudgetRef {
  /** `http://127.0.0.1:<port>` of the budget server. */
  url: string;
  secret: string;
  /** The run these requests belong to (round-robin unit). */
  run: string;
  /** This run's fixed share, used when the budget fails (env COOLIFY_RUN_RATE_LIMIT). */
  fallbackPerMinute?: number;
}

export const RATE_BUDGET_VARIABLES = {
  url: "COOLIFY_RATE_BUDGET_URL",
  secret: "COOLIFY_RATE_BUDGET_SECRET",
  run: "COOLIFY_RATE_BUDGET_RUN",
  share: "COOLIFY_RUN_RATE_LIMIT",
} as const;

/** The budget the environment names, read at call time; undefined unless url, secret and run are all set. */
export function rateBudgetFromEnv(env: Record<string, string | undefined> = process.env): RateBudgetRef | undefined {
  const url = env[RATE_BUDGET_VARIABLES.url];
  const secret = env[RATE_BUDGET_VARIABLES.secret];
  const run = env[RATE_BUDGET_VARIABLES.run];
  if (!url || !secret || !run) return undefined;
  const share = Number(env[RATE_BUDGET_VARIABLES.share] ?? "");
  return { url, secret, run, ...(share > 0 ? { fallbackPerMinute: share } : {}) };
}

// Runtime state, not config: the budgets this process gave up on, and one keep-alive agent for the slot requests.
const failed = new Set<string>();
let agent: http.Agent | undefined;

/**
 * Waits for a slot of `budget`; true when granted, false when the budget failed (unreachable, refused, closed
 * under the request), from then on for the whole process: the caller throttles locally instead.
 */
export async function acquireBudgetSlot(budget: RateBudgetRef): Promise<boolean> {
  if (failed.has(budget.url)) return false;
  const ok = await post(budget, `/slot?run=${encodeURIComponent(budget.run)}`);
  if (!ok) failed.add(budget.url);
  return ok;
}

/** Tells the budget to hold every run back for `ms` after a 429; a failure only gives the budget up. */
export async function reportBudgetPause(budget: RateBudgetRef, ms: number): Promise<void> {
  if (failed.has(budget.url)) return;
  if (!(await post(budget, `/pause?ms=${Math.max(0, Math.ceil(ms))}`))) failed.add(budget.url);
}

async function post(budget: RateBudgetRef, path: string): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const outcome = await send(budget, path);
    // A kept-alive socket the server closed meanwhile fails at once; one fresh connection settles it.
    if (outcome === "stale" && attempt === 0) continue;
    return outcome === "ok";
  }
}

function send(budget: RateBudgetRef, path: string): Promise<"ok" | "failed" | "stale"> {
  agent ??= new http.Agent({ keepAlive: true });
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(path, budget.url);
    } catch {
      return resolve("failed");
    }
    if (target.protocol !== "http:") return resolve("failed");
    const req = http.request(target, { method: "POST", agent, headers: { Authorization: `Bearer ${budget.secret}`, "Content-Length": "0" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 204 ? "ok" : "failed"));
      res.on("error", () => resolve("failed"));
    });
    req.on("error", () => resolve(req.reusedSocket ? "stale" : "failed"));
    req.end();
  });
}
