import type PocketBase from "pocketbase";
import type { RecordModel } from "pocketbase";
import { PROVISIONING_COLLECTION } from "./collections";
import { session, toSourceError, withSession, type PocketBaseSource } from "./connection";
import { cut, isRefusal } from "./provisioning";

// What the reconciler observed of each tenant after a run, written onto the tenant's `agent_provisioning` record
// outside Pulumi: when it looked (observed_at), the status it saw and the last error ("" once healthy again).
// Pulumi's own write-back (providers/provisioning.ts) owns the other fields.

export interface Observation {
  /** The tenant's record id in the tenant view. */
  tenantId: string;
  /** The service status from the run (e.g. "running:healthy"), or "failed" when the tenant's step failed. */
  status: string;
  /** The failure of the tenant's step, or "" when it converged. Never a secret (the caller scrubs it). */
  lastError: string;
  /** ISO 8601. */
  observedAt: string;
}

const COLLECTION = PROVISIONING_COLLECTION;
const ERROR_MAX = 4000;
const CONCURRENCY = 8;
/** Up to this many tenants, their records are asked for by id (a filter per chunk) instead of listing all. */
const BY_ID_MAX = 100;
const BY_ID_CHUNK = 25;
const FIELDS = "id,tenant,status,coolify_service_uuid,coolify_project_uuid";

/**
 * The records of these tenants (and, above BY_ID_MAX tenants, every record): a targeted run observes a tenant or
 * two, and listing all 2,000 records to write one took 1.2 s on the loaded bench machine (bench/README.md "Shards").
 */
async function recordsOf(pb: PocketBase, tenantIds: string[]): Promise<RecordModel[]> {
  const ids = [...new Set(tenantIds)];
  if (ids.length > BY_ID_MAX) return pb.collection(COLLECTION).getFullList({ fields: FIELDS, batch: 1000 });
  const chunks = Array.from({ length: Math.ceil(ids.length / BY_ID_CHUNK) }, (_, i) => ids.slice(i * BY_ID_CHUNK, (i + 1) * BY_ID_CHUNK));
  const lists = await Promise.all(chunks.map((chunk) => {
    const filter = chunk.map((_, i) => `tenant = {:t${i}}`).join(" || ");
    const params = Object.fromEntries(chunk.map((id, i) => [`t${i}`, id]));
    return pb.collection(COLLECTION).getFullList({ fields: FIELDS, batch: 1000, filter: pb.filter(filter, params) });
  }));
  return lists.flat();
}

/**
 * Writes each observation onto the tenant's provisioning record. A tenant without a record (its first
 * deployment failed before Pulumi wrote one) gets a record only when it failed, so the Admin Portal can show why.
 * A refusal record (the program refused the new tenant before any request) keeps its status `refused`: the
 * reconciler saw no service of it, and the record's reason says why.
 */
export async function writeObservations(source: PocketBaseSource, observations: Observation[]): Promise<void> {
  if (observations.length === 0) return;
  let records: RecordModel[];
  try {
    records = await withSession(source, (pb) => recordsOf(pb, observations.map((o) => o.tenantId)));
  } catch (error) {
    throw toSourceError(error, source, { operation: "listing provisioning records to write observations" });
  }
  const byTenant = new Map(records.map((record) => [String(record.tenant), record.id]));
  const refusals = new Set(records.filter((record) =>
    isRefusal({ status: String(record.status ?? ""), coolifyServiceUuid: String(record.coolify_service_uuid ?? ""), coolifyProjectUuid: String(record.coolify_project_uuid ?? "") }),
  ).map((record) => String(record.tenant)));
  // The session the list just used (and, after a 401, renewed).
  const pb = await session(source);
  const queue = [...observations];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const body = {
        observed_at: next.observedAt, last_error: cut(next.lastError, ERROR_MAX),
        ...(refusals.has(next.tenantId) ? {} : { status: cut(next.status, 64) }),
      };
      const id = byTenant.get(next.tenantId);
      try {
        if (id !== undefined) await pb.collection(COLLECTION).update(id, body);
        else if (next.status === "failed") await pb.collection(COLLECTION).create({ tenant: next.tenantId, urls: {}, credentials: {}, ...body });
      } catch (error) {
        throw toSourceError(error, source, { operation: `writing the observation of tenant ${next.tenantId}`, tenant: next.tenantId });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, observations.length) }, worker));
}
