// Test fixture: one subscription per tenant, kept by Billing; its status decides the tenant's lifecycle and
// it holds the tenant's own AI Router key (hidden).
migrate((app) => {
  app.save(new Collection({
    type: "base",
    name: "subscriptions",
    fields: [
      { name: "tenant", type: "relation", required: true, maxSelect: 1, collectionId: app.findCollectionByNameOrId("tenants").id, cascadeDelete: false },
      { name: "plan", type: "relation", required: true, maxSelect: 1, collectionId: app.findCollectionByNameOrId("plans").id, cascadeDelete: false },
      { name: "status", type: "select", required: true, maxSelect: 1, values: ["trialing", "active", "past_due", "paused", "unpaid", "canceled", "incomplete_expired"] },
      { name: "router_key", type: "text", hidden: true, max: 512 },
      // Stripe: canceled_at is when the cancel was requested, ended_at when service ended.
      { name: "canceled_at", type: "date" },
      { name: "ended_at", type: "date" },
      { name: "current_period_end", type: "date" },
    ],
    indexes: ["CREATE UNIQUE INDEX idx_subscriptions_tenant ON subscriptions (tenant)"],
  }));
}, (app) => app.delete(app.findCollectionByNameOrId("subscriptions")));
