// The tenant's provisioning record in PocketBase (collection `provisioning`, one per tenant): what the
// program deployed, written back for the Admin Portal. The ID is the tenant record id; tenantId forces a
// replacement. Create and update upsert by tenant (so a rerun adopts); read reports a record deleted out
// of band as gone; delete removes it (absent = success), so a torn-down tenant leaves no stale record.
import * as pulumi from "@pulumi/pulumi";
import * as provisioning from "../lib/tenants/provisioning";
import type { PocketBaseSource } from "../lib/tenants/connection";
import { changedKeys } from "./diff";
import { forwardTo } from "./runtime";

let configured: pulumi.dynamic.ConfigureRequest["config"] | undefined;

/** Plain, resolved inputs: the record as lib/tenants/provisioning writes it, for one tenant. */
export type ProvisioningRecordInputs = { tenantId: string } & Required<Omit<provisioning.ProvisioningInput, "lastDeployed">>;

export interface ProvisioningRecordOutputs extends ProvisioningRecordInputs {
  lastDeployed: string;
}

export type ProvisioningRecordArgs = { [K in keyof Omit<ProvisioningRecordInputs, "credentials">]: pulumi.Input<ProvisioningRecordInputs[K]> } & {
  credentials: pulumi.Input<Record<string, pulumi.Input<string>>>;
};

const FIELDS = ["coolifyProjectUuid", "coolifyServiceUuid", "templateRef", "status", "urls", "credentials"] as const;

/** PocketBase from config `pocketbaseUrl`/`pocketbaseEmail`/`pocketbasePassword` (env `POCKETBASE_URL`/`_EMAIL`/`_PASSWORD`). */
function source(): PocketBaseSource {
  const get = (key: string, env: string) => configured?.get(key) ?? process.env[env];
  const url = get("pocketbaseUrl", "POCKETBASE_URL");
  const email = get("pocketbaseEmail", "POCKETBASE_EMAIL");
  const password = get("pocketbasePassword", "POCKETBASE_PASSWORD");
  if (!url || !email || !password) {
    throw new Error("PocketBase credentials missing: pulumi config set pocketbaseUrl/pocketbaseEmail and pulumi config set --secret pocketbasePassword");
  }
  return { url, email, password };
}

function toRecord(inputs: ProvisioningRecordInputs, lastDeployed: string): provisioning.ProvisioningInput {
  const { tenantId: _tenant, ...rest } = inputs;
  return { ...rest, lastDeployed };
}

export const provider: pulumi.dynamic.ResourceProvider<ProvisioningRecordInputs, ProvisioningRecordOutputs> = {
  async configure(req) {
    configured = req.config;
  },

  async diff(_id, olds, news) {
    const replaces = olds.tenantId === news.tenantId ? [] : ["tenantId"];
    return { changes: replaces.length > 0 || changedKeys<ProvisioningRecordInputs>(olds, news, [...FIELDS]).length > 0, replaces };
  },

  async create(inputs) {
    const lastDeployed = new Date().toISOString();
    await provisioning.upsertProvisioning(source(), inputs.tenantId, toRecord(inputs, lastDeployed));
    return { id: inputs.tenantId, outs: { ...inputs, lastDeployed } };
  },

  async read(id, props) {
    const record = await provisioning.getProvisioning(source(), id);
    if (!record) return { id: "", props: {} as ProvisioningRecordOutputs };
    return { id, props: { ...props!, status: record.status, templateRef: record.templateRef, urls: record.urls } };
  },

  async update(id, _olds, news) {
    const lastDeployed = new Date().toISOString();
    await provisioning.upsertProvisioning(source(), id, toRecord(news, lastDeployed));
    return { outs: { ...news, lastDeployed } };
  },

  async delete(id) {
    await provisioning.deleteProvisioning(source(), id);
  },
};

/** The write-back record of one tenant in PocketBase. */
export class ProvisioningRecord extends pulumi.dynamic.Resource {
  declare readonly lastDeployed: pulumi.Output<string>;

  constructor(name: string, args: ProvisioningRecordArgs, opts?: pulumi.CustomResourceOptions) {
    const props = { ...args, credentials: pulumi.secret(args.credentials), lastDeployed: undefined };
    super(forwardTo("provisioning"), name, props, { ...opts, additionalSecretOutputs: ["credentials"] }, "cloudfreedom", "ProvisioningRecord");
  }
}
