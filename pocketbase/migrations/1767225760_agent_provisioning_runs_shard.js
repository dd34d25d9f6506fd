// agent_provisioning_runs.shard: the shard whose stack a reconciler run ran (config shards, lib/shards.ts); empty in
// an unsharded fleet. The Admin Portal can then tell one shard's runs from another's.
//
// Idempotent: adds the field only when it is missing. Needs agent_provisioning_runs (1767225700_agent_collections.js);
// without it the migration stops with a message and changes nothing.
const COLLECTION = "agent_provisioning_runs";

migrate(
  (app) => {
    let collection = null;
    try {
      collection = app.findCollectionByNameOrId(COLLECTION);
    } catch {
      throw new Error(`cloudfreedom-agents: the collection "${COLLECTION}" does not exist; apply 1767225700_agent_collections.js first. Nothing was changed.`);
    }
    if (!collection.fields.getByName("shard")) collection.fields.add(new TextField({ name: "shard", max: 20 }));
    app.save(collection);
  },
  (app) => {
    try {
      const collection = app.findCollectionByNameOrId(COLLECTION);
      if (collection.fields.getByName("shard")) collection.fields.removeByName("shard");
      app.save(collection);
    } catch {
      // Already gone.
    }
  },
);
