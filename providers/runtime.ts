// The provider Pulumi serializes into state for each dynamic resource is a stub from the local package
// provider-host/ (installed as a copy under node_modules, see .npmrc): Pulumi stores a module of
// node_modules as a `require(...)` of it rather than its code, so each resource carries a few hundred
// bytes instead of a serialized client. The stub loads providers/<file>.ts of the checkout inside the
// dynamic-provider process and forwards every call to its `provider`; refresh and destroy of old state
// therefore run today's code. See README "Dynamic providers".
import type * as pulumi from "@pulumi/pulumi";

export type ProviderFile = "project" | "service" | "domain" | "provisioning" | "teardown-guard";

/** The stub that stands for `providers/<file>.ts`. */
export function forwardTo(file: ProviderFile): pulumi.dynamic.ResourceProvider {
  return require(`@cloudfreedom/provider-host/${file}`);
}
