// provisioning: why a tenant is in its status, when a cancelled tenant's stack is deleted (grace period),
// and what the reconciler last observed (time and error), so the Admin Portal can show all of it.
migrate(
  (app) => {
    const provisioning = app.findCollectionByNameOrId("provisioning");
    provisioning.fields.add(new TextField({ name: "status_reason", required: false, max: 2000 }));
    provisioning.fields.add(new DateField({ name: "delete_after", required: false }));
    provisioning.fields.add(new DateField({ name: "observed_at", required: false }));
    provisioning.fields.add(new TextField({ name: "last_error", required: false, max: 4000 }));
    app.save(provisioning);
  },
  (app) => {
    const provisioning = app.findCollectionByNameOrId("provisioning");
    for (const name of ["status_reason", "delete_after", "observed_at", "last_error"]) provisioning.fields.removeByName(name);
    app.save(provisioning);
  },
);
