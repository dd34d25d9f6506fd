// Installed as a copy under node_modules (.npmrc install-links), so Pulumi's closure serializer stores a
// stub as `require("@cloudfreedom/provider-host/<file>")` instead of its code: a few hundred bytes of state
// per resource. Each method loads providers/<file>.ts of the checkout (TypeScript, through tsx) inside the
// dynamic-provider process and forwards to its `provider`. The checkout is CLOUDFREEDOM_ROOT
// (scripts/env.sh) or the program's working directory.
"use strict";

const METHODS = ["configure", "check", "diff", "create", "read", "update", "delete"];

function load(file) {
  const root = process.env.CLOUDFREEDOM_ROOT || process.cwd();
  if (!globalThis.cloudfreedomTsx) {
    require(`${root}/node_modules/tsx/dist/cjs/api/index.cjs`).register();
    globalThis.cloudfreedomTsx = true;
  }
  return require(`${root}/providers/${file}.ts`).provider;
}

// What the dynamic-provider host would do for a method the provider leaves out.
const DEFAULTS = {
  configure: () => undefined,
  check: (olds, news) => ({ inputs: news }),
  diff: () => ({}),
  read: (id, props) => ({ id, props }),
  update: (id, olds, news) => ({ outs: news }),
  delete: () => undefined,
};

module.exports = function forward(file) {
  const stub = {};
  for (const method of METHODS) {
    stub[method] = async (...args) => {
      const provider = load(file);
      return provider[method] ? provider[method](...args) : DEFAULTS[method](...args);
    };
  }
  return stub;
};
