// agent_rollouts: one record per stack, the progressive rollout under way or last finished (program/rollout.ts):
// what it rolls out (`release`), its `status` (running, soaking, halted, paused, aborted, done), the current `wave`,
// why it halted, and the whole state (waves, per-tenant outcome, soak start) as JSON. Written by the program in an up
// with config `rollout`, steered by `npm run rollout -- status|pause|resume|abort`. Superusers only (null API rules).
//
// Idempotent: creates the collection when missing, adds missing fields to ours; refuses a foreign collection of the
// same name (it lacks our signature fields) and changes nothing then.
const NAME = "agent_rollouts";
const SIGNATURE = { stack: "text", release: "text", state: "json" };

migrate(
  (app) => {
    let collection = null;
    try {
      collection = app.findCollectionByNameOrId(NAME);
    } catch {
      collection = null;
    }
    if (collection !== null) {
      const ours = collection.type === "base" && Object.entries(SIGNATURE).every(([name, type]) => collection.fields.getByName(name)?.type() === type);
      if (!ours) throw new Error(`cloudfreedom-agents: a collection named "${NAME}" already exists and was not created by cloudfreedom-agents (it lacks stack, release and state). Nothing was changed. Rename or remove it, then apply this migration again.`);
    } else {
      collection = new Collection({ type: "base", name: NAME, listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null });
    }
    const fields = [
      new TextField({ name: "stack", required: true, max: 300 }),
      new TextField({ name: "release", max: 2000 }),
      new TextField({ name: "status", max: 16 }),
      new NumberField({ name: "wave", onlyInt: true, min: 0 }),
      new TextField({ name: "halt_reason", max: 4000 }),
      new JSONField({ name: "state", maxSize: 2097152 }),
      new AutodateField({ name: "created", onCreate: true, onUpdate: false }),
      new AutodateField({ name: "updated", onCreate: true, onUpdate: true }),
    ];
    for (const field of fields) if (!collection.fields.getByName(field.name)) collection.fields.add(field);
    if (collection.getIndex("idx_agent_rollouts_stack") === "") collection.addIndex("idx_agent_rollouts_stack", true, "stack", "");
    app.save(collection);
  },
  (app) => {
    try {
      const collection = app.findCollectionByNameOrId(NAME);
      if (collection.fields.getByName("stack") && collection.fields.getByName("state")) app.delete(collection);
    } catch {
      // Already gone.
    }
  },
);
