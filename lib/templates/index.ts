export { TemplateError, type TemplateErrorDetails } from "./errors";
export { PLAN_TIERS, defineManifest, manifestSchema, type EnvContext, type Limits, type ManifestIssue, type PlanTier, type ServiceSpec, type TemplateManifest } from "./manifest";
export { getTemplate, latestVersion, listTemplates, listVersions, type TemplateVersion } from "./registry";
export { renderStack, type RenderedStack, type RenderInput } from "./render";
export { findCoolifyViolations, TEMPLATE_LABEL } from "./coolify-rules";
