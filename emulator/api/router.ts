import type { Route } from "./context";
import { projectRoutes } from "./projects";
import { serverRoutes } from "./servers";
import { serviceActionRoutes } from "./service-actions";
import { serviceAppRoutes } from "./service-apps";
import { serviceEnvRoutes } from "./service-envs";
import { serviceRoutes } from "./services";
import { instanceRoutes } from "./instance";

const ROUTES: Route[] = [
  ...instanceRoutes, ...projectRoutes, ...serverRoutes, ...serviceRoutes, ...serviceActionRoutes, ...serviceAppRoutes,
  ...serviceEnvRoutes,
];

function matchTemplate(template: string, path: string): Record<string, string> | null {
  const want = template.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const segment = want[i];
    if (segment.startsWith("{") && segment.endsWith("}")) {
      if (got[i] === "") return null;
      params[segment.slice(1, -1)] = decodeURIComponent(got[i]);
    } else if (segment !== got[i]) {
      return null;
    }
  }
  return params;
}

/** First route whose method and template match; path is relative to /api/v1. */
export function findRoute(method: string, path: string): { route: Route; params: Record<string, string> } | null {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const params = matchTemplate(route.path, trimmed);
    if (params) return { route, params };
  }
  return null;
}
