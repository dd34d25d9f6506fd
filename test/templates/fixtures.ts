import { getTemplate, listTemplates, PLAN_TIERS, type PlanTier, type RenderInput } from "../../templates";

/** Clearly fake platform values shared by the template tests. */
export const PLATFORM = {
  aiRouterUrl: "https://ai-router.test.invalid/v1",
  aiRouterKey: "sk-test-router-key-not-real",
  baseDomain: "agents.test.invalid",
};

export const MODELS = ["gpt-4o-mini", "gpt-4o"];

/** Every (template, tier) pair, for table-driven tests. */
export const MATRIX: Array<[string, PlanTier]> = listTemplates().flatMap((id) => PLAN_TIERS.map((tier) => [id, tier] as [string, PlanTier]));

/** The first release of every template: renderer engine 1, kept rendering byte for byte as released. */
export const LEGACY_VERSION = "1.0.0";

/** A valid input for `template` (latest release unless `version`) built from its manifest's example values. */
export function exampleInput(template: string, tier: PlanTier = "pro", slug = "acme", version?: string): RenderInput {
  const manifest = getTemplate(template, version).manifest;
  return {
    template,
    ...(version ? { version } : {}),
    tenant: { slug, settings: structuredClone(manifest.example.settings), secrets: { ...manifest.example.secrets } },
    plan: { tier, models: [...MODELS] },
    platform: { ...PLATFORM },
    domains: manifest.domain ? [`${slug}.${PLATFORM.baseDomain}`] : [],
  };
}
