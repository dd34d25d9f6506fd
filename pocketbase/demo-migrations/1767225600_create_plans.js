// plans: what a tenant may run (templates), which models the AI Router routes for it,
// and per-template resource overrides. Superusers only (null API rules).
migrate(
  (app) => {
    const plans = new Collection({
      type: "base",
      name: "plans",
      listRule: null,
      viewRule: null,
      createRule: null,
      updateRule: null,
      deleteRule: null,
      fields: [
        { name: "name", type: "text", required: true, presentable: true, max: 64, pattern: "^[a-z][a-z0-9-]*$" },
        { name: "tier", type: "select", required: true, maxSelect: 1, values: ["starter", "pro", "business"] },
        // JSON array of template ids, e.g. ["openclaw", "telegram-bot", "llm-stack"].
        { name: "allowed_templates", type: "json", required: false, maxSize: 65536 },
        // JSON array of model names routed by the AI Router.
        { name: "models", type: "json", required: false, maxSize: 65536 },
        // JSON object: template id -> { cpus?, memoryMb?, pids? }.
        { name: "limits", type: "json", required: false, maxSize: 65536 },
        { name: "created", type: "autodate", onCreate: true, onUpdate: false },
        { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
      ],
      indexes: ["CREATE UNIQUE INDEX idx_plans_name ON plans (name)"],
    });
    app.save(plans);
  },
  (app) => {
    app.delete(app.findCollectionByNameOrId("plans"));
  },
);
