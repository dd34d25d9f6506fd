// One tenant's resources: its Coolify project (unless a shared one is configured), the compose service
// rendered from its template and plan, the public URLs of its domain container, and its write-back record.
import * as pulumi from "@pulumi/pulumi";
import { Domain } from "../providers/domain";
import { Project } from "../providers/project";
import { ProvisioningRecord } from "../providers/provisioning";
import { Service } from "../providers/service";
import type { PlatformConfig } from "../lib/config";
import { withRouterKey, type TenantPlan } from "./plan";

/** The port in a Coolify URL is the container port Traefik forwards to (coolify-api.md §7.7). */
function domainUrls(hosts: string[], port: number): string[] {
  return hosts.map((host) => `https://${host}:${port}`);
}

export interface TenantStackArgs {
  plan: TenantPlan;
  config: PlatformConfig;
  /** The shared project's uuid, when config `sharedProject` is set. */
  sharedProjectUuid?: pulumi.Output<string>;
}

export class TenantStack extends pulumi.ComponentResource {
  readonly serviceUuid: pulumi.Output<string>;
  readonly status: pulumi.Output<string>;
  readonly urls: string[];

  constructor(args: TenantStackArgs, opts?: pulumi.ComponentResourceOptions) {
    const { tenant, rendered, hosts } = args.plan;
    const { config } = args;
    super("cloudfreedom:tenant:Stack", tenant.slug, {}, opts);
    // Children wait for what the stack waits for (the teardown guard): a component's dependsOn alone does not hold them.
    const child = { parent: this, dependsOn: opts?.dependsOn };

    const projectUuid = args.sharedProjectUuid ?? new Project(`${tenant.slug}-project`, { name: `Tenant ${tenant.slug}`, description: `CloudFreedom tenant ${tenant.slug}` }, child).uuid;
    const running = tenant.status === "active";
    const service = new Service(
      `${tenant.slug}-service`,
      {
        name: `cf-${tenant.slug}`,
        description: `CloudFreedom tenant ${tenant.slug}`,
        projectUuid,
        environmentName: config.coolifyEnvironment ?? "production",
        serverUuid: config.coolifyServerUuid,
        destinationUuid: config.coolifyDestinationUuid,
        compose: rendered.composeYaml,
        env: envOf(args.plan, config),
        templateRef: rendered.templateRef,
        desiredState: running ? "running" : "stopped",
        waitForHealthy: config.waitForHealthy ?? true,
        healthTimeoutSeconds: config.healthTimeoutSeconds ?? 300,
        deleteVolumes: config.deleteVolumesOnTeardown ?? false,
        readGenerated: rendered.generatedSecrets,
        // Sent with the create, so no PATCH and no restart follow the start; the Domain owns them afterwards.
        initialUrls: rendered.domainService ? { [rendered.domainService]: domainUrls(hosts, rendered.domainPort) } : undefined,
      },
      child,
    );

    // The port in a Coolify URL is the container port Traefik forwards to (coolify-api.md §7.7).
    this.urls = hosts.map((host) => `https://${host}`);
    const domain = rendered.domainService
      ? new Domain(`${tenant.slug}-domain`, {
          serviceUuid: service.uuid,
          container: rendered.domainService,
          applicationUuid: service.applications.apply((apps) => apps[rendered.domainService]),
          knownFqdn: service.fqdns.apply((fqdns) => fqdns[rendered.domainService]),
          urls: domainUrls(hosts, rendered.domainPort),
          restart: running,
        }, child)
      : undefined;

    new ProvisioningRecord(`${tenant.slug}-record`, {
      tenantId: tenant.id,
      coolifyProjectUuid: projectUuid,
      coolifyServiceUuid: service.uuid,
      templateRef: rendered.templateRef,
      status: service.status,
      statusReason: args.plan.statusReason,
      urls: Object.fromEntries(this.urls.map((url, i) => [i === 0 ? "primary" : `custom${i}`, url])),
      credentials: service.generated,
    }, { parent: this, dependsOn: domain ? [domain] : [service] });

    this.serviceUuid = service.uuid;
    this.status = service.status;
    this.registerOutputs({ serviceUuid: this.serviceUuid, status: this.status });
  }
}

/** The rendered env with the AI Router key the plan chose: the tenant's own (a secret), or the shared one. */
function envOf({ tenant, rendered, routerKey }: TenantPlan, config: PlatformConfig): pulumi.Input<Record<string, string>> {
  if (routerKey === "none") return rendered.env;
  const key = routerKey === "tenant" ? pulumi.secret(tenant.routerKey ?? "") : config.aiRouterKey;
  // readConfig requires aiRouterKey whenever sharedRouterKeyFallback is true, the only case "shared" is planned.
  if (key === undefined) throw new Error(`tenant ${JSON.stringify(tenant.slug)} is planned with the shared AI Router key, but config aiRouterKey is not set`);
  return key.apply((value) => withRouterKey(rendered.env, value));
}
