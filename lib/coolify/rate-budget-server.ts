// The rate budget server: one BudgetSchedule at a whole Coolify rate limit, served over HTTP on 127.0.0.1 to every
// process of the runs it is shared by (their programs and providers; lib/coolify/rate-budget.ts is the client).
// A slot request is held open until its slot is due. The secret is made per start and only ever handed out in the
// environment of the processes that use the budget.
import { randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createBudgetSchedule, type BudgetSchedule } from "./budget-schedule";
import { RATE_BUDGET_VARIABLES } from "./rate-budget";
import { systemClock, type Clock } from "./throttle";

export interface RateBudgetOptions {
  /** Coolify's requests per minute for every run together (config coolifyRateLimit). */
  limitPerMinute: number;
  clock?: Clock;
}

export interface RateBudgetServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The variables that make the processes of one run take their slots here (the run id names it in the round-robin). */
  env(run: string): Record<string, string>;
  schedule: BudgetSchedule;
  close(): Promise<void>;
}

/** Run ids as the client sends them; a shard name or any short label. */
const RUN_ID = /^[A-Za-z0-9._:#-]{1,100}$/;
/** Longest pause one report may ask for (a Retry-After is capped at 120 s by the client, lib/coolify/client.ts). */
const MAX_PAUSE_MS = 300_000;

export async function startRateBudget(options: RateBudgetOptions): Promise<RateBudgetServer> {
  if (!(Number.isFinite(options.limitPerMinute) && options.limitPerMinute > 0)) {
    throw new RangeError(`rate budget: limitPerMinute ${options.limitPerMinute} is not a positive number of requests per minute`);
  }
  const secret = randomBytes(32).toString("hex");
  const expected = Buffer.from(`Bearer ${secret}`);
  const schedule = createBudgetSchedule(options.clock ?? systemClock, options.limitPerMinute);
  const authorised = (header: string | undefined) => {
    const given = Buffer.from(header ?? "");
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const server = http.createServer((req, res): void => {
    const answer = (status: number, text = ""): void => void res.writeHead(status, { "Content-Type": "text/plain" }).end(text);
    const url = new URL(req.url ?? "/", "http://budget");
    req.resume();
    if (req.method !== "POST" || (url.pathname !== "/slot" && url.pathname !== "/pause")) return answer(404, "POST /slot?run=<id> or /pause?ms=<n>");
    if (!authorised(req.headers.authorization)) return answer(401, "wrong or missing rate budget secret");
    if (url.pathname === "/pause") {
      const ms = Number(url.searchParams.get("ms"));
      if (!(Number.isFinite(ms) && ms >= 0)) return answer(400, "ms must be a number of milliseconds");
      schedule.pause(Math.min(ms, MAX_PAUSE_MS));
      return answer(204);
    }
    const run = url.searchParams.get("run") ?? "";
    if (!RUN_ID.test(run)) return answer(400, "run must be 1-100 letters, digits or ._:#-");
    const ticket = schedule.take(run);
    let done = false;
    res.on("close", () => {
      if (!done) ticket.abandon();
    });
    void ticket.granted.then(() => {
      done = true;
      if (!res.destroyed) answer(204);
    });
  });
  // Clients keep their connection for the next slot; a long idle keeps it from being closed under a request.
  server.keepAliveTimeout = 120_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    env: (run) => {
      if (!RUN_ID.test(run)) throw new RangeError(`rate budget: run id "${run}" must be 1-100 letters, digits or ._:#-`);
      return { [RATE_BUDGET_VARIABLES.url]: url, [RATE_BUDGET_VARIABLES.secret]: secret, [RATE_BUDGET_VARIABLES.run]: run };
    },
    schedule,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
