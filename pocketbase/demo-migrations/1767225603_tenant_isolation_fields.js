// tenants: fields the Admin Portal and Billing set for isolation and teardown (README, "Tenant isolation"):
// a verified flag for the custom domain, the owner's e-mail, the tenant's own AI Router key (hidden) and
// when the tenant was cancelled.
migrate(
  (app) => {
    const tenants = app.findCollectionByNameOrId("tenants");
    tenants.fields.add(new BoolField({ name: "custom_domain_verified" }));
    tenants.fields.add(new EmailField({ name: "owner_email", required: false }));
    tenants.fields.add(new TextField({ name: "ai_router_key", required: false, hidden: true, max: 512 }));
    tenants.fields.add(new DateField({ name: "cancelled_at", required: false }));
    app.save(tenants);
  },
  (app) => {
    const tenants = app.findCollectionByNameOrId("tenants");
    for (const name of ["custom_domain_verified", "owner_email", "ai_router_key", "cancelled_at"]) tenants.fields.removeByName(name);
    app.save(tenants);
  },
);
