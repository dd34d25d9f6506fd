// A new tenant refused because it fits on no server (program/capacity.ts): no Coolify object, only its write-back
// record, status `refused`, whose reason names each server's free capacity. It is declared under a component of the
// TenantStack's type and name, the record under the record's name, so the run that later places the tenant updates
// this record in place through its TenantStack (a delete of the refused component would delete the record that run
// just wrote). A refused tenant that is cancelled or gone loses its record with its component; it never had anything
// else. listProvisioning leaves refusal records out, so no run takes the tenant for a deployed one.
import * as pulumi from "@pulumi/pulumi";
import { REFUSED_STATUS } from "../lib/tenants/provisioning";
import type { Tenant } from "../lib/tenants/tenant";
import { ProvisioningRecord } from "../providers/provisioning";

export interface RefusedTenantArgs {
  tenant: Tenant;
  /** Why, as the run's failures say it. */
  reason: string;
  /** The template version it was refused with, "<id>@<version>". */
  templateRef: string;
}

export class RefusedTenant extends pulumi.ComponentResource {
  /** Resolves once the record is written. */
  readonly done: pulumi.Output<string>;

  constructor(args: RefusedTenantArgs, opts?: pulumi.ComponentResourceOptions) {
    const { tenant } = args;
    // TenantStack's type and name (program/tenant-stack.ts).
    super("cloudfreedom:tenant:Stack", tenant.id, {}, opts);
    const record = new ProvisioningRecord(`${tenant.id}-record`, {
      tenantId: tenant.id,
      coolifyProjectUuid: "",
      coolifyServiceUuid: "",
      templateRef: args.templateRef,
      status: REFUSED_STATUS,
      statusReason: args.reason,
      deleteAfter: "",
      urls: {},
      credentials: {},
    }, { parent: this, dependsOn: opts?.dependsOn });
    this.done = record.id;
    this.registerOutputs({});
  }
}
