// The demo's tenant view, version 3: adds rollout_ring (1767225605), the optional column config rollout's canary
// wave is read from (version 2 added custom_domain_verified_host, 1767225604). The read model the program
// loads (config `tenantView`, default agent_tenants), over the demo's own tenants and plans. For a production
// schema (tenants + subscriptions + plans), start
// from pocketbase/examples/1767225800_agent_tenants_view.js instead. The columns are listed in
// lib/tenants/view-fields.ts; `npm run pocketbase:check` checks them on a live instance.
//
// Idempotent: a view carrying the marker comment is ours and gets this SQL (unchanged SQL: nothing is saved); any other collection of that
// name stops the migration with a message, and nothing is changed. Superusers only (null API rules) on create.
const VIEW_NAME = "agent_tenants";
const MARKER = "/* cloudfreedom-agents:tenant-view */";

// Plain columns (`t.x AS y`) keep the source field's type and its hidden flag (telegram_bot_token,
// ai_router_key). LEFT JOIN: a tenant whose plan is gone still shows up, and the loader stops on it
// (naming the tenant) instead of the tenant silently vanishing from the list.
const VIEW_QUERY = `${MARKER}
SELECT
  t.id AS id,
  t.slug AS slug,
  t.name AS name,
  t.status AS status,
  p.id AS plan_id,
  p.name AS plan_name,
  p.tier AS plan_tier,
  p.allowed_templates AS plan_allowed_templates,
  p.models AS plan_models,
  p.limits AS plan_limits,
  t.template AS template,
  t.template_version AS template_version,
  t.custom_domain AS custom_domain,
  t.custom_domain_verified AS custom_domain_verified,
  t.custom_domain_verified_host AS custom_domain_verified_host,
  t.owner_email AS owner_email,
  t.cancelled_at AS cancelled_at,
  t.settings AS settings,
  t.telegram_allow_from AS telegram_allow_from,
  t.telegram_bot_token AS telegram_bot_token,
  t.ai_router_key AS ai_router_key,
  t.rollout_ring AS rollout_ring
FROM tenants t
LEFT JOIN plans p ON p.id = t.plan`;

migrate(
  (app) => {
    let view = null;
    try {
      view = app.findCollectionByNameOrId(VIEW_NAME);
    } catch {
      view = null;
    }
    if (view !== null && (view.type !== "view" || !String(view.viewQuery).includes(MARKER))) {
      throw new Error(
        `cloudfreedom-agents: a ${view.type} collection named "${VIEW_NAME}" already exists and was not created by cloudfreedom-agents ` +
          `(its SQL lacks the marker ${MARKER}). Nothing was changed. Rename that collection, or pick another view name ` +
          "(VIEW_NAME here and `pulumi config set tenantView <name>`).",
      );
    }
    if (view !== null && view.viewQuery === VIEW_QUERY) return;
    view ??= new Collection({ type: "view", name: VIEW_NAME, listRule: null, viewRule: null });
    view.viewQuery = VIEW_QUERY;
    app.save(view);
  },
  // Down: the view keeps this SQL; reverting 1767225605 would break it, so revert this one first with version 2's SQL
  // (apply 1767225611 again), or let 1767225611's down delete the view.
  () => {},
);
