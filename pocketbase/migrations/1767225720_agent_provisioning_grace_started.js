// agent_provisioning.grace_started_at: when a run first saw the tenant cancelled. A cancelled tenant's grace
// period counts from it (program/lifecycle.ts), so a cancellation is never deleted by the run that first sees
// it, however old its `cancelled_at`. Cleared with `delete_after` when the tenant is reactivated.
//
// Idempotent: adds the field only when it is missing. Needs agent_provisioning (1767225700_agent_collections.js);
// without it the migration stops with a message and changes nothing.
const COLLECTION = "agent_provisioning";
const FIELD = "grace_started_at";

migrate(
  (app) => {
    let collection = null;
    try {
      collection = app.findCollectionByNameOrId(COLLECTION);
    } catch {
      throw new Error(`cloudfreedom-agents: the collection "${COLLECTION}" does not exist; apply 1767225700_agent_collections.js first. Nothing was changed.`);
    }
    if (collection.fields.getByName(FIELD)) return;
    collection.fields.add(new DateField({ name: FIELD }));
    app.save(collection);
  },
  (app) => {
    try {
      const collection = app.findCollectionByNameOrId(COLLECTION);
      if (!collection.fields.getByName(FIELD)) return;
      collection.fields.removeByName(FIELD);
      app.save(collection);
    } catch {
      // Already gone.
    }
  },
);
