// The provider that Pulumi serializes into state is only this stub: it names a provider file of this
// checkout and forwards every call to that file's exported provider, loaded (TypeScript, through tsx)
// inside the dynamic-provider process. State stays small (a few hundred bytes per resource instead of
// the whole client), no client or library object is ever captured, and refresh/destroy of old state run
// today's code rather than a frozen copy. See README "Dynamic providers".
import type * as pulumi from "@pulumi/pulumi";

type Provider = pulumi.dynamic.ResourceProvider;

/**
 * Loads `providers/<file>.ts` of this checkout and returns its `provider` export. Runs only inside the
 * dynamic-provider process; the checkout is `CLOUDFREEDOM_ROOT` (set by scripts/env.sh), else the
 * nearest folder above the working directory that holds this project's package.json.
 */
export function loadProvider(file: string): Provider {
  const path: typeof import("path") = require("path");
  const fs: typeof import("fs") = require("fs");
  let root = process.env.CLOUDFREEDOM_ROOT;
  for (let dir = process.cwd(); !root; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, "utf8")).name === "cloudfreedom-agent-platform") {
      root = dir;
    } else if (path.dirname(dir) === dir) {
      throw new Error("cannot find the cloudfreedom-agent-platform checkout: set CLOUDFREEDOM_ROOT (source scripts/env.sh)");
    }
  }
  const state = globalThis as { cloudfreedomTsx?: boolean };
  if (!state.cloudfreedomTsx) {
    require(path.join(root, "node_modules/tsx/dist/cjs/api/index.cjs")).register();
    state.cloudfreedomTsx = true;
  }
  return require(path.join(root, "providers", `${file}.ts`)).provider;
}

/** The serialized stand-in for `providers/<file>.ts`: every method forwards to the loaded provider. */
export function forwardTo(file: string): Provider {
  const load = () => loadProvider(file);
  return {
    configure: async (req) => load().configure?.(req),
    check: async (olds, news) => {
      const p = load();
      return p.check ? p.check(olds, news) : { inputs: news };
    },
    diff: async (id, olds, news) => {
      const p = load();
      return p.diff ? p.diff(id, olds, news) : {};
    },
    create: async (inputs) => load().create(inputs),
    read: async (id, props) => {
      const p = load();
      return p.read ? p.read(id, props) : { id, props };
    },
    update: async (id, olds, news) => {
      const p = load();
      return p.update ? p.update(id, olds, news) : { outs: news };
    },
    delete: async (id, props) => load().delete?.(id, props),
  };
}
