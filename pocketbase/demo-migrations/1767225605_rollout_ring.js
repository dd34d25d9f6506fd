// tenants.rollout_ring: the rollout wave a tenant belongs to (config rollout's canaryRing, default "canary", goes
// first; empty: the fraction or the rest). Read leniently by the program: absent or empty means no ring.
migrate(
  (app) => {
    const tenants = app.findCollectionByNameOrId("tenants");
    if (tenants.fields.getByName("rollout_ring")) return;
    tenants.fields.add(new TextField({ name: "rollout_ring", required: false, max: 64 }));
    app.save(tenants);
  },
  (app) => {
    const tenants = app.findCollectionByNameOrId("tenants");
    tenants.fields.removeByName("rollout_ring");
    app.save(tenants);
  },
);
