// agent_provisioning.server_uuid and .reservation: the Coolify server a tenant's service runs on, and what its stack
// reserves there (the sum of its containers' limits, as applied). Placement keeps a deployed tenant on its recorded
// server (program/placement.ts) and `npm run capacity` adds the reservations up per server.
//
// Idempotent: adds each field only when it is missing. Needs agent_provisioning (1767225700_agent_collections.js);
// without it the migration stops with a message and changes nothing.
const COLLECTION = "agent_provisioning";

migrate(
  (app) => {
    let collection = null;
    try {
      collection = app.findCollectionByNameOrId(COLLECTION);
    } catch {
      throw new Error(`cloudfreedom-agents: the collection "${COLLECTION}" does not exist; apply 1767225700_agent_collections.js first. Nothing was changed.`);
    }
    if (!collection.fields.getByName("server_uuid")) collection.fields.add(new TextField({ name: "server_uuid", max: 100 }));
    if (!collection.fields.getByName("reservation")) collection.fields.add(new JSONField({ name: "reservation", maxSize: 2000 }));
    app.save(collection);
  },
  (app) => {
    try {
      const collection = app.findCollectionByNameOrId(COLLECTION);
      for (const name of ["server_uuid", "reservation"]) if (collection.fields.getByName(name)) collection.fields.removeByName(name);
      app.save(collection);
    } catch {
      // Already gone.
    }
  },
);
