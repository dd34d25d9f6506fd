// tenants: one CloudFreedom customer each. The slug names every Coolify resource and DNS label,
// so the pattern here matches lib/tenants/tenant.ts. Superusers only (null API rules).
migrate(
  (app) => {
    const plans = app.findCollectionByNameOrId("plans");
    const tenants = new Collection({
      type: "base",
      name: "tenants",
      listRule: null,
      viewRule: null,
      createRule: null,
      updateRule: null,
      deleteRule: null,
      fields: [
        { name: "slug", type: "text", required: true, presentable: true, min: 3, max: 32, pattern: "^[a-z][a-z0-9-]{1,30}[a-z0-9]$" },
        { name: "name", type: "text", required: true, max: 200 },
        { name: "status", type: "select", required: true, maxSelect: 1, values: ["active", "suspended", "cancelled"] },
        // A plan in use cannot be deleted (required relation without cascade).
        { name: "plan", type: "relation", required: true, collectionId: plans.id, maxSelect: 1, cascadeDelete: false },
        { name: "template", type: "text", required: true, max: 64, pattern: "^[a-z][a-z0-9-]*$" },
        // Empty means the latest released version of the template.
        { name: "template_version", type: "text", required: false, max: 64 },
        { name: "custom_domain", type: "text", required: false, max: 253 },
        { name: "settings", type: "json", required: false, maxSize: 65536 },
        // Hidden: never in API responses for non-superusers.
        { name: "telegram_bot_token", type: "text", required: false, hidden: true, max: 128 },
        // JSON array of Telegram user ids allowed to talk to the bot.
        { name: "telegram_allow_from", type: "json", required: false, maxSize: 65536 },
        { name: "created", type: "autodate", onCreate: true, onUpdate: false },
        { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
      ],
      indexes: ["CREATE UNIQUE INDEX idx_tenants_slug ON tenants (slug)"],
    });
    app.save(tenants);
  },
  (app) => {
    app.delete(app.findCollectionByNameOrId("tenants"));
  },
);
