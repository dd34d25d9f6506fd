// The provider that Pulumi serializes into state is only this stub: it names a provider file of this
// checkout and forwards each of that provider's methods to it, loaded (TypeScript, through tsx) inside the
// dynamic-provider process. State stays small (the stub is about 1.5 KB, against the whole client), no
// client or library object is ever captured, and refresh/destroy of old state run today's code rather
// than a frozen copy. See README "Dynamic providers".
import type * as pulumi from "@pulumi/pulumi";

type Provider = pulumi.dynamic.ResourceProvider;
type Method = (...args: unknown[]) => unknown;

/**
 * Loads `providers/<file>.ts` and returns its `provider` export. Runs only inside the dynamic-provider
 * process, whose working directory is the program's; `CLOUDFREEDOM_ROOT` (scripts/env.sh) names the
 * checkout when the program lives elsewhere (the tests' temporary programs). Kept terse: its text is
 * stored with every resource.
 */
export function loadProvider(file: string): Record<string, Method> {
  const root = process.env.CLOUDFREEDOM_ROOT || process.cwd();
  const state = globalThis as { cloudfreedomTsx?: boolean };
  if (!state.cloudfreedomTsx) {
    require(`${root}/node_modules/tsx/dist/cjs/api/index.cjs`).register();
    state.cloudfreedomTsx = true;
  }
  return require(`${root}/providers/${file}.ts`).provider;
}

// One stub per file: Pulumi caches a provider's serialized text by object identity, so a shared stub is
// serialized once per run instead of once per resource.
const stubs = new Map<string, Provider>();

/** The serialized stand-in for `providers/<file>.ts`, forwarding exactly the methods `provider` has. */
export function forwardTo(file: string, provider: Provider): Provider {
  let stub = stubs.get(file);
  if (!stub) {
    const methods = Object.keys(provider).map((method) => [method, (...args: unknown[]) => loadProvider(file)[method](...args)]);
    stub = Object.fromEntries(methods) as Provider;
    stubs.set(file, stub);
  }
  return stub;
}
