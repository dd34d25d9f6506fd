// One tenant's resources: its Coolify project (unless a shared one is configured), the compose service
// rendered from its template and plan, the public URLs of its domain container, and its write-back record.
// Resources are named by the tenant's PocketBase id, which never changes, so a slug rename is an in-place
// update; the aliases carry stacks over from the slug-based names used before, for a tenant deployed before only
// (a newcomer with a freed slug must not inherit the old resources of that name). A tenant that became invalid
// is held (README, "Held tenants"): the inputs its own record decides stay as last applied (Pulumi's ignoreChanges),
// while the platform's decisions still reach it: stopped when suspended or in grace, started when reactivated, and
// re-rendered from its applied spec with the plan's current limits and router key (held-plan.ts). A held resource
// that has no state in this stack is refused at its check, never created or adopted: ignoreChanges does not apply
// to a create, and its stand-ins must never reach Coolify or PocketBase.
import * as pulumi from "@pulumi/pulumi";
import { Domain } from "../providers/domain";
import { Project } from "../providers/project";
import { ProvisioningRecord } from "../providers/provisioning";
import { HELD_TEMPLATE_REF, serviceName } from "../providers/service-model";
import { Service } from "../providers/service";
import { getTemplate, TemplateError } from "../templates";
import type { PlatformConfig } from "../lib/config";
import type { Tenant } from "../lib/tenants/tenant";
import type { TenantPlacement } from "./capacity";
import { appliedSpecOf, type Hold } from "./held-plan";
import { withRouterKey, type TenantPlan } from "./plan";

/** The port in a Coolify URL is the container port Traefik forwards to (coolify-api.md §7.7). */
function domainUrls(hosts: string[], port: number): string[] {
  return hosts.map((host) => `https://${host}:${port}`);
}

/** What to declare: the rendered plan, or a hold at the last applied spec (with what the record says exists). */
export type TenantSpec = { plan: TenantPlan } | { hold: Hold };

/**
 * The Service inputs a hold always freezes: the names (from the slug), the URLs sent with a create, and the placement,
 * whose change would replace (create) the service; plus `held`, so that an update never sees it and a create is
 * refused. A held tenant re-rendered from its applied spec (held-plan.ts) takes its compose, env and template from
 * that plan: its own inputs as applied, the plan's limits and the router key as they are now. Without such a plan
 * they are frozen too. Never frozen, so the platform's decisions reach a held tenant: desiredState (suspended, in
 * grace, reactivated), health waiting, volume deletion, the ownership marker.
 */
const HELD_SERVICE_INPUTS = ["name", "description", "initialUrls", "tenant", "projectUuid", "environmentName", "serverUuid", "destinationUuid", "held"];
const HELD_RENDERED_INPUTS = ["compose", "env", "templateRef", "readGenerated"];
/** The record fields a hold freezes; status, its reason and the grace dates are still written. */
const HELD_RECORD_INPUTS = ["coolifyProjectUuid", "coolifyServiceUuid", "urls", "credentials", "appliedSpec", "serverUuid", "reservation"];

export interface TenantStackArgs {
  tenant: Tenant;
  spec: TenantSpec;
  config: PlatformConfig;
  /** `<organisation>/<project>/<stack>`, written into every ownership marker. */
  owner: string;
  /** The shared project's uuid, when config `sharedProject` is set. */
  sharedProjectUuid?: pulumi.Output<string>;
  /** A cancelled tenant in its grace period: stopped, and deleted after this time (ISO 8601). */
  deleteAfter?: string;
  /** The tenant has a write-back record: a run deployed it before. Only then do the slug-based names of old stacks
   * alias its resources; a newcomer who took a freed slug would otherwise inherit another tenant's service. */
  deployedBefore?: boolean;
  /** A cancelled tenant in its grace period: when a run first saw it cancelled (ISO 8601), kept in its record. */
  graceStartedAt?: string;
  /** Its server (program/capacity.ts); without one, config coolifyServerUuid. */
  placement?: TenantPlacement;
}

export class TenantStack extends pulumi.ComponentResource {
  readonly serviceUuid: pulumi.Output<string>;
  readonly status: pulumi.Output<string>;
  /** Why the tenant did not converge ("" when it did): held, or not in its desired state. */
  readonly problem: pulumi.Output<string>;
  /** Resolves once the write-back record is written: the tenant's last step. */
  readonly done: pulumi.Output<string>;
  readonly urls: string[];

  constructor(args: TenantStackArgs, opts?: pulumi.ComponentResourceOptions) {
    const { tenant, config, spec } = args;
    const alias = (name: string) => (args.deployedBefore ? { aliases: [{ name }] } : {});
    super("cloudfreedom:tenant:Stack", tenant.id, {}, { ...opts, ...alias(tenant.slug) });
    const hold = "hold" in spec ? spec.hold : undefined;
    // A held tenant re-rendered from its applied spec has a plan too (its own inputs as applied).
    const plan = "plan" in spec ? spec.plan : hold?.plan;
    // Children wait for what the stack waits for (the teardown guard): a component's dependsOn alone does not hold them.
    // A held project and domain keep every input as last applied; the service and record only what a hold freezes.
    const child = (kind: string, frozen: string[] = ["*"]) => ({
      parent: this, dependsOn: opts?.dependsOn, ...alias(`${tenant.slug}-${kind}`), ...(hold ? { ignoreChanges: frozen } : {}),
    });

    // Held: `held`, which the Project's check refuses, so a project without state is never created or adopted.
    // Ids, not the uuid outputs: an id stays known in a preview of an update (a marker rewrite, say), where every
    // output of a dynamic resource is unknown and would preview each dependent as replaced.
    const projectUuid = args.sharedProjectUuid ??
      new Project(`${tenant.id}-project`, { name: `Tenant ${tenant.slug}`, description: `CloudFreedom tenant ${tenant.slug}`, owner: args.owner, tenantId: tenant.id, claimFrom: config.claimFrom, held: hold ? true : undefined }, child("project")).id;
    const running = tenant.status === "active" && !args.deleteAfter;
    const rendered = plan?.rendered;
    // The Service keeps a `generated` output only when it reads values, and the record reads it only then.
    const readGenerated = rendered?.generatedSecrets.length ? rendered.generatedSecrets : undefined;
    const service = new Service(
      `${tenant.id}-service`,
      // Inputs at the Service's default are left out (undefined): each one costs about 85 bytes of state per tenant
      // (input, output and dependency entry), and the Service compares with its defaults filled in.
      {
        name: serviceName(tenant.slug),
        description: `CloudFreedom tenant ${tenant.slug}`,
        projectUuid,
        environmentName: config.coolifyEnvironment,
        serverUuid: args.placement?.server ?? config.coolifyServerUuid ?? "",
        destinationUuid: args.placement ? args.placement.destinationUuid : config.coolifyDestinationUuid,
        // Held: stand-ins, never sent. On an update ignoreChanges puts the last applied inputs back; on a create the
        // Service's check refuses HELD_TEMPLATE_REF.
        compose: rendered?.composeYaml ?? "",
        env: plan && !hold?.keepEnv ? envOf(plan, config) : {},
        templateRef: rendered?.templateRef ?? HELD_TEMPLATE_REF,
        desiredState: running ? undefined : "stopped",
        waitForHealthy: config.waitForHealthy,
        healthTimeoutSeconds: config.healthTimeoutSeconds ?? 300,
        deleteVolumes: config.deleteVolumesOnTeardown,
        readGenerated,
        // Sent with the create, so no PATCH and no restart follow the start; the Domain owns them afterwards.
        initialUrls: rendered?.domainService ? { [rendered.domainService]: domainUrls(plan!.hosts, rendered.domainPort) } : undefined,
        owner: args.owner,
        claimFrom: config.claimFrom,
        tenantId: tenant.id,
        tenant: tenant.slug,
        // CLOUDFREEDOM_MOVE: a replacement on the other server (program/placement.ts).
        allowReplace: config.allowReplace.includes("*") || config.allowReplace.includes(tenant.slug) || args.placement?.moved || undefined,
        onUnhealthy: "record",
        held: hold ? true : undefined,
      },
      // Deployed on a server no record names: the Service keeps the one in its state (program/capacity.ts).
      { ...child("service", [...HELD_SERVICE_INPUTS, ...(plan ? (hold?.keepEnv ? ["env"] : []) : HELD_RENDERED_INPUTS)]), ...(args.placement?.fromState && !hold ? { ignoreChanges: ["serverUuid", "destinationUuid"] } : {}) },
    );

    // The port in a Coolify URL is the container port Traefik forwards to (coolify-api.md §7.7).
    const hosts = plan?.hosts ?? [];
    this.urls = hosts.map((host) => `https://${host}`);
    // Held: the container and URLs its record lists (what was applied), so even a create would send no stand-in.
    const ingress = rendered ? { service: rendered.domainService, port: rendered.domainPort, hosts } : hold && heldIngress(hold);
    const domain = ingress && ingress.service
      ? new Domain(`${tenant.id}-domain`, {
          serviceUuid: service.id,
          container: ingress.service,
          applicationUuid: service.applications.apply((apps) => apps[ingress.service]),
          knownFqdn: service.fqdns.apply((fqdns) => (fqdns ?? {})[ingress.service]),
          urls: domainUrls(ingress.hosts, ingress.port),
          restart: running,
          owner: args.owner,
        }, child("domain"))
      : undefined;

    this.problem = hold
      ? service.problem.apply((p) => [`held: ${hold.reason}`, p ?? ""].filter(Boolean).join("; "))
      : service.problem.apply((p) => p ?? "");
    const applied = hold?.record;
    const record = new ProvisioningRecord(`${tenant.id}-record`, {
      tenantId: tenant.id,
      coolifyProjectUuid: applied?.coolifyProjectUuid ?? projectUuid,
      coolifyServiceUuid: applied?.coolifyServiceUuid ?? service.id,
      templateRef: rendered?.templateRef ?? applied?.templateRef ?? HELD_TEMPLATE_REF,
      // The tenant's own inputs as applied, for a later hold; a held tenant keeps the one it has.
      appliedSpec: hold ? hold.record?.appliedSpec as Record<string, unknown> | undefined : plan && { ...appliedSpecOf(plan) },
      status: hold ? "held" : service.status,
      statusReason: this.problem.apply((problem) => problem || (args.deleteAfter ? "pending deletion" : plan?.statusReason ?? "")),
      deleteAfter: args.deleteAfter ?? "",
      graceStartedAt: args.graceStartedAt,
      urls: applied?.urls ?? Object.fromEntries(this.urls.map((url, i) => [i === 0 ? "primary" : `custom${i}`, url])),
      credentials: applied?.credentials ?? (readGenerated ? service.generated.apply((generated) => generated ?? {}) : {}),
      // Only with coolifyServers, so a stack on coolifyServerUuid alone shows no change.
      ...(args.placement?.recorded ? { serverUuid: args.placement.fromState ? service.serverUuid : args.placement.server, reservation: args.placement.reservation } : {}),
    }, {
      // Held: only status, reason and the grace dates change; the rest stays as last written.
      ...child("record", HELD_RECORD_INPUTS), dependsOn: domain ? [domain] : [service],
    });

    this.serviceUuid = service.id;
    this.status = hold ? pulumi.output("held") : service.status;
    this.done = record.lastDeployed;
    this.registerOutputs({ serviceUuid: this.serviceUuid, status: this.status });
  }
}

/** The domain container and hosts a held tenant's record lists, read from the template version it names. */
function heldIngress(hold: Hold): { service: string; port: number; hosts: string[] } | undefined {
  if (!hold.hasDomain || !hold.record) return undefined;
  const [id, version] = hold.record.templateRef.split("@");
  try {
    const domain = getTemplate(id, version).manifest.domain;
    const hosts = Object.values(hold.record.urls).map((url) => url.replace(/^https?:\/\//, "").replace(/[:/].*$/, ""));
    return domain ? { service: domain.service, port: domain.port, hosts } : undefined;
  } catch (e) {
    if (e instanceof TemplateError) return undefined;
    throw e;
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
