// tenants.custom_domain_verified_host: the host the Admin Portal's DNS check verified. The program attaches a
// custom domain only while it is that very host (README, "Tenant isolation"), so a verification of one host
// never authorises another one typed later.
migrate(
  (app) => {
    const tenants = app.findCollectionByNameOrId("tenants");
    if (tenants.fields.getByName("custom_domain_verified_host")) return;
    tenants.fields.add(new TextField({ name: "custom_domain_verified_host", required: false, max: 253 }));
    app.save(tenants);
  },
  (app) => {
    const tenants = app.findCollectionByNameOrId("tenants");
    tenants.fields.removeByName("custom_domain_verified_host");
    app.save(tenants);
  },
);
