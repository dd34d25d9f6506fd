// Test fixture: tenants as the Admin Portal keeps them (no status here: it lives on the subscription).
migrate((app) => {
  app.save(new Collection({
    type: "base",
    name: "tenants",
    fields: [
      { name: "subdomain", type: "text", required: true, max: 63 },
      { name: "company", type: "text", required: true, max: 200 },
      { name: "vat_id", type: "text", max: 32 },
      { name: "contact_email", type: "email" },
      { name: "agent_template", type: "text", max: 64 },
      { name: "agent_template_version", type: "text", max: 64 },
      { name: "domain", type: "text", max: 253 },
      { name: "domain_verified", type: "bool" },
      { name: "domain_verified_host", type: "text", max: 253 },
      { name: "agent_settings", type: "json", maxSize: 65536 },
      { name: "telegram_bot_token", type: "text", hidden: true, max: 128 },
      { name: "telegram_users", type: "json", maxSize: 65536 },
      { name: "agent_rollout_ring", type: "text", max: 64 },
      { name: "created", type: "autodate", onCreate: true, onUpdate: false },
      { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
    ],
    indexes: ["CREATE UNIQUE INDEX idx_tenants_subdomain ON tenants (subdomain)"],
  }));
}, (app) => app.delete(app.findCollectionByNameOrId("tenants")));
