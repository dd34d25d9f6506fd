import type { Route } from "./context";
import { failMessage, reply } from "./http";

/** The version the emulator answers unless told otherwise (EmulatorOptions.coolifyVersion). */
export const COOLIFY_VERSION = "4.3.11";

// /enable and /disable need a team-0 token; the route group skips the API-enabled check (notes §3).
export const instanceRoutes: Route[] = [
  { method: "GET", path: "/version", ability: "read", handler: (ctx) => ({ status: 200, body: ctx.store.settings.coolifyVersion ?? COOLIFY_VERSION, contentType: "text/html" }) },
  { method: "POST", path: "/enable", ability: "write", handler: (ctx) => {
    if (ctx.auth.teamId !== 0) return failMessage(403, "You are not allowed to enable the API.");
    ctx.store.setApiEnabled(true);
    return reply(200, { message: "API enabled." });
  } },
  { method: "POST", path: "/disable", ability: "write", handler: (ctx) => {
    if (ctx.auth.teamId !== 0) return failMessage(403, "You are not allowed to disable the API.");
    ctx.store.setApiEnabled(false);
    return reply(200, { message: "API disabled." });
  } },
];
