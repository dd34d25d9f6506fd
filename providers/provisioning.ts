// The tenant's provisioning record in PocketBase (collection `agent_provisioning`, one per tenant): what the
// program deployed, written back for the Admin Portal. The ID is the tenant record id; tenantId forces a
// replacement. Create and update upsert by tenant (so a rerun adopts); read reports a record deleted out
// of band as gone; delete removes it (absent = success), so a torn-down tenant leaves no stale record.
import * as pulumi from "@pulumi/pulumi";
import * as provisioning from "../lib/tenants/provisioning";
import { configure, pocketbaseSource } from "./connection";
import { changedKeys, digest, isUnknown } from "./diff";
import { hosted } from "./runtime";

/** Plain, resolved inputs: the record as lib/tenants/provisioning writes it, for one tenant. */
export type ProvisioningRecordInputs = { tenantId: string } & Required<Omit<provisioning.ProvisioningInput, "lastDeployed" | "statusReason" | "deleteAfter" | "graceStartedAt" | "serverUuid" | "reservation" | "appliedSpec">> &
  Pick<provisioning.ProvisioningInput, "statusReason" | "deleteAfter" | "graceStartedAt" | "serverUuid" | "reservation" | "appliedSpec">;

/** State: the inputs, with a digest in place of the applied spec (`appliedDigest`). */
export interface ProvisioningRecordOutputs extends Omit<ProvisioningRecordInputs, "appliedSpec"> {
  lastDeployed: string;
  appliedDigest?: string;
}

export type ProvisioningRecordArgs = { [K in keyof Omit<ProvisioningRecordInputs, "credentials">]: pulumi.Input<ProvisioningRecordInputs[K]> } & {
  credentials: pulumi.Input<Record<string, pulumi.Input<string>>>;
};

const FIELDS = ["coolifyProjectUuid", "coolifyServiceUuid", "templateRef", "status", "statusReason", "deleteAfter", "graceStartedAt", "urls", "credentials", "serverUuid", "reservation"] as const;

function toRecord(inputs: ProvisioningRecordInputs, lastDeployed: string): provisioning.ProvisioningInput {
  const { tenantId: _tenant, ...rest } = inputs;
  return { ...rest, ...(lastDeployed ? { lastDeployed } : {}) };
}

/** Now, except for a refusal record: a tenant refused before any request was never deployed. */
function deployedAt(inputs: ProvisioningRecordInputs): string {
  return inputs.status === provisioning.REFUSED_STATUS ? "" : new Date().toISOString();
}

/**
 * The applied spec holds the tenant's bot token, and a held tenant reads it from PocketBase, never from state; so the
 * outputs keep only a short digest of it (about 40 bytes, where the encrypted spec costs about 300), which is enough
 * to tell a change. Keys sorted, so the order they arrive in does not count.
 */
function appliedDigestOf(spec: Record<string, unknown> | undefined): string | undefined {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(canonical)
      : value && typeof value === "object" ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]))
        : value;
  return spec === undefined ? undefined : digest(JSON.stringify(canonical(spec)));
}

function outputsOf(inputs: ProvisioningRecordInputs, lastDeployed: string): ProvisioningRecordOutputs {
  const { appliedSpec, ...rest } = inputs;
  const applied = appliedDigestOf(appliedSpec);
  return { ...rest, ...(applied !== undefined ? { appliedDigest: applied } : {}), lastDeployed };
}

export const provider: pulumi.dynamic.ResourceProvider<ProvisioningRecordInputs, ProvisioningRecordOutputs> = {
  configure,

  async diff(_id, olds, news) {
    const replaces = olds.tenantId === news.tenantId ? [] : ["tenantId"];
    const applied = isUnknown(news.appliedSpec) || olds.appliedDigest !== appliedDigestOf(news.appliedSpec);
    return { changes: replaces.length > 0 || applied || changedKeys<Omit<ProvisioningRecordInputs, "appliedSpec">>(olds, news, [...FIELDS]).length > 0, replaces };
  },

  async create(inputs) {
    const lastDeployed = deployedAt(inputs);
    await provisioning.upsertProvisioning(pocketbaseSource(), inputs.tenantId, toRecord(inputs, lastDeployed));
    return { id: inputs.tenantId, outs: outputsOf(inputs, lastDeployed) };
  },

  async read(id, props) {
    const record = await provisioning.getProvisioning(pocketbaseSource(), id);
    if (!record) return { id: "", props: {} as ProvisioningRecordOutputs };
    return { id, props: { ...props!, status: record.status, templateRef: record.templateRef, urls: record.urls } };
  },

  async update(id, _olds, news) {
    const lastDeployed = deployedAt(news);
    await provisioning.upsertProvisioning(pocketbaseSource(), id, toRecord(news, lastDeployed));
    return { outs: outputsOf(news, lastDeployed) };
  },

  async delete(id, props) {
    // A refusal record's delete (its tenant now placed, or gone) spares a record another stack has written since: in a
    // sharded fleet the home shard holds the refusal, and the shard that deploys the tenant takes the record over.
    if (props?.status === provisioning.REFUSED_STATUS) {
      const current = await provisioning.getProvisioning(pocketbaseSource(), id);
      if (current !== null && !provisioning.isRefusal(current)) return;
    }
    await provisioning.deleteProvisioning(pocketbaseSource(), id);
  },
};

/** The write-back record of one tenant in PocketBase. */
export class ProvisioningRecord extends pulumi.CustomResource {
  declare readonly lastDeployed: pulumi.Output<string>;

  constructor(name: string, args: ProvisioningRecordArgs, opts?: pulumi.CustomResourceOptions) {
    // appliedSpec holds the tenant's bot token: a secret, as the credentials are.
    const applied = args.appliedSpec === undefined ? {} : { appliedSpec: pulumi.secret(args.appliedSpec) };
    const props = { ...args, ...applied, credentials: pulumi.secret(args.credentials), lastDeployed: undefined };
    const [type, inputs] = hosted("provisioning", "cloudfreedom", "ProvisioningRecord", props);
    super(type, name, inputs, { ...opts, additionalSecretOutputs: ["credentials"] });
  }
}
