// Whether a live PocketBase fits the program: the tenant view and its columns, sample rows through the
// loader's own parser, status values, hidden secrets, the realtime sources and our collections. Read-only:
// it logs in and sends GET requests, nothing else (npm run pocketbase:check, scripts/pocketbase-check.ts).
import { ClientResponseError, type CollectionModel } from "pocketbase";
import type PocketBase from "pocketbase";
import { AGENT_PREFIX, DEFAULT_TENANT_VIEW, PROVISIONING_COLLECTION, PROVISIONING_RUNS_COLLECTION, TENANT_VIEW_MARKER } from "./collections";
import { connect, redactUrl, toSourceError, type PocketBaseSource } from "./connection";
import { TenantSourceError } from "./errors";
import { tenantSourceCollections, viewSourceTables } from "./sources";
import { parseTenant } from "./tenant";
import { OPTIONAL_VIEW_FIELDS, SECRET_VIEW_FIELDS, TENANT_VIEW_FIELDS, typeFix } from "./view-fields";

export interface Finding {
  level: "ok" | "warning" | "problem";
  message: string;
  /** What to do about a problem or warning. */
  fix?: string;
}

export interface ViewCheckOptions extends PocketBaseSource {
  /** Config `tenantView`; default agent_tenants. */
  view?: string;
  /** Config `tenantSourceCollections`; default tenants, plans. */
  sourceCollections?: string[];
  /** How many rows (sorted by id) go through the loader's parser; 1..1000, default 200. */
  sampleSize?: number;
}

const VIEW_EXAMPLE = "pocketbase/examples/1767225800_agent_tenants_view.js";
const MIGRATE_FIX = "copy pocketbase/migrations/*.js into the instance's pb_migrations and restart it (or run `pocketbase migrate up`)";
const KNOWN_STATUSES = ["active", "suspended", "cancelled"];

/** Every finding about the instance, in order; any `problem` means the program would not run against it as is. */
export async function checkTenantSource(options: ViewCheckOptions): Promise<Finding[]> {
  const view = options.view ?? DEFAULT_TENANT_VIEW;
  const findings: Finding[] = [];
  const ok = (message: string) => findings.push({ level: "ok", message });
  const warn = (message: string, fix: string) => findings.push({ level: "warning", message, fix });
  const problem = (message: string, fix: string) => findings.push({ level: "problem", message, fix });

  let pb: PocketBase;
  try {
    pb = await connect(options);
  } catch (error) {
    if (!(error instanceof TenantSourceError)) throw error;
    problem(error.problem, error.fix);
    return findings;
  }
  ok(`logged in to PocketBase at ${redactUrl(options.url)} as superuser ${options.email}`);

  const collection = await getCollection(pb, options, view);
  if (collection === null) {
    problem(`the tenant view "${view}" does not exist`, `create it: copy ${VIEW_EXAMPLE} into pb_migrations under a new timestamp, change its SQL to your schema, apply it; or set \`pulumi config set tenantView <name>\``);
  } else {
    await checkView(pb, options, view, collection, { ok, warn, problem });
  }
  await checkSources(pb, options, view, collection, { ok, warn, problem });
  await checkOurCollections(pb, options, { ok, warn, problem });
  return findings;
}

interface Report {
  ok(message: string): void;
  warn(message: string, fix: string): void;
  problem(message: string, fix: string): void;
}

async function checkView(pb: PocketBase, options: ViewCheckOptions, view: string, collection: CollectionModel, report: Report): Promise<void> {
  if (collection.type !== "view") {
    report.problem(`"${view}" is a ${collection.type} collection, not a view`, `the program reads tenants only through a view collection over your own collections; create one from ${VIEW_EXAMPLE} under another name and set \`pulumi config set tenantView <name>\``);
    return;
  }
  report.ok(`"${view}" is a view collection`);
  if (!collection.viewQuery.includes(TENANT_VIEW_MARKER)) {
    report.warn(`the SQL of "${view}" lacks the marker ${TENANT_VIEW_MARKER}`, "our view migrations refuse to update a view without it; keep the marker comment at the start of the SQL");
  }

  const fields = new Map(collection.fields.map((field) => [String(field.name), field]));
  let columnsFit = true;
  for (const spec of TENANT_VIEW_FIELDS) {
    const field = fields.get(spec.name);
    if (field === undefined) {
      columnsFit = false;
      report.problem(`the view "${view}" has no column "${spec.name}" (${spec.holds})`, `add \`<your field or expression> AS ${spec.name}\` to the view's SELECT (see ${VIEW_EXAMPLE})`);
      continue;
    }
    const type = String(field.type);
    if (!spec.types.includes(type)) {
      columnsFit = false;
      report.problem(`column "${spec.name}" of "${view}" is of type ${type}, the loader needs ${spec.types.join(" or ")}`, typeFix(spec, type));
    }
    if (spec.secret === true && field.hidden !== true) {
      report.problem(
        `the secret column "${spec.name}" of "${view}" is not hidden: anyone allowed to list the view would read it`,
        `select it as a plain column of a collection where that field is hidden (e.g. \`t.${spec.name} AS ${spec.name}\`); PocketBase copies the hidden flag only from a plain column, never from an expression`,
      );
    }
  }
  if (columnsFit) report.ok(`"${view}" has all ${TENANT_VIEW_FIELDS.length} columns with the types the loader accepts`);
  if (SECRET_VIEW_FIELDS.every((name) => fields.get(name)?.hidden === true)) report.ok(`the secret columns ${SECRET_VIEW_FIELDS.join(", ")} are hidden (superusers only)`);
  const extra = [...fields.keys()].filter((name) => !TENANT_VIEW_FIELDS.some((spec) => spec.name === name) && !OPTIONAL_VIEW_FIELDS.includes(name));
  if (extra.length > 0) report.warn(`"${view}" has columns the loader does not read: ${extra.join(", ")}`, "drop them from the view's SELECT: whoever may list the view sees them");
  for (const [rule, value] of [["listRule", collection.listRule], ["viewRule", collection.viewRule]] as const) {
    if (value !== null && value !== undefined) {
      report.warn(`non-superusers may read "${view}" (${rule} ${JSON.stringify(value)}); hidden columns stay hidden, the rest is visible`, `set ${rule} to null (superusers only) unless the Admin Portal needs it`);
    }
  }
  await checkAnonymous(options, view, report);
  if (["text", "select"].includes(String(fields.get("status")?.type))) await checkStatuses(pb, options, view, report);
  if (columnsFit) await checkRows(pb, options, view, report);
}

/** The view as an anonymous caller sees it: no secret may come back. */
async function checkAnonymous(options: ViewCheckOptions, view: string, report: Report): Promise<void> {
  const url = `${options.url.replace(/\/$/, "")}/api/collections/${encodeURIComponent(view)}/records?perPage=50`;
  const response = await (options.fetch ?? fetch)(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
  if (!response.ok) return;
  const body = (await response.json()) as { items?: Array<Record<string, unknown>> };
  const leaked = SECRET_VIEW_FIELDS.filter((name) => (body.items ?? []).some((item) => typeof item[name] === "string" && item[name] !== ""));
  if (leaked.length > 0) {
    report.problem(`anyone can read ${leaked.join(" and ")} from "${view}" without logging in`, "set the view's listRule and viewRule to null, and select the secrets as plain columns of hidden fields");
  }
}

async function checkStatuses(pb: PocketBase, options: ViewCheckOptions, view: string, report: Report): Promise<void> {
  const filter = KNOWN_STATUSES.map((status) => `status != "${status}"`).join(" && ");
  const list = await guarded(options, `listing unknown status values of ${view}`, () =>
    pb.collection(view).getList(1, 10, { filter, sort: "id", fields: "id,slug,status" }),
  );
  if (list.totalItems === 0) {
    report.ok(`every row of "${view}" has a known status (${KNOWN_STATUSES.join(", ")})`);
    return;
  }
  const examples = list.items.map((item) => `${JSON.stringify(item.slug)}: ${JSON.stringify(item.status)}`).join(", ");
  report.problem(
    `${list.totalItems} row(s) of "${view}" have a status other than ${KNOWN_STATUSES.join(", ")} (${examples}${list.totalItems > list.items.length ? ", ..." : ""})`,
    "map every source status to active, suspended or cancelled in the view's SQL (a CASE ... END inside CAST(... AS TEXT)), or correct those tenants; the program stops on them",
  );
}

/**
 * Sample rows through the loader's parser. A row the loader stops the run on (id, slug, status; a duplicate id or
 * slug) is a problem; a field that holds or refuses only its tenant is a warning naming tenant, column and fix.
 */
async function checkRows(pb: PocketBase, options: ViewCheckOptions, view: string, report: Report): Promise<void> {
  const size = options.sampleSize ?? 200;
  if (!Number.isInteger(size) || size < 1 || size > 1000) throw new RangeError(`sampleSize must be an integer from 1 to 1000, got ${size}.`);
  const page = await guarded(options, `listing ${size} rows of ${view}`, () => pb.collection(view).getList(1, size, { sort: "id" }));
  let valid = 0;
  const counts = { id: new Map<string, number>(), slug: new Map<string, number>() };
  for (const item of page.items) {
    for (const key of ["id", "slug"] as const) counts[key].set(String(item[key]), (counts[key].get(String(item[key])) ?? 0) + 1);
    try {
      const tenant = parseTenant(item, view);
      for (const e of tenant.fieldErrors ?? []) {
        report.warn(`tenant ${JSON.stringify(tenant.slug)}, column ${JSON.stringify(e.field)}: ${e.problem}; the program holds this tenant at its last applied spec (or refuses it, if never deployed)`, e.fix);
      }
      if (!tenant.fieldErrors) valid++;
    } catch (error) {
      if (!(error instanceof TenantSourceError)) throw error;
      report.problem(`tenant ${JSON.stringify(error.tenant ?? "?")}, column ${JSON.stringify(error.field ?? "?")}: ${error.problem}`, error.fix);
    }
  }
  for (const key of ["id", "slug"] as const) {
    const duplicates = [...counts[key]].filter(([, count]) => count > 1).map(([value]) => value);
    if (duplicates.length > 0) {
      report.problem(`the ${key}s ${duplicates.join(", ")} appear more than once in "${view}"; the program stops on them`, "make the view return one row per tenant (narrow the joins, e.g. to the current subscription)");
    }
  }
  const of = page.totalItems > page.items.length ? `the first ${page.items.length} of ${page.totalItems}` : `all ${page.items.length}`;
  if (valid === page.items.length) report.ok(`${of} rows of "${view}" pass the loader's parser`);
}

async function checkSources(pb: PocketBase, options: ViewCheckOptions, view: string, collection: CollectionModel | null, report: Report): Promise<void> {
  let sources: string[];
  try {
    sources = tenantSourceCollections(options.sourceCollections, view);
  } catch (error) {
    report.problem(String((error as Error).message), "set `pulumi config set tenantSourceCollections <collection>,<collection>` to the collections the view reads");
    return;
  }
  const missing: string[] = [];
  for (const name of sources) {
    if ((await getCollection(pb, options, name)) === null) missing.push(name);
  }
  if (missing.length > 0) {
    report.problem(`the realtime source collection(s) ${missing.join(", ")} do not exist`, "set `pulumi config set tenantSourceCollections <collection>,<collection>` to the collections the view reads");
  }
  if (collection?.type === "view") {
    const read = viewSourceTables(collection.viewQuery);
    const unwatched = read.filter((name) => !sources.includes(name));
    if (unwatched.length > 0) {
      report.warn(`the view reads ${unwatched.join(", ")}, which tenantSourceCollections (${sources.join(", ")}) leaves out: changes there send no realtime event`, `pulumi config set tenantSourceCollections ${[...new Set([...sources, ...read])].join(",")}`);
    } else if (missing.length === 0) {
      report.ok(`tenantSourceCollections (${sources.join(", ")}) covers every collection the view reads`);
    }
  }
}

async function checkOurCollections(pb: PocketBase, options: ViewCheckOptions, report: Report): Promise<void> {
  const signatures: Record<string, string[]> = {
    [PROVISIONING_COLLECTION]: ["tenant", "coolify_service_uuid", "template_ref"],
    [PROVISIONING_RUNS_COLLECTION]: ["trigger", "result", "counts", "failures"],
  };
  for (const [name, fields] of Object.entries(signatures)) {
    const collection = await getCollection(pb, options, name);
    if (collection === null) {
      report.problem(`the collection "${name}" does not exist`, MIGRATE_FIX);
      continue;
    }
    const present = new Set(collection.fields.map((field) => String(field.name)));
    const lacking = fields.filter((field) => !present.has(field));
    if (lacking.length > 0) report.problem(`"${name}" lacks ${lacking.join(", ")}: it was not created by our migrations`, `rename that collection (our collections all start with ${AGENT_PREFIX}), then ${MIGRATE_FIX}`);
    else report.ok(`"${name}" exists`);
  }
}

async function getCollection(pb: PocketBase, options: ViewCheckOptions, name: string): Promise<CollectionModel | null> {
  try {
    return await pb.collections.getOne(name);
  } catch (error) {
    if (error instanceof ClientResponseError && error.status === 404) return null;
    throw toSourceError(error, options, { operation: `reading the collection ${name}` });
  }
}

async function guarded<T>(options: ViewCheckOptions, operation: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw toSourceError(error, options, { operation });
  }
}
