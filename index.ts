// CloudFreedom agent platform: one Coolify stack per PocketBase tenant. Composition only; see README.
import * as pulumi from "@pulumi/pulumi";
import { readConfig, valueOf } from "./lib/config";
import { asOperatorError } from "./program/operator-error";
import { planTenants } from "./program/plan";
import { TenantStack } from "./program/tenant-stack";
import { loadTenants } from "./lib/tenants/load";
import { Project } from "./providers/project";
import { TeardownGuard } from "./providers/teardown-guard";

export = () => declare().catch((error: unknown) => Promise.reject(asOperatorError(error)));

async function declare() {
  const config = readConfig();
  // Fails closed: an unreachable or inconsistent PocketBase stops the run before anything is declared,
  // so nothing is torn down for lack of a tenant list.
  const tenants = await loadTenants({ url: config.pocketbaseUrl, email: config.pocketbaseEmail, password: await valueOf(config.pocketbasePassword), view: config.tenantView });
  const plans = planTenants(tenants, config);

  const guard = new TeardownGuard("teardown-guard", {
    tenants: plans.map((p) => p.tenant.slug).sort(),
    cancelled: tenants.filter((t) => t.status === "cancelled").map((t) => t.slug).sort(),
    budget: config.teardownBudget,
    allow: config.allowTeardown,
  });
  const shared = config.sharedProject ? new Project("shared-project", { name: config.sharedProject, description: "CloudFreedom tenants" }, { dependsOn: guard }) : undefined;
  const stacks = plans.map((plan) => new TenantStack({ plan, config, sharedProjectUuid: shared?.uuid }, { dependsOn: guard }));

  return {
    tenants: Object.fromEntries(stacks.map((stack, i) => [plans[i].tenant.slug, { urls: stack.urls, status: stack.status, serviceUuid: stack.serviceUuid }])),
    tenantCount: plans.length,
  } satisfies Record<string, pulumi.Input<unknown>>;
}
