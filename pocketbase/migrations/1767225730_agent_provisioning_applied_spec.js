// agent_provisioning.applied_spec: the tenant's own inputs as the last run applied them (slug, template version,
// settings, Telegram ids, owner e-mail, bot token, hosts). A tenant whose record later becomes invalid is held: it is
// re-rendered from these with the platform's current values (plan limits, router key), so a hold freezes only what
// the tenant decides (program/plan.ts, planHeld). Hidden: it holds the bot token.
//
// Idempotent: adds the field only when it is missing. Needs agent_provisioning (1767225700_agent_collections.js);
// without it the migration stops with a message and changes nothing.
const COLLECTION = "agent_provisioning";
const FIELD = "applied_spec";

migrate(
  (app) => {
    let collection = null;
    try {
      collection = app.findCollectionByNameOrId(COLLECTION);
    } catch {
      throw new Error(`cloudfreedom-agents: the collection "${COLLECTION}" does not exist; apply 1767225700_agent_collections.js first. Nothing was changed.`);
    }
    if (collection.fields.getByName(FIELD)) return;
    collection.fields.add(new JSONField({ name: FIELD, hidden: true, maxSize: 65536 }));
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
