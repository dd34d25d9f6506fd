// EXAMPLE tenant view for a production schema: tenants + subscriptions + plans, where the tenant's
// lifecycle lives on its subscription. Copy it into your pb_migrations under a new timestamp
// (e.g. `cp pocketbase/examples/1767225800_agent_tenants_view.js pb_migrations/$(date +%s)_agent_tenants_view.js`),
// then change the SQL below to your collections and field names. The test suite runs this file unchanged
// against the schema in test/pocketbase/production-schema/ (the program deploys from it).
//
// The view is the only thing the program reads: it must have exactly these columns (lib/tenants/view-fields.ts):
//   id, slug, name, status (active | suspended | cancelled),
//   plan_id, plan_name, plan_tier (starter | pro | business), plan_allowed_templates, plan_models, plan_limits,
//   template, template_version, custom_domain, custom_domain_verified, custom_domain_verified_host,
//   owner_email, cancelled_at,
//   settings, telegram_allow_from, and the secrets telegram_bot_token and ai_router_key;
// and optionally rollout_ring (text): the tenant's rollout ring, e.g. "canary" for the first wave of config
// `rollout` (README, "Progressive rollouts"); empty or absent means no ring. Drop the column if you keep no ring.
// `npm run pocketbase:check` checks a live instance against that list, without changing anything.
//
// How PocketBase types a view's columns (its source, core/view.go, parseQueryToFields):
//   - a plain column `x.field AS name` copies the source field: its type, and its hidden flag. Select the
//     secrets this way only, from fields that are hidden: then only superusers ever read them.
//   - `x.id AS name` becomes a relation (fine for plan_id; the view's own `id` stays text).
//   - CAST(<expression> AS TEXT | BOOLEAN | INTEGER | REAL) becomes text, bool or number.
//   - any other expression becomes a json field that is never hidden (so never compute a secret).
//   - `SELECT *` is refused, and PocketBase's column parser does not follow subqueries: use joins.
//
// Idempotent: a view carrying the marker comment is ours and gets this SQL (nothing is saved when the SQL is
// the same; ship a changed SQL as a new migration file with the same code). Any other collection of that
// name stops the migration with a message, and nothing is changed. API rules: superusers only (null) when
// the view is created, kept as they are afterwards.
const VIEW_NAME = "agent_tenants"; // the same as config `tenantView`
const MARKER = "/* cloudfreedom-agents:tenant-view */"; // keep it: it marks the view as ours

// status: the lifecycle comes from the subscription. Any status not mapped here, and a tenant without a
// subscription, passes through unchanged, so the program stops and names the tenant rather than guessing:
// a wrong "cancelled" would tear a stack down.
// LEFT JOINs: a tenant without a subscription or plan still shows up, and the program stops on it by name
// instead of the tenant silently vanishing. One subscription per tenant here; if Billing keeps a history,
// narrow the join to the current one (e.g. `AND s.current = TRUE`), or a tenant appears twice and the
// program stops on the duplicate.
// cancelled_at: when service ended (Stripe's `ended_at`), not when the cancel was requested (`canceled_at`): a
// cancellation at period end is requested weeks before the subscription becomes `canceled`. The program's grace
// period never ends before `teardownGraceDays` after the first run that saw the tenant cancelled anyway; a later
// cancelled_at only extends it.
// custom_domain_verified_host: the host the Admin Portal's DNS check verified; the program attaches the custom
// domain only while custom_domain is that host, so keep the verified host next to the flag.
// rollout_ring: a plain text column of the tenant (the operator's choice of canaries), copied as is.
// Keep comments out of the SQL itself: PocketBase wraps it in a subquery when it creates the view.
const VIEW_QUERY = `${MARKER}
SELECT
  t.id AS id,
  t.subdomain AS slug,
  t.company AS name,
  CAST(CASE
    WHEN s.status IN ('active', 'trialing', 'past_due') THEN 'active'
    WHEN s.status IN ('paused', 'unpaid') THEN 'suspended'
    WHEN s.status IN ('canceled', 'incomplete_expired') THEN 'cancelled'
    ELSE COALESCE(s.status, 'no subscription')
  END AS TEXT) AS status,
  p.id AS plan_id,
  p.code AS plan_name,
  p.agent_tier AS plan_tier,
  p.agent_templates AS plan_allowed_templates,
  p.ai_models AS plan_models,
  p.agent_limits AS plan_limits,
  t.agent_template AS template,
  t.agent_template_version AS template_version,
  t.domain AS custom_domain,
  t.domain_verified AS custom_domain_verified,
  t.domain_verified_host AS custom_domain_verified_host,
  t.contact_email AS owner_email,
  s.ended_at AS cancelled_at,
  t.agent_settings AS settings,
  t.telegram_users AS telegram_allow_from,
  t.telegram_bot_token AS telegram_bot_token,
  s.router_key AS ai_router_key,
  t.agent_rollout_ring AS rollout_ring
FROM tenants t
LEFT JOIN subscriptions s ON s.tenant = t.id
LEFT JOIN plans p ON p.id = s.plan`;

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
  (app) => {
    try {
      const view = app.findCollectionByNameOrId(VIEW_NAME);
      if (view.type === "view" && String(view.viewQuery).includes(MARKER)) app.delete(view);
    } catch {
      // Already gone.
    }
  },
);
