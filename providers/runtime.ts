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

/**
 * The `__provider` of a hosted resource: a module whose `handler()` returns the stub, which is all the
 * dynamic-provider host asks of it. About 80 bytes, where `dynamic.Resource` stores the closure it serializes around the
 * same require (about 300 bytes once escaped); state holds it twice per resource, in inputs and outputs.
 */
export function providerSource(file: ProviderFile): string {
  return `exports.handler = () => require("@cloudfreedom/provider-host/${file}.js");`;
}

/**
 * The type token and inputs of a dynamic resource served by the stub of `file`: what `dynamic.Resource` would pass
 * to `CustomResource`, with the short `providerSource`. Resource classes extend `CustomResource` directly, so that
 * the call stack Pulumi records in state starts at the line that declared the resource.
 */
export function hosted(file: ProviderFile, module: string, type: string, props: pulumi.Inputs): [string, pulumi.Inputs] {
  return [`pulumi-nodejs:dynamic/${module}:${type}`, { ...props, __provider: providerSource(file) }];
}
