// Operator command: render one tenant stack without touching Coolify.
//   npm run render -- --template llm-stack --plan pro --tenant acme [--version x.y.z] [--set key=value ...]
//                     [--effective [--show-secrets]]
// --effective prints, instead of the compose, one JSON object with each container's effective environment and
// limits as Coolify 4.3 plus docker compose would produce them: the env rows as the Service provider sends them,
// Coolify's parse, `.env` writer and compose rendering (the emulator's, emulator/preview.ts), loaded by the real
// compose loader (tools/compose-resolve). Values holding a secret are masked unless --show-secrets; Coolify-generated
// secrets are made up for the preview.
// --set keys: `settings.<name>` (or a bare name), `secrets.<name>`, `limits.<cpus|memoryMb|pids>`, `models`
// (comma list), `domains` (comma list), `platform.<aiRouterUrl|aiRouterKey|baseDomain>`. Values are parsed
// as JSON when they parse (numbers, booleans, arrays), otherwise taken as strings.
// Without --set the manifest's example inputs and clearly fake platform values are used.
import { serviceName } from "../providers/service-model";
import { commandLine, exitWithUsage } from "../lib/cli/args";
import { resolveCompose } from "../emulator/deploy/compose-resolver";
import { previewDeployment } from "../emulator/preview";
import { envItems } from "../providers/service-model";
import { PLAN_TIERS, TemplateError, getTemplate, renderStack, type PlanTier, type RenderedStack, type RenderInput } from "../templates";

const SAMPLE_PLATFORM = {
  aiRouterUrl: "https://ai-router.example.invalid/v1",
  aiRouterKey: "sk-SAMPLE-not-a-real-router-key",
  baseDomain: "agents.example.invalid",
};
const SAMPLE_MODELS = ["gpt-4o-mini", "gpt-4o"];
const MASK = "********";

const COMMAND = {
  name: "render",
  usage: `--template <id> --plan <${PLAN_TIERS.join("|")}> --tenant <slug> [--version x.y.z] [--set key=value ...] [--effective [--show-secrets]]`,
  options: {
    template: { type: "string" },
    plan: { type: "string" },
    tenant: { type: "string" },
    version: { type: "string" },
    set: { type: "string", multiple: true },
    effective: { type: "boolean", default: false },
    "show-secrets": { type: "boolean", default: false },
  },
} as const;

function usage(message: string): never {
  return exitWithUsage(COMMAND, message);
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

interface Options {
  input: RenderInput;
  effective: boolean;
  showSecrets: boolean;
}

function buildInput(argv: string[]): Options {
  const { values } = commandLine(COMMAND, argv);
  if (!values.template || !values.plan || !values.tenant) usage("--template, --plan and --tenant are required");
  if (!(PLAN_TIERS as readonly string[]).includes(values.plan)) usage(`--plan must be one of ${PLAN_TIERS.join(", ")}`);
  const manifest = getTemplate(values.template, values.version, values.tenant).manifest;

  const input: RenderInput = {
    template: values.template,
    version: values.version,
    tenant: { slug: values.tenant, settings: { ...manifest.example.settings }, secrets: { ...manifest.example.secrets } },
    plan: { tier: values.plan as PlanTier, models: [...SAMPLE_MODELS] },
    platform: { ...SAMPLE_PLATFORM },
    domains: manifest.domain ? [`${values.tenant}.${SAMPLE_PLATFORM.baseDomain}`] : [],
  };
  for (const assignment of values.set ?? []) {
    const eq = assignment.indexOf("=");
    if (eq <= 0) usage(`--set ${assignment}: expected key=value`);
    const key = assignment.slice(0, eq);
    const raw = assignment.slice(eq + 1);
    const [scope, name] = key.includes(".") ? [key.slice(0, key.indexOf(".")), key.slice(key.indexOf(".") + 1)] : ["settings", key];
    if (key === "models") input.plan.models = raw.split(",").filter(Boolean);
    else if (key === "domains") input.domains = raw.split(",").filter(Boolean);
    else if (scope === "settings") input.tenant.settings[name] = parseValue(raw);
    else if (scope === "secrets") input.tenant.secrets[name] = raw;
    else if (scope === "limits") input.plan.limits = { ...input.plan.limits, [name]: Number(raw) };
    else if (scope === "platform" && name in input.platform) input.platform[name as keyof RenderInput["platform"]] = raw;
    else usage(`--set ${key}: unknown key`);
  }
  if (values["show-secrets"] && !values.effective) usage("--show-secrets only applies to --effective");
  return { input, effective: values.effective === true, showSecrets: values["show-secrets"] === true };
}

/** Each container's effective environment and limits; exits 1 with compose-go's error when compose refuses. */
async function printEffective(input: RenderInput, stack: RenderedStack, showSecrets: boolean): Promise<void> {
  const preview = previewDeployment({
    composeYaml: stack.composeYaml,
    rows: envItems(stack.env),
    urls: stack.domainService ? [{ name: stack.domainService, url: input.domains.map((d) => `https://${d.replace(/^https:\/\//, "").replace(/\/$/, "")}:${stack.domainPort}`).join(",") }] : [],
    names: { service: serviceName(input.tenant.slug) },
  });
  const resolved = await resolveCompose(preview);
  if (!resolved.ok) {
    process.stderr.write(`compose refuses ${stack.templateRef} for tenant ${input.tenant.slug}: ${resolved.error}\n`);
    process.exit(1);
  }
  // A variable is masked when its value holds any secret: a secret env row or a Coolify-generated value.
  const secretKeys = new Set([...stack.secretEnvKeys, ...stack.generatedSecrets]);
  const secrets = preview.service.envs.filter((r) => secretKeys.has(r.key) && r.value).map((r) => r.value as string);
  const mask = (value: string | null) => (!showSecrets && value !== null && secrets.some((s) => value.includes(s)) ? MASK : value);
  const containers = Object.fromEntries(Object.entries(resolved.services).map(([name, service]) => [name, {
    image: service.image,
    limits: service.limits,
    environment: Object.fromEntries(Object.entries(service.environment).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, mask(v)])),
  }]));
  const out = { template: stack.templateRef, tenant: input.tenant.slug, plan: input.plan.tier, containers, warnings: resolved.warnings };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

async function main(): Promise<void> {
  try {
    const { input, effective, showSecrets } = buildInput(process.argv.slice(2));
    const stack = renderStack(input);
    if (effective) return await printEffective(input, stack, showSecrets);
    const secret = new Set(stack.secretEnvKeys);
    const lines = [
      `# ${stack.templateRef} for tenant ${input.tenant.slug} (plan ${input.plan.tier})`,
      `# domain service: ${stack.domainService || "(none)"}${stack.domainPort ? `:${stack.domainPort}` : ""}`,
      `# Coolify-generated secrets: ${stack.generatedSecrets.join(", ") || "(none)"}`,
      "# --- compose.yaml ---",
      stack.composeYaml.trimEnd(),
      "# --- env rows (secret values masked) ---",
      ...Object.entries(stack.env).map(([key, value]) => `${key}=${secret.has(key) && value !== "" ? MASK : JSON.stringify(value)}`),
      ...(Object.keys(stack.composeValues).length > 0
        ? ["# --- values written into the compose, before encoding ---", ...Object.entries(stack.composeValues).map(([key, value]) => `${key}=${JSON.stringify(value)}`)]
        : []),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } catch (error) {
    // A TemplateError is the operator's input (unknown template, invalid setting); anything else is ours, and
    // still one line: the stack trace says nothing an operator can act on.
    process.stderr.write(`${error instanceof TemplateError ? "" : "render failed: "}${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

void main();
