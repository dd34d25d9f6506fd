// Which collections to watch for tenant changes. PocketBase sends a realtime event only for the collection
// of the record that was saved (apis/realtime.go, realtimeBroadcastRecord: the topics are that record's
// collection name and id), and a view's rows are never saved (apis/record_crud.go refuses create and update
// on a view): a change to a row behind the view sends no event for the view. So a watcher subscribes to the
// collections the view reads (config `tenantSourceCollections`) and reloads the view on any event.
import { checkCollectionName } from "./collections";

/** What the demo's view reads (pocketbase/demo-migrations). */
export const DEFAULT_TENANT_SOURCE_COLLECTIONS: readonly string[] = ["tenants", "plans"];

/**
 * The collections to subscribe to: the configured list (config `tenantSourceCollections`), else the demo's.
 * Refuses the view itself (it never has events) and names that are not collection names.
 */
export function tenantSourceCollections(configured: readonly string[] | undefined, view: string): string[] {
  const names = configured === undefined || configured.length === 0 ? DEFAULT_TENANT_SOURCE_COLLECTIONS : configured;
  for (const name of names) {
    checkCollectionName(name, "tenantSourceCollections");
    if (name === view) {
      throw new RangeError(`tenantSourceCollections must list the collections the view ${view} reads, not the view itself (a view sends no realtime events).`);
    }
  }
  return [...new Set(names)];
}

/**
 * The table names after FROM and JOIN in a view's SQL (comments and quotes removed), in order of first
 * appearance. A hint for checking `tenantSourceCollections`, not a SQL parser: a name inside a string
 * literal or a CTE name can show up too.
 */
export function viewSourceTables(viewQuery: string): string[] {
  const sql = viewQuery.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/--[^\n]*/g, " ").replace(/'(?:[^']|'')*'/g, "''");
  const tables = [...sql.matchAll(/\b(?:from|join)\s+[`"[]?([A-Za-z_][A-Za-z0-9_]*)/gi)].map((match) => match[1]);
  return [...new Set(tables)];
}
