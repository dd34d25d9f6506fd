import { ClientResponseError } from "pocketbase";
import type PocketBase from "pocketbase";
import type { RecordModel } from "pocketbase";
import { z } from "zod";
import { PROVISIONING_COLLECTION } from "./collections";
import { toSourceError, withSession, type PocketBaseSource } from "./connection";
import { TenantSourceError } from "./errors";

// Stateless on purpose: a Pulumi dynamic provider calls these, so each call takes the connection and opens a
// fresh client (sharing only the process's superuser login, see `session`); schemas are built per call rather
// than captured at module scope.

/** What the program writes back for one tenant. */
export interface ProvisioningInput {
  coolifyProjectUuid: string;
  coolifyServiceUuid: string;
  /** "<template id>@<version>", e.g. "llm-stack@1.0.0". */
  templateRef: string;
  /** Free text, e.g. "deployed", "stopped", "held" or "failed". */
  status: string;
  /** Why the status is what it is (e.g. a custom domain left off until verified); "" when nothing to say. */
  statusReason?: string;
  /** ISO 8601 time after which a cancelled tenant's stack is deleted; "" when none is scheduled (clears `graceStartedAt` too). */
  deleteAfter?: string;
  /** ISO 8601 time a run first saw the tenant cancelled (program/lifecycle.ts). Omitted keeps the stored value. */
  graceStartedAt?: string;
  /** Name -> URL. On update, omitted keeps the stored value. */
  urls?: Record<string, string>;
  /** ISO 8601 time of the last deployment. On update, omitted keeps the stored value. */
  lastDeployed?: string;
  /** Generated credentials for the Admin Portal (a hidden field). On update, omitted keeps the stored value. */
  credentials?: Record<string, string>;
  /** The Coolify server the tenant's service runs on (program/placement.ts). Omitted keeps the stored value. */
  serverUuid?: string;
  /** What its stack reserves there: the sum of its containers' limits, as applied. Omitted keeps the stored value. */
  reservation?: { cpus: number; memoryMb: number };
  /** The tenant's own inputs as applied (a hidden field; program/held-plan.ts AppliedSpec). On update, omitted keeps the stored value. */
  appliedSpec?: Record<string, unknown>;
}

/** A stored provisioning record. */
export interface Provisioning {
  id: string;
  tenantId: string;
  coolifyProjectUuid: string;
  coolifyServiceUuid: string;
  templateRef: string;
  status: string;
  statusReason: string;
  deleteAfter?: string;
  /** When a run first saw the tenant cancelled: its grace period counts from here. */
  graceStartedAt?: string;
  urls: Record<string, string>;
  lastDeployed?: string;
  /** Written by the reconciler after each run, outside Pulumi. */
  observedAt?: string;
  lastError: string;
  credentials: Record<string, string>;
  /** The Coolify server its service runs on; absent before a run with coolifyServers wrote it. */
  serverUuid?: string;
  /** What its stack reserves there as applied; absent before a run with coolifyServers wrote it. */
  reservation?: { cpus: number; memoryMb: number };
  /** The tenant's own inputs as last applied, unparsed (program/held-plan.ts reads it); absent before a run wrote it. */
  appliedSpec?: unknown;
}

const COLLECTION = PROVISIONING_COLLECTION;

/**
 * The status of a new tenant's record when the program refused it before any request (it fits on no server): the
 * record says why, and names no Coolify object.
 */
export const REFUSED_STATUS = "refused";

/** A refusal record (REFUSED_STATUS, no Coolify service or project): the tenant was never deployed. */
export function isRefusal(record: Pick<Provisioning, "status" | "coolifyServiceUuid" | "coolifyProjectUuid">): boolean {
  return record.status === REFUSED_STATUS && record.coolifyServiceUuid === "" && record.coolifyProjectUuid === "";
}

/** The `max` of the text field in pocketbase/migrations (PocketBase counts characters). */
export const STATUS_REASON_MAX = 2000;

/** Creates or updates the tenant's provisioning record; running it twice with the same input changes nothing. */
export async function upsertProvisioning(source: PocketBaseSource, tenantId: string, record: ProvisioningInput): Promise<Provisioning> {
  checkTenantId(tenantId);
  const body = toBody(record);
  const operation = `writing the provisioning record of tenant ${tenantId}`;
  try {
    return await withSession(source, async (pb) => {
      const existing = await findRecord(pb, tenantId);
      if (existing !== null) return fromRecord(await pb.collection(COLLECTION).update(existing.id, body), tenantId);
      try {
        return fromRecord(await pb.collection(COLLECTION).create({ tenant: tenantId, ...withDefaults(body) }), tenantId);
      } catch (error) {
        // Another writer created it in between (the tenant field is unique): update theirs instead.
        if (!isNotUnique(error)) throw error;
        const raced = await findRecord(pb, tenantId);
        if (raced === null) throw error;
        return fromRecord(await pb.collection(COLLECTION).update(raced.id, body), tenantId);
      }
    });
  } catch (error) {
    throw toSourceError(error, source, { operation, tenant: tenantId });
  }
}

/** The tenant's provisioning record, or null when there is none. */
export async function getProvisioning(source: PocketBaseSource, tenantId: string): Promise<Provisioning | null> {
  checkTenantId(tenantId);
  try {
    const found = await withSession(source, (pb) => findRecord(pb, tenantId));
    return found === null ? null : fromRecord(found, tenantId);
  } catch (error) {
    throw toSourceError(error, source, { operation: `reading the provisioning record of tenant ${tenantId}`, tenant: tenantId });
  }
}

/**
 * Every provisioning record of a deployed tenant, by tenant id: which tenants were deployed, and what was written
 * back for them. Refusal records (isRefusal) are left out: their tenants were never deployed, hold nothing on any
 * server and keep no host.
 */
export async function listProvisioning(source: PocketBaseSource): Promise<Map<string, Provisioning>> {
  try {
    const records = await withSession(source, (pb) => pb.collection(COLLECTION).getFullList({ batch: 500 }));
    const schema = recordSchema();
    const entries = records.map((record): [string, Provisioning] => {
      const tenantId = String(record.tenant ?? "");
      return [tenantId, fromRecord(record, tenantId, schema)];
    });
    return new Map(entries.filter(([, record]) => !isRefusal(record)));
  } catch (error) {
    throw toSourceError(error, source, { operation: "listing the provisioning records" });
  }
}

/** Deletes the tenant's provisioning record; an absent record is success. */
export async function deleteProvisioning(source: PocketBaseSource, tenantId: string): Promise<void> {
  checkTenantId(tenantId);
  try {
    await withSession(source, async (pb) => {
      const found = await findRecord(pb, tenantId);
      if (found !== null) await pb.collection(COLLECTION).delete(found.id);
    });
  } catch (error) {
    if (error instanceof ClientResponseError && error.status === 404) return;
    throw toSourceError(error, source, { operation: `deleting the provisioning record of tenant ${tenantId}`, tenant: tenantId });
  }
}

async function findRecord(pb: PocketBase, tenantId: string): Promise<RecordModel | null> {
  const list = await pb.collection(COLLECTION).getList(1, 2, { filter: pb.filter("tenant = {:tenant}", { tenant: tenantId }), skipTotal: true });
  return list.items[0] ?? null;
}

function toBody(record: ProvisioningInput): Record<string, unknown> {
  const body: Record<string, unknown> = {
    coolify_project_uuid: record.coolifyProjectUuid,
    coolify_service_uuid: record.coolifyServiceUuid,
    template_ref: record.templateRef,
    status: record.status,
  };
  if (record.statusReason !== undefined) body.status_reason = cut(record.statusReason, STATUS_REASON_MAX);
  if (record.deleteAfter !== undefined) body.delete_after = record.deleteAfter;
  if (record.deleteAfter === "") body.grace_started_at = "";
  if (record.graceStartedAt !== undefined) body.grace_started_at = record.graceStartedAt;
  if (record.urls !== undefined) body.urls = record.urls;
  if (record.lastDeployed !== undefined) body.last_deployed = record.lastDeployed;
  if (record.credentials !== undefined) body.credentials = record.credentials;
  if (record.serverUuid !== undefined) body.server_uuid = record.serverUuid;
  if (record.reservation !== undefined) body.reservation = record.reservation;
  if (record.appliedSpec !== undefined) body.applied_spec = record.appliedSpec;
  return body;
}

function withDefaults(body: Record<string, unknown>): Record<string, unknown> {
  return { urls: {}, credentials: {}, ...body };
}

// Built once per call (not at module scope) and shared by the records of a list: building it per record was most of
// the time listing 2,000 records took (850 ms of 950 ms, bench/README.md "Shards").
/** The schema of a stored record. */
function recordSchema() {
  const strings = z.record(z.string(), z.string());
  const reservation = z.object({ cpus: z.number().min(0), memoryMb: z.number().min(0) });
  return z.object({
    id: z.string().min(1),
    tenant: z.string().min(1),
    coolify_project_uuid: z.string(),
    coolify_service_uuid: z.string(),
    template_ref: z.string(),
    status: z.string(),
    status_reason: z.string().default(""),
    delete_after: z.string().default(""),
    grace_started_at: z.string().default(""),
    observed_at: z.string().default(""),
    last_error: z.string().default(""),
    urls: strings.nullish().transform((value) => value ?? {}),
    last_deployed: z.string().default(""),
    credentials: strings.nullish().transform((value) => value ?? {}),
    server_uuid: z.string().default(""),
    // Unreadable is treated as unknown (the next run writes it again), never as a malformed record.
    reservation: z.unknown().transform((value) => reservation.safeParse(value).data),
    applied_spec: z.unknown(),
  });
}

function fromRecord(record: unknown, tenantId: string, schema: ReturnType<typeof recordSchema> = recordSchema()): Provisioning {
  const parsed = schema.safeParse(record);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join(".") || "(record)";
    throw new TenantSourceError("malformed", {
      problem: `the provisioning record of tenant ${tenantId} has an invalid ${field}: ${parsed.error.issues[0]?.message}.`,
      fix: `correct or delete that record in PocketBase (Dashboard > Collections > ${PROVISIONING_COLLECTION}); the next deployment writes it again`,
      tenant: tenantId,
      field,
      origin: parsed.error,
    });
  }
  const raw = parsed.data;
  return {
    id: raw.id,
    tenantId: raw.tenant,
    coolifyProjectUuid: raw.coolify_project_uuid,
    coolifyServiceUuid: raw.coolify_service_uuid,
    templateRef: raw.template_ref,
    status: raw.status,
    statusReason: raw.status_reason,
    ...(raw.delete_after !== "" ? { deleteAfter: isoTime(raw.delete_after) } : {}),
    ...(raw.grace_started_at !== "" ? { graceStartedAt: isoTime(raw.grace_started_at) } : {}),
    urls: raw.urls,
    ...(raw.last_deployed !== "" ? { lastDeployed: isoTime(raw.last_deployed) } : {}),
    ...(raw.observed_at !== "" ? { observedAt: isoTime(raw.observed_at) } : {}),
    lastError: raw.last_error,
    credentials: raw.credentials,
    ...(raw.server_uuid !== "" ? { serverUuid: raw.server_uuid } : {}),
    ...(raw.reservation ? { reservation: { cpus: raw.reservation.cpus, memoryMb: raw.reservation.memoryMb } } : {}),
    ...(raw.applied_spec !== undefined && raw.applied_spec !== null ? { appliedSpec: raw.applied_spec } : {}),
  };
}

/** At most `max` characters (code points, as PocketBase counts them), the last one an ellipsis when cut. */
export function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

/** PocketBase stores "2026-01-02 03:04:05.000Z"; hand back ISO 8601. */
function isoTime(value: string): string {
  return value.replace(" ", "T");
}

function isNotUnique(error: unknown): boolean {
  if (!(error instanceof ClientResponseError) || error.status !== 400) return false;
  const tenantIssue: unknown = (error.response as { data?: { tenant?: { code?: unknown } } }).data?.tenant?.code;
  return tenantIssue === "validation_not_unique";
}

function checkTenantId(tenantId: string): void {
  if (!/^[a-z0-9]{1,64}$/.test(tenantId)) {
    throw new RangeError(`provisioning: tenantId must be a PocketBase record id (lower-case letters and digits), got "${tenantId}".`);
  }
}
