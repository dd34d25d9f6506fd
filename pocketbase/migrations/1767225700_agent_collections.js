// The collections cloudfreedom-agents owns, all named agent_*. This migration never creates, alters or
// deletes any other collection: tenants, plans and subscriptions are the operator's, read only through
// the tenant view (README, "Using it against a real Coolify and PocketBase").
//
// Idempotent: a collection of ours that already exists gets any missing field and index, nothing else.
// A collection of the same name that is not ours (it lacks our signature fields) stops the migration with a
// message; PocketBase runs each migration in a transaction, so nothing is changed then.
// Superusers only (null API rules); credentials are a hidden field.
const AGENT_COLLECTIONS = [
  {
    // The program's write-back, one record per tenant. `tenant` is the tenant view's record id as plain
    // text: a relation would need a collection we do not own.
    name: "agent_provisioning",
    signature: { tenant: "text", coolify_service_uuid: "text", template_ref: "text" },
    fields: [
      { name: "tenant", type: "text", required: true, max: 64, pattern: "^[a-z0-9]+$" },
      { name: "coolify_project_uuid", type: "text", max: 64 },
      { name: "coolify_service_uuid", type: "text", max: 64 },
      // JSON object: name -> URL, e.g. { "primary": "https://acme.agents.example.com" }.
      { name: "urls", type: "json", maxSize: 65536 },
      // "<template id>@<version>", e.g. "llm-stack@1.0.0".
      { name: "template_ref", type: "text", max: 128 },
      { name: "status", type: "text", max: 64 },
      { name: "status_reason", type: "text", max: 2000 },
      // When a cancelled tenant's stack is deleted (grace period).
      { name: "delete_after", type: "date" },
      { name: "last_deployed", type: "date" },
      // What the reconciler last observed, outside Pulumi.
      { name: "observed_at", type: "date" },
      { name: "last_error", type: "text", max: 4000 },
      // Generated credentials the Admin Portal needs; never in non-superuser responses.
      { name: "credentials", type: "json", hidden: true, maxSize: 65536 },
      { name: "created", type: "autodate", onCreate: true, onUpdate: false },
      { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
    ],
    indexes: [{ name: "idx_agent_provisioning_tenant", unique: true, columns: "tenant" }],
  },
  {
    // One record per reconciler run.
    name: "agent_provisioning_runs",
    signature: { trigger: "text", result: "text", counts: "json", failures: "json" },
    fields: [
      // What started the run, e.g. "timer", "realtime:tenants", "manual".
      { name: "trigger", type: "text", max: 200 },
      { name: "started", type: "date" },
      { name: "ended", type: "date" },
      // Empty while the run is in progress.
      { name: "result", type: "text", max: 16, pattern: "^(succeeded|failed|refused|cancelled)$" },
      // JSON object: { create, update, delete, same } tenant counts.
      { name: "counts", type: "json", maxSize: 65536 },
      // JSON array: [{ tenant, message }].
      { name: "failures", type: "json", maxSize: 1048576 },
      { name: "message", type: "text", max: 10000 },
      { name: "created", type: "autodate", onCreate: true, onUpdate: false },
      { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
    ],
    indexes: [{ name: "idx_agent_provisioning_runs_started", unique: false, columns: "started" }],
  },
];

migrate(
  (app) => {
    for (const spec of AGENT_COLLECTIONS) {
      const existing = findCollection(app, spec.name);
      const collection = existing ?? new Collection({ type: "base", name: spec.name, listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null });
      if (existing !== null) refuseForeign(existing, spec);
      let changed = existing === null;
      for (const field of spec.fields) {
        if (collection.fields.getByName(field.name)) continue;
        collection.fields.add(newField(field));
        changed = true;
      }
      for (const index of spec.indexes) {
        if (collection.getIndex(index.name) !== "") continue;
        collection.addIndex(index.name, index.unique, index.columns, "");
        changed = true;
      }
      if (changed) app.save(collection);
    }
  },
  (app) => {
    for (const spec of [...AGENT_COLLECTIONS].reverse()) {
      const existing = findCollection(app, spec.name);
      if (existing !== null && isOurs(existing, spec)) app.delete(existing);
    }
  },
);

function findCollection(app, name) {
  try {
    return app.findCollectionByNameOrId(name);
  } catch {
    return null;
  }
}

function isOurs(collection, spec) {
  if (collection.type !== "base") return false;
  return Object.entries(spec.signature).every(([name, type]) => {
    const field = collection.fields.getByName(name);
    return !!field && field.type() === type;
  });
}

function refuseForeign(collection, spec) {
  if (isOurs(collection, spec)) return;
  const wanted = Object.entries(spec.signature).map(([name, type]) => `${name} (${type})`).join(", ");
  throw new Error(
    `cloudfreedom-agents: a ${collection.type} collection named "${spec.name}" already exists and was not created by cloudfreedom-agents ` +
      `(it lacks the fields ${wanted}). Nothing was changed. Rename or remove that collection, then apply this migration again.`,
  );
}

function newField(field) {
  const types = { text: TextField, date: DateField, json: JSONField, autodate: AutodateField };
  const { type, ...settings } = field;
  return new types[type](settings);
}
