// Test fixture: a production-like CloudFreedom schema that the product does not own. Plans as Billing keeps
// them, with names of its own; the tenant view maps them to the loader's columns.
migrate((app) => {
  app.save(new Collection({
    type: "base",
    name: "plans",
    fields: [
      { name: "code", type: "text", required: true, max: 64 },
      { name: "title", type: "text", max: 200 },
      { name: "price_cents", type: "number", onlyInt: true },
      { name: "agent_tier", type: "select", maxSelect: 1, values: ["starter", "pro", "business"] },
      { name: "agent_templates", type: "json", maxSize: 65536 },
      { name: "ai_models", type: "json", maxSize: 65536 },
      { name: "agent_limits", type: "json", maxSize: 65536 },
    ],
    indexes: ["CREATE UNIQUE INDEX idx_plans_code ON plans (code)"],
  }));
}, (app) => app.delete(app.findCollectionByNameOrId("plans")));
