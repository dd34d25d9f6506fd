// provisioning: the Pulumi program's write-back, one record per tenant (unique tenant).
// A tenant with a provisioning record cannot be deleted (required relation without cascade):
// tear down first, then delete the record, then the tenant. Superusers only (null API rules).
migrate(
  (app) => {
    const tenants = app.findCollectionByNameOrId("tenants");
    const provisioning = new Collection({
      type: "base",
      name: "provisioning",
      listRule: null,
      viewRule: null,
      createRule: null,
      updateRule: null,
      deleteRule: null,
      fields: [
        { name: "tenant", type: "relation", required: true, collectionId: tenants.id, maxSelect: 1, cascadeDelete: false },
        { name: "coolify_project_uuid", type: "text", required: false, max: 64 },
        { name: "coolify_service_uuid", type: "text", required: false, max: 64 },
        // JSON object: name -> URL, e.g. { "app": "https://acme.example.com" }.
        { name: "urls", type: "json", required: false, maxSize: 65536 },
        // "<template id>@<version>", e.g. "llm-stack@1.0.0".
        { name: "template_ref", type: "text", required: false, max: 128 },
        { name: "status", type: "text", required: false, max: 64 },
        { name: "last_deployed", type: "date", required: false },
        // Hidden: generated credentials the Admin Portal needs; never in non-superuser responses.
        { name: "credentials", type: "json", required: false, hidden: true, maxSize: 65536 },
        { name: "created", type: "autodate", onCreate: true, onUpdate: false },
        { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
      ],
      indexes: ["CREATE UNIQUE INDEX idx_provisioning_tenant ON provisioning (tenant)"],
    });
    app.save(provisioning);
  },
  (app) => {
    app.delete(app.findCollectionByNameOrId("provisioning"));
  },
);
