// agent_provisioning_runs: the reconciler's audit trail, one record per run (reconciler/, lib/tenants/runs.ts).
// Demo-only stand-in until the agent collections migration (issue 14) lands and supersedes it. Superusers only.
migrate(
  (app) => {
    const runs = new Collection({
      type: "base",
      name: "agent_provisioning_runs",
      listRule: null,
      viewRule: null,
      createRule: null,
      updateRule: null,
      deleteRule: null,
      fields: [
        { name: "trigger", type: "text", required: false, max: 200 },
        { name: "started", type: "date", required: false },
        { name: "ended", type: "date", required: false },
        // succeeded | failed | refused | cancelled
        { name: "result", type: "text", required: false, max: 32 },
        // { create, update, delete, same }
        { name: "counts", type: "json", required: false, maxSize: 65536 },
        // [{ tenant, message }]
        { name: "failures", type: "json", required: false, maxSize: 1048576 },
        { name: "message", type: "text", required: false, max: 4000 },
        { name: "created", type: "autodate", onCreate: true, onUpdate: false },
        { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
      ],
      indexes: ["CREATE INDEX idx_agent_provisioning_runs_started ON agent_provisioning_runs (started)"],
    });
    app.save(runs);
  },
  (app) => {
    app.delete(app.findCollectionByNameOrId("agent_provisioning_runs"));
  },
);
