import { ClientResponseError } from "pocketbase";
import type PocketBase from "pocketbase";
import { z } from "zod";
import { checkCollectionName, DEFAULT_TENANT_VIEW } from "./collections";
import { redactUrl, toSourceError, withSession, type PocketBaseSource } from "./connection";
import { TenantSourceError } from "./errors";
import { parseTenant, type Tenant } from "./tenant";

export interface TenantSourceOptions extends PocketBaseSource {
  /** Records per page, 1..1000 (PocketBase caps perPage at 1000); default 200. */
  pageSize?: number;
  /** The tenant view collection (config `tenantView`); default agent_tenants. */
  view?: string;
}

const DEFAULT_PAGE_SIZE = 200;
const MAX_PAGE_SIZE = 1000;

const listEnvelope = z.object({
  page: z.number().int(),
  perPage: z.number().int(),
  totalItems: z.number().int().nonnegative(),
  totalPages: z.number().int().nonnegative(),
  items: z.array(z.unknown()),
});
type ListEnvelope = z.output<typeof listEnvelope>;

/**
 * Reads every tenant from the tenant view in PocketBase as a superuser; only the view, never the collections behind
 * it, so the operator's schema stays theirs. Pages are read by id, which never changes, so a rename during the read
 * cannot move a row to another page; the list comes back sorted by slug.
 * Fails closed on the envelope: an unreachable server, rejected login, non-2xx answer, short read (fewer records
 * than `totalItems`, a short page before the end, `totalItems` changing between pages), a duplicate id or slug, or
 * a row whose id, slug or status does not parse throws TenantSourceError. It never returns a shorter list.
 * Per tenant on the fields: any other column that does not parse comes back in that tenant's `fieldErrors`.
 */
export async function loadTenants(source: TenantSourceOptions): Promise<Tenant[]> {
  const perPage = source.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PAGE_SIZE) {
    throw new RangeError(`loadTenants: pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${perPage}.`);
  }
  const view = checkCollectionName(source.view ?? DEFAULT_TENANT_VIEW, "tenantView");
  // The process's shared superuser session (one login per run, as the write-back records use), not a login per load.
  const tenants = await withSession(source, async (pb) => {
    const read: Tenant[] = [];
    let totalItems: number | undefined;
    for (let page = 1; ; page++) {
      const list = await readPage(pb, source, view, page, perPage);
      totalItems ??= list.totalItems;
      checkPage(list, page, perPage, totalItems);
      read.push(...list.items.map((item) => parseTenant(item, view)));
      if (page * perPage >= totalItems) break;
    }
    checkComplete(read, totalItems);
    return read;
  });
  return tenants.sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
}

/** The loaded tenants keyed by slug. */
export async function loadTenantsBySlug(source: TenantSourceOptions): Promise<Map<string, Tenant>> {
  return new Map((await loadTenants(source)).map((tenant) => [tenant.slug, tenant]));
}

async function readPage(pb: PocketBase, source: TenantSourceOptions, view: string, page: number, perPage: number): Promise<ListEnvelope> {
  let body: unknown;
  try {
    body = await pb.collection(view).getList(page, perPage, { sort: "id", skipTotal: false });
  } catch (error) {
    // The SDK throws a plain TypeError when it cannot map the body's items.
    if (error instanceof TypeError) throw notAList(page, "items", error.message, error);
    if (error instanceof ClientResponseError && error.status === 404) throw missingView(source, view, error);
    throw toSourceError(error, source, { operation: `listing tenants from ${view} (page ${page}, ${perPage} per page)` });
  }
  const parsed = listEnvelope.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw notAList(page, issue?.path.join(".") || "(body)", issue?.message ?? "invalid", parsed.error);
  }
  return parsed.data;
}

function missingView(source: TenantSourceOptions, view: string, origin: unknown): TenantSourceError {
  return new TenantSourceError("http", {
    problem: `PocketBase at ${redactUrl(source.url)} has no collection "${view}" to read tenants from (HTTP 404).`,
    fix: `create the tenant view (README, "Using it against a real Coolify and PocketBase") or set \`pulumi config set tenantView <name>\`; \`npm run pocketbase:check\` checks it`,
    status: 404,
    origin,
  });
}

function notAList(page: number, field: string, detail: string, origin: unknown): TenantSourceError {
  return new TenantSourceError("malformed", {
    problem: `page ${page} of the tenants list is not a PocketBase list response (${field}: ${detail}).`,
    fix: "point the URL at PocketBase itself; something else answered in its place",
    field,
    origin,
  });
}

function checkPage(list: ListEnvelope, page: number, perPage: number, totalItems: number): void {
  if (list.totalItems !== totalItems) {
    throw shortRead(`totalItems changed from ${totalItems} to ${list.totalItems} between pages (tenants were added or removed during the read).`, "retry the run once the tenant changes are done");
  }
  if (list.page !== page || list.perPage !== perPage) {
    throw shortRead(`asked for page ${page} with ${perPage} per page, PocketBase answered page ${list.page} with ${list.perPage} per page.`, "use a pageSize from 1 to 1000 and point the URL at PocketBase itself");
  }
  const expected = Math.min(perPage, Math.max(0, totalItems - (page - 1) * perPage));
  if (list.items.length !== expected) {
    throw shortRead(`page ${page} held ${list.items.length} tenants, expected ${expected} of ${totalItems} in total.`, "retry; if it persists, check for a proxy truncating responses in front of PocketBase");
  }
  if (list.totalPages !== Math.ceil(totalItems / perPage)) {
    throw shortRead(`totalPages is ${list.totalPages} for ${totalItems} tenants at ${perPage} per page.`, "point the URL at PocketBase itself; the list response is inconsistent");
  }
}

function checkComplete(tenants: Tenant[], totalItems: number): void {
  for (const key of ["id", "slug"] as const) {
    const repeated = duplicates(tenants.map((tenant) => tenant[key]));
    if (repeated.length > 0) {
      throw new TenantSourceError("malformed", {
        problem: `Reading tenants: the ${key}s ${repeated.map((value) => JSON.stringify(value)).join(", ")} appear on more than one row of the tenant view.`,
        fix: `make the view return one row per tenant (narrow its joins, e.g. to the current subscription)${key === "slug" ? " and keep slugs unique" : ""}; nothing was deployed or deleted`,
        field: key,
      });
    }
  }
  if (tenants.length !== totalItems) {
    throw shortRead(`read ${tenants.length} tenants, PocketBase reports ${totalItems}.`, "retry the run once the tenant changes are done");
  }
}

/** The values that occur more than once, each named once, in order of first repetition (at most 10). */
function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of values) (seen.has(value) ? repeated : seen).add(value);
  return [...repeated].slice(0, 10);
}

function shortRead(problem: string, fix: string): TenantSourceError {
  return new TenantSourceError("short-read", { problem: `Reading tenants: ${problem}`, fix: `${fix}; nothing was deployed or deleted` });
}
