export { TemplateError, type TemplateErrorDetails } from "./errors";
export { PLAN_TIERS, defineManifest, manifestSchema, type EnvContext, type Limits, type ManifestIssue, type PlanTier, type ServiceSpec, type TemplateManifest } from "./manifest";
export { compareSemver, loadCompose, type TemplateVersion } from "./template-version";
export { renderVersion, type RenderedStack, type TenantRenderInput } from "./render";
export { findCoolifyViolations, TEMPLATE_LABEL } from "./coolify-rules";
export { EMPTY_VAR, encodeComposeValue } from "./compose-values";
export { reservationOf, type Reservation } from "./reservation";
